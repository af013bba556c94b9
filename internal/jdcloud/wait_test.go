package jdcloud

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloudapi"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil/fakeclock"
)

func testClient(clock *fakeclock.Clock) *Client {
	return &Client{pollInterval: time.Second, clock: clock}
}

func states(seq ...string) (func(context.Context) (int, string, error), *int) {
	n := 0
	return func(context.Context) (int, string, error) {
		s := seq[min(n, len(seq)-1)]
		n++
		return n, s, nil
	}, &n
}

func TestWaitForPollsWithGrowingDelayUntilTarget(t *testing.T) {
	clock := fakeclock.At(time.Unix(0, 0))
	refresh, polls := states("pending", "pending", "pending", "pending", "pending", "pending", "pending", "running")
	got, err := WaitFor(context.Background(), testClient(clock), Wait[int]{What: "instance", Pending: []string{"pending"}, Target: []string{"running"}, Refresh: refresh, PollFirst: true})
	if err != nil || got != 8 || *polls != 8 {
		t.Fatalf("got %d after %d polls, err %v", got, *polls, err)
	}
	want := []time.Duration{1000, 1500, 2250, 3375, 5000, 5000, 5000}
	for i, w := range want {
		if clock.Durations()[i] != w*time.Millisecond {
			t.Fatalf("sleeps = %v, want %v ms (first poll is immediate, then +50%% capped at 5s)", clock.Durations(), want)
		}
	}
}

func TestWaitForAfterAnActionPollsFirstAfterTheInterval(t *testing.T) {
	clock := fakeclock.At(time.Unix(0, 0))
	refresh, polls := states("pending", "running")
	if _, err := WaitFor(context.Background(), testClient(clock), Wait[int]{Pending: []string{"pending"}, Target: []string{"running"}, Refresh: refresh}); err != nil {
		t.Fatal(err)
	}
	if *polls != 2 || len(clock.Durations()) != 2 || clock.Durations()[0] != time.Second || clock.Durations()[1] != 1500*time.Millisecond {
		t.Fatalf("polls=%d sleeps=%v: want the first poll after 1s, the second 1.5s later", *polls, clock.Durations())
	}
}

func TestWaitForUnexpectedStateAndGone(t *testing.T) {
	refresh, _ := states("pending", "error")
	_, err := WaitFor(context.Background(), testClient(fakeclock.At(time.Time{})), Wait[int]{What: `instance "i-1" to be running`, Pending: []string{"pending"}, Target: []string{"running"}, Refresh: refresh})
	if err == nil || !strings.Contains(err.Error(), `unexpected state "error"`) || !strings.Contains(err.Error(), `instance "i-1"`) {
		t.Fatalf("want unexpected-state error naming the object, got %v", err)
	}
	refresh, _ = states("deleting", StateGone)
	if _, err := WaitFor(context.Background(), testClient(fakeclock.At(time.Time{})), Wait[int]{Pending: []string{"deleting"}, Target: []string{StateGone}, Refresh: refresh}); err != nil {
		t.Fatalf("waiting for deletion: %v", err)
	}
}

func TestWaitForTimeoutAndRefreshError(t *testing.T) {
	refresh, _ := states("pending")
	_, err := WaitFor(context.Background(), testClient(fakeclock.At(time.Now())), Wait[int]{What: "x", Pending: []string{"pending"}, Target: []string{"running"}, Refresh: refresh, Timeout: 10 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "timed out") || !strings.Contains(err.Error(), `last state "pending"`) {
		t.Fatalf("want timeout naming the last state, got %v", err)
	}
	boom := errors.New("boom")
	_, err = WaitFor(context.Background(), testClient(fakeclock.At(time.Time{})), Wait[int]{Refresh: func(context.Context) (int, string, error) { return 0, "", boom }})
	if !errors.Is(err, boom) {
		t.Fatalf("refresh error must end the wait, got %v", err)
	}
}

// expiringCtx is a context whose deadline passes when expire is called
// (the fake clock drives no real deadline).
type expiringCtx struct {
	context.Context
	expired bool
}

func (c *expiringCtx) Err() error {
	if c.expired {
		return context.DeadlineExceeded
	}
	return nil
}

// A deadline that strikes during a poll is reported as the timeout, with the
// last state seen, not as the cancelled call's error.
func TestWaitForDeadlineDuringAPollIsATimeout(t *testing.T) {
	ctx := &expiringCtx{Context: context.Background()}
	n := 0
	refresh := func(context.Context) (int, string, error) {
		n++
		if n == 2 {
			ctx.expired = true
			return 0, "", ctx.Err()
		}
		return 0, "in use", nil
	}
	_, err := WaitFor(ctx, testClient(fakeclock.At(time.Time{})), Wait[int]{What: "group to be deleted", PollFirst: true, Pending: []string{"in use"}, Target: []string{"deleted"}, Refresh: refresh})
	if err == nil || !strings.Contains(err.Error(), "timed out") || !strings.Contains(err.Error(), `last state "in use"`) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want a timeout naming the last state, got %v", err)
	}
}

