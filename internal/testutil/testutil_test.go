package testutil

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"
)

func TestWaitSeesAConditionThatComesTrue(t *testing.T) {
	start := time.Now()
	checks := 0
	if !Wait(5*time.Second, 10*time.Millisecond, func() bool { checks++; return checks == 3 }) {
		t.Fatal("Wait gave up on a condition that held at the third check")
	}
	if checks != 3 {
		t.Fatalf("%d checks, want 3 (it stops at the first that holds)", checks)
	}
	if time.Since(start) >= 5*time.Second {
		t.Fatal("Wait waited out the timeout on a condition that held")
	}
}

func TestWaitIsBoundedByTime(t *testing.T) {
	start := time.Now()
	checks := 0
	if Wait(30*time.Millisecond, 5*time.Millisecond, func() bool { checks++; return false }) {
		t.Fatal("Wait reported a condition that never held")
	}
	if took := time.Since(start); took < 30*time.Millisecond {
		t.Fatalf("Wait gave up after %s, before its 30ms timeout", took)
	}
	if checks < 2 {
		t.Fatalf("%d checks: want one at the start and one at the deadline at least", checks)
	}
}

func TestEventuallyReportsWhatItSaw(t *testing.T) {
	ft := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() { // Fatalf ends the goroutine it runs in
		defer close(done)
		Eventually(ft, 10*time.Millisecond, time.Millisecond, func() (bool, string) { return false, "state=BACKUP" })
	}()
	<-done
	if ft.msg != "not within 10ms: state=BACKUP" {
		t.Fatalf("failure message %q", ft.msg)
	}
}

type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Helper() {}

func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestClockMovesOnlyWhenSleptOnOrAdvanced(t *testing.T) {
	c := NewClock()
	t0 := c.Now()
	if err := c.Sleep(context.Background(), 3*time.Second); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Minute)
	if got := c.Now().Sub(t0); got != time.Minute+3*time.Second {
		t.Fatalf("clock moved %s, want 1m3s", got)
	}
	if c.Slept() != 3*time.Second || c.Sleeps() != 1 {
		t.Fatalf("slept %s in %d sleeps, want 3s in 1 (Advance is no sleep)", c.Slept(), c.Sleeps())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Sleep(ctx, time.Hour); err == nil || c.Now().Sub(t0) != time.Minute+3*time.Second {
		t.Fatal("a sleep on a done context must fail and leave the time alone")
	}
}
