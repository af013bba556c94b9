package agent

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloudapi"
)

// Daemon keeps the EIP on this node while keepalived says it is MASTER, and
// never touches it otherwise. It is level-triggered: every pass looks at the
// VRRP state as it is now (not at the last event) and, while MASTER, at
// where the EIP is, so a missed hook, an API outage or an out-of-band change
// heals at the next pass. See the package doc ("Daemon") for the rules.
type Daemon struct {
	Config Config
	Cloud  Cloud
	Clock  jdcloudapi.Clock
	Log    Sink
	Jitter func() float64
	// State returns this node's VRRP state now (default LocalState).
	State func() (state, why string)
	// Wake delivers keepalived's notifications (any value: "look again").
	Wake <-chan struct{}
	// OnStatus, if set, receives the status after every change (the
	// command writes status.json and the metrics file from it).
	OnStatus func(DaemonStatus)
	// Settle is the release settle time an earlier run learned (the command
	// reads it from the last status.json), so a restarted daemon's first
	// takeover needs no refused associate either.
	Settle time.Duration

	mu     sync.Mutex
	status DaemonStatus

	// The current MASTER term (reset on every entry into MASTER).
	term struct {
		master   bool
		lastSeen Where // last placement seen (or caused) during this term; -1 none yet
		yielded  bool  // the peer took the EIP while this node was MASTER: leave it
		deferTil time.Time
	}
	holder   Where // last known holder across terms (for the fast path)
	holderAt time.Time
	// settle is how long this cloud takes to finish a release before it
	// accepts the associate (learned; 0 until one was refused as
	// PROCESSING, as with a cloud that applies changes at once). Waiting it
	// out keeps a takeover at 2 round trips instead of refused retries.
	settle time.Duration
	// tooShort is the longest wait after which an associate was still
	// refused: the estimate never shrinks back below it (plus 10 %), so
	// probing for a faster cloud costs one refused call, not one every few
	// takeovers.
	tooShort   time.Duration
	failures   int
	processing int // consecutive PROCESSING answers
	nextVerify time.Time
	calls      atomic.Int64
}

// DaemonStatus is what status, status.json and the metrics file show.
type DaemonStatus struct {
	VRRPState        string    `json:"vrrp_state"`
	VRRPDetail       string    `json:"vrrp_detail,omitempty"`
	EIPID            string    `json:"eip_id"`
	InstanceID       string    `json:"instance_id"`
	EIPLocation      string    `json:"eip_location"` // here, peer, none, other, unknown
	EIPHolder        string    `json:"eip_holder,omitempty"`
	EIPSeenAt        time.Time `json:"eip_seen_at,omitzero"`
	LastReconcile    time.Time `json:"last_reconcile,omitzero"`
	LastOutcome      string    `json:"last_outcome,omitempty"`
	LastError        string    `json:"last_error,omitempty"`
	LastErrorAt      time.Time `json:"last_error_at,omitzero"`
	Moves            int       `json:"moves"`
	APICalls         int64     `json:"api_calls"`
	Yielding         bool      `json:"yielding,omitempty"`
	ReleaseSettleMS  int64     `json:"release_settle_ms,omitempty"` // learned: how long the cloud takes to settle a release
	UpdatedAt        time.Time `json:"updated_at"`
	ConsecutiveFails int       `json:"consecutive_failures,omitempty"`
}

// Problem says what monitoring should alert on, or "" when all is well.
func (s DaemonStatus) Problem() string {
	if s.VRRPState == StateMaster && s.EIPLocation != WhereHere.String() {
		return "this node is MASTER but the EIP is " + s.EIPLocation
	}
	return ""
}

const (
	// localPoll is how often the daemon re-reads the local VRRP state
	// between notifications (cheap: a file and the address list).
	localPoll = 250 * time.Millisecond
	// verifyPolls bounds the describes after an associate before re-deciding.
	verifyPolls = 20
)

var errLeftMaster = errors.New("this node left MASTER")

func (d *Daemon) clock() jdcloudapi.Clock {
	if d.Clock == nil {
		return jdcloudapi.RealClock{}
	}
	return d.Clock
}

func (d *Daemon) jitter() float64 {
	if d.Jitter == nil {
		return rand.Float64()
	}
	return d.Jitter()
}

func (d *Daemon) event(e Event) {
	if d.Log != nil {
		d.Log.Event(e)
	}
}

func (d *Daemon) vrrp() (string, string) {
	if d.State == nil {
		return LocalState{Config: d.Config}.Current()
	}
	return d.State()
}

