package jdcloudapi

import (
	"context"
	"math/rand/v2"
	"reflect"
	"time"

	"github.com/jdcloud-api/jdcloud-sdk-go/core"
)

// Safety says whether a call may be repeated after an ambiguous failure
// (the request may have been carried out before the answer was lost).
type Safety int

const (
	// Idempotent calls (reads, deletes, associations, creates carrying a
	// clientToken) are retried on every retryable failure.
	Idempotent Safety = iota
	// NotIdempotent calls are retried only when the server certainly did not
	// act (429), so a lost answer never makes a second resource.
	NotIdempotent
)

// Unlimited is the MaxRetries that caps retries by time only.
const Unlimited = -1

// DefaultMaxElapsed bounds an Unlimited policy's retries when the context
// has no deadline, so a call made outside any operation timeout still ends.
const DefaultMaxElapsed = 5 * time.Minute

// Policy bounds retries. Retries always end with the context (the
// operation's timeout): an outage shorter than the timeout is ridden out
// whatever the count. The zero value sends once and never retries.
type Policy struct {
	// MaxRetries caps the retries after the first attempt: 0 means none,
	// Unlimited means no cap but time.
	MaxRetries int
	// MaxElapsed bounds the retries of a context without a deadline
	// (default DefaultMaxElapsed); a deadline takes precedence.
	MaxElapsed time.Duration
	BaseDelay  time.Duration  // first backoff; default 200ms
	MaxDelay   time.Duration  // backoff cap; default 5s
	Clock      Clock          // default RealClock
	Jitter     func() float64 // in [0,1); default math/rand/v2
	// Limiter, if set, paces every attempt and learns from 429s, so calls
	// running in parallel slow down together instead of each burning retries.
	Limiter *AdaptiveLimiter
	// Observe, if set, sees every attempt (for logging).
	Observe func(Attempt)
}

// Attempt describes one sending of a call.
type Attempt struct {
	Call      string
	Number    int // 1-based
	RequestID string
	Duration  time.Duration
	Err       *Error        // nil on success
	Retry     bool          // another attempt follows
	Delay     time.Duration // wait before the next attempt
}

func (p Policy) withDefaults() Policy {
	if p.MaxElapsed <= 0 {
		p.MaxElapsed = DefaultMaxElapsed
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 200 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 5 * time.Second
	}
	if p.Clock == nil {
		p.Clock = RealClock{}
	}
	if p.Jitter == nil {
		p.Jitter = rand.Float64
	}
	return p
}

// Backoff returns the wait before retry n (1-based): exponential from
// BaseDelay, capped at MaxDelay, with "equal jitter" (half fixed, half random)
// so concurrent clients spread out but never retry immediately.
func (p Policy) Backoff(n int) time.Duration {
	p = p.withDefaults()
	d := p.BaseDelay
	for i := 1; i < n && d < p.MaxDelay; i++ {
		d *= 2
	}
	if d > p.MaxDelay {
		d = p.MaxDelay
	}
	half := d / 2
	return half + time.Duration(p.Jitter()*float64(half))
}

// Do sends a call until it succeeds, fails finally, runs out of retries or
// time (ctx's deadline, else MaxElapsed). send is one SDK call, e.g.
//
//	func() (*apis.DescribeElasticIpResponse, error) { return c.VPC.DescribeElasticIp(req) }
//
// The response's RequestID and Error fields are read by reflection so that
// every SDK response type works unchanged.
func Do[R any](ctx context.Context, p Policy, call string, safety Safety, send func() (*R, error)) (*R, error) {
	p = p.withDefaults()
	deadline, hasDeadline := ctx.Deadline()
	if !hasDeadline {
		deadline = p.Clock.Now().Add(p.MaxElapsed)
	}
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return nil, &Error{Call: call, Kind: KindTransport, Err: err, Attempts: n - 1}
		}
		if err := p.Limiter.Wait(ctx, call); err != nil {
			return nil, &Error{Call: call, Kind: KindTransport, Err: err, Attempts: n - 1}
		}
		start := p.Clock.Now()
		resp, goErr := send()
		elapsed := p.Clock.Now().Sub(start)

		var failure *Error
		requestID := ""
		if goErr != nil {
			failure = classifyGoError(call, goErr)
		} else if resp == nil {
			failure = &Error{Call: call, Kind: KindBadBody, Err: errNilResponse}
		} else {
			var apiErr core.ErrorResponse
			requestID, apiErr = envelope(resp)
			if apiErr.Code != 0 {
				failure = &Error{Call: call, Kind: KindAPI, Code: apiErr.Code, Status: apiErr.Status, Message: apiErr.Message, RequestID: requestID}
			}
		}

		attempt := Attempt{Call: call, Number: n, RequestID: requestID, Duration: elapsed, Err: failure}
		p.Limiter.Observe(call, failure != nil && failure.Throttled())
		if failure == nil {
			if p.Observe != nil {
				p.Observe(attempt)
			}
			return resp, nil
		}
		failure.Attempts = n
		retry := (p.MaxRetries == Unlimited || n <= p.MaxRetries) && failure.Retryable() && (safety == Idempotent || failure.NotProcessed())
		if retry {
			attempt.Delay = p.Backoff(n)
			// No retry that would start after the deadline: the caller gets
			// the real failure now rather than a cancelled wait later.
			retry = !p.Clock.Now().Add(attempt.Delay).After(deadline)
			attempt.Retry = retry
		}
		if p.Observe != nil {
			p.Observe(attempt)
		}
		if !retry {
			return nil, failure
		}
		if err := p.Clock.Sleep(ctx, attempt.Delay); err != nil {
			// The caller's deadline ended the retries: report the last real failure.
			return nil, failure
		}
	}
}

type constError string

func (e constError) Error() string { return string(e) }

const errNilResponse = constError("SDK returned neither a response nor an error")

// envelope reads RequestID and Error from any SDK response struct.
func envelope(resp any) (string, core.ErrorResponse) {
	v := reflect.ValueOf(resp)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return "", core.ErrorResponse{}
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return "", core.ErrorResponse{}
	}
	var id string
	var apiErr core.ErrorResponse
	if f := v.FieldByName("RequestID"); f.IsValid() && f.Kind() == reflect.String {
		id = f.String()
	}
	if f := v.FieldByName("Error"); f.IsValid() {
		if e, ok := f.Interface().(core.ErrorResponse); ok {
			apiErr = e
		}
	}
	return id, apiErr
}
