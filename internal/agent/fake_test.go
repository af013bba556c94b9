package agent

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jdcloud-api/jdcloud-sdk-go/core"
	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil"
)

const (
	testEIP  = "fip-test0001"
	testAddr = "114.67.95.123"
	self     = "i-self0001"
	peer     = "i-peer0001"
	third    = "i-third001"
)

// fault is one injected failure: an API error envelope or a Go error.
type fault struct {
	code    int
	status  string
	message string
	goErr   error
}

var (
	fault503  = fault{code: 503, status: "UNAVAILABLE", message: "service unavailable"}
	fault500  = fault{code: 500, status: "INTERNAL", message: "internal error"}
	fault429  = fault{code: 429, status: "RATE_LIMIT_EXCEEDED", message: "slow down"}
	fault401  = fault{code: 401, status: "UNAUTHENTICATED", message: "signature does not match"}
	fault403  = fault{code: 403, status: "PERMISSION_DENIED", message: "not allowed"}
	faultConn = fault{goErr: errors.New("dial tcp 127.0.0.1:1: connection refused")}
)

// fakeCloud models one EIP with the real API's association rules and
// messages (internal/emulator/FIDELITY.md, 1:1 association), plus injected faults and hooks for races.
type fakeCloud struct {
	mu              sync.Mutex
	holder          string // instance ID, "" when unassociated
	nic             string // set with holder "" to model a non-VM holder
	faults          map[string][]fault
	always          map[string]*fault
	calls           []string
	seq             int
	beforeOp        map[string]func(f *fakeCloud) // runs (unlocked) before a call acts, to model the peer racing us
	rejectAssociate map[string]fault              // by instance ID: associate there always fails so
	lag, lagLeft    int                           // describes after an associate that still show PROCESSING and no holder
	releaseLag      int                           // calls after a disassociate that still see the old holder, PROCESSING
	releasing       int
	loseAssociates  int // accepted associates that never take effect
	released        string
	settleFor       time.Duration // on clock: after a disassociate, associates are refused as PROCESSING this long
	clock           *testutil.Clock
	releasedAt      time.Time
	deny            map[string]bool // by call label ("describe", "associate i-x"): 403, as IAM refuses before looking at state
}

func newFakeCloud(holder string) *fakeCloud {
	return &fakeCloud{holder: holder, faults: map[string][]fault{}, always: map[string]*fault{}, beforeOp: map[string]func(*fakeCloud){}}
}

func (f *fakeCloud) inject(call string, fs ...fault) { f.faults[call] = append(f.faults[call], fs...) }

func (f *fakeCloud) setHolder(h string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.holder = h
}

func (f *fakeCloud) getHolder() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.holder
}

func (f *fakeCloud) callLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeCloud) writes() []string {
	var w []string
	for _, c := range f.callLog() {
		if !strings.HasPrefix(c, "describe") {
			w = append(w, c)
		}
	}
	return w
}

