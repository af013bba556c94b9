//go:build linux

package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/agent"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil"
)

var stateRe = regexp.MustCompile(`(?i)\(VI_1\):? entering (MASTER|BACKUP|FAULT) state`)

// vrrpState is node i's VRRP state as last logged by its running keepalived
// ("" before its first transition or when not running).
func (l *lab) vrrpState(i int) string {
	if !l.kaRunning(i) {
		return ""
	}
	m := stateRe.FindAllStringSubmatch(l.ka[i].Output(), -1)
	if len(m) == 0 {
		return ""
	}
	return strings.ToUpper(m[len(m)-1][1])
}

// checkHealthy reports whether node i's health check last succeeded (and has
// run at least once since keepalived started).
func (l *lab) checkHealthy(i int) bool {
	if !l.kaRunning(i) {
		return false
	}
	out := l.ka[i].Output()
	ok := strings.LastIndex(out, "VRRP_Script(chk_health) succeeded")
	bad := strings.LastIndex(out, "VRRP_Script(chk_health) failed")
	return ok >= 0 && ok > bad
}

// holder is the instance holding the EIP, straight from the emulator.
func (l *lab) holder() string { return emulatorEIPHolder(l.srv, l.eipID) }

func (l *lab) eipProcessing() bool { return emulatorEIPProcessing(l.srv, l.eipID) }

func (l *lab) holderName() string { return roleOf(l.holder(), l.vmID) }

// daemonStatus is node i's daemon's status.json ("" state when unreadable).
func (l *lab) daemonStatus(i int) agent.DaemonStatus {
	var s agent.DaemonStatus
	if b, err := os.ReadFile(l.agentCfg[i].StatusPath()); err == nil {
		_ = json.Unmarshal(b, &s)
	}
	return s
}

// steady checks, over a window of adverts, that the EIP stays on node want
// and that node stays MASTER: "the EIP stays" is an absence of change, which
// only watching for a while can show.
func (l *lab) steady(want int, window time.Duration) {
	l.t.Helper()
	end := time.Now().Add(window)
	for time.Now().Before(end) {
		if h := l.holder(); h != l.vmID[want] {
			l.t.Fatalf("the EIP left the %s; %s", roles[want], l.describe())
		}
		if s := l.vrrpState(want); s != "MASTER" {
			l.t.Fatalf("the %s is %s, not MASTER; %s", roles[want], s, l.describe())
		}
		time.Sleep(20 * time.Millisecond) // sampling during the window
	}
}

// pollInterval is the longest wait between two looks at the lab's state.
const pollInterval = 50 * time.Millisecond

// poll waits until cond holds, failing the test with what after timeout.
func (l *lab) poll(what string, timeout time.Duration, cond func() bool) {
	l.t.Helper()
	if !testutil.Wait(timeout, pollInterval, cond) {
		l.t.Fatalf("%s: not within %s; %s", what, timeout, l.describe())
	}
}

// describe is the lab's state for failure messages.
func (l *lab) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "at %s: EIP on %s; VRRP master=%q backup=%q; web master=%v backup=%v; agents running master=%v backup=%v",
		time.Now().Format("15:04:05.000"), l.holderName(), l.vrrpState(0), l.vrrpState(1), l.webUp(0), l.webUp(1), l.agentRunning(0), l.agentRunning(1))
	for i := range roles {
		if l.ka[i] != nil {
			fmt.Fprintf(&b, "\n--- %s keepalived (last 40 lines):\n%s", roles[i], lastLines(l.ka[i].Output(), 40))
		}
		if l.agentd[i] != nil {
			fmt.Fprintf(&b, "\n--- %s agent daemon (running %v; last 25 lines):\n%s", roles[i], l.daemonUp(i), lastLines(l.agentd[i].Output(), 25))
		}
	}
	fmt.Fprintf(&b, "\n--- agent API calls (last 20):\n%s", l.rec.tail(20))
	return b.String()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// logf logs with the wall-clock time, to line up with keepalived's log.
func (l *lab) logf(format string, args ...any) {
	l.t.Helper()
	l.t.Logf("%s "+format, append([]any{time.Now().Format("15:04:05.000")}, args...)...)
}

func (l *lab) checkKeepalivedLogs() {
	l.mu.Lock()
	defer l.mu.Unlock()
	dir := os.Getenv("JDHA_E2E_LOGDIR") // keep every keepalived's log, for diagnosis
	for n, p := range l.allKA {
		if dir != "" {
			name := filepath.Join(dir, fmt.Sprintf("%s-%02d-%s-keepalived.log", strings.ReplaceAll(l.t.Name(), "/", "_"), n, l.kaRole[n]))
			if err := os.WriteFile(name, []byte(p.Output()), 0o644); err != nil {
				l.t.Errorf("saving keepalived's log: %v", err)
			}
		}
		for _, line := range testutil.KeepalivedComplaints(p.Output()) {
			l.t.Errorf("keepalived (pid %d) logged %q", p.PID(), line)
		}
	}
}

