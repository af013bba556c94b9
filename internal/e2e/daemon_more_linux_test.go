//go:build linux

package e2e

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/keepalived"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/netns"
)

// hlab is the daemon's lab with a health check: each node runs a web server
// on port 80 that keepalived's vrrp_script fetches at 127.0.0.1 (weight 0,
// so a failed check means FAULT and a priority-0 advert), and a data plane's
// client at the EIP.
type hlab struct {
	*dlab
	web [2]*netns.Process
	// clsact is set once both veths carry the qdisc the split brain's
	// filters hang from.
	clsact bool
}

func newHealthLab(t *testing.T, vrrpVersion int, advert time.Duration) *hlab {
	t.Helper()
	if _, err := os.Stat("/usr/bin/curl"); err != nil {
		t.Skip("skipping: the http health check needs /usr/bin/curl (apt-get install -y curl)")
	}
	l := &hlab{dlab: newDaemonLabWith(t, vrrpVersion, advert, func(s *keepalived.Spec) {
		// A 2 s check timeout: on a loaded machine curl alone can take most of a second.
		s.HealthCheck = keepalived.HealthCheck{Kind: keepalived.HealthCheckHTTP, URL: healthURL, Timeout: 2 * time.Second}
	})}
	for i := range roles {
		l.startWeb(i)
	}
	return l
}

// startWeb starts node i's web server and waits until it answers.
func (l *hlab) startWeb(i int) {
	l.t.Helper()
	l.web[i] = startWebServer(l.t, l.hosts[i], "0.0.0.0:80", i, l.poll)
}

// killWeb kills node i's web server (SIGKILL) and waits for it to be gone.
func (l *hlab) killWeb(i int) { killWebServer(l.t, l.web[i], i) }

// termKeepalived stops node i's keepalived cleanly: SIGTERM to the parent,
// which runs notify_stop and sends a priority-0 advert.
func (l *hlab) termKeepalived(i int) {
	l.t.Helper()
	p := l.ka[i]
	if err := p.Signal(syscall.SIGTERM); err != nil {
		l.t.Fatalf("SIGTERM to the %s's keepalived: %v", roles[i], err)
	}
	select {
	case <-p.Done():
	case <-time.After(15 * time.Second):
		l.t.Fatalf("the %s's keepalived did not exit after SIGTERM; %s", roles[i], l.describe())
	}
}

// reconfigure renders the changed spec, rewrites both keepalived.conf and
// reloads keepalived (SIGHUP), the backup first, as install.sh does.
func (l *hlab) reconfigure(change func(*keepalived.Spec)) {
	l.t.Helper()
	change(&l.spec)
	nodes, err := keepalived.Render(l.spec)
	if err != nil {
		l.t.Fatalf("render: %v", err)
	}
	for _, i := range []int{1, 0} {
		if err := writeFileAtomic(l.conf[i], []byte(nodes[i].Text), 0o644); err != nil {
			l.t.Fatal(err)
		}
		reloads := strings.Count(l.ka[i].Output(), reloadDone)
		if err := l.ka[i].Signal(syscall.SIGHUP); err != nil {
			l.t.Fatalf("SIGHUP to the %s's keepalived: %v", roles[i], err)
		}
		l.poll(fmt.Sprintf("the %s's keepalived reloads", roles[i]), 15*time.Second, func() bool {
			return strings.Count(l.ka[i].Output(), reloadDone) > reloads
		})
	}
}

// reloadDone is what keepalived 2.2.7 logs once a reload has
// re-read the config.
const reloadDone = "Reload complete"

// splitBrain drops every advert between the nodes, both ways: each hears
// nothing and both become MASTER.
func (l *hlab) splitBrain() {
	l.t.Helper()
	if !l.clsact {
		l.cloud.MustIP(l.t, "link", "add", "name", "vrrp-sink", "type", "veth", "peer", "name", "vrrp-sink-p")
		for _, role := range roles {
			l.tc("qdisc", "add", "dev", "ve-"+role, "clsact")
		}
		l.clsact = true
	}
	for _, role := range roles {
		l.tc("filter", "add", "dev", "ve-"+role, "ingress", "protocol", "ip", "pref", "10", "u32",
			"match", "ip", "protocol", "112", "0xff", "action", "mirred", "egress", "redirect", "dev", "vrrp-sink")
	}
}

// onMaster is converged without the watch: the EIP is on keepalived's
// MASTER within convergeBudget of end. Only for a step that a later
// converged and a count of the moves since the step close.
func (l *hlab) onMaster(end time.Time) int {
	l.t.Helper()
	left := max(time.Until(end.Add(convergeBudget)), time.Second)
	m := -1
	l.poll("the EIP on keepalived's MASTER", left, func() bool {
		m = l.master()
		return m >= 0 && l.holder() == l.vmID[m] && !l.processing()
	})
	return m
}

func (l *hlab) healSplitBrain() {
	l.t.Helper()
	for _, role := range roles {
		l.tc("filter", "del", "dev", "ve-"+role, "ingress", "pref", "10")
	}
}