// begin records the call and returns the injected fault, if any.
func (f *fakeCloud) begin(call, label string) (reqID string, flt *fault) {
	if hook := f.beforeOp[call]; hook != nil {
		delete(f.beforeOp, call)
		hook(f)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	reqID = fmt.Sprintf("req-%04d", f.seq)
	f.calls = append(f.calls, label)
	if f.deny[label] {
		return reqID, &fault{code: 403, status: "HTTP_FORBIDDEN", message: "Permission denied: " + label}
	}
	if q := f.faults[call]; len(q) > 0 {
		f.faults[call] = q[1:]
		return reqID, &q[0]
	}
	return reqID, f.always[call]
}

func (flt *fault) envelope() core.ErrorResponse {
	return core.ErrorResponse{Code: flt.code, Status: flt.status, Message: flt.message}
}

func (f *fakeCloud) DescribeElasticIp(r *vpcapis.DescribeElasticIpRequest) (*vpcapis.DescribeElasticIpResponse, error) {
	id, flt := f.begin("describe", "describe")
	if flt != nil {
		if flt.goErr != nil {
			return nil, flt.goErr
		}
		return &vpcapis.DescribeElasticIpResponse{RequestID: id, Error: flt.envelope()}, nil
	}
	resp := &vpcapis.DescribeElasticIpResponse{RequestID: id}
	if r.ElasticIpId != testEIP {
		resp.Error = core.ErrorResponse{Code: 404, Status: "NOT_FOUND", Message: "elasticIp not found"}
		return resp, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	e := &resp.Result.ElasticIp
	e.ElasticIpId, e.ElasticIpAddress, e.State, e.Status = testEIP, testAddr, "UP", "NOT_ASSOCIATED"
	if f.lagLeft > 0 {
		f.lagLeft--
		e.State = "PROCESSING"
		return resp, nil
	}
	if f.releasing > 0 {
		f.releasing--
		e.State, e.Status, e.InstanceId, e.NetworkInterfaceId = "PROCESSING", "ASSOCIATED", f.released, "port-"+f.released
		return resp, nil
	}
	if f.holder != "" {
		e.InstanceId, e.InstanceType, e.NetworkInterfaceId, e.Status = f.holder, "compute", "port-"+f.holder, "ASSOCIATED"
	} else if f.nic != "" {
		e.NetworkInterfaceId, e.Status = f.nic, "ASSOCIATED"
	}
	return resp, nil
}

func (f *fakeCloud) AssociateElasticIp(r *vmapis.AssociateElasticIpRequest) (*vmapis.AssociateElasticIpResponse, error) {
	id, flt := f.begin("associate", "associate "+r.InstanceId)
	if flt != nil {
		if flt.goErr != nil {
			return nil, flt.goErr
		}
		return &vmapis.AssociateElasticIpResponse{RequestID: id, Error: flt.envelope()}, nil
	}
	resp := &vmapis.AssociateElasticIpResponse{RequestID: id}
	f.mu.Lock()
	defer f.mu.Unlock()
	settling := f.settleFor > 0 && f.clock.Now().Before(f.releasedAt.Add(f.settleFor))
	if f.releasing > 0 || settling {
		if f.releasing > 0 {
			f.releasing--
		}
		resp.Error = core.ErrorResponse{Code: 400, Status: "FAILED_PRECONDITION", Message: "ElasticIp " + testAddr + " is processing (state PROCESSING), retry later"}
		return resp, nil
	}
	if flt, ok := f.rejectAssociate[r.InstanceId]; ok {
		resp.Error = flt.envelope()
		return resp, nil
	}
	if f.holder != "" || f.nic != "" {
		resp.Error = core.ErrorResponse{Code: 400, Status: "FAILED_PRECONDITION", Message: "ElasticIp " + testAddr + " already in use"}
		return resp, nil
	}
	if f.loseAssociates > 0 {
		f.loseAssociates--
		return resp, nil
	}
	f.holder = r.InstanceId
	f.lagLeft = f.lag
	return resp, nil
}

func (f *fakeCloud) DisassociateElasticIp(r *vmapis.DisassociateElasticIpRequest) (*vmapis.DisassociateElasticIpResponse, error) {
	id, flt := f.begin("disassociate", "disassociate "+r.InstanceId)
	if flt != nil {
		if flt.goErr != nil {
			return nil, flt.goErr
		}
		return &vmapis.DisassociateElasticIpResponse{RequestID: id, Error: flt.envelope()}, nil
	}
	resp := &vmapis.DisassociateElasticIpResponse{RequestID: id}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.holder != r.InstanceId {
		resp.Error = core.ErrorResponse{Code: 400, Status: "FAILED_PRECONDITION", Message: "Elastic ip isn't associated to this instance's primary network interface"}
		return resp, nil
	}
	f.holder = ""
	f.released, f.releasing = r.InstanceId, f.releaseLag
	if f.clock != nil {
		f.releasedAt = f.clock.Now()
	}
	return resp, nil
}

// recorder is a Sink that keeps events.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) Event(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) lines() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, e := range r.events {
		b.WriteString(e.Line())
		b.WriteByte('\n')
	}
	return b.String()
}

func testConfig(t *testing.T) Config {
	t.Helper()
	return Config{
		Region: "cn-east-2", Endpoint: "127.0.0.1:1", Scheme: "http",
		EIPID: testEIP, InstanceID: self, PeerInstanceID: peer,
		Deadline: Duration(30 * time.Second), RequestTimeout: Duration(5 * time.Second),
		LockFile: filepath.Join(t.TempDir(), "agent.lock"), LogTag: "test",
	}
}

func newTestAgent(t *testing.T, cloud Cloud) (*Agent, *testutil.Clock, *recorder) {
	t.Helper()
	clock, rec := testutil.NewClock(), &recorder{}
	return &Agent{Config: testConfig(t), Cloud: cloud, Clock: clock, Log: rec, Jitter: func() float64 { return 0.5 }}, clock, rec
}
