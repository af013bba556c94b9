package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloudapi"
)

// FinishGrace is how long the agent keeps trying, past the deadline or after
// SIGTERM, to complete an associate that follows its own disassociate: the
// agent must not be the reason the EIP sits on no node.
const FinishGrace = 10 * time.Second

// Agent moves one EIP between the two members of a pair. Zero-value optional
// fields get defaults: the real clock, no log, random jitter, no output.
type Agent struct {
	Config Config
	Cloud  Cloud
	Clock  jdcloudapi.Clock
	Log    Sink
	Jitter func() float64
	Out    io.Writer // where Status prints its one line
}

func (a *Agent) clock() jdcloudapi.Clock {
	if a.Clock == nil {
		return jdcloudapi.RealClock{}
	}
	return a.Clock
}

func (a *Agent) jitter() float64 {
	if a.Jitter == nil {
		return rand.Float64()
	}
	return a.Jitter()
}

func (a *Agent) event(e Event) {
	if a.Log != nil {
		a.Log.Event(e)
	}
}

func (a *Agent) deadline() time.Duration {
	if a.Config.Deadline <= 0 {
		return DefaultDeadline
	}
	return time.Duration(a.Config.Deadline)
}

// Takeover makes sure the EIP is on this instance: see the package doc for the
// rules. A nil error means the EIP was verified to be here.
func (a *Agent) Takeover(ctx context.Context) error {
	clock := a.clock()
	start := clock.Now()
	dc := deadlineClock{Clock: clock, at: start.Add(a.deadline())}

	unlock, err := a.lock(ctx, dc)
	if err != nil {
		a.event(Event{Step: "takeover", Outcome: outcomeOf(err), Detail: err.Error(), Loud: true})
		return err
	}
	defer unlock()

	err = a.takeover(ctx, dc)
	e := Event{Step: "takeover", Instance: a.Config.InstanceID, Duration: clock.Now().Sub(start), Outcome: outcomeOf(err)}
	if err != nil {
		e.Detail, e.Loud = err.Error(), true
	}
	a.event(e)
	return err
}

// lock serializes concurrent runs on this node (keepalived forks notify
// scripts without waiting, so several may run at once).
func (a *Agent) lock(ctx context.Context, dc deadlineClock) (func(), error) {
	path := a.Config.LockFile
	if path == "" {
		path = DefaultLockFile
	}
	create := true
	delay := 10 * time.Millisecond
	for attempt := 1; ; attempt++ {
		unlock, ok, err := tryLock(path, create)
		if err != nil && create && a.Config.CredentialsFile != "" {
			// A non-root script_user cannot create files in /run. The
			// credentials file is always there and only its owner (and root)
			// may open it (mode 0600 is enforced), so locking it serializes
			// the runs without letting other users block the agent.
			a.event(Event{Step: "lock", Outcome: "fallback", Loud: true,
				Detail: fmt.Sprintf("cannot use lock_file %s (%v); locking the credentials file instead", path, err)})
			path, create = a.Config.CredentialsFile, false
			unlock, ok, err = tryLock(path, create)
		}
		if err != nil {
			return nil, &ConfigError{Field: "lock_file", Msg: err.Error()}
		}
		if ok {
			if attempt > 1 {
				a.event(Event{Step: "lock", Outcome: "ok", Detail: "acquired after another run released " + path})
			}
			return unlock, nil
		}
		if attempt == 1 {
			a.event(Event{Step: "lock", Outcome: "wait", Detail: "another run holds " + path})
		}
		if err := dc.Sleep(ctx, delay); err != nil {
			return nil, &ExitError{Code: ExitGaveUp, Err: fmt.Errorf("gave up waiting for the lock %s: %v", path, err)}
		}
		delay = min(delay*2, 200*time.Millisecond)
	}
}

func (a *Agent) gaveUp(ctx context.Context, last error) error {
	why := "deadline " + a.deadline().String() + " reached"
	if ctx.Err() != nil {
		why = "stopped by signal or cancellation"
	}
	msg := fmt.Sprintf("gave up: %s before EIP %s was on this instance %s", why, a.Config.EIPID, a.Config.InstanceID)
	if last != nil {
		msg += "; last error: " + last.Error()
	}
	return &ExitError{Code: ExitGaveUp, Err: errors.New(msg)}
}

// raceBackoff spaces out rounds after a lost race or a failed step, with
// jitter, so two agents that both want the EIP (split brain) settle instead
// of trading it back and forth in lockstep.
func (a *Agent) raceBackoff(round int) time.Duration {
	return jdcloudapi.Policy{BaseDelay: 250 * time.Millisecond, MaxDelay: 2 * time.Second, Jitter: a.jitter}.Backoff(round - 1)
}

