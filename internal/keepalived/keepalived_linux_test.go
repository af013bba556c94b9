//go:build linux

package keepalived

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/netns"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil"
)

func keepalivedBinary(t *testing.T) string {
	t.Helper()
	netns.SkipIfUnavailable(t)
	if p, err := exec.LookPath("keepalived"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/keepalived"); err == nil {
		return "/usr/sbin/keepalived"
	}
	t.Skip("skipping: no keepalived binary (apt-get install -y keepalived)")
	return ""
}

func checkLog(t *testing.T, what, out string) {
	t.Helper()
	for _, l := range testutil.KeepalivedComplaints(out) {
		t.Errorf("%s: keepalived said %q", what, l)
	}
}

// TestLogCheckCatchesTheArticleConfig is the control for the checks above: the keepalived article's
// config (curly quotes) passes `keepalived -t` with a warning that only the log check catches.
func TestLogCheckCatchesTheArticleConfig(t *testing.T) {
	bin := keepalivedBinary(t)
	a, b := netns.New(t), netns.New(t)
	netns.Veth(t, a, "eth0", b, "eth0")
	a.AddAddr(t, "eth0", "10.0.1.18/24")
	conf := filepath.Join(testutil.SecureScriptDir(t, "jdha-ka-"), "article.conf")
	writeFile(t, conf, "vrrp_script chk_nginx\n{\n  script \u201cpidof nginx\u201d\n  interval 2\n}\n\n"+
		"vrrp_instance VI_1\n{\n  interface eth0\n  state MASTER\n  virtual_router_id 1\n  priority 101\n"+
		"  unicast_src_ip 10.0.1.18\n  unicast_peer\n  {\n    10.0.1.19\n  }\n  track_script\n  {\n    chk_nginx\n  }\n"+
		"  notify_master /etc/keepalived/master.sh\n}\n", 0o644)
	out, _ := a.Run(context.Background(), bin, "-t", "-f", conf)
	if len(testutil.KeepalivedComplaints(out)) == 0 {
		t.Fatalf("the log check found nothing wrong with the article's config; keepalived -t said:\n%s", out)
	}
}

func writeFile(t *testing.T, path, text string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // umask-proof
		t.Fatal(err)
	}
}

// pair is a rendered spec running in two namespaces joined by a veth pair.
type pair struct {
	spec      Spec
	dir       string
	ns        [2]*netns.NS
	confs     [2]string
	callsPath string
	webProc   *netns.Process  // pgrep and pidfile checks
	web       [2]*http.Server // http checks: one per namespace, so one node can fail alone
}

// setupPair renders spec with the agent replaced by a stub that records its arguments and the
// namespace it ran in, and builds what the health check looks at: a process named after the
// pgrep target, its pid file, or an HTTP server on the URL's loopback port in each namespace.
func setupPair(t *testing.T, spec Spec) *pair {
	t.Helper()
	p := &pair{dir: testutil.SecureScriptDir(t, "jdha-ka-")}
	p.callsPath = filepath.Join(p.dir, "calls.log")
	spec.AgentPath = filepath.Join(p.dir, "bin", "jdcloud-eip-failover")
	spec.AgentConfigPath = filepath.Join(p.dir, "agent.json")
	writeFile(t, spec.AgentPath, fmt.Sprintf("#!/bin/sh\necho \"$(/usr/sbin/ip netns identify $$) $0 $*\" >> %s\n", p.callsPath), 0o755)

	p.ns[0], p.ns[1] = netns.New(t), netns.New(t)
	spec = spec.WithDefaults()
	netns.Veth(t, p.ns[0], spec.nodeInterface(0), p.ns[1], spec.nodeInterface(1))
	for i, n := range spec.Nodes {
		p.ns[i].AddAddr(t, spec.nodeInterface(i), n.PrivateIP.String()+"/24")
	}

	hc := &spec.HealthCheck
	switch hc.Kind {
	case HealthCheckPgrep, HealthCheckPidfile:
		// A copy of sleep runs with the checked process name; pgrep sees it from both nodes.
		name := "nginx"
		if hc.Kind == HealthCheckPgrep {
			name = hc.Process
		}
		fake := filepath.Join(p.dir, "bin", name)
		sleep, err := exec.LookPath("sleep")
		if err != nil {
			t.Skip("skipping: no sleep binary")
		}
		data, err := os.ReadFile(sleep)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, fake, string(data), 0o755)
		p.webProc = p.ns[0].Start(t, fake, "600")
		if hc.Kind == HealthCheckPidfile {
			hc.PIDFile = filepath.Join(p.dir, "nginx.pid")
			writeFile(t, hc.PIDFile, strconv.Itoa(p.webProc.PID())+"\n", 0o644)
		}
	case HealthCheckHTTP:
		if _, err := os.Stat("/usr/bin/curl"); err != nil {
			t.Skip("skipping: the http health check needs /usr/bin/curl")
		}
		u, err := url.Parse(hc.URL)
		if err != nil {
			t.Fatal(err)
		}
		for i, n := range p.ns {
			l := n.Listen(t, "tcp", "127.0.0.1:"+u.Port())
			status := hc.ExpectedStatus
			srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(status)
			})}
			p.web[i] = srv
			go func() { _ = srv.Serve(l) }()
			t.Cleanup(func() { _ = srv.Close() })
		}
	}

	nodes, err := Render(spec)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	p.spec = spec
	for i, n := range nodes {
		p.confs[i] = filepath.Join(p.dir, n.Role+".conf")
		writeFile(t, p.confs[i], n.Text, 0o644)
	}
	return p
}

