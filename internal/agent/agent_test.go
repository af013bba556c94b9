package agent

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func wantCalls(t *testing.T, f *fakeCloud, want ...string) {
	t.Helper()
	if got := f.callLog(); !slices.Equal(got, want) {
		t.Fatalf("calls:\n got  %q\n want %q", got, want)
	}
}

func TestTakeoverAlreadyHereWritesNothing(t *testing.T) {
	cloud := newFakeCloud(self)
	a, _, rec := newTestAgent(t, cloud)
	if err := a.Takeover(context.Background()); err != nil {
		t.Fatalf("Takeover: %v", err)
	}
	wantCalls(t, cloud, "describe")
	if !strings.Contains(rec.lines(), "nothing to do") {
		t.Fatalf("log does not say there was nothing to do:\n%s", rec.lines())
	}
}

func TestTakeoverMovesFromPeer(t *testing.T) {
	cloud := newFakeCloud(peer)
	a, _, rec := newTestAgent(t, cloud)
	if err := a.Takeover(context.Background()); err != nil {
		t.Fatalf("Takeover: %v", err)
	}
	wantCalls(t, cloud, "describe", "disassociate "+peer, "associate "+self, "describe")
	if h := cloud.getHolder(); h != self {
		t.Fatalf("EIP ends on %q, want %q", h, self)
	}
	// Every API call is logged with its request ID.
	log := rec.lines()
	for _, id := range []string{"req-0001", "req-0002", "req-0003", "req-0004"} {
		if !strings.Contains(log, "request_id="+id) {
			t.Fatalf("log lacks request ID %s:\n%s", id, log)
		}
	}
}

func TestTakeoverAssociatesUnassociated(t *testing.T) {
	cloud := newFakeCloud("")
	a, _, _ := newTestAgent(t, cloud)
	if err := a.Takeover(context.Background()); err != nil {
		t.Fatalf("Takeover: %v", err)
	}
	wantCalls(t, cloud, "describe", "associate "+self, "describe")
}

func TestTakeoverRefusesThirdInstance(t *testing.T) {
	for name, setup := range map[string]func(*fakeCloud){
		"third instance":     func(f *fakeCloud) { f.holder = third },
		"non-VM network nic": func(f *fakeCloud) { f.holder, f.nic = "", "port-lb0001" },
	} {
		t.Run(name, func(t *testing.T) {
			cloud := newFakeCloud("")
			setup(cloud)
			a, _, rec := newTestAgent(t, cloud)
			err := a.Takeover(context.Background())
			if code := ExitCode(err); code != ExitGaveUp {
				t.Fatalf("exit %d (%v), want 1", code, err)
			}
			if w := cloud.writes(); len(w) != 0 {
				t.Fatalf("refusal made write calls: %q", w)
			}
			var loud bool
			for _, e := range rec.events {
				loud = loud || (e.Loud && e.Outcome == "refused")
			}
			if !loud || !strings.Contains(err.Error(), "refusing") {
				t.Fatalf("refusal not logged loudly: err=%v\n%s", err, rec.lines())
			}
		})
	}
}

func TestTakeoverRetriesServerErrorsUntilSuccess(t *testing.T) {
	cloud := newFakeCloud(peer)
	cloud.inject("describe", fault503, faultConn, fault429)
	cloud.inject("disassociate", fault500, fault429)
	cloud.inject("associate", fault503, faultConn)
	a, clock, rec := newTestAgent(t, cloud)
	if err := a.Takeover(context.Background()); err != nil {
		t.Fatalf("Takeover: %v\n%s", err, rec.lines())
	}
	if h := cloud.getHolder(); h != self {
		t.Fatalf("EIP on %q, want here", h)
	}
	if n := len(cloud.callLog()); n != 4+3+2+2 {
		t.Fatalf("%d calls, want 11 (4 plus 7 retries): %q", n, cloud.callLog())
	}
	if clock.Sleeps() < 7 {
		t.Fatalf("retries did not back off: %d sleeps", clock.Sleeps())
	}
	if !strings.Contains(rec.lines(), "outcome=retry") {
		t.Fatalf("retries not logged:\n%s", rec.lines())
	}
}

func TestTakeoverGivesUpAtDeadline(t *testing.T) {
	cloud := newFakeCloud(peer)
	cloud.always["describe"] = &fault503
	a, clock, _ := newTestAgent(t, cloud)
	err := a.Takeover(context.Background())
	if code := ExitCode(err); code != ExitGaveUp {
		t.Fatalf("exit %d (%v), want 1", code, err)
	}
	if !strings.Contains(err.Error(), "deadline") || !strings.Contains(err.Error(), "UNAVAILABLE") {
		t.Fatalf("error should name the deadline and the last failure: %v", err)
	}
	if len(cloud.writes()) != 0 || len(cloud.callLog()) < 5 {
		t.Fatalf("want several describes and no writes, got %q", cloud.callLog())
	}
	if clock.Slept() < 30*time.Second || clock.Slept() > 31*time.Second {
		t.Fatalf("fake time slept %v, want the 30s deadline", clock.Slept())
	}
}

