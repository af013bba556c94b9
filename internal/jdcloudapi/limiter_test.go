package jdcloudapi

import (
	"context"
	"testing"
	"time"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil/fakeclock"
)

func TestAdaptiveLimiterPacesAServiceAfterA429(t *testing.T) {
	clock := fakeclock.At(time.Unix(1000, 0))
	l := NewAdaptiveLimiter(clock)
	ctx := context.Background()
	// 40 calls in the same instant: unpaced until the API says 429.
	for range 40 {
		if err := l.Wait(ctx, "vm.DescribeInstance"); err != nil {
			t.Fatal(err)
		}
	}
	if len(clock.Durations()) != 0 {
		t.Fatalf("an unthrottled service must not be paced; slept %v", clock.Durations())
	}
	// The burst's answers: several 429s arrive together and count as one cut.
	for range 5 {
		l.Observe("vm.DescribeInstance", true)
	}
	rate, throttled := l.Rate("vm.CreateInstances")
	if rate != 40*cutFactor || throttled != 5 {
		t.Fatalf("after 40 calls in a second and one burst of 429s the vm pace is %v/s (%d throttled), want %v/s (5)", rate, throttled, 40*cutFactor)
	}
	if r, _ := l.Rate("vpc.DescribeVpc"); r != 0 {
		t.Fatalf("another service must stay unpaced, got %v/s", r)
	}
	// Paced: 28 calls are spread over about a second.
	before := clock.Now()
	for range 29 {
		if err := l.Wait(ctx, "vm.CreateInstances"); err != nil {
			t.Fatal(err)
		}
	}
	if spread := clock.Now().Sub(before); spread < 900*time.Millisecond || spread > 1100*time.Millisecond {
		t.Fatalf("29 paced calls at 28/s spread over %v, want about 1s", spread)
	}
	// Successes creep the rate back up.
	for range 200 {
		l.Observe("vm.DescribeInstance", false)
	}
	if r, _ := l.Rate("vm.X"); r <= 40*cutFactor {
		t.Fatalf("successes must raise the pace, still %v/s", r)
	}
	// A later 429 (after the burst window) cuts it again, never below the floor.
	clock.Advance(5 * time.Second)
	for range 20 {
		clock.Advance(5 * time.Second)
		l.Observe("vm.X", true)
	}
	if r, _ := l.Rate("vm.X"); r != minRate {
		t.Fatalf("a run of 429s must push the pace to the floor %v, got %v", minRate, r)
	}
}

func TestAdaptiveLimiterWaitEndsWithTheContext(t *testing.T) {
	l := NewAdaptiveLimiter(RealClock{})
	l.Wait(context.Background(), "iam.X")
	l.Observe("iam.X", true) // one call seen: pace 0.7/s, the next slot is 1.4s away
	l.Wait(context.Background(), "iam.X")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := l.Wait(ctx, "iam.X"); err == nil {
		t.Fatal("a wait for a slot beyond the deadline must end with the context")
	}
	var none *AdaptiveLimiter
	if err := none.Wait(ctx, "iam.X"); err != nil {
		t.Fatalf("a nil limiter never waits: %v", err)
	}
}