// isMaster is asked before every mutating call.
func (d *Daemon) isMaster() bool {
	s, _ := d.vrrp()
	return s == StateMaster
}

// higher reports whether this node wins a split brain.
func (d *Daemon) higher() bool {
	if d.Config.Priority != d.Config.PeerPriority {
		return d.Config.Priority > d.Config.PeerPriority
	}
	return d.Config.InstanceID < d.Config.PeerInstanceID
}

// Status returns a copy of the current status.
func (d *Daemon) Status() DaemonStatus {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.status
}

func (d *Daemon) update(f func(s *DaemonStatus)) {
	d.mu.Lock()
	f(&d.status)
	d.status.UpdatedAt = d.clock().Now()
	d.status.APICalls = d.calls.Load()
	d.status.ConsecutiveFails = d.failures
	s := d.status
	d.mu.Unlock()
	if d.OnStatus != nil {
		d.OnStatus(s)
	}
}

func (d *Daemon) saw(p Placement) {
	d.holder, d.holderAt = p.Where, d.clock().Now()
	if d.term.master {
		d.term.lastSeen = p.Where
	}
	d.update(func(s *DaemonStatus) {
		s.EIPLocation, s.EIPHolder, s.EIPSeenAt = p.Where.String(), p.holder(), d.clock().Now()
	})
}

func (d *Daemon) fail(err error, detail string) {
	d.failures++
	d.event(Event{Step: "reconcile", Outcome: "error", Detail: detail + ": " + err.Error(), Loud: true})
	d.update(func(s *DaemonStatus) {
		s.LastError, s.LastErrorAt, s.LastOutcome = detail+": "+err.Error(), d.clock().Now(), "error"
	})
}

// backoff is capped and jittered, and never ends while MASTER.
func (d *Daemon) backoff() time.Duration {
	return jdcloudapi.Policy{BaseDelay: 200 * time.Millisecond, MaxDelay: 5 * time.Second, Jitter: d.jitter}.Backoff(d.failures)
}

// verifyDelay is verify_interval with ±10 % jitter, so two pairs (or a pair
// after a shared restart) do not describe in lockstep.
func (d *Daemon) verifyDelay() time.Duration {
	iv := time.Duration(d.Config.VerifyInterval)
	if iv <= 0 {
		iv = DefaultVerifyInterval
	}
	return iv - iv/10 + time.Duration(d.jitter()*float64(iv/5))
}

// Run reconciles until ctx ends. It returns only ctx's error.
func (d *Daemon) Run(ctx context.Context) error {
	d.term.lastSeen = -1
	d.settle = min(max(d.Settle, 0), maxSettle)
	d.update(func(s *DaemonStatus) {
		s.EIPID, s.InstanceID, s.EIPLocation, s.VRRPState = d.Config.EIPID, d.Config.InstanceID, "unknown", StateUnknown
		s.ReleaseSettleMS = d.settle.Milliseconds()
	})
	d.event(Event{Step: "daemon", Outcome: "start", Detail: fmt.Sprintf("EIP %s, this instance %s, peer %s, verify every %s while MASTER, split-brain winner: %v",
		d.Config.EIPID, d.Config.InstanceID, d.Config.PeerInstanceID, time.Duration(d.Config.VerifyInterval), d.higher())})
	// Learn the holder once at start, whatever the state: a BACKUP then
	// needs only the moves (no describe) if it becomes MASTER.
	d.learnHolder(ctx)
	last := ""
	for ctx.Err() == nil {
		state, why := d.vrrp()
		if state != last {
			d.event(Event{Step: "vrrp", Outcome: strings.ToLower(state), Detail: why, Loud: state == StateUnknown})
			d.update(func(s *DaemonStatus) { s.VRRPState, s.VRRPDetail = state, why })
			if state == StateMaster {
				d.term.master, d.term.lastSeen, d.term.yielded, d.term.deferTil = true, -1, false, time.Time{}
				d.nextVerify = time.Time{} // act now
				d.failures = 0
			} else {
				d.term.master = false
				// Not MASTER, so no describes from here on: guess that the
				// EIP follows the new MASTER, so the next term starts on the
				// fast path (a wrong guess costs a refused call, never a
				// wrong move: the associate is refused while it is here).
				if d.holder == WhereHere {
					d.holder = WherePeer
				}
				d.update(func(s *DaemonStatus) { s.Yielding = false })
			}
			last = state
		}
		wait := localPoll
		if state == StateMaster {
			now := d.clock().Now()
			if !now.Before(d.nextVerify) {
				next := d.reconcile(ctx)
				d.nextVerify = d.clock().Now().Add(next)
			}
			wait = min(wait, max(d.nextVerify.Sub(d.clock().Now()), time.Millisecond))
		}
		if d.wait(ctx, wait) && state == StateMaster {
			// keepalived said something (e.g. rx_lower_pri: a split brain
			// healed): verify now rather than at the next interval, but at
			// most once a second (rx_lower_pri repeats with every advert).
			if soon := d.status.LastReconcile.Add(time.Second); soon.Before(d.nextVerify) {
				d.nextVerify = soon
			}
		}
	}
	return ctx.Err()
}

