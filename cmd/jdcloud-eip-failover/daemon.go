package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/agent"
)

// report is keepalived's hook in daemon mode: record the state, wake the
// daemon. It never calls the API, so it is fast and needs no credentials.
func report(cfg agent.Config, logger *agent.Logger, args []string) int {
	state := args[2]
	prio, _ := strconv.Atoi(priority(args))
	// keepalived forks the hook from its VRRP process: the parent is the
	// keepalived whose liveness the daemon checks. Run by hand (or by a
	// test), there is no keepalived to watch: record none.
	pid := os.Getppid()
	if !agent.IsKeepalived(pid) {
		pid = 0
	}
	err := agent.Report(cfg, state, prio, pid, time.Now())
	e := agent.Event{Step: "report", Outcome: "recorded", Detail: fmt.Sprintf("type=%s name=%s state=%s priority=%s", args[0], args[1], state, priority(args))}
	if err != nil {
		e.Outcome, e.Detail, e.Loud = "error", e.Detail+": "+err.Error(), true
		logger.Event(e)
		return agent.ExitGaveUp
	}
	logger.Event(e)
	return 0
}

// runDaemon runs the reconciler until a signal.
func runDaemon(ctx context.Context, cfg agent.Config, cloud agent.Cloud, logger *agent.Logger) int {
	if err := os.MkdirAll(cfg.RunDir, 0o755); err != nil {
		logger.Event(agent.Event{Step: "daemon", Outcome: "bad-config", Detail: "run_dir: " + err.Error(), Loud: true})
		return agent.ExitConfig
	}
	// Two wake-up sources, both only hints (the daemon polls the local state
	// every 250 ms without them): the report hook's poke, and the kernel's
	// address change when keepalived adds or removes vrrp_address.
	wake := make(chan struct{}, 1)
	if closeWake, err := agent.ListenWake(cfg.SocketPath(), wake); err != nil {
		logger.Event(agent.Event{Step: "daemon", Outcome: "no-socket", Detail: "cannot listen on " + cfg.SocketPath() + ": " + err.Error() + "; the report hook cannot wake the daemon", Loud: true})
	} else {
		defer closeWake()
	}
	if cfg.VRRPAddress != "" {
		if stopWatch, err := agent.WatchAddresses(wake); err != nil {
			logger.Event(agent.Event{Step: "daemon", Outcome: "no-address-watch", Detail: "cannot watch address changes: " + err.Error() + "; keepalived's transitions reach the daemon through the report hook"})
		} else {
			defer stopWatch()
		}
	}
	// The SDK sends through http.DefaultTransport: give it a connection
	// dialed ahead, so a takeover's first call pays no handshake.
	if base, ok := http.DefaultTransport.(*http.Transport); ok {
		if rt, w := agent.WarmTransport(cfg, base); w != nil {
			http.DefaultTransport = rt
			go w.Keep(ctx)
		}
	}
	var lastWriteErr string
	var settle time.Duration
	if prev, err := agent.ReadStatus(cfg); err == nil {
		settle = time.Duration(prev.ReleaseSettleMS) * time.Millisecond
	}
	d := &agent.Daemon{Config: cfg, Cloud: cloud, Log: logger, Wake: wake, Settle: settle, OnStatus: func(s agent.DaemonStatus) {
		if err := agent.WriteStatusFiles(cfg, s); err != nil && err.Error() != lastWriteErr {
			lastWriteErr = err.Error()
			logger.Event(agent.Event{Step: "status", Outcome: "error", Detail: "writing status files: " + err.Error(), Loud: true})
		}
	}}
	_ = d.Run(ctx)
	logger.Event(agent.Event{Step: "daemon", Outcome: "stopped", Detail: "signal received"})
	return 0
}

// check runs the permission self-check on both members.
func check(ctx context.Context, cfg agent.Config, cloud agent.Cloud, logger *agent.Logger, stdout io.Writer) int {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	err := agent.CheckPermissions(ctx, cloud, cfg.Region, cfg.EIPID, []string{cfg.InstanceID, cfg.PeerInstanceID})
	if err == nil {
		fmt.Fprintf(stdout, "check passed: these credentials may describe EIP %s and associate/disassociate it with %s and %s (nothing was moved)\n", cfg.EIPID, cfg.InstanceID, cfg.PeerInstanceID)
		logger.Event(agent.Event{Step: "check", Outcome: "ok"})
		return 0
	}
	logger.Event(agent.Event{Step: "check", Outcome: "failed", Detail: err.Error(), Loud: true})
	if _, ok := agent.AsPermissionError(err); ok {
		return agent.ExitConfig
	}
	return agent.ExitGaveUp
}

// daemonStatus prints the daemon's last status after status's own line.
func daemonStatus(cfg agent.Config, stdout io.Writer) {
	s, err := agent.ReadStatus(cfg)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(stdout, "daemon=absent (no %s: the daemon has not run here)\n", cfg.StatusPath())
		return
	case err != nil:
		fmt.Fprintf(stdout, "daemon=unreadable error=%q\n", err.Error())
		return
	}
	orDash := func(v string) string {
		if v == "" {
			return "-"
		}
		return v
	}
	when := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(stdout, "daemon vrrp_state=%s eip_location=%s eip_holder=%s last_reconcile=%s moves=%d updated=%s last_error=%q problem=%q\n",
		s.VRRPState, s.EIPLocation, orDash(s.EIPHolder), when(s.LastReconcile), s.Moves, when(s.UpdatedAt), orDash(s.LastError), orDash(s.Problem()))
}
