package agent

// Tests against the API emulator through the real SDK: the agent and the
// emulator meet only on the wire.

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil"
)

const emuRegion = "cn-east-2"

// pair is an emulator with two running instances A and B and one EIP.
type pair struct {
	*testutil.Topology
	srv  *emulator.Server
	a, b string
	dir  string
}

func startPair(t testing.TB, seed int64) *pair {
	t.Helper()
	srv, err := emulator.Start(emulator.Options{AccessKey: "AKFAILOVERTEST", SecretKey: "failover-test-secret-key", Region: emuRegion, Latency: "instant", Seed: seed})
	if err != nil {
		t.Fatalf("emulator: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	tp := testutil.MakeTopology(t, srv, []string{"nginx-master", "nginx-backup"}, nil)
	return &pair{Topology: tp, srv: srv, a: tp.Instances[0], b: tp.Instances[1], dir: t.TempDir()}
}

// place puts the EIP on instance on ("": on none).
func (p *pair) place(t testing.TB, on string) {
	t.Helper()
	p.Settle(t)
	if h := p.Holder(t); h != "" {
		r, err := p.VM.DisassociateElasticIp(vmapis.NewDisassociateElasticIpRequest(emuRegion, h, p.EIP))
		testutil.APIOK(t, "DisassociateElasticIp", err, r.Error)
		p.Settle(t)
	}
	if on != "" {
		p.Associate(t, on)
	}
}

// agent returns the agent of node self (peer is the other one), with the
// node's own lock file and the real clock.
func (p *pair) agent(t testing.TB, self string, rec Sink) *Agent {
	peer := p.a
	if self == p.a {
		peer = p.b
	}
	cfg := Config{Region: emuRegion, Endpoint: p.srv.Endpoint, Scheme: "http", EIPID: p.EIP,
		InstanceID: self, PeerInstanceID: peer, Deadline: Duration(30 * time.Second),
		RequestTimeout: Duration(5 * time.Second), LockFile: filepath.Join(p.dir, self+".lock"), LogTag: "test"}
	return &Agent{Config: cfg, Cloud: NewSDKCloud(cfg, Credentials{AccessKey: p.srv.AccessKey, SecretKey: p.srv.SecretKey}), Log: rec}
}

// succeeded counts answered-200 calls of one kind since before.
func succeeded(before, after emulator.Stats, call string) int {
	return after.ByCall[call]["200"] - before.ByCall[call]["200"]
}

func TestEmulatorTakeoverMovesFromPeer(t *testing.T) {
	p := startPair(t, 1)
	p.place(t, p.a)
	before := p.srv.Emulator.Stats()
	rec := &recorder{}
	if err := p.agent(t, p.b, rec).Takeover(context.Background()); err != nil {
		t.Fatalf("Takeover: %v\n%s", err, rec.lines())
	}
	if h := p.Holder(t); h != p.b {
		t.Fatalf("EIP on %q, want %q", h, p.b)
	}
	after := p.srv.Emulator.Stats()
	if d, a := succeeded(before, after, "vm.DisassociateElasticIp"), succeeded(before, after, "vm.AssociateElasticIp"); d != 1 || a != 1 {
		t.Fatalf("want one disassociate and one associate, got %d and %d", d, a)
	}
	// Again: already here, so not a single write.
	before = after
	if err := p.agent(t, p.b, rec).Takeover(context.Background()); err != nil {
		t.Fatalf("second Takeover: %v", err)
	}
	after = p.srv.Emulator.Stats()
	if n := after.Calls["vm.AssociateElasticIp"] + after.Calls["vm.DisassociateElasticIp"] - before.Calls["vm.AssociateElasticIp"] - before.Calls["vm.DisassociateElasticIp"]; n != 0 {
		t.Fatalf("takeover with the EIP already here sent %d write calls", n)
	}
}

func TestEmulatorThirdInstanceRefused(t *testing.T) {
	p := startPair(t, 2)
	p.place(t, p.a)
	a := p.agent(t, p.b, nil)
	a.Config.PeerInstanceID = "i-notthepeer"
	if err := a.Takeover(context.Background()); ExitCode(err) != ExitGaveUp {
		t.Fatalf("want exit 1 refusing, got %v", err)
	}
	if h := p.Holder(t); h != p.a {
		t.Fatalf("EIP moved off the third instance to %q", h)
	}
}

func TestEmulatorBadCredentialsExit2(t *testing.T) {
	p := startPair(t, 3)
	a := p.agent(t, p.b, nil)
	cfg := a.Config
	a.Cloud = NewSDKCloud(cfg, Credentials{AccessKey: p.srv.AccessKey, SecretKey: "wrong-secret"})
	if err := a.Takeover(context.Background()); ExitCode(err) != ExitConfig {
		t.Fatalf("wrong secret: want exit 2, got %v (exit %d)", err, ExitCode(err))
	}
}

func TestEmulatorConcurrentTakeoversOnOneNodeMoveOnce(t *testing.T) {
	p := startPair(t, 4)
	p.place(t, p.a)
	before := p.srv.Emulator.Stats()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = p.agent(t, p.b, nil).Takeover(context.Background()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	after := p.srv.Emulator.Stats()
	// Accepted calls: an associate refused while the release is PROCESSING is retried.
	if d, a := succeeded(before, after, "vm.DisassociateElasticIp"), succeeded(before, after, "vm.AssociateElasticIp"); d != 1 || a != 1 {
		t.Fatalf("the lock should allow exactly one move: %d disassociate and %d associate calls accepted", d, a)
	}
	if h := p.Holder(t); h != p.b {
		t.Fatalf("EIP on %q, want %q", h, p.b)
	}
}

func TestEmulatorConcurrentTakeoversFromBothNodes(t *testing.T) {
	p := startPair(t, 5)
	for round := range 12 {
		start := []string{p.a, p.b, ""}[round%3]
		faults := round >= 6 // the second half also with 30% failed calls
		t.Run(fmt.Sprintf("round%d-start-%s-faults-%v", round, start, faults), func(t *testing.T) {
			p.srv.Emulator.SetFaults(emulator.Faults{})
			p.place(t, start)
			if faults {
				f, err := emulator.ParseFaults("500=0.1,503=0.1,429=0.1")
				if err != nil {
					t.Fatal(err)
				}
				p.srv.Emulator.SetFaults(f)
			}
			var wg sync.WaitGroup
			errs := map[string]error{}
			var mu sync.Mutex
			for _, node := range []string{p.a, p.b} {
				wg.Go(func() {
					err := p.agent(t, node, nil).Takeover(context.Background())
					mu.Lock()
					errs[node] = err
					mu.Unlock()
				})
			}
			wg.Wait()
			p.srv.Emulator.SetFaults(emulator.Faults{})
			h := p.Holder(t)
			if h != p.a && h != p.b {
				t.Fatalf("EIP ends on %q, not on one of the pair (errors: %v)", h, errs)
			}
			if errs[h] != nil {
				t.Fatalf("the agent of the node holding the EIP failed: %v", errs[h])
			}
		})
	}
}

func TestEmulatorTakeoverSurvives30PercentFailures(t *testing.T) {
	for _, tc := range []struct {
		seed   int64
		faults string
	}{{11, "500=0.3"}, {12, "500=0.3"}, {13, "500=0.3"}, {14, "500=0.1,503=0.1,drop=0.1"}, {15, "429=0.15,drop=0.15"}} {
		t.Run(fmt.Sprintf("seed%d-%s", tc.seed, tc.faults), func(t *testing.T) {
			p := startPair(t, tc.seed)
			p.place(t, p.a)
			f, err := emulator.ParseFaults(tc.faults)
			if err != nil {
				t.Fatal(err)
			}
			p.srv.Emulator.SetFaults(f)
			rec := &recorder{}
			a := p.agent(t, p.b, rec)
			if err := a.Takeover(context.Background()); err != nil {
				t.Fatalf("Takeover with 30%% failures: %v\n%s", err, rec.lines())
			}
			p.srv.Emulator.SetFaults(emulator.Faults{})
			if h := p.Holder(t); h != p.b {
				t.Fatalf("EIP on %q, want %q", h, p.b)
			}
			st := p.srv.Emulator.Stats()
			if st.Status["500"]+st.Status["503"]+st.Status["429"]+st.Status["dropped"] == 0 {
				t.Fatalf("no fault was injected, the test proves nothing: %+v", st.Status)
			}
		})
	}
}