func (a *Agent) takeover(ctx context.Context, dc deadlineClock) error {
	wrote := false
	var last error
	for round := 1; ; round++ {
		if round > 1 {
			if err := dc.Sleep(ctx, a.raceBackoff(round)); err != nil {
				return a.gaveUp(ctx, last)
			}
		}
		if ctx.Err() != nil {
			return a.gaveUp(ctx, last)
		}
		p, err := a.describe(ctx, dc, "describe")
		if err != nil {
			if cf := a.configFailure(err, "eip_id "+a.Config.EIPID); cf != nil {
				return cf
			}
			last = err
			continue
		}
		switch p.Where {
		case WhereHere:
			detail := "EIP is on this instance"
			if !wrote {
				detail += "; nothing to do"
			}
			a.event(Event{Step: "describe", Instance: p.InstanceID, Outcome: "here", Detail: detail + " (" + p.Address + ")"})
			return nil

		case WhereOther:
			err := fmt.Errorf("EIP %s (%s) is held by %s, which is neither this instance %s nor the peer %s: refusing to take it (never steal from a third instance)",
				a.Config.EIPID, p.Address, p.holder(), a.Config.InstanceID, a.Config.PeerInstanceID)
			a.event(Event{Step: "describe", Instance: p.holder(), Outcome: "refused", Detail: err.Error(), Loud: true})
			return &ExitError{Code: ExitGaveUp, Err: fmt.Errorf("%w: %v", errRefused, err)}

		case WhereNone:
			a.event(Event{Step: "describe", Outcome: "unassociated", Detail: "EIP " + a.Config.EIPID + " is on no instance; associating it here"})
			wrote = true
			done, why, err := a.associateAndVerify(ctx, dc, false)
			if done || err != nil {
				return err
			}
			last = why

		case WherePeer:
			a.event(Event{Step: "describe", Instance: p.InstanceID, Outcome: "peer", Detail: "EIP is on the peer; moving it here"})
			err := a.disassociate(ctx, dc, a.Config.PeerInstanceID)
			switch {
			case err == nil:
			case jdcloudapi.IsNotAssociated(err):
				a.event(Event{Step: "disassociate", Instance: a.Config.PeerInstanceID, Outcome: "moved-meanwhile", Detail: "the peer no longer holds the EIP; trying to associate it here"})
			case isAuthError(err):
				return a.configFailure(err, "")
			case notSent(err) || (definitelyRejected(err) && !jdcloudapi.IsNotFound(err)):
				// Nothing was released, so nothing needs finishing.
				last = err
				continue
			default:
				// An ambiguous failure: the EIP may have been released. Finish the move.
			}
			wrote = true
			done, why, err := a.associateAndVerify(ctx, dc, true)
			if done || err != nil {
				return err
			}
			last = why
		}
	}
}

// associateAndVerify associates the EIP here and describes it again. With
// finishing set (the EIP was just released by us) it carries on through a
// cancelled context and up to FinishGrace past the deadline, and if the API
// refuses the associate for good it puts the EIP back on the peer.
// done=true means verified here; done=false, err=nil means go round again,
// with why saying what stood in the way.
func (a *Agent) associateAndVerify(ctx context.Context, dc deadlineClock, finishing bool) (done bool, why, err error) {
	clock := dc
	if finishing {
		ctx = context.WithoutCancel(ctx)
		if graceEnd := dc.Now().Add(FinishGrace); graceEnd.After(dc.at) {
			clock.at = graceEnd
		}
	}
	err = a.associate(ctx, clock, a.Config.InstanceID)
	for try := 1; isProcessing(err); try++ {
		// The release (ours or another) is still PROCESSING: not a refusal.
		a.event(Event{Step: "associate", Instance: a.Config.InstanceID, Outcome: "processing", Detail: "EIP still PROCESSING a change; associating again shortly"})
		if serr := clock.Sleep(ctx, processingBackoff(try, a.jitter)); serr != nil {
			break
		}
		err = a.associate(ctx, clock, a.Config.InstanceID)
	}
	polls := 20 // an association may show PROCESSING for a moment
	switch {
	case err == nil:
	case jdcloudapi.IsAlreadyInUse(err):
		// Someone else (usually the peer's agent in a split brain) got it first,
		// or an earlier attempt of ours succeeded without us hearing. Look again.
		// Verify tells which: it returns done if the holder is us.
		a.event(Event{Step: "associate", Instance: a.Config.InstanceID, Outcome: "in-use", Detail: "EIP already in use; describing it again"})
		polls = 1
	case definitelyRejected(err):
		if finishing {
			a.rollback(ctx, clock)
		}
		if cf := a.configFailure(err, "instance_id "+a.Config.InstanceID); cf != nil {
			return false, nil, cf
		}
		if finishing {
			// Trying again would take the EIP off the peer again and again.
			return false, nil, &ExitError{Code: ExitGaveUp, Err: fmt.Errorf("associating EIP %s here was refused, so it was put back on the peer; not retrying: %w", a.Config.EIPID, err)}
		}
		return false, err, nil
	default:
		// Retries ran out at the deadline (or the grace after it).
		if finishing {
			a.event(Event{Step: "associate", Instance: a.Config.InstanceID, Outcome: "unfinished", Loud: true,
				Detail: "could not associate the EIP after releasing it from the peer; it may be on no instance"})
		}
		return false, nil, &ExitError{Code: ExitGaveUp, Err: fmt.Errorf("gave up associating EIP %s to %s: %w", a.Config.EIPID, a.Config.InstanceID, err)}
	}

	for i := 1; ; i++ {
		p, err := a.describe(ctx, clock, "verify")
		if err != nil {
			if cf := a.configFailure(err, "eip_id "+a.Config.EIPID); cf != nil {
				return false, nil, cf
			}
			return false, nil, &ExitError{Code: ExitGaveUp, Err: fmt.Errorf("could not verify the EIP after associating it: %w", err)}
		}
		switch {
		case p.Where == WhereHere:
			a.event(Event{Step: "verify", Instance: p.InstanceID, Outcome: "here", Detail: "EIP " + p.Address + " is on this instance"})
			return true, nil, nil
		case p.Where != WhereNone || i >= polls:
			a.event(Event{Step: "verify", Instance: p.holder(), Outcome: "not-here", Detail: "EIP is on " + p.Where.String() + " (" + p.holder() + "), not here; deciding again"})
			return false, fmt.Errorf("after associating, the EIP was on %s (%s)", p.Where, p.holder()), nil
		}
		if err := clock.Sleep(ctx, processingBackoff(i, a.jitter)); err != nil {
			return false, nil, &ExitError{Code: ExitGaveUp, Err: fmt.Errorf("deadline reached while verifying EIP %s", a.Config.EIPID)}
		}
	}
}

