package jdcloud

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloudapi"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil/fakeclock"
)

func inUse() error {
	return &jdcloudapi.Error{Call: "vpc.DeleteSubnet", Kind: jdcloudapi.KindAPI, Code: 400, Status: "FAILED_PRECONDITION", Message: "Subnet still has 1 network interface(s) in use", Attempts: 1}
}

// Refused until the timeout: the diagnostic names the last refusal and the timeout.
func TestDeleteUntilGoneTimesOutWithTheLastRefusal(t *testing.T) {
	blocked, err := DeleteUntilGone(context.Background(), testClient(fakeclock.At(time.Now())), "subnet", 10*time.Second,
		func(context.Context) error { return inUse() })
	if blocked == nil || err == nil {
		t.Fatalf("blocked %v, err %v", blocked, err)
	}
	got := DeleteFailure(blocked, err, 10*time.Second)
	if !strings.Contains(got, "after retrying for 10s") || !strings.Contains(got, "network interface(s) in use") {
		t.Fatalf("detail: %s", got)
	}
}

// Ctrl-C while the API still refuses: reported as a cancellation.
func TestDeleteUntilGoneCancelledIsNotATimeout(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	blocked, err := DeleteUntilGone(ctx, testClient(fakeclock.At(time.Unix(0, 0))), "subnet", time.Minute, func(context.Context) error {
		if n++; n == 2 {
			cancel()
		}
		return inUse()
	})
	got := DeleteFailure(blocked, err, time.Minute)
	if !strings.Contains(got, "Cancelled") || strings.Contains(got, "after retrying") || strings.Contains(got, "timed out") {
		t.Fatalf("detail: %s", got)
	}
}