func (p *pair) calls() []string {
	data, _ := os.ReadFile(p.callsPath)
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

// waitCall polls the stub agent's record for a call from node i ending in suffix.
func (p *pair) waitCall(t *testing.T, i int, suffix string, timeout time.Duration) {
	t.Helper()
	want := p.ns[i].Name + " " + p.spec.AgentPath + " --config " + p.spec.AgentConfigPath + " " + suffix
	// Polling a file written by another process.
	testutil.Eventually(t, timeout, 250*time.Millisecond, func() (bool, string) {
		calls := p.calls()
		return slices.Contains(calls, want), fmt.Sprintf("no agent call %q; calls:\n%s", want, strings.Join(calls, "\n"))
	})
}

// start runs keepalived for node i in the foreground with its own pid files.
func (p *pair) start(t *testing.T, bin string, i int) *netns.Process {
	t.Helper()
	role := []string{"master", "backup"}[i]
	return p.ns[i].Start(t, bin, "-n", "-l", "-D", "--vrrp", "-f", p.confs[i],
		"-p", filepath.Join(p.dir, role+".pid"), "-r", filepath.Join(p.dir, role+"-vrrp.pid"))
}

// electionTimeout bounds how long the first election can take: 3 adverts plus skew, plus any
// preempt delay, plus slack for a loaded machine.
func electionTimeout(s Spec) time.Duration {
	return 4*s.AdvertInterval + s.PreemptDelay + 15*time.Second
}

// TestKeepalivedAcceptsEveryVariant runs Debian's keepalived on every rendered variant inside
// namespaces that have the interfaces and addresses: `-t` must exit 0, and a real run must
// elect the master, run the stub agent's takeover on it and log BACKUP on the backup, with no
// message saying part of the config was dropped (which -t does not report for notify scripts).
func TestKeepalivedAcceptsEveryVariant(t *testing.T) {
	bin := keepalivedBinary(t)
	for name, spec := range variants() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := setupPair(t, spec)
			for i, n := range p.ns {
				out, err := n.Run(context.Background(), bin, "-t", "-f", p.confs[i])
				if err != nil {
					t.Fatalf("keepalived -t on %s: %v\n%s", p.confs[i], err, out)
				}
				checkLog(t, "keepalived -t "+filepath.Base(p.confs[i]), out)
			}

			// The master first, as in a real rollout: started together, a preempt_delay lets
			// the backup win the first election, which is correct but not what this checks.
			timeout := electionTimeout(p.spec)
			becameMaster := "takeover"
			becameBackup := fmt.Sprintf("notify INSTANCE %s BACKUP %d", p.spec.InstanceName, p.spec.Nodes[1].Priority)
			if p.spec.Daemon { // the daemon's hooks carry no priority
				becameMaster = fmt.Sprintf("report INSTANCE %s MASTER", p.spec.InstanceName)
				becameBackup = fmt.Sprintf("report INSTANCE %s BACKUP", p.spec.InstanceName)
			}
			procs := [2]*netns.Process{p.start(t, bin, 0)}
			p.waitCall(t, 0, becameMaster, timeout)
			procs[1] = p.start(t, bin, 1)
			p.waitCall(t, 1, becameBackup, timeout)
			for i, proc := range procs {
				if p.spec.HealthCheck.Kind != HealthCheckNone && !proc.WaitOutput("VRRP_Script(chk_health) succeeded", timeout) {
					t.Errorf("node %d: the health check never succeeded:\n%s", i, proc.Output())
				}
			}
			for _, c := range p.calls() {
				if strings.HasPrefix(c, p.ns[1].Name+" ") && strings.HasSuffix(c, " takeover") {
					t.Errorf("the backup ran takeover while the master was healthy: %q", c)
				}
			}
			for i, proc := range procs {
				_ = proc.Stop(10 * time.Second)
				checkLog(t, fmt.Sprintf("keepalived node %d", i), proc.Output())
			}
		})
	}
}

// TestHealthCheckWeightZeroFailsOver shows the weight 0 semantics on real keepalived: when the
// master's web server stops answering, the master enters FAULT and the backup takes over.
func TestHealthCheckWeightZeroFailsOver(t *testing.T) {
	bin := keepalivedBinary(t)
	for _, preempt := range []bool{true, false} {
		t.Run(fmt.Sprintf("preempt=%v", preempt), func(t *testing.T) {
			t.Parallel()
			s := baseSpec()
			s.Version, s.AdvertInterval, s.Preempt = 3, 100*time.Millisecond, preempt
			// pgrep sees every process on the machine, so only an HTTP check on each
			// namespace's own loopback lets the master fail alone.
			s.HealthCheck = HealthCheck{Kind: HealthCheckHTTP, URL: "http://127.0.0.1:8080/", Fall: 1, Rise: 1}
			p := setupPair(t, s)
			timeout := electionTimeout(p.spec)
			p.start(t, bin, 0)
			p.waitCall(t, 0, "takeover", timeout)
			p.start(t, bin, 1)
			p.waitCall(t, 1, fmt.Sprintf("notify INSTANCE %s BACKUP %d", p.spec.InstanceName, p.spec.Nodes[1].Priority), timeout)

			if err := p.web[0].Close(); err != nil {
				t.Fatal(err)
			}
			p.waitCall(t, 0, fmt.Sprintf("notify INSTANCE %s FAULT %d", p.spec.InstanceName, p.spec.Nodes[0].Priority), timeout)
			p.waitCall(t, 1, "takeover", timeout)
		})
	}
}
