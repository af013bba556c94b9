package agent

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil"
)

// daemonRun drives a Daemon on a fake clock. The script runs before every
// read of the VRRP state with the fake time elapsed since the start; it
// returns the state, or "" to stop the daemon.
type daemonRun struct {
	d     *Daemon
	cloud *fakeCloud
	clock *testutil.Clock
	rec   *recorder
	start time.Time
	state string
}

func newDaemonRun(t *testing.T, holder string, priority, peerPriority int) *daemonRun {
	t.Helper()
	cloud := newFakeCloud(holder)
	clock, rec := testutil.NewClock(), &recorder{}
	cfg := testConfig(t)
	cfg.VerifyInterval, cfg.YieldDelay = Duration(DefaultVerifyInterval), Duration(DefaultYieldDelay)
	cfg.Priority, cfg.PeerPriority = priority, peerPriority
	r := &daemonRun{cloud: cloud, clock: clock, rec: rec, start: clock.Now()}
	r.d = &Daemon{Config: cfg, Cloud: cloud, Clock: clock, Log: rec, Jitter: func() float64 { return 0.5 }}
	return r
}

// run runs the daemon until script returns "" (or 1 h of fake time passes).
func (r *daemonRun) run(t *testing.T, script func(elapsed time.Duration) string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.d.State = func() (string, string) {
		el := r.clock.Now().Sub(r.start)
		s := script(el)
		if s == "" || el > time.Hour {
			cancel()
			s = r.state
		}
		r.state = s
		return s, "scripted"
	}
	if err := r.d.Run(ctx); err != context.Canceled {
		t.Fatalf("Run returned %v, want context.Canceled", err)
	}
}

// hold runs the daemon in one VRRP state for d of fake time.
func (r *daemonRun) hold(t *testing.T, state string, d time.Duration) {
	t.Helper()
	r.run(t, func(el time.Duration) string {
		if el > d {
			return ""
		}
		return state
	})
}

// moveAfter is a step for a script: the first time it runs past at, it
// moves the EIP to holder ("": to none) behind the daemon's back, as the
// peer's agent would. It returns when that was (0: not yet).
func (r *daemonRun) moveAfter(at time.Duration, holder string) func(elapsed time.Duration) time.Duration {
	var moved time.Duration
	return func(el time.Duration) time.Duration {
		if el > at && moved == 0 {
			r.cloud.setHolder(holder)
			moved = el
		}
		return moved
	}
}