func TestTakeoverAuthErrorsExit2(t *testing.T) {
	for _, flt := range []fault{fault401, fault403} {
		cloud := newFakeCloud(peer)
		cloud.always["describe"] = &flt
		a, _, _ := newTestAgent(t, cloud)
		err := a.Takeover(context.Background())
		if code := ExitCode(err); code != ExitConfig {
			t.Fatalf("%s: exit %d (%v), want 2", flt.status, code, err)
		}
		if n := len(cloud.callLog()); n != 1 {
			t.Fatalf("%s: %d calls, want 1 (no retry)", flt.status, n)
		}
	}
	// Unknown EIP ID: a config error too.
	cloud := newFakeCloud(peer)
	a, _, _ := newTestAgent(t, cloud)
	a.Config.EIPID = "fip-nosuch"
	if err := a.Takeover(context.Background()); ExitCode(err) != ExitConfig || !strings.Contains(err.Error(), "eip_id") {
		t.Fatalf("unknown EIP: %v (exit %d), want exit 2 naming eip_id", err, ExitCode(err))
	}
}

func TestTakeoverLostRaceRedescribesAndMoves(t *testing.T) {
	cloud := newFakeCloud("")
	// The peer's agent associates just before ours does.
	cloud.beforeOp["associate"] = func(f *fakeCloud) { f.setHolder(peer) }
	a, _, _ := newTestAgent(t, cloud)
	if err := a.Takeover(context.Background()); err != nil {
		t.Fatalf("Takeover: %v", err)
	}
	wantCalls(t, cloud, "describe", "associate "+self, "describe", "describe", "disassociate "+peer, "associate "+self, "describe")
}

func TestTakeoverInUseByOurOwnLostAnswerIsDone(t *testing.T) {
	// The associate succeeds but its answer is lost; the retry finds the EIP
	// "in use" - by us. One describe settles it, even past the deadline.
	cloud := newFakeCloud(peer)
	a, clock, _ := newTestAgent(t, cloud)
	cloud.beforeOp["associate"] = func(f *fakeCloud) {
		f.setHolder(self)
		clock.Advance(time.Minute)
	}
	if err := a.Takeover(context.Background()); err != nil {
		t.Fatalf("Takeover: %v", err)
	}
	wantCalls(t, cloud, "describe", "disassociate "+peer, "associate "+self, "describe")
}

func TestTakeoverToleratesPeerAlreadyReleased(t *testing.T) {
	cloud := newFakeCloud(peer)
	cloud.beforeOp["disassociate"] = func(f *fakeCloud) { f.setHolder("") }
	a, _, _ := newTestAgent(t, cloud)
	if err := a.Takeover(context.Background()); err != nil {
		t.Fatalf("Takeover: %v", err)
	}
	wantCalls(t, cloud, "describe", "disassociate "+peer, "associate "+self, "describe")
}

func TestTakeoverFinishesMoveAfterCancelAndDeadline(t *testing.T) {
	t.Run("cancelled during disassociate", func(t *testing.T) {
		cloud := newFakeCloud(peer)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		cloud.beforeOp["disassociate"] = func(*fakeCloud) { cancel() }
		a, _, _ := newTestAgent(t, cloud)
		if err := a.Takeover(ctx); err != nil {
			t.Fatalf("a started move must be finished and verified: %v", err)
		}
		if h := cloud.getHolder(); h != self {
			t.Fatalf("EIP on %q after cancel, want here", h)
		}
	})
	t.Run("deadline passes during disassociate", func(t *testing.T) {
		cloud := newFakeCloud(peer)
		a, clock, _ := newTestAgent(t, cloud)
		cloud.beforeOp["disassociate"] = func(*fakeCloud) { clock.Advance(31 * time.Second) }
		cloud.inject("associate", fault503, fault503)
		if err := a.Takeover(context.Background()); err != nil {
			t.Fatalf("associate after our disassociate must run within the grace: %v", err)
		}
		if h := cloud.getHolder(); h != self {
			t.Fatalf("EIP on %q, want here", h)
		}
	})
	t.Run("cancelled before anything was released", func(t *testing.T) {
		cloud := newFakeCloud(peer)
		ctx, cancel := context.WithCancel(context.Background())
		cloud.beforeOp["describe"] = func(*fakeCloud) { cancel() }
		a, _, _ := newTestAgent(t, cloud)
		err := a.Takeover(ctx)
		if ExitCode(err) != ExitGaveUp || len(cloud.writes()) != 0 || cloud.getHolder() != peer {
			t.Fatalf("cancel before the move: err=%v writes=%q holder=%s", err, cloud.writes(), cloud.getHolder())
		}
	})
}