// processingBackoff spaces retries of a change refused while the EIP is
// PROCESSING (and polls of an EIP showing it): 10-20 ms at first, since a
// fast cloud settles in tens of ms, doubling up to 0.5-1 s.
func processingBackoff(try int, jitter func() float64) time.Duration {
	return jdcloudapi.Policy{BaseDelay: 20 * time.Millisecond, MaxDelay: time.Second, Jitter: jitter}.Backoff(try)
}

// rollback puts the EIP back on the peer after our associate was refused for
// good, so the agent's failed move does not leave the EIP on no instance.
func (a *Agent) rollback(ctx context.Context, clock jdcloudapi.Clock) {
	err := a.associate(ctx, clock, a.Config.PeerInstanceID)
	e := Event{Step: "rollback", Instance: a.Config.PeerInstanceID, Outcome: "ok", Loud: true, Detail: "associate here was refused; EIP put back on the peer"}
	if err != nil && !jdcloudapi.IsAlreadyInUse(err) {
		e.Outcome, e.Detail = "error", "associate here was refused and putting the EIP back on the peer failed: "+err.Error()
	}
	a.event(e)
}

// Status describes the EIP and prints one line: location=here|peer|none|other.
// It returns nil only when the EIP is on this instance.
func (a *Agent) Status(ctx context.Context) error {
	clock := a.clock()
	dc := deadlineClock{Clock: clock, at: clock.Now().Add(a.deadline())}
	p, err := a.describe(ctx, dc, "status")
	if err != nil {
		if cf := a.configFailure(err, "eip_id "+a.Config.EIPID); cf != nil {
			return cf
		}
		return &ExitError{Code: ExitGaveUp, Err: fmt.Errorf("could not describe EIP %s: %w", a.Config.EIPID, err)}
	}
	if a.Out != nil {
		fmt.Fprintf(a.Out, "location=%s eip_id=%s address=%s holder=%s state=%s\n", p.Where, a.Config.EIPID, orDash(p.Address), orDash(p.InstanceID), orDash(p.State))
	}
	if p.Where != WhereHere {
		return &ExitError{Code: ExitGaveUp, Err: fmt.Errorf("EIP %s is not on this instance (location: %s, holder: %s)", a.Config.EIPID, p.Where, p.holder())}
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Notify handles keepalived's generic notify call (TYPE NAME STATE PRIORITY).
// Only MASTER acts: it runs Takeover. BACKUP, FAULT and STOP are logged and
// never release the EIP (the new master takes it; releasing it here could
// leave it on no node). Unknown states are logged and ignored.
func (a *Agent) Notify(ctx context.Context, typ, name, state, priority string) error {
	detail := fmt.Sprintf("type=%s name=%s state=%s priority=%s", typ, name, state, priority)
	switch strings.ToUpper(state) {
	case "MASTER":
		a.event(Event{Step: "notify", Outcome: "takeover", Detail: detail})
		return a.Takeover(ctx)
	case "BACKUP", "FAULT", "STOP":
		a.event(Event{Step: "notify", Outcome: "ignored", Detail: detail + "; the EIP stays where it is (the new master takes it)"})
	default:
		a.event(Event{Step: "notify", Outcome: "unknown-state", Detail: detail + "; nothing to do"})
	}
	return nil
}