// count returns how many calls with the given label prefix were made.
func count(calls []string, prefix string) int {
	n := 0
	for _, c := range calls {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}

func TestDaemonBackupNeverTouchesTheEIP(t *testing.T) {
	r := newDaemonRun(t, peer, 100, 150)
	r.hold(t, StateBackup, 30*time.Minute)
	// Only the describe at start (to learn the holder for the fast path).
	if calls := r.cloud.callLog(); len(calls) != 1 || calls[0] != "describe" {
		t.Fatalf("a BACKUP made calls: %v", calls)
	}
	if s := r.d.Status(); s.VRRPState != StateBackup || s.EIPLocation != "peer" || s.Problem() != "" {
		t.Fatalf("status %+v", s)
	}
}

func TestDaemonTakeoverNeedsTwoRoundTripsThenVerifies(t *testing.T) {
	r := newDaemonRun(t, peer, 100, 150)
	var atMaster int
	r.run(t, func(el time.Duration) string {
		if el < 10*time.Second {
			return StateBackup
		}
		if atMaster == 0 {
			atMaster = len(r.cloud.callLog())
		}
		if r.cloud.getHolder() == self || el > time.Minute {
			return ""
		}
		return StateMaster
	})
	calls := r.cloud.callLog()[atMaster:]
	// The EIP is here after exactly: disassociate from the peer, associate here.
	if len(calls) < 2 || calls[0] != "disassociate "+peer || calls[1] != "associate "+self {
		t.Fatalf("takeover calls %v, want disassociate %s, associate %s first", calls, peer, self)
	}
	if r.cloud.getHolder() != self {
		t.Fatalf("EIP on %q", r.cloud.getHolder())
	}
}

func TestDaemonVerifiesAfterAssociateThroughProcessing(t *testing.T) {
	r := newDaemonRun(t, peer, 150, 100)
	r.cloud.lag = 3
	r.run(t, func(el time.Duration) string {
		if s := r.d.Status(); s.Moves == 1 || el > time.Minute {
			return ""
		}
		return StateMaster
	})
	calls := r.cloud.callLog()
	if s := r.d.Status(); s.Moves != 1 || s.EIPLocation != "here" {
		t.Fatalf("status %+v after %v", s, calls)
	}
	// describe at start, the move, then 3 PROCESSING describes and one showing it here.
	if n := count(calls, "describe"); n != 5 || len(r.cloud.writes()) != 2 {
		t.Fatalf("calls %v: want 5 describes and 2 writes", calls)
	}
}

// An API outage far longer than any deadline: the MASTER keeps trying with
// capped backoff and has the EIP within seconds of the API coming back.
func TestDaemonNeverGivesUpDuringAnOutage(t *testing.T) {
	for _, name := range []string{"describe", "disassociate", "associate"} {
		t.Run(name, func(t *testing.T) {
			r := newDaemonRun(t, peer, 100, 150)
			r.cloud.always[name] = &fault503
			var back time.Duration
			r.run(t, func(el time.Duration) string {
				if el > 10*time.Minute && back == 0 {
					delete(r.cloud.always, name)
					back = el
				}
				if back > 0 && r.cloud.getHolder() == self || el > 20*time.Minute {
					return ""
				}
				return StateMaster
			})
			if r.cloud.getHolder() != self {
				t.Fatalf("EIP on %q after the outage; calls: %d", r.cloud.getHolder(), len(r.cloud.callLog()))
			}
			if took := r.clock.Now().Sub(r.start) - back; took > 10*time.Second {
				t.Fatalf("EIP here %s after the API came back, want ≤ 10s", took)
			}
			// Capped backoff: a pass (describe, maybe a write) per 2.5-5 s, not a hot loop.
			if n := len(r.cloud.callLog()); n > 2*10*60/2.5 {
				t.Fatalf("%d calls in a 10-minute outage: backoff not applied", n)
			}
		})
	}
}

func TestDaemonHealsAnOutOfBandDisassociation(t *testing.T) {
	for _, prio := range []struct {
		name       string
		self, peer int
	}{{"higher", 150, 100}, {"lower", 100, 150}} {
		t.Run(prio.name, func(t *testing.T) {
			r := newDaemonRun(t, self, prio.self, prio.peer)
			var removed time.Duration
			var steadyDescribes int
			r.run(t, func(el time.Duration) string {
				if el >= time.Minute && removed == 0 {
					steadyDescribes = count(r.cloud.callLog(), "describe")
					r.cloud.setHolder("")
					removed = el
				}
				if removed > 0 && r.cloud.getHolder() == self || el > 5*time.Minute {
					return ""
				}
				return StateMaster
			})
			if took := r.clock.Now().Sub(r.start) - removed; r.cloud.getHolder() != self || took > 10*time.Second {
				t.Fatalf("EIP on %q %s after the out-of-band disassociation", r.cloud.getHolder(), took)
			}
			// Steady state: one describe per verify interval (5 s ± 10 %).
			if steadyDescribes < 10 || steadyDescribes > 14 {
				t.Fatalf("%d describes in the first steady minute, want about 12", steadyDescribes)
			}
		})
	}
}

// A move in flight is abandoned the moment the node leaves MASTER: the
// associate after the disassociate is not sent.
func TestDaemonAbandonsAMoveWhenLeavingMaster(t *testing.T) {
	r := newDaemonRun(t, peer, 100, 150)
	left := false
	r.cloud.beforeOp["disassociate"] = func(*fakeCloud) { left = true }
	r.run(t, func(el time.Duration) string {
		if el > 10*time.Minute {
			return ""
		}
		if left {
			return StateBackup
		}
		return StateMaster
	})
	if w := r.cloud.writes(); len(w) != 1 || w[0] != "disassociate "+peer {
		t.Fatalf("writes %v: want only the disassociate that was in flight", w)
	}
	if !strings.Contains(r.rec.lines(), "outcome=abandoned") {
		t.Fatalf("no abandoned event:\n%s", r.rec.lines())
	}
}

// Split brain, lower-priority side: it takes the EIP at the start of its
// MASTER term, the higher-priority peer takes it back, and then it leaves it
// there for the rest of the term (one move away, one back). A new term
// (BACKUP, then MASTER again) takes it again.
func TestDaemonLowerPriorityYieldsInASplitBrain(t *testing.T) {
	r := newDaemonRun(t, peer, 100, 150)
	retaken, newTerm := false, false
	var writesAtYield int
	r.run(t, func(el time.Duration) string {
		switch {
		case !retaken && r.cloud.getHolder() == self:
			r.cloud.setHolder(peer) // the peer's agent takes it back
			retaken = true
		case retaken && !newTerm && el > 10*time.Minute:
			writesAtYield = len(r.cloud.writes())
			newTerm = true
			return StateBackup
		case newTerm && r.cloud.getHolder() == self:
			return ""
		case el > 20*time.Minute:
			return ""
		}
		return StateMaster
	})
	if writesAtYield != 2 {
		t.Fatalf("writes during the split brain: %d, want 2 (one move here, then yield): %v", writesAtYield, r.cloud.writes())
	}
	if r.cloud.getHolder() != self {
		t.Fatalf("a new MASTER term must take the EIP again; on %q", r.cloud.getHolder())
	}
	if !strings.Contains(r.rec.lines(), "outcome=yield") {
		t.Fatalf("no yield event:\n%s", r.rec.lines())
	}
}

// The higher-priority side takes the EIP back whenever it is MASTER.
func TestDaemonHigherPriorityRetakes(t *testing.T) {
	r := newDaemonRun(t, self, 150, 100)
	moveAway := r.moveAfter(30*time.Second, peer)
	r.run(t, func(el time.Duration) string {
		if moveAway(el) > 0 && r.cloud.getHolder() == self || el > 10*time.Minute {
			return ""
		}
		return StateMaster
	})
	if r.cloud.getHolder() != self {
		t.Fatalf("EIP on %q", r.cloud.getHolder())
	}
}

// The lower-priority MASTER does not take an EIP that left it at once: the
// higher-priority peer may be moving it (disassociated, not yet associated).
func TestDaemonLowerPriorityDefersOnNoHolder(t *testing.T) {
	r := newDaemonRun(t, self, 100, 150)
	disassociate := r.moveAfter(30*time.Second, "") // the peer's disassociate
	r.run(t, func(el time.Duration) string {
		if gone := disassociate(el); gone > 0 && el > gone+time.Second && r.cloud.getHolder() == "" {
			r.cloud.setHolder(peer) // ...and its associate, a second later
		}
		if el > 5*time.Minute {
			return ""
		}
		return StateMaster
	})
	if r.cloud.getHolder() != peer || len(r.cloud.writes()) != 0 {
		t.Fatalf("EIP on %q, writes %v: the lower node must leave the peer's move alone", r.cloud.getHolder(), r.cloud.writes())
	}
}

func TestDaemonRetriesAnAssociateRefusedRightAfterTheDisassociate(t *testing.T) {
	r := newDaemonRun(t, peer, 150, 100)
	r.cloud.inject("associate", fault{code: 400, status: "FAILED_PRECONDITION", message: "elastic ip is PROCESSING"},
		fault{code: 400, status: "FAILED_PRECONDITION", message: "elastic ip is PROCESSING"})
	r.run(t, func(el time.Duration) string {
		if r.cloud.getHolder() == self || el > time.Minute {
			return ""
		}
		return StateMaster
	})
	if r.cloud.getHolder() != self {
		t.Fatalf("EIP on %q; calls %v", r.cloud.getHolder(), r.cloud.callLog())
	}
}

// On a cloud that settles a release asynchronously, the first takeover
// learns how long that takes (refused associates); later takeovers wait it
// out and need exactly 2 round trips before the move, and the verify after
// the move finds it done at the first describe.
func TestDaemonLearnsHowLongAReleaseTakes(t *testing.T) {
	r := newDaemonRun(t, peer, 150, 100)
	r.cloud.clock, r.cloud.settleFor = r.clock, 30*time.Millisecond
	var marks []int // call-log lengths when each MASTER term began
	phase := 0
	r.run(t, func(el time.Duration) string {
		switch phase {
		case 0, 2: // MASTER until the EIP is here
			if len(marks) < phase/2+1 {
				marks = append(marks, len(r.cloud.callLog()))
			}
			if r.cloud.getHolder() == self && r.d.Status().Moves == phase/2+1 {
				phase++
			}
			if el > time.Minute {
				return ""
			}
			return StateMaster
		case 1: // back to BACKUP; the peer takes the EIP back
			phase++
			r.cloud.setHolder(peer)
			return StateBackup
		}
		return ""
	})
	if len(marks) != 2 || r.cloud.getHolder() != self {
		t.Fatalf("terms %v, EIP on %q; calls %v", marks, r.cloud.getHolder(), r.cloud.callLog())
	}
	log := r.cloud.callLog()
	first, second := log[marks[0]:marks[1]], log[marks[1]:]
	if count(first, "associate") < 2 {
		t.Fatalf("first takeover %v: want the associate refused while the release settles", first)
	}
	want := []string{"disassociate " + peer, "associate " + self, "describe"}
	if len(second) < 3 || strings.Join(second[:3], ",") != strings.Join(want, ",") {
		t.Fatalf("second takeover %v, want %v first (release, wait, associate, one verify)", second, want)
	}
	if r.d.settle < 30*time.Millisecond || r.d.settle > maxSettle {
		t.Fatalf("learned settle %s, want ≥ the cloud's 30ms", r.d.settle)
	}
	if got := r.d.Status().ReleaseSettleMS; got != r.d.settle.Milliseconds() {
		t.Fatalf("status shows release_settle_ms %d, learned %s", got, r.d.settle)
	}

	// A restarted daemon given what the last one learned (the command reads
	// it from status.json) needs no refused associate at its first takeover.
	again := newDaemonRun(t, peer, 150, 100)
	again.cloud.clock, again.cloud.settleFor = again.clock, 30*time.Millisecond
	again.d.Settle = r.d.settle
	again.run(t, func(el time.Duration) string {
		if again.d.Status().Moves == 1 || el > time.Minute {
			return ""
		}
		return StateMaster
	})
	if w := again.cloud.writes(); len(w) != 2 || w[0] != "disassociate "+peer || w[1] != "associate "+self {
		t.Fatalf("first takeover after a restart: writes %v, want one disassociate and one associate", w)
	}
}

// After a term as BACKUP the daemon guesses the EIP followed the peer. When
// it did not (a short flap), the guess costs refused calls and a describe,
// never a release of the EIP from this node.
func TestDaemonWrongFastPathGuessKeepsTheEIP(t *testing.T) {
	r := newDaemonRun(t, self, 150, 100)
	r.run(t, func(el time.Duration) string {
		switch {
		case el < 10*time.Second:
			return StateMaster
		case el < 11*time.Second:
			return StateBackup
		case el < 30*time.Second:
			return StateMaster
		}
		return ""
	})
	if r.cloud.getHolder() != self || count(r.cloud.writes(), "disassociate "+self) != 0 {
		t.Fatalf("EIP on %q, writes %v", r.cloud.getHolder(), r.cloud.writes())
	}
	if s := r.d.Status(); s.EIPLocation != "here" || s.Problem() != "" {
		t.Fatalf("status %+v", s)
	}
}

// Right after a disassociate the API may still show the old holder as
// PROCESSING and refuse the associate: the lower-priority node must not
// read that as "the peer took it" (yield), nor give up.
func TestDaemonReleaseStillProcessing(t *testing.T) {
	for _, prio := range []int{100, 200} {
		r := newDaemonRun(t, peer, prio, 150)
		r.cloud.releaseLag = 4
		r.d.holderAt = time.Time{}
		r.run(t, func(el time.Duration) string {
			if r.cloud.getHolder() == self || el > time.Minute {
				return ""
			}
			return StateMaster
		})
		if r.cloud.getHolder() != self || strings.Contains(r.rec.lines(), "outcome=yield") {
			t.Fatalf("priority %d: EIP on %q; events:\n%s", prio, r.cloud.getHolder(), r.rec.lines())
		}
	}
}

// An associate the API accepted but that never took effect is sent again
// after a few settled describes, not watched for the whole verify budget.
func TestDaemonReassociatesALostAssociate(t *testing.T) {
	r := newDaemonRun(t, "", 150, 100)
	r.cloud.loseAssociates = 1
	r.run(t, func(el time.Duration) string {
		if r.cloud.getHolder() == self || el > time.Minute {
			return ""
		}
		return StateMaster
	})
	if r.cloud.getHolder() != self || count(r.cloud.writes(), "associate") != 2 {
		t.Fatalf("EIP on %q, writes %v", r.cloud.getHolder(), r.cloud.writes())
	}
	if took := r.clock.Now().Sub(r.start); took > 5*time.Second {
		t.Fatalf("took %s", took)
	}
}

func TestDaemonNeverTakesFromAThirdInstance(t *testing.T) {
	r := newDaemonRun(t, third, 150, 100)
	r.hold(t, StateMaster, 5*time.Minute)
	if w := r.cloud.writes(); len(w) != 0 || r.d.Status().Problem() == "" {
		t.Fatalf("writes %v, status %+v", w, r.d.Status())
	}
}

func TestLocalState(t *testing.T) {
	cfg := testConfig(t)
	cfg.RunDir = t.TempDir()
	addrs := []net.Addr{&net.IPNet{IP: net.ParseIP("10.0.1.18"), Mask: net.CIDRMask(24, 32)}}
	alive := map[int]bool{}
	defaultPID := filepath.Join(t.TempDir(), "vrrp.pid")
	ls := LocalState{Config: cfg, Addrs: func() ([]net.Addr, error) { return addrs, nil }, Alive: func(pid int) bool { return alive[pid] },
		DefaultPIDFiles: []string{defaultPID}}
	expect := func(want string) {
		t.Helper()
		if got, why := ls.Current(); got != want {
			t.Fatalf("state %s (%s), want %s", got, why, want)
		}
	}
	expect(StateUnknown)
	if err := WriteStateRecord(cfg.StateRecordPath(), StateRecord{State: StateMaster, KeepalivedPID: 42}); err != nil {
		t.Fatal(err)
	}
	alive[42] = true
	expect(StateMaster)
	alive[42] = false // keepalived killed with SIGKILL: no hook ran
	expect(StateStop)

	// With vrrp_address, the kernel decides, not the order the hooks ran in.
	alive[42] = true
	ls.Config.VRRPAddress = "192.0.2.1/32"
	expect(StateBackup)
	addrs = append(addrs, &net.IPNet{IP: net.ParseIP("192.0.2.1"), Mask: net.CIDRMask(32, 32)})
	if err := WriteStateRecord(cfg.StateRecordPath(), StateRecord{State: StateBackup, KeepalivedPID: 42}); err != nil {
		t.Fatal(err)
	}
	expect(StateMaster)

	// A report without a pid (run by hand): keepalived's default pid file decides.
	if err := WriteStateRecord(cfg.StateRecordPath(), StateRecord{State: StateBackup}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(defaultPID, []byte("44\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	expect(StateStop)
	alive[44] = true
	expect(StateMaster)

	// A pid file wins over the recorded pid.
	pidFile := filepath.Join(t.TempDir(), "vrrp.pid")
	if err := os.WriteFile(pidFile, []byte("43\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ls.Config.KeepalivedPIDFile = pidFile
	expect(StateStop)
	alive[43] = true
	expect(StateMaster)
}

// The learned settle time follows the cloud: set by the first refusal,
// 10 % less after each wait that was enough, never again below a wait that
// was too short, and at most doubled by one slow release.
func TestDaemonSettleEstimate(t *testing.T) {
	d := &Daemon{}
	ms, us := time.Millisecond, time.Microsecond
	for _, step := range []struct {
		refused         bool
		waited, elapsed time.Duration
		want            time.Duration
	}{
		{false, 0, 5 * ms, 0}, // a cloud that settles at once: nothing learned
		{true, 0, 40 * ms, 40 * ms},
		{false, 40 * ms, 41 * ms, 36 * ms},
		{false, 36 * ms, 37 * ms, 32400 * us},
		{true, 32400 * us, 45 * ms, 45 * ms}, // 32.4 ms was too short: the floor from now on
		{false, 45 * ms, 46 * ms, 40500 * us},
		{false, 0, 0, 36450 * us},
		{false, 0, 0, 35640 * us}, // 10 % above the floor, and no lower
		{false, 0, 0, 35640 * us},
		{true, 35640 * us, 3 * time.Second, 71280 * us}, // one slow release: at most doubled
	} {
		d.learnSettle(step.refused, step.waited, step.elapsed)
		if d.settle != step.want {
			t.Fatalf("after refused=%v waited=%s elapsed=%s: settle %s, want %s", step.refused, step.waited, step.elapsed, d.settle, step.want)
		}
	}
	d.settle = maxSettle
	d.learnSettle(true, maxSettle, time.Hour)
	if d.settle != maxSettle {
		t.Fatalf("settle %s above the cap %s", d.settle, maxSettle)
	}
}
