// Package e2e holds the end-to-end failover test: the keepalived article's
// experiment reproduced on one Linux machine with real keepalived.
//
// The test (e2e_linux_test.go) builds three network namespaces: a "cloud"
// with a bridge and the in-process JD Cloud API emulator on 10.0.1.1:8000,
// and two hosts, master (10.0.1.18) and backup (10.0.1.19), wired to the
// bridge; no namespace has a route out. Terraform (the real binary, the
// provider in-process) applies the article's topology, a failover pair and a
// keepalived config against the same emulator on 127.0.0.1; each node's
// bundle is installed into its host by the bundle's own install.sh (run as
// root in the host's namespace, so its permission self-check calls the
// emulator; without systemctl on its PATH, so it takes its no-systemd path
// and the lab supervises keepalived and the daemon), and keepalived, the rendered health
// check, the embedded agent and a web server run there. Faults are then
// injected (web server killed, keepalived SIGKILL and SIGTERM, VRRP dropped
// between the hosts, 30% API failures) and the EIP's holder is read from the
// emulator. It needs root, keepalived, curl and terraform, and skips naming
// whichever is missing.
//
// TestFailoverWithRealKeepalived drives keepalived_config's one-shot hooks;
// TestFailoverWithRealKeepalivedDaemonMode is the same lab in the default
// agent_mode, with the bundle's agent daemon (`run`, the command line of its
// systemd unit) on each node and an empty plan after each fault.
// TestDaemonConvergesWithRealKeepalived (daemon_linux_test.go) builds its
// topology through the SDK and runs the daemon through every fault for
// VRRPv2 and v3 (partitions, outages, restarts, out-of-band changes), with a
// data plane: the cloud namespace routes the EIP to its holder and a client
// namespace runs the article's curl loops against it.
// TestDaemonHealthCheckPreemptAndSplitBrain (daemon_more_linux_test.go) adds,
// for both versions, the web server down and back, SIGTERM, a two-way split
// brain, and preempt after a reload: the returning master takes the EIP back.
//
// TestArticleExperimentDemo (demo_linux_test.go) is the article's own
// experiment: VRRPv2 with preempt, a curl every 2 s while the master goes
// down and comes back; make demo runs it with JDHA_DEMO=1 and shows the loop.
//
// Every EIP move is timed when it takes effect in the emulator (its
// OnChange), not when a client next looks. figures_linux_test.go and
// daemon_figures_linux_test.go measure failover times for BENCHMARKS.md;
// they run only with JDHA_E2E_BENCH=1.
//
//	go test -race -v ./internal/e2e/    # about 7 minutes
//	JDHA_E2E_BENCH=1 go test -v -count=1 -run 'TestFailoverFigures|TestDaemonFigures' -timeout 50m ./internal/e2e/
//
// Environment: JDHA_E2E_RUNS (figures: runs per fault, default 5),
// JDHA_E2E_LOGDIR (keep every keepalived's log there), JDHA_E2E_OWN_AGENT=1
// (build the agent in the test and install the rendered files from state, as
// when the provider was built without `make agent`).
package e2e
