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

// config is what the command line asks for.
type config struct {
	listen string
	quiet  bool
	opts   emulator.Options
}

// parseArgs reads the flags (and $JDCLOUDHA_EMULATOR_UNKNOWNS).
func parseArgs(args []string) (config, error) {
	var cfg config
	o := &cfg.opts
	fs := flag.NewFlagSet("jdcloud-emulator", flag.ContinueOnError)
	fs.StringVar(&cfg.listen, "listen", "127.0.0.1:8000", "address to listen on")
	fs.StringVar(&o.AccessKey, "access-key", emulator.DemoAccessKey, "main account access key")
	fs.StringVar(&o.SecretKey, "secret-key", emulator.DemoSecretKey, "main account secret key")
	fs.StringVar(&o.Region, "region", emulator.DefaultRegion, "default region (all of cn-north-1, cn-east-1, cn-east-2, cn-south-1 are served)")
	fs.StringVar(&o.Latency, "latency", "instant", "latency model: instant or realistic")
	faults := fs.String("faults", "", `fault injection, e.g. "500=0.2,503=0.05,429=0.1,latency=200ms,drop=0.02", `+
		`or aimed at one call: "lose=1@vm.CreateInstances#1" (lose: handled, then the connection closed; lose503: handled, then 503)`)
	fs.Int64Var(&o.Seed, "seed", 1, "seed for ids, addresses and faults")
	fs.StringVar(&o.StateFile, "state", "", "state file: loaded at start, written atomically on every change")
	var limits emulator.RateLimits
	fs.Float64Var(&limits.Global, "rate-limit", 0, "requests per second before 429 RATE_LIMIT_EXCEEDED (0 = unlimited)")
	fs.Func("rate-limit-call", "call=N: requests per second of one call (e.g. vm.DescribeInstances=10) before 429 RATE_LIMIT_EXCEEDED (repeatable)",
		limits.Set)
	fs.Func("quota", "name=N: a quota (repeatable); quotas and defaults: "+strings.Join(emulator.QuotaNames(), ", "), o.Quotas.Set)
	fs.DurationVar(&o.Timeouts.ReadHeader, "read-header-timeout", 10*time.Second, "time a client has to send the request headers")
	fs.DurationVar(&o.Timeouts.Read, "read-timeout", 10*time.Second, "time a client has to send the whole request, body included")
	fs.DurationVar(&o.Timeouts.Idle, "idle-timeout", 60*time.Second, "how long a kept-alive connection may wait for its next request")
	fs.BoolVar(&cfg.quiet, "quiet", false, "do not log each request")
	if err := o.Unknowns.Apply(os.Getenv(emulator.UnknownsEnv)); err != nil {
		return cfg, fmt.Errorf("%s: %w", emulator.UnknownsEnv, err)
	}
	fs.Func("unknown", unknownUsage(), func(v string) error { return o.Unknowns.Apply(v) })
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	var err error
	if o.Faults, err = emulator.ParseFaults(*faults); err != nil {
		return cfg, err
	}
	o.RateLimit, o.CallRateLimits = limits.Global, limits.Calls
	return cfg, nil
}

func run(args []string) error {
	cfg, err := parseArgs(args)
	if err != nil {
		return err
	}
	e, err := emulator.New(cfg.opts)
	if err != nil {
		return err
	}
	logger := log.New(os.Stderr, "", log.LstdFlags|log.Lmicroseconds)
	var wrap func(http.Handler) http.Handler
	if !cfg.quiet {
		wrap = func(h http.Handler) http.Handler { return emulator.LogRequests(h, logger) }
	}
	srv, err := emulator.Serve(cfg.listen, e, wrap)
	if err != nil {
		_ = e.Close()
		return err
	}
	logger.Printf("jdcloud-emulator listening on http://%s (region %s, latency %s, faults %q, access key %s, unknowns %s)",
		srv.Endpoint, cfg.opts.Region, cfg.opts.Latency, cfg.opts.Faults.String(), cfg.opts.AccessKey, cfg.opts.Unknowns.String())

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