func TestTakeoverRollsBackWhenAssociateRefused(t *testing.T) {
	cloud := newFakeCloud(peer)
	cloud.inject("associate", fault403)
	a, _, rec := newTestAgent(t, cloud)
	err := a.Takeover(context.Background())
	if ExitCode(err) != ExitConfig {
		t.Fatalf("exit %d (%v), want 2", ExitCode(err), err)
	}
	if h := cloud.getHolder(); h != peer {
		t.Fatalf("after a refused associate the EIP must be back on the peer, is on %q\n%s", h, rec.lines())
	}
	wantCalls(t, cloud, "describe", "disassociate "+peer, "associate "+self, "associate "+peer)
}

func TestTakeoverWaitsForLockAndGivesUp(t *testing.T) {
	cloud := newFakeCloud(peer)
	a, _, rec := newTestAgent(t, cloud)
	unlock, ok, err := tryLock(a.Config.LockFile, true)
	if err != nil || !ok {
		t.Fatalf("tryLock: ok=%v err=%v", ok, err)
	}
	defer unlock()
	err = a.Takeover(context.Background())
	if ExitCode(err) != ExitGaveUp || !strings.Contains(err.Error(), "lock") {
		t.Fatalf("want exit 1 waiting for the lock, got %v", err)
	}
	if n := len(cloud.callLog()); n != 0 {
		t.Fatalf("no API call may happen without the lock, got %q", cloud.callLog())
	}
	if !strings.Contains(rec.lines(), "another run holds") {
		t.Fatalf("lock wait not logged:\n%s", rec.lines())
	}
}

func TestTakeoverBadLockFileIsConfigError(t *testing.T) {
	a, _, _ := newTestAgent(t, newFakeCloud(self))
	a.Config.LockFile = "/nonexistent-dir-for-test/x.lock"
	if err := a.Takeover(context.Background()); ExitCode(err) != ExitConfig || !strings.Contains(err.Error(), "lock_file") {
		t.Fatalf("want exit 2 naming lock_file, got %v", err)
	}
}

func TestNotifyOnlyMasterActs(t *testing.T) {
	for _, state := range []string{"BACKUP", "FAULT", "STOP", "DELETED", ""} {
		cloud := newFakeCloud(peer)
		a, _, rec := newTestAgent(t, cloud)
		if err := a.Notify(context.Background(), "INSTANCE", "VI_1", state, "100"); err != nil {
			t.Fatalf("%s: %v", state, err)
		}
		if n := len(cloud.callLog()); n != 0 {
			t.Fatalf("notify %s made API calls: %q", state, cloud.callLog())
		}
		if !strings.Contains(rec.lines(), "state="+state) {
			t.Fatalf("notify %s not logged:\n%s", state, rec.lines())
		}
	}
	cloud := newFakeCloud(peer)
	a, _, _ := newTestAgent(t, cloud)
	if err := a.Notify(context.Background(), "INSTANCE", "VI_1", "MASTER", "101"); err != nil {
		t.Fatalf("MASTER: %v", err)
	}
	if h := cloud.getHolder(); h != self {
		t.Fatalf("notify MASTER left the EIP on %q", h)
	}
}

func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		holder, nic string
		code        int
		location    string
	}{{self, "", 0, "here"}, {peer, "", 1, "peer"}, {"", "", 1, "none"}, {third, "", 1, "other"}, {"", "port-x", 1, "other"}} {
		cloud := newFakeCloud(tc.holder)
		cloud.nic = tc.nic
		a, _, _ := newTestAgent(t, cloud)
		var out bytes.Buffer
		a.Out = &out
		err := a.Status(context.Background())
		if ExitCode(err) != tc.code || !strings.HasPrefix(out.String(), "location="+tc.location+" ") {
			t.Fatalf("holder %q: exit %d, output %q; want %d, location=%s", tc.holder, ExitCode(err), out.String(), tc.code, tc.location)
		}
		if len(cloud.writes()) != 0 {
			t.Fatalf("status wrote: %q", cloud.writes())
		}
	}
	cloud := newFakeCloud(self)
	cloud.always["describe"] = &fault401
	a, _, _ := newTestAgent(t, cloud)
	if err := a.Status(context.Background()); ExitCode(err) != ExitConfig {
		t.Fatalf("status with 401: %v, want exit 2", err)
	}
}

func TestExitCode(t *testing.T) {
	if ExitCode(nil) != 0 || ExitCode(errors.New("x")) != 1 || ExitCode(&ConfigError{Msg: "x"}) != 2 {
		t.Fatal("ExitCode mapping wrong")
	}
}