// wait sleeps d or until a notification (woken) or ctx ends.
func (d *Daemon) wait(ctx context.Context, dur time.Duration) (woken bool) {
	if d.Wake == nil {
		_ = d.clock().Sleep(ctx, dur)
		return false
	}
	select {
	case <-d.Wake:
		return true
	default:
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-d.Wake:
			woken = true
			cancel()
		case <-wctx.Done():
		}
	}()
	_ = d.clock().Sleep(wctx, dur)
	cancel()
	<-done
	return woken
}

func (d *Daemon) learnHolder(ctx context.Context) {
	p, err := d.describe(ctx, "start")
	if err != nil {
		d.event(Event{Step: "start", Outcome: "error", Detail: "could not learn the EIP's holder (the first MASTER pass describes it): " + err.Error()})
		return
	}
	d.saw(p)
}

// one attempt per call: the loop retries, re-reading the VRRP state between.
func (d *Daemon) policy(step, instance string) jdcloudapi.Policy {
	return jdcloudapi.Policy{Clock: d.clock(), Jitter: d.jitter, Observe: func(at jdcloudapi.Attempt) {
		d.calls.Add(1)
		e := Event{Step: step, Call: at.Call, Instance: instance, RequestID: at.RequestID, Attempt: at.Number, Duration: at.Duration, Outcome: "ok"}
		if at.Err != nil {
			e.RequestID, e.Detail, e.Outcome = at.Err.RequestID, errorDetail(at.Err), "error"
		}
		d.event(e)
	}}
}

func (d *Daemon) describe(ctx context.Context, step string) (Placement, error) {
	req := vpcapis.NewDescribeElasticIpRequest(d.Config.Region, d.Config.EIPID)
	resp, err := jdcloudapi.Do(ctx, d.policy(step, ""), "vpc.DescribeElasticIp", jdcloudapi.Idempotent,
		func() (*vpcapis.DescribeElasticIpResponse, error) { return d.Cloud.DescribeElasticIp(req) })
	if err != nil {
		return Placement{}, err
	}
	a := Agent{Config: d.Config}
	return a.classify(resp.Result.ElasticIp), nil
}

func (d *Daemon) associate(ctx context.Context) error {
	if !d.isMaster() {
		return errLeftMaster
	}
	req := vmapis.NewAssociateElasticIpRequest(d.Config.Region, d.Config.InstanceID, d.Config.EIPID)
	_, err := jdcloudapi.Do(ctx, d.policy("associate", d.Config.InstanceID), "vm.AssociateElasticIp", jdcloudapi.Idempotent,
		func() (*vmapis.AssociateElasticIpResponse, error) { return d.Cloud.AssociateElasticIp(req) })
	return err
}

func (d *Daemon) disassociatePeer(ctx context.Context) error {
	if !d.isMaster() {
		return errLeftMaster
	}
	req := vmapis.NewDisassociateElasticIpRequest(d.Config.Region, d.Config.PeerInstanceID, d.Config.EIPID)
	_, err := jdcloudapi.Do(ctx, d.policy("disassociate", d.Config.PeerInstanceID), "vm.DisassociateElasticIp", jdcloudapi.Idempotent,
		func() (*vmapis.DisassociateElasticIpResponse, error) { return d.Cloud.DisassociateElasticIp(req) })
	return err
}

