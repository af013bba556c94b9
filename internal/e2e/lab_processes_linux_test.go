//go:build linux

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/netns"
)

// startWeb starts node i's web server (the test binary itself) and waits
// until it answers.
func (l *lab) startWeb(i int) {
	l.t.Helper()
	l.web[i] = startWebServer(l.t, l.hosts[i], "127.0.0.1:80", i, l.poll)
}

// startWebServer starts node i's web server (this test binary in its web
// server mode, answering "served by <role>") in ns on addr, and waits until
// it answers on 127.0.0.1:80 there.
func startWebServer(t *testing.T, ns *netns.NS, addr string, i int, poll func(string, time.Duration, func() bool)) *netns.Process {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := ns.Start(t, self, webServerArg, addr, roles[i])
	poll(fmt.Sprintf("the %s's web server answers", roles[i]), 10*time.Second, func() bool {
		c, err := ns.Dial("tcp", "127.0.0.1:80", time.Second)
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
	return p
}

func (l *lab) webUp(i int) bool { return running(l.web[i]) }

// startKeepalived runs keepalived for node i in the foreground, logging to
// the console (captured), with its own pid files.
func (l *lab) startKeepalived(i int) {
	t := l.t
	t.Helper()
	pid, vrrpPid := filepath.Join(l.confDir[i], "keepalived.pid"), filepath.Join(l.confDir[i], "vrrp.pid")
	for _, p := range []string{pid, vrrpPid} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	p := l.hosts[i].Start(t, l.keepBin, "-n", "-l", "-D", "--vrrp", "-f", l.confPath(i), "-p", pid, "-r", vrrpPid)
	l.mu.Lock()
	l.ka[i] = p
	l.allKA = append(l.allKA, p)
	l.kaRole = append(l.kaRole, roles[i])
	l.mu.Unlock()
}

func (l *lab) kaRunning(i int) bool { return running(l.ka[i]) }

// stopKeepalived stops node i's keepalived cleanly (SIGTERM to its group).
func (l *lab) stopKeepalived(i int) {
	if l.kaRunning(i) {
		_ = l.ka[i].Stop(10 * time.Second)
	}
}

// startDaemon (re)starts node i's agent daemon in its namespace, as the
// bundle's unit would.
func (l *lab) startDaemon(i int) {
	l.t.Helper()
	l.stopDaemon(i)
	cmd := l.daemonCmd[i]
	l.agentd[i] = l.hosts[i].Start(l.t, cmd[0], cmd[1:]...)
}

// stopDaemon stops node i's agent daemon (SIGTERM; stopping it never moves the EIP).
func (l *lab) stopDaemon(i int) {
	if l.daemonUp(i) {
		_ = l.agentd[i].Stop(10 * time.Second)
	}
}

func (l *lab) daemonUp(i int) bool { return running(l.agentd[i]) }

// runAgent runs node i's agent by hand, as keepalived would, and returns its
// exit code, stderr and wall time from start to exit.
func (l *lab) runAgent(i int, timeout time.Duration, args ...string) (code int, out string, took time.Duration) {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	full := append([]string{"--config", filepath.Join(l.confDir[i], "agent.json")}, args...)
	cmd := l.hosts[i].Command(ctx, l.agent, full...)
	var buf strings.Builder
	cmd.Stdout, cmd.Stderr = &buf, &buf
	start := time.Now()
	err := cmd.Run()
	took = time.Since(start)
	if ctx.Err() != nil {
		l.t.Fatalf("the %s's agent %v did not exit within %s:\n%s", roles[i], args, timeout, buf.String())
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), buf.String(), took
	} else if err != nil {
		l.t.Fatalf("running the %s's agent: %v", roles[i], err)
	}
	return 0, buf.String(), took
}

// agentRunning reports whether an agent process other than the node's
// daemon (a hook or a takeover) runs in node i's namespace.
func (l *lab) agentRunning(i int) bool {
	pids, err := l.hosts[i].PIDs()
	if err != nil {
		return false
	}
	for _, pid := range pids {
		if l.daemonUp(i) && pid == l.agentd[i].PID() {
			continue
		}
		if exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe"); err == nil && strings.TrimSuffix(exe, " (deleted)") == l.agent {
			return true
		}
	}
	return false
}

// settled waits until no agent runs on either node: a takeover still
// verifying while the next fault is injected would blur what is measured.
func (l *lab) settled() {
	l.t.Helper()
	l.poll("the agents finish", 40*time.Second, func() bool { return !l.agentRunning(0) && !l.agentRunning(1) })
}

// reset brings the pair to its steady state: both web servers up, the master
// MASTER with the EIP (its agent moves it back if needed), the backup BACKUP
// with a passing health check, no agent running.
func (l *lab) reset() {
	l.t.Helper()
	l.stopKeepalived(1)
	l.stopKeepalived(0)
	for i := range roles {
		if !l.webUp(i) {
			l.startWeb(i)
		}
	}
	l.settled()
	l.startKeepalived(0)
	l.poll("the master becomes MASTER and holds the EIP", 30*time.Second, func() bool {
		return l.vrrpState(0) == "MASTER" && l.holder() == l.vmID[0]
	})
	l.startKeepalived(1)
	l.poll("the backup becomes BACKUP with a passing health check", 30*time.Second, func() bool {
		return l.vrrpState(1) == "BACKUP" && l.checkHealthy(1)
	})
	l.settled()
	if got := l.holderName(); got != "master" || l.vrrpState(0) != "MASTER" {
		l.t.Fatalf("after reset: EIP on %s; %s", got, l.describe())
	}
}

// running: p was started and has not exited.
func running(p *netns.Process) bool {
	if p == nil {
		return false
	}
	select {
	case <-p.Done():
		return false
	default:
		return true
	}
}
