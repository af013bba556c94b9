package jdcloudapi

import (
	"context"
	"strings"
	"sync"
	"time"
)

// AdaptiveLimiter paces the calls of one process per service (vm, vpc, ag,
// iam: the part of the call name before the dot). It sends freely until the
// API answers 429, then holds the service to 70 % of the rate it was seen
// sending, and creeps back up (additively, by about one call per second per
// second) while calls go through. Whether JD Cloud limits per API, per
// service or per account is not documented; pacing a whole service keeps
// every reading below its limit, at worst a little slower than needed.
//
// One limiter is shared by everything one provider instance does, so
// parallel resources back off together instead of each spending its own
// retries. A nil *AdaptiveLimiter does nothing.
type AdaptiveLimiter struct {
	clock Clock

	mu       sync.Mutex
	services map[string]*pace
}

// pace is one service's schedule: rate 0 means unpaced.
type pace struct {
	rate     float64     // calls per second
	next     time.Time   // earliest start of the next call
	lastCut  time.Time   // when the rate was last cut
	recent   []time.Time // starts within the last second, oldest first
	throttle int         // 429s seen, for the figures
}

const (
	minRate = 0.5 // calls/s: the floor a run of 429s can push a service down to
	maxRate = 200 // calls/s: above this the service is unpaced again
	// cutFactor multiplies the pace at a 429.
	cutFactor = 0.7
)

// NewAdaptiveLimiter returns a limiter that reads time from clock (nil: the wall clock).
func NewAdaptiveLimiter(clock Clock) *AdaptiveLimiter {
	if clock == nil {
		clock = RealClock{}
	}
	return &AdaptiveLimiter{clock: clock, services: map[string]*pace{}}
}

func service(call string) string {
	s, _, _ := strings.Cut(call, ".")
	return s
}

func (l *AdaptiveLimiter) pace(call string) *pace {
	p := l.services[service(call)]
	if p == nil {
		p = &pace{}
		l.services[service(call)] = p
	}
	return p
}

// Wait blocks until call may be sent under its service's pace, or ctx ends.
func (l *AdaptiveLimiter) Wait(ctx context.Context, call string) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	p := l.pace(call)
	now := l.clock.Now()
	start := now
	if p.rate > 0 {
		if p.next.After(start) {
			start = p.next
		}
		p.next = start.Add(time.Duration(float64(time.Second) / p.rate))
	}
	cutoff := start.Add(-time.Second)
	i := 0
	for i < len(p.recent) && p.recent[i].Before(cutoff) {
		i++
	}
	p.recent = append(p.recent[i:], start)
	l.mu.Unlock()
	if d := start.Sub(now); d > 0 {
		return l.clock.Sleep(ctx, d)
	}
	return ctx.Err()
}

// Observe records the outcome of one call: throttled (429) or not.
func (l *AdaptiveLimiter) Observe(call string, throttled bool) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.pace(call)
	now := l.clock.Now()
	if throttled {
		p.throttle++
		if p.rate > 0 && now.Sub(p.lastCut) < time.Duration(float64(time.Second)/p.rate)+200*time.Millisecond {
			// The answers to a burst sent before the last cut arrive together:
			// count them as one signal, not one cut each.
			return
		}
		seen := float64(len(p.recent)) // calls started in the last second
		if p.rate == 0 || seen < p.rate {
			p.rate = seen
		}
		// 0.7, not TCP Reno's 0.5: the pace saws between the cut and the
		// limit, and a gentler cut keeps it nearer the limit (about 85 % on
		// average against 75 %) at the price of 429s a little more often.
		p.rate = max(p.rate*cutFactor, minRate)
		p.lastCut = now
		return
	}
	if p.rate > 0 {
		p.rate += 1 / p.rate
		if p.rate > maxRate {
			p.rate = 0
		}
	}
}

// Rate returns the pace of call's service in calls per second (0: unpaced)
// and how many 429s it has seen.
func (l *AdaptiveLimiter) Rate(call string) (perSecond float64, throttled int) {
	if l == nil {
		return 0, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.pace(call)
	return p.rate, p.throttle
}