// reconcile is one pass while MASTER. It returns the delay before the next.
func (d *Daemon) reconcile(ctx context.Context) time.Duration {
	start := d.clock().Now()
	defer d.update(func(s *DaemonStatus) { s.LastReconcile = start })

	var p Placement
	prev := d.term.lastSeen
	if prev == -1 && !d.holderAt.IsZero() && (d.holder == WherePeer || d.holder == WhereNone) {
		// Fast path at the start of a MASTER term: act on the last known
		// holder without describing first (at most 2 round trips before the
		// EIP is here). A wrong guess costs one refused call ("isn't
		// associated" / "already in use") and a describe.
		p = Placement{Where: d.holder}
		if d.holder == WherePeer {
			p.InstanceID = d.Config.PeerInstanceID
		}
		d.event(Event{Step: "reconcile", Outcome: "fast-path", Detail: "last seen on " + d.holder.String() + "; moving it here without describing first"})
	} else {
		var err error
		if p, err = d.describe(ctx, "verify"); err != nil {
			d.fail(err, "describing the EIP")
			return d.backoff()
		}
		if strings.EqualFold(p.State, "PROCESSING") {
			// A change is in flight (the holder shown may be the old one):
			// draw no conclusion, look again shortly.
			d.update(func(s *DaemonStatus) { s.LastOutcome = "processing" })
			d.processing++
			return processingBackoff(d.processing, d.jitter)
		}
		d.processing = 0
		d.saw(p)
	}

	switch p.Where {
	case WhereHere:
		d.term.deferTil = time.Time{}
		d.failures = 0
		d.update(func(s *DaemonStatus) { s.LastOutcome, s.LastError = "here", "" })
		return d.verifyDelay()

	case WhereOther:
		d.fail(fmt.Errorf("held by %s, neither this instance nor the peer", p.holder()), "not taking the EIP (never steal from a third instance)")
		return max(d.backoff(), d.verifyDelay())

	case WhereNone:
		if !d.higher() && (!d.term.deferTil.IsZero() || (prev != -1 && prev != WhereNone)) {
			// It left this node or the peer while this node was MASTER: the
			// peer (which wins a split brain) may be moving it. Give it time.
			if d.term.deferTil.IsZero() {
				d.term.deferTil = start.Add(time.Duration(d.Config.YieldDelay))
				d.event(Event{Step: "reconcile", Outcome: "defer", Detail: "EIP is on no instance; waiting yield_delay before taking it (the higher-priority peer may be moving it)"})
			}
			if start.Before(d.term.deferTil) {
				return d.term.deferTil.Sub(start)
			}
		}
		d.term.deferTil = time.Time{}
		return d.move(ctx, false)

	default: // WherePeer
		d.term.deferTil = time.Time{}
		if !d.higher() && (d.term.yielded || prev == WhereHere || prev == WhereNone) {
			if !d.term.yielded {
				d.term.yielded = true
				d.event(Event{Step: "reconcile", Outcome: "yield", Loud: true, Detail: "the higher-priority peer took the EIP while this node was MASTER (split brain): leaving it there until this node's VRRP state changes"})
				d.update(func(s *DaemonStatus) { s.Yielding = true })
			}
			d.update(func(s *DaemonStatus) { s.LastOutcome = "yielding" })
			return d.verifyDelay()
		}
		return d.move(ctx, true)
	}
}

// move takes the EIP (from the peer when fromPeer) and verifies it, checking
// the VRRP state before every mutating call. It returns the next delay.
func (d *Daemon) move(ctx context.Context, fromPeer bool) time.Duration {
	begin := d.clock().Now()
	var released time.Time
	var waited time.Duration
	if fromPeer {
		err := d.disassociatePeer(ctx)
		switch {
		case errors.Is(err, errLeftMaster):
			return d.abandoned("before releasing it from the peer")
		case err == nil:
			d.term.lastSeen = WhereNone
			released = d.clock().Now()
			waited = d.settle
			if waited > 0 {
				_ = d.clock().Sleep(ctx, waited)
			}
		case jdcloudapi.IsNotAssociated(err):
			// Not on the peer (any more): associate decides where it is.
		case isProcessing(err):
			// Another change is in flight: look again shortly.
			d.holderAt = time.Time{}
			return d.race()
		default:
			d.fail(err, "releasing the EIP from the peer")
			d.holderAt = time.Time{} // describe next time
			return d.backoff()
		}
	}
	for attempt, processing := 1, 0; ; attempt++ {
		err := d.associate(ctx)
		switch {
		case errors.Is(err, errLeftMaster):
			return d.abandoned("before associating it here")
		case isProcessing(err) && processing < 30 && ctx.Err() == nil:
			// The release is still PROCESSING (a cloud that applies changes
			// asynchronously). Not an error; retry soon.
			processing++
			_ = d.clock().Sleep(ctx, processingBackoff(processing, d.jitter))
			continue
		case err == nil:
			if !released.IsZero() {
				d.learnSettle(processing > 0, waited, d.clock().Now().Sub(released))
			}
		case jdcloudapi.IsAlreadyInUse(err):
			// Someone holds it (the peer's agent, or our fast path guessed
			// wrong): describe next pass, at once.
			d.holderAt = time.Time{}
			d.term.lastSeen = WhereNone
			d.event(Event{Step: "associate", Outcome: "in-use", Detail: "EIP already in use; describing it"})
			return d.race()
		default:
			// Retryable, or refused for a moment (the real API may refuse an
			// associate right after a disassociate, or while PROCESSING):
			// never final while MASTER. Retry soon, then re-decide.
			d.fail(err, "associating the EIP here")
			if attempt < 3 && ctx.Err() == nil {
				_ = d.clock().Sleep(ctx, d.backoff())
				continue
			}
			d.holderAt = time.Time{}
			return d.backoff()
		}
		break
	}
	return d.verifyMove(ctx, begin)
}

