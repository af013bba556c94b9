package testutil

import (
	"testing"
	"time"
)

// Wait checks cond until it holds or timeout has passed and reports whether
// it held; cond is checked once more at the deadline. The waits between
// checks start at 1 ms and double up to interval, so a condition that holds
// soon is seen soon and a slow one is not polled hard.
func Wait(timeout, interval time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	delay := min(time.Millisecond, interval)
	for {
		if cond() {
			return true
		}
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		time.Sleep(min(delay, left)) // polling state another goroutine or process changes
		delay = min(2*delay, interval)
	}
}

// Eventually fails t unless cond holds within timeout (checked as Wait
// does). cond returns whether it holds and, for the failure message, what it
// saw instead.
func Eventually(t testing.TB, timeout, interval time.Duration, cond func() (ok bool, saw string)) {
	t.Helper()
	var saw string
	if !Wait(timeout, interval, func() bool {
		var ok bool
		ok, saw = cond()
		return ok
	}) {
		t.Fatalf("not within %s: %s", timeout, saw)
	}
}