// Ctrl-C cancels the context: the wait says it was cancelled, never
// "timed out after 0s".
func TestWaitForCancellationIsNotATimeout(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	refresh := func(ctx context.Context) (int, string, error) {
		n++
		if n == 2 {
			cancel()
			return 0, "", ctx.Err()
		}
		return 0, "pending", nil
	}
	_, err := WaitFor(ctx, testClient(fakeclock.At(time.Time{})), Wait[int]{What: "instance to be running", PollFirst: true, Pending: []string{"pending"}, Target: []string{"running"}, Refresh: refresh})
	if err == nil || !strings.Contains(err.Error(), "cancelled") || strings.Contains(err.Error(), "timed out") || !errors.Is(err, context.Canceled) {
		t.Fatalf("want a cancellation, got %v", err)
	}

	// Cancelled before the first poll (the sleep sees it).
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	_, err = WaitFor(ctx2, testClient(fakeclock.At(time.Time{})), Wait[int]{What: "instance to be running", Pending: []string{"pending"}, Target: []string{"running"}, Refresh: refresh})
	if err == nil || !strings.Contains(err.Error(), "cancelled") || strings.Contains(err.Error(), "timed out") {
		t.Fatalf("cancelled before the first poll: %v", err)
	}
}

// A poll that fails with a retryable error (an API outage outlasting the
// call's own retries) must not end the wait; a final error must.
func TestWaitForRidesOutFailedPolls(t *testing.T) {
	clock := fakeclock.At(time.Now()) // the last case has a real deadline
	outage := &jdcloudapi.Error{Call: "vm.DescribeInstance", Kind: jdcloudapi.KindTransport, Err: errors.New("connection refused")}
	n := 0
	refresh := func(context.Context) (int, string, error) {
		n++
		if n <= 3 {
			return 0, "", outage
		}
		return n, "running", nil
	}
	got, err := WaitFor(context.Background(), testClient(clock), Wait[int]{What: "instance", Pending: []string{"pending"}, Target: []string{"running"}, Refresh: refresh, PollFirst: true})
	if err != nil || got != 4 {
		t.Fatalf("three failed polls then running: got %d, err %v", got, err)
	}
	final := &jdcloudapi.Error{Call: "vm.DescribeInstance", Kind: jdcloudapi.KindAPI, Code: 403, Status: "PERMISSION_DENIED"}
	_, err = WaitFor(context.Background(), testClient(clock), Wait[int]{What: "instance", Pending: []string{"pending"}, Target: []string{"running"}, PollFirst: true,
		Refresh: func(context.Context) (int, string, error) { return 0, "", final }})
	if !errors.Is(err, final) {
		t.Fatalf("a final error must end the wait at once, got %v", err)
	}
	ctx, cancel := context.WithDeadline(context.Background(), clock.Now().Add(10*time.Second))
	defer cancel()
	_, err = WaitFor(ctx, testClient(clock), Wait[int]{What: "instance", Pending: []string{"pending"}, Target: []string{"running"}, PollFirst: true,
		Refresh: func(context.Context) (int, string, error) { return 0, "", outage }})
	if err == nil || !strings.Contains(err.Error(), "timed out") || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("an outage past the timeout must end the wait naming the timeout and the last failure, got %v", err)
	}
}