// TestDaemonHealthCheckPreemptAndSplitBrain runs the daemon-mode scenarios
// TestDaemonConvergesWithRealKeepalived leaves out, with an http health
// check on both nodes: the MASTER's web server down and back, a clean
// SIGTERM of the MASTER's keepalived, a two-way split brain, and, after
// reloading both nodes with preempt, the master taking the EIP back when it
// returns. Same pass rule: the EIP ends on the node keepalived has MASTER
// within 10 s of the last fault ending, and at most 2 moves per partition.
func TestDaemonHealthCheckPreemptAndSplitBrain(t *testing.T) {
	for _, v := range daemonVariants(2) {
		t.Run(v.name, func(t *testing.T) {
			// The two labs share nothing (namespaces, emulator, run
			// directory, agent binary): running them side by side halves
			// the wall time.
			t.Parallel()
			l := newHealthLab(t, v.version, v.advert)
			l.start()

			l.logf("nopreempt: the MASTER's web server goes down: its check fails, it enters FAULT, the peer takes the EIP")
			m := l.master()
			start := time.Now()
			l.killWeb(m)
			l.poll("the MASTER enters FAULT", 20*time.Second, func() bool { return l.vrrpState(m) == "FAULT" })
			if got := l.onMaster(start); got != 1-m {
				t.Fatalf("the %s is MASTER with its web server down; %s", roles[got], l.describe())
			}
			l.logf("nopreempt: the web server comes back: the node leaves FAULT as BACKUP, the EIP stays")
			l.startWeb(m)
			l.poll("the node leaves FAULT as BACKUP", 20*time.Second, func() bool { return l.vrrpState(m) == "BACKUP" })
			if got := l.converged(time.Now()); got != 1-m {
				t.Fatalf("the EIP moved back to the %s under nopreempt; %s", roles[got], l.describe())
			}
			if n := l.arrivals(start); n != 1 {
				t.Fatalf("%d EIP moves for a failed check and its recovery under nopreempt (want 1); %s", n, l.describe())
			}

			l.logf("nopreempt: SIGTERM of the MASTER's keepalived (clean stop, priority-0 advert): the peer takes the EIP; restarted, the node is BACKUP")
			m = l.master()
			start = time.Now()
			l.termKeepalived(m)
			if got := l.onMaster(time.Now()); got != 1-m {
				t.Fatalf("the %s is MASTER after the %s's keepalived stopped; %s", roles[got], roles[m], l.describe())
			}
			if !strings.Contains(l.ka[1-m].Output(), "received priority 0 advertisement") {
				t.Fatalf("the %s never heard the stopped node's priority-0 advert (not a clean stop?); %s", roles[1-m], l.describe())
			}
			l.startKeepalived(m)
			l.poll("the restarted node becomes BACKUP", 30*time.Second, func() bool { return l.vrrpState(m) == "BACKUP" })
			if got := l.converged(time.Now()); got != 1-m {
				t.Fatalf("the EIP moved back to the %s under nopreempt; %s", roles[got], l.describe())
			}
			if n := l.arrivals(start); n != 1 {
				t.Fatalf("%d EIP moves for a stop and restart under nopreempt (want 1); %s", n, l.describe())
			}
			// Two failovers: the master is MASTER again, as the split brain wants it.

			for run := 1; run <= v.repeats; run++ {
				l.logf("two-way split brain (all adverts lost), healed after both were MASTER (run %d of %d)", run, v.repeats)
				if l.master() != 0 || l.holder() != l.vmID[0] {
					t.Fatalf("want the master MASTER with the EIP before the split brain; %s", l.describe())
				}
				l.bothMasterThenHeal("split brain", l.splitBrain, l.healSplitBrain)
			}

			l.logf("both nodes reloaded with preempt (SIGHUP, the backup first): the EIP does not move")
			start = time.Now()
			l.reconfigure(func(s *keepalived.Spec) { s.Preempt = true })
			if got := l.converged(time.Now()); got != 0 {
				t.Fatalf("after the reload the %s is MASTER; %s", roles[got], l.describe())
			}
			if n := l.arrivals(start); n != 0 {
				t.Fatalf("%d EIP moves during the reload (want 0); %s", n, l.describe())
			}

			l.logf("preempt: the master's web server goes down and comes back: the backup takes the EIP, the master takes it back")
			start = time.Now()
			l.killWeb(0)
			l.poll("the master enters FAULT", 20*time.Second, func() bool { return l.vrrpState(0) == "FAULT" })
			if got := l.onMaster(start); got != 1 {
				t.Fatalf("the %s is MASTER with the master's web server down; %s", roles[got], l.describe())
			}
			l.startWeb(0)
			l.poll("the master preempts", 20*time.Second, func() bool { return l.vrrpState(0) == "MASTER" })
			if got := l.converged(time.Now()); got != 0 {
				t.Fatalf("the returning master did not take the EIP back under preempt; %s", l.describe())
			}
			if n := l.arrivals(start); n != 2 {
				t.Fatalf("%d EIP moves for a failed check and its recovery under preempt (want 2: away and back); %s", n, l.describe())
			}

			l.logf("preempt: SIGTERM of the master's keepalived, then it starts again: the EIP goes to the backup and comes back")
			start = time.Now()
			l.termKeepalived(0)
			if got := l.onMaster(time.Now()); got != 1 {
				t.Fatalf("the %s is MASTER after the master's keepalived stopped; %s", roles[got], l.describe())
			}
			l.startKeepalived(0)
			l.poll("the restarted master preempts", 30*time.Second, func() bool { return l.vrrpState(0) == "MASTER" && l.vrrpState(1) == "BACKUP" })
			if got := l.converged(time.Now()); got != 0 {
				t.Fatalf("the restarted master did not take the EIP back under preempt; %s", l.describe())
			}
			if n := l.arrivals(start); n != 2 {
				t.Fatalf("%d EIP moves for a stop and restart under preempt (want 2: away and back); %s", n, l.describe())
			}
		})
	}
}