// recorder wraps the emulator served in the cloud namespace: it logs each
// agent request and, from the emulator's OnChange, when the EIP's holder
// changed.
type recorder struct {
	emu *emulator.Emulator

	mu      sync.Mutex
	vmID    [2]string
	calls   []apiCall
	changes []holderChange
	last    string
}

// apiCall is one request an agent made to the emulator in the cloud namespace.
type apiCall struct {
	At, End time.Time
	From    string // client IP
	Method  string
	Path    string
	Status  int
}

// holderChange is when the emulator's EIP holder changed (took effect: an
// asynchronous association counts when its PROCESSING ends, not when a
// client next looks).
type holderChange struct {
	At     time.Time
	Holder string
}

func (r *recorder) setEIP(id string, vms [2]string) {
	now := ""
	if e := r.emu.Snapshot().ElasticIps[id]; e != nil {
		now = e.InstanceId
	}
	r.mu.Lock()
	r.vmID, r.last = vms, now
	r.mu.Unlock()
	// Called with the emulator locked: takes only r.mu, which is never held
	// while calling the emulator.
	r.emu.OnChange(func(st emulator.State) {
		at, holder := time.Now(), ""
		if e := st.ElasticIps[id]; e != nil {
			holder = e.InstanceId
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if holder != r.last {
			r.changes = append(r.changes, holderChange{At: at, Holder: holder})
			r.last = holder
		}
	})
}

func (r *recorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		start := time.Now()
		sw := &emulator.StatusRecorder{ResponseWriter: w, Status: http.StatusOK}
		next.ServeHTTP(sw, req)
		end := time.Now()
		host, _, _ := net.SplitHostPort(req.RemoteAddr)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.calls = append(r.calls, apiCall{At: start, End: end, From: host, Method: req.Method, Path: req.URL.Path, Status: sw.Status})
	})
}

// since returns the calls from ip (any if "") and holder changes after t.
func (r *recorder) since(t time.Time, ip string) (calls []apiCall, changes []holderChange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.calls {
		if !c.At.Before(t) && (ip == "" || c.From == ip) {
			calls = append(calls, c)
		}
	}
	for _, c := range r.changes {
		if !c.At.Before(t) {
			changes = append(changes, c)
		}
	}
	return calls, changes
}

func (r *recorder) tail(n int) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	calls := r.calls
	if len(calls) > n {
		calls = calls[len(calls)-n:]
	}
	var b strings.Builder
	for _, c := range calls {
		fmt.Fprintf(&b, "%s %s %s %s %d\n", c.At.Format("15:04:05.000"), c.From, c.Method, c.Path, c.Status)
	}
	return b.String()
}

// failover is one measured failover: from the injected fault to the EIP's
// new holder in the emulator.
type failover struct {
	Total  time.Duration // fault -> EIP on the new holder
	Detect time.Duration // fault -> the new holder's agent's first API call (keepalived's part)
	Agent  time.Duration // first API call -> EIP on the new holder (the agent's part)
	Calls  int           // API calls the new holder's agent made (recorder)
	Stats  int           // emulator Stats().Total delta over the same run
}

// measureFailover injects fault, waits until the EIP is on node to and its
// agents have finished, and reports the timings.
func (l *lab) measureFailover(to int, fault func()) failover {
	l.t.Helper()
	l.settled()
	before := l.srv.Emulator.Stats().Total
	t0 := time.Now()
	fault()
	l.poll(fmt.Sprintf("the EIP moves to the %s", roles[to]), 30*time.Second, func() bool { return l.holder() == l.vmID[to] })
	l.poll(fmt.Sprintf("the %s is MASTER", roles[to]), 30*time.Second, func() bool { return l.vrrpState(to) == "MASTER" })
	l.settled()
	calls, changes := l.rec.since(t0, privateIP[to])
	f := failover{Calls: len(calls), Stats: l.srv.Emulator.Stats().Total - before}
	for _, c := range changes {
		if c.Holder == l.vmID[to] {
			f.Total = c.At.Sub(t0)
			break
		}
	}
	if len(calls) > 0 {
		f.Detect = calls[0].At.Sub(t0)
		f.Agent = f.Total - f.Detect
	}
	if f.Total == 0 {
		l.t.Fatalf("the emulator's EIP holder changed to the %s without an agent request from it; %s", roles[to], l.describe())
	}
	return f
}

type durations []time.Duration

func (d durations) sorted() durations {
	s := append(durations(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s
}

func (d durations) median() time.Duration {
	s := d.sorted()
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func (d durations) max() time.Duration {
	s := d.sorted()
	if len(s) == 0 {
		return 0
	}
	return s[len(s)-1]
}
