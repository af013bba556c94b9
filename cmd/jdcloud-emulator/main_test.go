package main

import (
	"strings"
	"testing"

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
