// Command sweep deletes what interrupted live test runs left on JD Cloud:
// every resource whose name starts with the live suite's prefix, in the
// region of JDCLOUD_REGION (or -region). With -preflight it only prints the
// cost warning and checks the opt-in and credentials (make testacc-live
// runs that first).
//
//	JDHA_LIVE=I-accept-costs JDCLOUD_ACCESS_KEY=… JDCLOUD_SECRET_KEY=… go run ./internal/livetest/sweep [-dry-run]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/livetest"
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv))
}

func run(args []string, getenv func(string) string) int {
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	preflight := fs.Bool("preflight", false, "print the cost warning, check opt-in and credentials, and exit")
	dryRun := fs.Bool("dry-run", false, "list what would be deleted, delete nothing")
	prefix := fs.String("prefix", livetest.Prefix, "delete resources whose name starts with this (must start with "+livetest.Prefix+")")
	region := fs.String("region", "", "region (default $JDCLOUD_REGION, else cn-north-1)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fmt.Fprintln(os.Stderr, livetest.CostWarning)
	s, err := livetest.Check(getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "refusing to start:", err)
		return 1
	}
	if *region != "" {
		s.Region = *region
	}
	if *preflight {
		fmt.Fprintf(os.Stderr, "live test mode enabled for region %s\n", s.Region)
		return 0
	}
	clients, err := livetest.NewClients(s)
	if err != nil {
		fmt.Fprintln(os.Stderr, "refusing to start:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	found, err := livetest.Sweep(ctx, clients, livetest.SweepOptions{
		Region: s.Region, Prefix: *prefix, DryRun: *dryRun,
		Logf: func(format string, a ...any) { fmt.Fprintf(os.Stderr, format+"\n", a...) },
	})
	fmt.Fprintf(os.Stderr, "sweep of %s (prefix %q): %d resource(s) matched\n", s.Region, *prefix, len(found))
	if err != nil {
		fmt.Fprintln(os.Stderr, "some deletions failed (run the sweep again once their dependants are gone):")
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
