// Command jdcloud-eip-failover keeps a JD Cloud elastic IP on the node
// keepalived makes MASTER. See usage below and internal/agent.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/agent"
)

// version is set at build time: -ldflags "-X main.version=v1.2.3".
var version = "dev"

const usage = `Usage: jdcloud-eip-failover [--config FILE] COMMAND

Keeps a JD Cloud elastic IP (EIP) on the node keepalived makes MASTER.

Commands:
  run                               the daemon (one per node, under systemd): while keepalived
                                    says MASTER, keeps the EIP here, retrying without end and
                                    verifying every verify_interval; never touches it otherwise
  report TYPE NAME STATE PRIORITY   keepalived's hook for the daemon: records the state in
                                    run_dir and wakes the daemon (no API call, no credentials)
  check                             prove, without moving anything, that the credentials may
                                    describe the EIP and associate/disassociate it on both nodes
  takeover                          one-shot: make sure the EIP is on this instance, then exit
  notify TYPE NAME STATE PRIORITY   one-shot keepalived's generic notify: MASTER runs takeover;
                                    BACKUP, FAULT, STOP only log (the EIP is never released;
                                    no credentials or API calls needed)
  status                            print where the EIP is (location=here|peer|none|other) and
                                    the daemon's last status (VRRP state, last reconcile, error)
  version                           print the version

One-shot mode (takeover/notify without run) acts only when keepalived calls it: a failure
past the deadline, an API outage, an out-of-band change or a hook that never ran is not
retried until the next VRRP transition. The daemon heals all of these by itself.

Options:
  --config FILE   agent config (default /etc/jdcloud-eip-failover/agent.json); it may follow
                  takeover and status, but must precede notify and its arguments

keepalived.conf with the daemon:
  notify "/usr/local/sbin/jdcloud-eip-failover --config /etc/jdcloud-eip-failover/agent.json report"
  notify_master_rx_lower_pri "/usr/local/sbin/jdcloud-eip-failover --config ... report INSTANCE VI_1 MASTER_RX_LOWER_PRI 0"
keepalived.conf one-shot, either (running both is harmless: takeover is locked and idempotent):
  notify_master "/usr/local/sbin/jdcloud-eip-failover --config /etc/jdcloud-eip-failover/agent.json takeover"
  notify        "/usr/local/sbin/jdcloud-eip-failover --config /etc/jdcloud-eip-failover/agent.json notify"
                (keepalived appends TYPE NAME STATE PRIORITY to the generic notify)

Config file: JSON, or INI (key = value) for .ini/.conf/.cfg or content not starting with "{".
  region            required  e.g. cn-east-2
  eip_id            required  e.g. fip-b6f37survq
  instance_id       required  this node's instance, e.g. i-bszab8pxg0
  peer_instance_id  required  the other node's instance
  credentials_file  required  relative to the config file's directory if not absolute
  endpoint          default openapi.internal.<region>.jdcloud-api.com (host or host:port)
  scheme            default http (http or https)
  deadline          default 30s (Go duration; a bare number is seconds)
  request_timeout   default 5s
  lock_file         default /run/jdcloud-eip-failover.lock (if it cannot be created, e.g. by a
                    non-root script_user, the credentials file is locked instead)
  log_tag           default jdcloud-eip-failover
  syslog            default true
  run_dir           default /run/jdcloud-eip-failover (state record, socket, status.json)
  verify_interval   default 5s: how often a MASTER describes the EIP (jittered by 10 percent)
  priority, peer_priority  the nodes' VRRP priorities: the higher wins a split brain
                    (equal or unset: the smaller instance ID)
  vrrp_address      keepalived's placeholder VIP (e.g. 192.0.2.1/32): MASTER exactly while
                    it is on this node
  keepalived_pid_file  keepalived's VRRP pid file (default: the pid that ran the last report)
  metrics_file      Prometheus text file to write the status to (default none)
  yield_delay       default 2s (split brain: see the failover guide)

Credentials file (must be mode 0600 or stricter, else refused):
  access_key = ...
  secret_key = ...
Credentials are never read from flags or the environment and are never logged.

Signals: the first SIGTERM/SIGINT stops retrying; a move already started (EIP released from
the peer) is finished first, for up to 10s. A second signal exits at once.

Exit codes: 0 the EIP is on this node at the end (notify with another state: 0; check: passed;
              run: stopped by a signal),
            1 gave up (deadline, signal, EIP held by a third instance; status: not here;
              check: could not complete),
            2 bad config or credentials (including 401/403 from the API; check: a call refused).
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("jdcloud-eip-failover", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	configPath := fs.String("config", agent.DefaultConfigPath, "agent config file")
	help := fs.Bool("help", false, "show help")
	fs.BoolVar(help, "h", false, "show help")
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "jdcloud-eip-failover: "+format+"\n\n%s", append(a, usage)...)
		return agent.ExitConfig
	}
	if err := fs.Parse(args); err != nil {
		return usageErr("%v", err)
	}
	if *help {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if fs.NArg() == 0 {
		return usageErr("missing command")
	}
	cmd, rest := fs.Arg(0), fs.Args()[1:]
	// Flags may also follow the command (but not notify's positional arguments).
	if cmd != "notify" && cmd != "report" {
		if err := fs.Parse(rest); err != nil {
			return usageErr("%v", err)
		}
		rest = fs.Args()
	}

	switch cmd {
	case "version":
		fmt.Fprintln(stdout, version)
		return 0
	case "help":
		fmt.Fprint(stdout, usage)
		return 0
	case "takeover", "status", "run", "check":
		if len(rest) != 0 {
			return usageErr("%s takes no arguments", cmd)
		}
	case "notify", "report":
		// keepalived passes TYPE NAME STATE PRIORITY; older versions omit PRIORITY.
		if len(rest) != 3 && len(rest) != 4 {
			return usageErr("notify needs TYPE NAME STATE [PRIORITY], got %d arguments", len(rest))
		}
	default:
		return usageErr("unknown command %q", cmd)
	}

	cfg, err := agent.LoadConfig(*configPath)
	if err != nil {
		fmt.Fprintf(stderr, "jdcloud-eip-failover: %v\n", err)
		return agent.ExitConfig
	}
	logger := agent.NewLogger(stderr, cfg.LogTag, cfg.SyslogEnabled())
	defer logger.Close()

	if cmd == "report" {
		return report(cfg, logger, rest)
	}

	// A BACKUP/FAULT/STOP notify needs neither credentials nor the API.
	if cmd == "notify" && !isMaster(rest[2]) {
		a := &agent.Agent{Config: cfg, Log: logger}
		return agent.ExitCode(a.Notify(context.Background(), rest[0], rest[1], rest[2], priority(rest)))
	}

	cred, err := agent.LoadCredentials(cfg.CredentialsFile)
	if err != nil {
		logger.Event(agent.Event{Step: "config", Outcome: "bad-config", Detail: err.Error(), Loud: true})
		return agent.ExitConfig
	}
	eipAgent := &agent.Agent{Config: cfg, Cloud: agent.NewSDKCloud(cfg, cred), Log: logger, Out: stdout}

	ctx, stop := signalContext(logger)
	defer stop()

	switch cmd {
	case "run":
		return runDaemon(ctx, cfg, eipAgent.Cloud, logger)
	case "check":
		return check(ctx, cfg, eipAgent.Cloud, logger, stdout)
	case "takeover":
		err = eipAgent.Takeover(ctx)
	case "status":
		err = eipAgent.Status(ctx)
		daemonStatus(cfg, stdout)
	case "notify":
		err = eipAgent.Notify(ctx, rest[0], rest[1], rest[2], priority(rest))
	}
	if err != nil && cmd == "status" {
		logger.Event(agent.Event{Step: "status", Outcome: "not-here", Detail: err.Error()})
	}
	return agent.ExitCode(err)
}

func isMaster(state string) bool { return state == "MASTER" || state == "master" }

func priority(rest []string) string {
	if len(rest) == 4 {
		return rest[3]
	}
	return ""
}

// signalContext cancels on the first SIGTERM/SIGINT (the agent then stops,
// finishing a move it has started, see internal/agent) and exits at once
// on the second.
func signalContext(logger *agent.Logger) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			logger.Event(agent.Event{Step: "signal", Outcome: "stopping", Detail: s.String() + ": stopping; a started move is finished first (send again to exit now)"})
			cancel()
		case <-done:
			return
		}
		select {
		case s := <-ch:
			logger.Event(agent.Event{Step: "signal", Outcome: "exit", Detail: s.String() + " again: exiting now", Loud: true})
			os.Exit(agent.ExitGaveUp)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel()
	}
}
