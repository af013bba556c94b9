// Package fakeclock is the tests' one fake clock: time moves only when
// something sleeps on it or the test advances it, so backoffs and deadlines
// pass at once and every run repeats. It satisfies jdcloudapi.Clock (Now,
// Sleep) without importing anything of the project, so the client layer's
// own in-package tests can use it too.
package fakeclock

import (
	"context"
	"sync"
	"time"
)

// Clock is safe for concurrent use.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

// New returns a Clock that starts at a fixed instant.
func New() *Clock { return At(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)) }

// At returns a Clock that starts at t.
func At(t time.Time) *Clock { return &Clock{now: t} }

func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep moves time on by d at once and records d, unless ctx is already
// done. Like a real sleep, one that would outlast ctx's deadline ends at the
// deadline with context.DeadlineExceeded (and is not recorded).
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if deadline, ok := ctx.Deadline(); ok && c.now.Add(d).After(deadline) {
		if deadline.After(c.now) {
			c.now = deadline
		}
		return context.DeadlineExceeded
	}
	c.now = c.now.Add(d)
	c.sleeps = append(c.sleeps, d)
	return nil
}

// Advance moves time on by d as if something else took that long (it is
// not counted as a sleep).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Durations are the sleeps so far, in order.
func (c *Clock) Durations() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// Slept is the time all sleeps took together.
func (c *Clock) Slept() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var total time.Duration
	for _, d := range c.sleeps {
		total += d
	}
	return total
}

// Sleeps is how many times something slept.
func (c *Clock) Sleeps() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sleeps)
}
