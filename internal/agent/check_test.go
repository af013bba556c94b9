package agent

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestCheckPermissionsAllowedMovesNothing(t *testing.T) {
	for _, holder := range []string{self, peer, third} {
		cloud := newFakeCloud(holder)
		if err := CheckPermissions(context.Background(), cloud, "cn-east-2", testEIP, []string{self, peer}); err != nil {
			t.Fatalf("holder %s: %v", holder, err)
		}
		if got := cloud.getHolder(); got != holder {
			t.Fatalf("the check moved the EIP from %s to %s", holder, got)
		}
		// Every member is probed for associate; every non-holder for disassociate.
		writes := strings.Join(cloud.writes(), ",")
		for _, inst := range []string{self, peer} {
			if !strings.Contains(writes, "associate "+inst) {
				t.Fatalf("holder %s: associate %s not probed: %s", holder, inst, writes)
			}
			if want := inst != holder; strings.Contains(writes, "disassociate "+inst) != want {
				t.Fatalf("holder %s: disassociate %s probed=%v, want %v: %s", holder, inst, !want, want, writes)
			}
		}
	}
}

func TestCheckPermissionsNamesTheRefusedCall(t *testing.T) {
	for _, tc := range []struct {
		deny, call, instance string
	}{
		{"describe", ActionDescribeElasticIP, ""},
		{"associate " + self, ActionAssociateElasticIP, self},
		{"associate " + peer, ActionAssociateElasticIP, peer},
		{"disassociate " + self, ActionDisassociateElasticIP, self},
	} {
		cloud := newFakeCloud(peer)
		cloud.deny = map[string]bool{tc.deny: true}
		err := CheckPermissions(context.Background(), cloud, "cn-east-2", testEIP, []string{self, peer})
		pe, ok := AsPermissionError(err)
		if !ok {
			t.Fatalf("deny %q: want *PermissionError, got %v", tc.deny, err)
		}
		if pe.Call != tc.call || pe.InstanceID != tc.instance || pe.Code != 403 || pe.Status != "HTTP_FORBIDDEN" || pe.RequestID == "" {
			t.Fatalf("deny %q: got %+v", tc.deny, pe)
		}
		msg := pe.Error()
		if !strings.Contains(msg, tc.call) || !strings.Contains(msg, testEIP) || (tc.instance != "" && !strings.Contains(msg, tc.instance)) {
			t.Fatalf("deny %q: message does not name the call and resources: %s", tc.deny, msg)
		}
		if cloud.getHolder() != peer {
			t.Fatalf("deny %q: the EIP moved", tc.deny)
		}
	}
}

func TestCheckPermissionsBadSignatureIsPermissionError(t *testing.T) {
	cloud := newFakeCloud(peer)
	cloud.inject("describe", fault{code: 401, status: "ACCESS_ERROR", message: "sign result is not same [gw]"})
	pe, ok := AsPermissionError(CheckPermissions(context.Background(), cloud, "cn-east-2", testEIP, []string{self, peer}))
	if !ok || pe.Code != 401 || !strings.Contains(pe.Error(), "credentials rejected") {
		t.Fatalf("got %v", pe)
	}
}

func TestCheckPermissionsOtherFailuresAreNotPermissionErrors(t *testing.T) {
	// Unassociated: associate cannot be probed without moving the EIP.
	cloud := newFakeCloud("")
	err := CheckPermissions(context.Background(), cloud, "cn-east-2", testEIP, []string{self, peer})
	if !errors.Is(err, ErrNotProbeable) || len(cloud.writes()) != 0 {
		t.Fatalf("unassociated: err=%v writes=%v", err, cloud.writes())
	}
	// Unknown EIP: 404 is a config problem, not a permission one.
	err = CheckPermissions(context.Background(), newFakeCloud(peer), "cn-east-2", "fip-nosuch", []string{self, peer})
	if _, ok := AsPermissionError(err); ok || err == nil || !strings.Contains(err.Error(), "fip-nosuch") {
		t.Fatalf("unknown EIP: %v", err)
	}
	// A transient failure is retried and the check still succeeds.
	cloud = newFakeCloud(peer)
	cloud.inject("associate", fault503)
	if err := CheckPermissions(context.Background(), cloud, "cn-east-2", testEIP, []string{self, peer}); err != nil {
		t.Fatalf("after one 503: %v", err)
	}
	// An answer that proves nothing is an error, not a pass.
	cloud = newFakeCloud(peer)
	cloud.inject("associate", fault{code: 400, status: "INVALID_ARGUMENT", message: "instance is stopped"})
	if err := CheckPermissions(context.Background(), cloud, "cn-east-2", testEIP, []string{self, peer}); err == nil {
		t.Fatal("a 400 other than 'already in use' must fail the check")
	}
}
