package main

import (
	"testing"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/livetest"
)

func TestRunRefuses(t *testing.T) {
	none := func(string) string { return "" }
	if code := run(nil, none); code != 1 {
		t.Errorf("without %s: exit %d, want 1", livetest.OptInEnv, code)
	}
	if code := run([]string{"-preflight"}, none); code != 1 {
		t.Errorf("-preflight without %s: exit %d, want 1", livetest.OptInEnv, code)
	}
	opted := func(k string) string {
		return map[string]string{livetest.OptInEnv: livetest.OptInValue, "JDCLOUD_ACCESS_KEY": "ak", "JDCLOUD_SECRET_KEY": "sk"}[k]
	}
	if code := run([]string{"-preflight"}, opted); code != 0 {
		t.Errorf("-preflight opted in: exit %d, want 0", code)
	}
	// Refused before any call: no endpoint is contacted.
	if code := run([]string{"-prefix", "web-"}, opted); code != 1 {
		t.Errorf("a prefix outside the live suite's: exit %d, want 1", code)
	}
}
