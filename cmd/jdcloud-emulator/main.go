// Command jdcloud-emulator serves the JD Cloud API emulator (see
// internal/emulator/README.md): vm, vpc, ag and iam as jdcloud-sdk-go
// v1.67.0 speaks them, with signature checks, async states and faults.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "jdcloud-emulator:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("jdcloud-emulator", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8000", "address to listen on")
	ak := fs.String("access-key", emulator.DemoAccessKey, "main account access key")
	sk := fs.String("secret-key", emulator.DemoSecretKey, "main account secret key")
	region := fs.String("region", emulator.DefaultRegion, "default region (all of cn-north-1, cn-east-1, cn-east-2, cn-south-1 are served)")
	latency := fs.String("latency", "instant", "latency model: instant or realistic")
	faults := fs.String("faults", "", `fault injection, e.g. "500=0.2,503=0.05,429=0.1,latency=200ms,drop=0.02"`)
	seed := fs.Int64("seed", 1, "seed for ids, addresses and faults")
	state := fs.String("state", "", "state file: loaded at start, written atomically on every change")
	rate := fs.Float64("rate-limit", 0, "requests per second before 429 RATE_LIMIT_EXCEEDED (0 = unlimited)")
	quiet := fs.Bool("quiet", false, "do not log each request")
	var unknowns emulator.Unknowns
	if err := unknowns.Apply(os.Getenv(emulator.UnknownsEnv)); err != nil {
		return fmt.Errorf("%s: %w", emulator.UnknownsEnv, err)
	}
	fs.Func("unknown", unknownUsage(), func(v string) error { return unknowns.Apply(v) })
	if err := fs.Parse(args); err != nil {
		return err
	}
	f, err := emulator.ParseFaults(*faults)
	if err != nil {
		return err
	}
	e, err := emulator.New(emulator.Options{AccessKey: *ak, SecretKey: *sk, Region: *region, Latency: *latency,
		Faults: f, Seed: *seed, StateFile: *state, RateLimit: *rate, Unknowns: unknowns})
	if err != nil {
		return err
	}
	logger := log.New(os.Stderr, "", log.LstdFlags|log.Lmicroseconds)
	var wrap func(http.Handler) http.Handler
	if !*quiet {
		wrap = func(h http.Handler) http.Handler { return emulator.LogRequests(h, logger) }
	}
	srv, err := emulator.Serve(*listen, e, wrap)
	if err != nil {
		_ = e.Close()
		return err
	}
	logger.Printf("jdcloud-emulator listening on http://%s (region %s, latency %s, faults %q, access key %s, unknowns %s)",
		srv.Endpoint, *region, *latency, f.String(), *ak, unknowns.String())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	logger.Printf("shutting down")
	done := make(chan error, 1)
	go func() { done <- srv.Close() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		return fmt.Errorf("shutdown timed out")
	}
}

// unknownUsage lists every switch for --help; the first value is the default.
func unknownUsage() string {
	var b strings.Builder
	b.WriteString("name=value: how to behave where the real API is undocumented (repeatable; also $" + emulator.UnknownsEnv + "). Switches, default first:")
	for _, s := range emulator.UnknownSwitches() {
		fmt.Fprintf(&b, "\n  %s=%s: %s", s.Name, strings.Join(s.Values, "|"), s.Doc)
	}
	return b.String()
}