// maxSettle bounds the learned wait, so one slow release does not slow
// every later takeover by more than this.
const maxSettle = 2 * time.Second

// learnSettle updates the release settle time after an accepted associate:
// waited is how long the takeover waited after the release, elapsed when
// the associate was accepted. Refused first: the cloud needed up to
// elapsed (at most twice the old estimate, so one slow release does not
// slow the next takeovers much), and waited was too short. Accepted at
// once after waiting: 10 % less next time, to follow a cloud that got
// faster, but not below a wait that was once too short.
func (d *Daemon) learnSettle(refused bool, waited, elapsed time.Duration) {
	old := d.settle
	switch {
	case refused:
		d.tooShort = max(d.tooShort, waited)
		d.settle = min(elapsed, maxSettle)
		if old > 0 {
			d.settle = min(d.settle, 2*old)
		}
	case d.settle > 0:
		d.settle = max(d.settle-d.settle/10, min(d.tooShort+d.tooShort/10, d.settle))
	}
	if d.settle != old {
		d.update(func(s *DaemonStatus) { s.ReleaseSettleMS = d.settle.Milliseconds() })
		d.event(Event{Step: "associate", Outcome: "settle", Detail: fmt.Sprintf("the cloud settles a release in about %s; the next takeover waits that long before associating", d.settle.Round(time.Millisecond))})
	}
}

// race spaces out passes after a lost race (growing, jittered), so two
// agents never trade the EIP in a tight loop.
func (d *Daemon) race() time.Duration {
	d.failures++
	return d.backoff()
}

func (d *Daemon) abandoned(when string) time.Duration {
	d.event(Event{Step: "reconcile", Outcome: "abandoned", Loud: true, Detail: "left MASTER " + when + ": the move is abandoned, the new MASTER takes the EIP"})
	d.update(func(s *DaemonStatus) { s.LastOutcome = "abandoned" })
	return 0
}

// verifyMove polls until the EIP shows here (an association may show
// PROCESSING, or nothing yet, for a moment).
func (d *Daemon) verifyMove(ctx context.Context, begin time.Time) time.Duration {
	// The association takes about as long as a release to settle: the
	// first describe then finds it done rather than PROCESSING.
	if d.settle > 0 {
		_ = d.clock().Sleep(ctx, d.settle)
	}
	settledNone := 0
	for i := 1; i <= verifyPolls && ctx.Err() == nil; i++ {
		p, err := d.describe(ctx, "verify-move")
		if err == nil {
			if p.Where != WhereHere {
				d.event(Event{Step: "verify-move", Outcome: "not-yet", Detail: fmt.Sprintf("EIP on %s, state %s", p.holder(), orDash(p.State))})
			}
			d.saw(p)
			switch p.Where {
			case WhereHere:
				d.failures = 0
				d.update(func(s *DaemonStatus) { s.Moves++; s.LastOutcome, s.LastError = "moved-here", "" })
				d.event(Event{Step: "takeover", Outcome: "done", Instance: d.Config.InstanceID, Duration: d.clock().Now().Sub(begin), Detail: "EIP " + p.Address + " is on this instance"})
				return d.verifyDelay()
			case WherePeer, WhereOther:
				d.event(Event{Step: "verify-move", Outcome: "not-here", Detail: "after associating, the EIP is on " + p.holder() + "; deciding again"})
				return d.race()
			case WhereNone:
				// Settled on no instance: the accepted associate did not take
				// effect. Associate again rather than keep watching.
				if !strings.EqualFold(p.State, "PROCESSING") {
					if settledNone++; settledNone >= 3 {
						d.fail(errors.New("an accepted associate left the EIP on no instance"), "verifying the move")
						return d.race()
					}
				}
			}
		}
		if !d.isMaster() {
			return d.abandoned("while verifying")
		}
		_ = d.clock().Sleep(ctx, processingBackoff(i, d.jitter))
	}
	d.fail(errors.New("the EIP did not show on this instance"), "verifying the move")
	return d.backoff()
}
