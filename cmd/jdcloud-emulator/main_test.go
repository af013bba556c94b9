package main

import (
	"strings"
	"testing"
	"time"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
)

// A typo in a switch stops the emulator before it listens, naming the
// switches it has; --help lists every switch with its alternatives.
func TestUnknownFlagRefusesTypos(t *testing.T) {
	for _, args := range [][]string{{"--unknown", "no-such=1"}, {"--unknown", "eip-association=maybe"}} {
		err := run(append(args, "--listen", "127.0.0.1:0"))
		if err == nil || !strings.Contains(err.Error(), "eip-association") {
			t.Errorf("run(%v) = %v, want an error naming the switches", args, err)
		}
	}
	t.Setenv(emulator.UnknownsEnv, "bogus")
	if err := run([]string{"--listen", "127.0.0.1:0"}); err == nil || !strings.Contains(err.Error(), emulator.UnknownsEnv) {
		t.Errorf("a bad %s: %v", emulator.UnknownsEnv, err)
	}
	usage := unknownUsage()
	for _, s := range emulator.UnknownSwitches() {
		if !strings.Contains(usage, s.Name+"="+strings.Join(s.Values, "|")) {
			t.Errorf("usage lacks %s:\n%s", s.Name, usage)
		}
	}
}

// The resilience flags reach the emulator's options; bad values stop it.
func TestResilienceFlags(t *testing.T) {
	cfg, err := parseArgs([]string{"--rate-limit", "5", "--rate-limit-call", "vm.DescribeInstances=10", "--rate-limit-call", "vpc.DescribeElasticIps=2",
		"--quota", "vpcs=3", "--quota", "sub-user-access-keys=1", "--faults", "lose=1@vm.CreateInstances#2,500=0.1",
		"--read-header-timeout", "2s", "--read-timeout", "3s", "--idle-timeout", "4s"})
	if err != nil {
		t.Fatal(err)
	}
	o := cfg.opts
	if o.RateLimit != 5 || len(o.CallRateLimits) != 2 || o.CallRateLimits["vm.DescribeInstances"] != 10 || o.CallRateLimits["vpc.DescribeElasticIps"] != 2 {
		t.Errorf("rate limits %v %v", o.RateLimit, o.CallRateLimits)
	}
	if o.Quotas != (emulator.Quotas{Vpcs: 3, SubUserAccessKeys: 1}) {
		t.Errorf("quotas %+v", o.Quotas)
	}
	if o.Faults.String() != "500=0.1,lose=1@vm.CreateInstances#2" {
		t.Errorf("faults %q", o.Faults.String())
	}
	if o.Timeouts != (emulator.Timeouts{ReadHeader: 2 * time.Second, Read: 3 * time.Second, Idle: 4 * time.Second}) {
		t.Errorf("timeouts %+v", o.Timeouts)
	}
	for _, args := range [][]string{{"--rate-limit-call", "vm.NoSuch=1"}, {"--rate-limit-call", "vm.DescribeInstances"}, {"--quota", "nope=1"},
		{"--quota", "vpcs=0"}, {"--faults", "lose=1@vm.NoSuch"}} {
		if _, err := parseArgs(args); err == nil {
			t.Errorf("parseArgs(%v) accepted", args)
		}
	}
}