func TestLoggerWritesOneLinePerEvent(t *testing.T) {
	var buf bytes.Buffer
	l := NewLogger(&buf, "tag1", false)
	l.Event(Event{Step: "associate", Call: "vm.AssociateElasticIp", RequestID: "abc", Attempt: 2, Duration: 1500 * time.Microsecond, Outcome: "retry", Detail: "503 UNAVAILABLE: a\nb"})
	l.Event(Event{Step: "notify", Outcome: "ignored"})
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %q", buf.String())
	}
	for _, want := range []string{" tag1: step=associate", "call=vm.AssociateElasticIp", "request_id=abc", "attempt=2", "duration=2ms", "outcome=retry", `detail="503 UNAVAILABLE: a\nb"`} {
		if !strings.Contains(lines[0], want) {
			t.Fatalf("line %q lacks %q", lines[0], want)
		}
	}
}

type fakeSyslog struct{ info, warning []string }

func (f *fakeSyslog) Info(m string) error    { f.info = append(f.info, m); return nil }
func (f *fakeSyslog) Warning(m string) error { f.warning = append(f.warning, m); return nil }
func (f *fakeSyslog) Close() error           { return nil }

func TestLoggerSendsLoudEventsAsSyslogWarnings(t *testing.T) {
	var buf bytes.Buffer
	sl := &fakeSyslog{}
	l := NewLogger(&buf, "tag1", false)
	l.syslog = sl
	l.Event(Event{Step: "describe", Outcome: "refused", Loud: true, Detail: "held by i-x"})
	l.Event(Event{Step: "notify", Outcome: "ignored"})
	if len(sl.warning) != 1 || len(sl.info) != 1 || !strings.Contains(sl.warning[0], "outcome=refused") || strings.Contains(sl.info[0], "tag1") {
		t.Fatalf("syslog got warnings %q info %q", sl.warning, sl.info)
	}
}

func TestTakeoverLocksCredentialsFileWhenLockFileUnusable(t *testing.T) {
	cloud := newFakeCloud(peer)
	a, _, rec := newTestAgent(t, cloud)
	a.Config.LockFile = "/nonexistent-dir-for-test/x.lock"
	a.Config.CredentialsFile = filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(a.Config.CredentialsFile, []byte("access_key = a\nsecret_key = b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Held elsewhere: the agent must wait for it, so the fallback really locks.
	unlock, ok, err := tryLock(a.Config.CredentialsFile, false)
	if err != nil || !ok {
		t.Fatalf("tryLock: %v %v", ok, err)
	}
	if err := a.Takeover(context.Background()); ExitCode(err) != ExitGaveUp || len(cloud.callLog()) != 0 {
		t.Fatalf("with the credentials file locked elsewhere: %v, calls %q", err, cloud.callLog())
	}
	unlock()
	if err := a.Takeover(context.Background()); err != nil {
		t.Fatalf("Takeover: %v", err)
	}
	if !strings.Contains(rec.lines(), "locking the credentials file instead") {
		t.Fatalf("fallback not logged:\n%s", rec.lines())
	}
}

func TestTakeoverNeverLeavesEIPOnNoneWhenAssociateKeepsFailing(t *testing.T) {
	stopped := fault{code: 400, status: "FAILED_PRECONDITION", message: "Instance " + self + " is stopped"}
	cloud := newFakeCloud(peer)
	cloud.rejectAssociate = map[string]fault{self: stopped}
	a, _, rec := newTestAgent(t, cloud)
	err := a.Takeover(context.Background())
	if ExitCode(err) != ExitGaveUp || !strings.Contains(err.Error(), "is stopped") {
		t.Fatalf("want exit 1 naming the last rejection, got %v", err)
	}
	if h := cloud.getHolder(); h != peer {
		t.Fatalf("EIP ends on %q; every failed move must be rolled back to the peer\n%s", h, rec.lines())
	}
	var moves, rollbacks int
	for _, c := range cloud.writes() {
		switch c {
		case "disassociate " + peer:
			moves++
		case "associate " + peer:
			rollbacks++
		}
	}
	if moves != 1 || rollbacks != 1 {
		t.Fatalf("want one move rolled back and no flapping, got %d moves and %d rollbacks", moves, rollbacks)
	}
	// With the EIP on no instance, retrying cannot hurt anyone: it retries until the deadline.
	cloud = newFakeCloud("")
	cloud.rejectAssociate = map[string]fault{self: stopped}
	a, _, _ = newTestAgent(t, cloud)
	err = a.Takeover(context.Background())
	if ExitCode(err) != ExitGaveUp || !strings.Contains(err.Error(), "deadline") || !strings.Contains(err.Error(), "is stopped") || len(cloud.writes()) < 2 {
		t.Fatalf("unassociated EIP with a refused associate: %v, writes %q", err, cloud.writes())
	}
}
