package testutil

import (
	"context"
	"sync"
	"time"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloudapi"
)

var _ jdcloudapi.Clock = (*Clock)(nil)

// Clock is a fake jdcloudapi.Clock whose time moves only when something sleeps
// on it or the test advances it, so deadlines and backoffs pass at once.
// It is safe for concurrent use.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	slept  time.Duration
	sleeps int
}

// NewClock returns a Clock that starts at a fixed instant, so runs repeat.
func NewClock() *Clock {
	return &Clock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
}

func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep moves time on by d at once, unless ctx is already done.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.slept += d
	c.sleeps++
	return nil
}

// Advance moves time on by d as if something else took that long (it is
// not counted as a sleep).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Slept is the time all sleeps took together.
func (c *Clock) Slept() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.slept
}

// Sleeps is how many times something slept.
func (c *Clock) Sleeps() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sleeps
}
