package acctest

import (
	"net/http"
	"os"
	"testing"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
)

// StartEmulatorWith is StartEmulator with an HTTP middleware around the
// emulator (nil: none), for tests that alter answers in ways the emulator's faults
// (emulator.Faults, e.g. a lose fault aimed at one call) cannot.
func StartEmulatorWith(t testing.TB, wrap func(http.Handler) http.Handler, opts ...func(*emulator.Options)) *emulator.Server {
	t.Helper()
	o := emulator.Options{Latency: "instant"}
	// The whole suite can run under other readings of the undocumented
	// behaviours: JDCLOUDHA_EMULATOR_UNKNOWNS=eip-association=sync go test …
	if err := o.Unknowns.Apply(os.Getenv(emulator.UnknownsEnv)); err != nil {
		t.Fatalf("%s: %v", emulator.UnknownsEnv, err)
	}
	for _, f := range opts {
		f(&o)
	}
	e, err := emulator.New(o)
	if err != nil {
		t.Fatalf("starting the emulator: %v", err)
	}
	srv, err := emulator.Serve("127.0.0.1:0", e, wrap)
	if err != nil {
		t.Fatalf("starting the emulator: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("closing the emulator: %v", err)
		}
	})
	return srv
}
