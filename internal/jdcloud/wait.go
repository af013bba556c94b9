package jdcloud

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloudapi"
)

// waitCounters count every WaitFor and every poll in this process, for the
// apply benchmark's "describe calls per wait step" figure.
var waitCounters struct{ waits, polls atomic.Int64 }

// WaitCounts returns how many waits and polls this process has made.
func WaitCounts() (waits, polls int64) { return waitCounters.waits.Load(), waitCounters.polls.Load() }

// StateGone is the state a Refresh reports when the object no longer exists;
// put it in Target to wait for a deletion.
const StateGone = "<gone>"

// Wait describes a wait for an asynchronous change, in the pending/target
// style of the AWS provider's StateChangeConf.
type Wait[T any] struct {
	What    string   // for errors, e.g. `instance "i-abc" to be running`
	Pending []string // states that mean "keep waiting"
	Target  []string // states that mean "done"
	// Refresh reads the object once. Return StateGone (and a zero T) when it
	// is not found; any error ends the wait.
	Refresh func(ctx context.Context) (T, string, error)
	Timeout time.Duration // 0 means bounded by ctx only
	// PollFirst reads the state at once. Leave it false after starting an
	// asynchronous action: its first answer is always the pending state, so
	// the wait saves a describe call by polling first after PollInterval.
	PollFirst bool
}

// maxPollDelay caps the backoff between polls, so a long wait never
// overshoots the real change by more than this.
const maxPollDelay = 5 * time.Second

// WaitFor polls until Refresh reports a target state: after PollInterval (at
// once with PollFirst), then with the delay growing by half each time up to
// maxPollDelay. A state
// in neither list (e.g. "error") ends the wait with an error naming it.
func WaitFor[T any](ctx context.Context, c *Client, w Wait[T]) (T, error) {
	var zero T
	if w.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, w.Timeout)
		defer cancel()
	}
	start := c.clock.Now()
	delay := c.pollInterval
	last := ""
	waitCounters.waits.Add(1)
	if !w.PollFirst {
		if err := c.clock.Sleep(ctx, delay); err != nil {
			return zero, waitEnded(ctx, err, c.clock.Now().Sub(start), w.What, "no poll yet")
		}
		delay += delay / 2
	}
	for polls := 1; ; polls++ {
		waitCounters.polls.Add(1)
		obj, state, err := w.Refresh(ctx)
		if e, ok := jdcloudapi.AsError(err); ok && e.Retryable() && ctx.Err() == nil {
			// A poll that failed after its own retries (an outage, a lowered
			// max_retries) is not the object's answer: keep waiting until
			// the timeout, keeping the last state seen.
			if err := c.clock.Sleep(ctx, delay); err != nil {
				return zero, waitEnded(ctx, err, c.clock.Now().Sub(start), w.What, fmt.Sprintf("last state %q, %d polls, the last one failed: %v", last, polls, e))
			}
			delay = min(delay+delay/2, maxPollDelay)
			continue
		}
		if err != nil {
			if ctx.Err() != nil && last != "" {
				// The deadline (or an interrupt) struck during this poll: report
				// that and the last state seen, not the cancelled call.
				return zero, waitEnded(ctx, ctx.Err(), c.clock.Now().Sub(start), w.What, fmt.Sprintf("last state %q, %d polls", last, polls-1))
			}
			return zero, err
		}
		last = state
		if slices.Contains(w.Target, state) {
			return obj, nil
		}
		if !slices.Contains(w.Pending, state) {
			return zero, fmt.Errorf("waiting for %s: unexpected state %q (expected %v)", w.What, state, w.Target)
		}
		if err := c.clock.Sleep(ctx, delay); err != nil {
			return zero, waitEnded(ctx, err, c.clock.Now().Sub(start), w.What, fmt.Sprintf("last state %q, %d polls", last, polls))
		}
		delay += delay / 2
		if delay > maxPollDelay {
			delay = maxPollDelay
		}
	}
}

// waitEnded says why a wait stopped before its target: the timeout, or a
// cancellation (Ctrl-C in terraform), which is not a timeout and must not
// read like one. The error wraps the context's error for errors.Is.
func waitEnded(ctx context.Context, err error, elapsed time.Duration, what, progress string) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		err = ctxErr
	}
	elapsed = elapsed.Round(time.Millisecond)
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("cancelled after %s while waiting for %s (%s): %w", elapsed, what, progress, err)
	}
	return fmt.Errorf("timed out after %s waiting for %s (%s): %w", elapsed, what, progress, err)
}
