package jdcloud

import (
	"context"
	"testing"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloudapi"
)

func TestLookupAsksOnceAndTakesWhatFindersSaw(t *testing.T) {
	c, _ := reconcileClient(t)
	asked := 0
	fetch := func(v string, err error) func() (string, error) {
		return func() (string, error) { asked++; return v, err }
	}
	if v, err := Lookup(c, "k", fetch("first", nil)); v != "first" || err != nil {
		t.Fatalf("Lookup = %q, %v", v, err)
	}
	if v, _ := Lookup(c, "k", fetch("second", nil)); v != "first" || asked != 1 {
		t.Fatalf("a second look-up must reuse the answer: %q after %d asks", v, asked)
	}
	remember(c, "k", "refreshed", nil)
	if v, _ := Lookup(c, "k", fetch("third", nil)); v != "refreshed" || asked != 1 {
		t.Fatalf("a finder's newer answer must win: %q after %d asks", v, asked)
	}

	notFound := &jdcloudapi.Error{Call: "vm.DescribeInstance", Kind: jdcloudapi.KindAPI, Code: 404, Status: "NOT_FOUND"}
	Lookup(c, "gone", fetch("", notFound))
	if _, err := Lookup(c, "gone", fetch("x", nil)); !IsNotFound(err) || asked != 2 {
		t.Fatalf("not-found is an answer and is kept: %v after %d asks", err, asked)
	}

	outage := &jdcloudapi.Error{Call: "vm.DescribeInstance", Kind: jdcloudapi.KindTransport, Err: context.DeadlineExceeded}
	Lookup(c, "flaky", fetch("", outage))
	if v, err := Lookup(c, "flaky", fetch("back", nil)); v != "back" || err != nil || asked != 4 {
		t.Fatalf("a failed look-up must be asked again: %q, %v after %d asks", v, err, asked)
	}
}

// The credentials and the keepalived config name the same members in other
// orders: one self-check must serve both.
func TestAgentPermissionsKeyIgnoresMemberOrder(t *testing.T) {
	a := agentPermissionsKey("AK", "fip-1", []string{"i-master", "i-backup"})
	b := agentPermissionsKey("AK", "fip-1", []string{"i-backup", "i-master"})
	if a != b {
		t.Fatalf("same key, EIP and members gave two keys: %q and %q", a, b)
	}
	for _, other := range []string{
		agentPermissionsKey("AK2", "fip-1", []string{"i-master", "i-backup"}),
		agentPermissionsKey("AK", "fip-2", []string{"i-master", "i-backup"}),
		agentPermissionsKey("AK", "fip-1", []string{"i-master", "i-other"}),
	} {
		if other == a {
			t.Fatalf("another key, EIP or member set must be checked again, got the same key %q", a)
		}
	}
}
