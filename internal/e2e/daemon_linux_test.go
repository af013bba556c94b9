//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vmclient "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/client"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/keepalived"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/netns"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil"
)

// labVerifyInterval is the daemons' verify_interval in the lab: shorter than
// the default so the scenarios run quickly ("" = the agent's default).
var labVerifyInterval = "2s"

// convergeBudget is the pass rule: the EIP is on keepalived's
// MASTER within 10 s of the last fault ending.
const convergeBudget = 10 * time.Second

// dlab is the daemon's lab: the cloud namespace serves the emulator (behind
// a switch that can make the API fail), two host namespaces each run
// keepalived rendered in daemon mode and `jdcloud-eip-failover run`.
// Unlike lab, it needs no terraform: the topology is made through the SDK,
// so each scenario starts in seconds.
type dlab struct {
	t       *testing.T
	srv     *emulator.Server
	rec     *recorder
	api     *apiSwitch
	cloud   *netns.NS
	hosts   [2]*netns.NS
	keepBin string
	runDir  string
	agent   string
	dir     [2]string
	conf    [2]string // keepalived.conf
	cfg     [2]string // agent.json
	eipID   string
	vmID    [2]string
	vm      *vmclient.VmClient
	spec    keepalived.Spec // as rendered, so a scenario can change it and reload

	ka     [2]*netns.Process
	daemon [2]*netns.Process
	kaMu   sync.Mutex // both nodes' keepalived start at once in the simultaneous restart
	allKA  []*netns.Process
}

// apiSwitch fails every API call with 503 while down, and can go down by
// itself right after the next accepted disassociate ("the API fails after
// the release").
type apiSwitch struct {
	next http.Handler

	mu               sync.Mutex
	downUntil        time.Time
	afterReleaseDown time.Duration
}

func (a *apiSwitch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	down := time.Now().Before(a.downUntil)
	a.mu.Unlock()
	if down {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `{"requestId":"e2e-outage","error":{"code":503,"status":"UNAVAILABLE","message":"injected outage"}}`)
		return
	}
	sw := &emulator.StatusRecorder{ResponseWriter: w, Status: http.StatusOK}
	a.next.ServeHTTP(sw, r)
	if strings.HasSuffix(r.URL.Path, ":disassociateElasticIp") || strings.HasSuffix(r.URL.Path, "%3AdisassociateElasticIp") {
		a.mu.Lock()
		if a.afterReleaseDown > 0 && sw.Status == http.StatusOK {
			a.downUntil, a.afterReleaseDown = time.Now().Add(a.afterReleaseDown), 0
		}
		a.mu.Unlock()
	}
}

func (a *apiSwitch) downFor(d time.Duration) time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.downUntil = time.Now().Add(d)
	return a.downUntil
}

func (a *apiSwitch) failAfterRelease(d time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.afterReleaseDown = d
}

// outageEnd is when the current or last outage ends (zero if none).
func (a *apiSwitch) outageEnd() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.downUntil
}

func daemonRequirements(t *testing.T) string {
	t.Helper()
	netns.SkipIfUnavailable(t)
	bin := keepalivedBinary(t)
	if _, err := exec.LookPath("tc"); err != nil {
		t.Skip("skipping: the partition scenario needs iproute2's tc")
	}
	return bin
}

func newDaemonLab(t *testing.T, vrrpVersion int, advert time.Duration) *dlab {
	t.Helper()
	return newDaemonLabWith(t, vrrpVersion, advert, nil)
}

// newDaemonLabWith lets a scenario change the spec (health check,
// preemption) before it is rendered.
func newDaemonLabWith(t *testing.T, vrrpVersion int, advert time.Duration, change func(*keepalived.Spec)) *dlab {
	t.Helper()
	l := &dlab{t: t, keepBin: daemonRequirements(t)}
	l.srv = acctest.StartEmulator(t)
	l.rec = &recorder{emu: l.srv.Emulator}
	l.api = &apiSwitch{next: l.srv.Emulator}
	t.Cleanup(l.checkLogs)

	l.cloud, l.hosts = cloudAndHosts(t, l.rec.wrap(l.api))

	l.makeTopology()

	l.runDir = testutil.SecureScriptDir(t, "jdha-e2e-")
	l.agent = filepath.Join(l.runDir, "bin", "jdcloud-eip-failover")
	bin, err := os.ReadFile(buildAgent(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := writeFileAtomic(l.agent, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	spec := keepalived.Spec{VRID: 51, Version: vrrpVersion, AdvertInterval: advert, Interface: "eth0",
		Daemon: true, CheckUnicastSrc: true, AgentPath: l.agent,
		HealthCheck: keepalived.HealthCheck{Kind: keepalived.HealthCheckNone}}
	prio := [2]int{150, 100}
	for i, role := range roles {
		l.dir[i] = filepath.Join(l.runDir, role)
		mkdir(t, l.dir[i])
		l.cfg[i] = filepath.Join(l.dir[i], "agent.json")
		spec.Nodes[i] = keepalived.Node{Name: role, InstanceID: l.vmID[i], PrivateIP: netip.MustParseAddr(privateIP[i]), Priority: prio[i], AgentConfigPath: l.cfg[i]}
	}
	if change != nil {
		change(&spec)
	}
	l.spec = spec
	nodes, err := keepalived.Render(spec)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	for i := range roles {
		peer := 1 - i
		l.conf[i] = filepath.Join(l.dir[i], "keepalived.conf")
		cfg := map[string]any{"region": "cn-east-2", "endpoint": apiEndpoint, "scheme": "http", "eip_id": l.eipID,
			"instance_id": l.vmID[i], "peer_instance_id": l.vmID[peer], "credentials_file": "credentials",
			"lock_file": "takeover.lock", "run_dir": "run", "syslog": false, "log_tag": "agent-" + roles[i],
			"priority": prio[i], "peer_priority": prio[peer],
			"vrrp_address": keepalived.DefaultDummyVIP, "keepalived_pid_file": filepath.Join(l.dir[i], "vrrp.pid")}
		if labVerifyInterval != "" {
			cfg["verify_interval"] = labVerifyInterval
		}
		b, _ := json.Marshal(cfg)
		creds := fmt.Sprintf("access_key = %s\nsecret_key = %s\n", l.srv.AccessKey, l.srv.SecretKey)
		for _, f := range []struct {
			path string
			data []byte
			mode os.FileMode
		}{{l.cfg[i], b, 0o644}, {filepath.Join(l.dir[i], "credentials"), []byte(creds), 0o600}, {l.conf[i], []byte(nodes[i].Text), 0o644}} {
			if err := writeFileAtomic(f.path, f.data, f.mode); err != nil {
				t.Fatal(err)
			}
		}
	}
	return l
}

// vrrpVariant is a VRRP version and advert interval a daemon test runs
// keepalived with, and how many times it repeats its scenario.
type vrrpVariant struct {
	name    string
	version int
	advert  time.Duration
	repeats int
}

// daemonVariants are VRRPv3 at 0.5 s adverts, repeated v3repeats times, and
// VRRPv2 at keepalived's 1 s, once.
func daemonVariants(v3repeats int) []vrrpVariant {
	return []vrrpVariant{{"vrrp3", 3, 500 * time.Millisecond, v3repeats}, {"vrrp2", 2, time.Second, 1}}
}

// makeTopology creates the two instances and the EIP through the SDK (from
// the test process, over loopback), with the EIP on the master.
func (l *dlab) makeTopology() {
	tp := testutil.MakeTopology(l.t, l.srv, []string{"nginx-" + roles[0], "nginx-" + roles[1]}, privateIP[:])
	l.vm, l.eipID, l.vmID = tp.VM, tp.EIP, [2]string{tp.Instances[0], tp.Instances[1]}
	r, err := l.vm.AssociateElasticIp(vmapis.NewAssociateElasticIpRequest(tp.Region, l.vmID[0], l.eipID))
	testutil.APIOK(l.t, "AssociateElasticIp", err, r.Error)
	l.rec.setEIP(l.eipID, l.vmID)
	l.poll("the EIP settles on the master", 10*time.Second, func() bool { return l.holder() == l.vmID[0] && !l.processing() })
}

func (l *dlab) holder() string { return emulatorEIPHolder(l.srv, l.eipID) }

func (l *dlab) processing() bool { return emulatorEIPProcessing(l.srv, l.eipID) }

func (l *dlab) holderName() string { return roleOf(l.holder(), l.vmID) }

// bothMasterThenHeal cuts VRRP with cut until both nodes are MASTER, keeps
// it so for 3 s, heals it, and checks the pass rule: the EIP ends on the
// master (the final MASTER) within 10 s, after at most 2 moves (away and back).
func (l *dlab) bothMasterThenHeal(fault string, cut, heal func()) {
	l.t.Helper()
	start := time.Now()
	cut()
	l.poll("both nodes MASTER", 20*time.Second, func() bool { return l.vrrpState(0) == "MASTER" && l.vrrpState(1) == "MASTER" })
	time.Sleep(3 * time.Second) // the fault's duration: both stay MASTER for 3 s
	heal()
	healed := time.Now()
	l.poll("the backup yields", 20*time.Second, func() bool { return l.vrrpState(1) == "BACKUP" })
	if got := l.converged(healed); got != 0 {
		l.t.Fatalf("after the heal the %s is MASTER; %s", roles[got], l.describe())
	}
	moves := l.arrivals(start)
	l.logf("   %d EIP moves during the %s and heal", moves, fault)
	if moves > 2 {
		l.t.Fatalf("%d EIP moves in one %s (want at most 2: away and back); %s", moves, fault, l.describe())
	}
}

func (l *dlab) startKeepalived(i int) {
	l.t.Helper()
	pid, vrrpPid := filepath.Join(l.dir[i], "keepalived.pid"), filepath.Join(l.dir[i], "vrrp.pid")
	for _, p := range []string{pid, vrrpPid} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			l.t.Fatal(err)
		}
	}
	p := l.hosts[i].Start(l.t, l.keepBin, "-n", "-l", "-D", "--vrrp", "-f", l.conf[i], "-p", pid, "-r", vrrpPid)
	l.kaMu.Lock()
	defer l.kaMu.Unlock()
	l.ka[i] = p
	l.allKA = append(l.allKA, p)
}

// killKeepalived: SIGKILL to the whole group, a crash with no goodbye advert
// and no STOP hook.
func (l *dlab) killKeepalived(i int) {
	l.t.Helper()
	if !running(l.ka[i]) {
		return
	}
	_ = syscall.Kill(-l.ka[i].PID(), syscall.SIGKILL)
	<-l.ka[i].Done()
}

func (l *dlab) startDaemon(i int) {
	l.daemon[i] = l.hosts[i].Start(l.t, l.agent, "--config", l.cfg[i], "run")
}

func (l *dlab) vrrpState(i int) string {
	if !running(l.ka[i]) {
		return ""
	}
	m := stateRe.FindAllStringSubmatch(l.ka[i].Output(), -1)
	if len(m) == 0 {
		return ""
	}
	return strings.ToUpper(m[len(m)-1][1])
}

// master is the node keepalived has MASTER, or -1 unless exactly one is.
func (l *dlab) master() int {
	s0, s1 := l.vrrpState(0) == "MASTER", l.vrrpState(1) == "MASTER"
	switch {
	case s0 && !s1:
		return 0
	case s1 && !s0:
		return 1
	}
	return -1
}

func (l *dlab) logf(format string, args ...any) {
	l.t.Helper()
	l.t.Logf("%s "+format, append([]any{time.Now().Format("15:04:05.000")}, args...)...)
}

func (l *dlab) poll(what string, timeout time.Duration, cond func() bool) {
	l.t.Helper()
	if !testutil.Wait(timeout, pollInterval, cond) {
		l.t.Fatalf("%s: not within %s; %s", what, timeout, l.describe())
	}
}

func (l *dlab) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "at %s: EIP on %s (processing %v); VRRP master=%q backup=%q", time.Now().Format("15:04:05.000"), l.holderName(), l.processing(), l.vrrpState(0), l.vrrpState(1))
	for i, role := range roles {
		if l.ka[i] != nil {
			fmt.Fprintf(&b, "\n--- %s keepalived (last 15 lines):\n%s", role, lastLines(l.ka[i].Output(), 15))
		}
		if l.daemon[i] != nil {
			fmt.Fprintf(&b, "\n--- %s agent daemon (last 25 lines):\n%s", role, lastLines(l.daemon[i].Output(), 25))
		}
	}
	fmt.Fprintf(&b, "\n--- API calls (last 20):\n%s", l.rec.tail(20))
	return b.String()
}

// start brings up the steady state: keepalived and the daemon on both
// nodes, the master MASTER with the EIP, the backup BACKUP.
func (l *dlab) start() {
	l.t.Helper()
	for i := range roles {
		l.startDaemon(i)
	}
	l.startKeepalived(0)
	l.poll("the master becomes MASTER", 30*time.Second, func() bool { return l.vrrpState(0) == "MASTER" })
	l.startKeepalived(1)
	l.poll("the backup becomes BACKUP", 30*time.Second, func() bool { return l.vrrpState(1) == "BACKUP" })
	l.converged(time.Now())
}

// converged enforces the pass rule from end: within convergeBudget the EIP
// is on the node keepalived has MASTER (exactly one), and still there after
// two verify intervals (the daemons agree, nothing moves it again).
func (l *dlab) converged(end time.Time) int {
	l.t.Helper()
	left := time.Until(end.Add(convergeBudget))
	if left < time.Second {
		left = time.Second
	}
	m := -1
	l.poll("the EIP on keepalived's MASTER", left, func() bool {
		m = l.master()
		return m >= 0 && l.holder() == l.vmID[m] && !l.processing()
	})
	// Watch it stay (an absence of change needs watching for a while).
	watch := time.Now().Add(3 * time.Second)
	for time.Now().Before(watch) {
		if mm := l.master(); mm != m || l.holder() != l.vmID[m] {
			l.t.Fatalf("the EIP or the MASTER changed after converging on the %s; %s", roles[m], l.describe())
		}
		time.Sleep(50 * time.Millisecond) // sampling during the window
	}
	return m
}

// arrivals counts how often the EIP arrived on an instance since t.
func (l *dlab) arrivals(since time.Time) int {
	_, changes := l.rec.since(since, "")
	n := 0
	for _, c := range changes {
		if c.Holder != "" {
			n++
		}
	}
	return n
}

// partitionOneWay drops the master's adverts on their way to the backup
// only: the backup becomes MASTER, the master hears its lower-priority
// adverts and stays MASTER.
func (l *dlab) partitionOneWay() {
	l.t.Helper()
	if _, err := l.cloud.IP("link", "show", "vrrp-sink"); err != nil {
		l.cloud.MustIP(l.t, "link", "add", "name", "vrrp-sink", "type", "veth", "peer", "name", "vrrp-sink-p")
		l.tc("qdisc", "add", "dev", "ve-master", "clsact")
	}
	l.tc("filter", "add", "dev", "ve-master", "ingress", "protocol", "ip", "pref", "10", "u32",
		"match", "ip", "protocol", "112", "0xff", "action", "mirred", "egress", "redirect", "dev", "vrrp-sink")
}

func (l *dlab) healOneWay() {
	l.t.Helper()
	l.tc("filter", "del", "dev", "ve-master", "ingress", "pref", "10")
}

func (l *dlab) tc(args ...string) {
	l.t.Helper()
	if out, err := l.cloud.Run(context.Background(), "tc", args...); err != nil {
		l.t.Fatalf("tc %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func (l *dlab) checkLogs() {
	for _, p := range l.allKA {
		for _, line := range testutil.KeepalivedComplaints(p.Output()) {
			l.t.Errorf("keepalived (pid %d) logged %q", p.PID(), line)
		}
	}
}

// TestDaemonConvergesWithRealKeepalived runs the failover scenarios against
// real keepalived in daemon mode, VRRPv3 (500 ms adverts: fast, yet robust
// on a loaded 2-core machine) and VRRPv2 (1 s adverts). Pass rule for each:
// the EIP ends on the node keepalived has MASTER within 10 s of the last
// fault ending, and at most 2 moves per partition.
func TestDaemonConvergesWithRealKeepalived(t *testing.T) {
	for _, v := range daemonVariants(3) {
		t.Run(v.name, func(t *testing.T) {
			l := newDaemonLab(t, v.version, v.advert)
			l.start()
			var dp *dataPlane
			if v.version == 3 {
				// The article's view: the EIP's address answers from the MASTER's web server.
				dp = l.startDataPlane()
				l.poll("http://EIP/ answers from the master", 10*time.Second, func() bool { return dp.get(time.Second) == "master" })
			}

			l.logf("kill -9 of the MASTER's keepalived: the other node becomes MASTER, its daemon takes the EIP")
			m := l.master()
			var loop *clientLoop
			if dp != nil {
				loop = dp.loop(100 * time.Millisecond)
			}
			l.killKeepalived(m)
			now := l.converged(time.Now())
			if now == m {
				t.Fatalf("the killed node is still MASTER; %s", l.describe())
			}
			l.logf("   EIP on the %s", roles[now])
			if loop != nil {
				failed, outage, last := loop.end()
				l.logf("   client (request every 100 ms): %d failed, outage %s as the client saw it", failed, outage.Round(time.Millisecond))
				if last != roles[now] {
					t.Fatalf("http://EIP/ last answered from %q, want the %s:\n%s", last, roles[now], loop)
				}
			}
			l.startKeepalived(m) // nopreempt: it comes back as BACKUP, the EIP stays
			l.poll("the restarted node becomes BACKUP", 30*time.Second, func() bool { return l.vrrpState(m) == "BACKUP" })
			if got := l.converged(time.Now()); got != now {
				t.Fatalf("the EIP moved back to the %s under nopreempt", roles[got])
			}

			l.logf("the daemons are killed (SIGKILL), and the MASTER dies while the other's daemon is down: restarted, it learns MASTER and takes the EIP")
			m = l.master()
			for i := range roles {
				_ = syscall.Kill(-l.daemon[i].PID(), syscall.SIGKILL)
				<-l.daemon[i].Done()
			}
			l.startDaemon(m)
			l.killKeepalived(m)
			l.poll("the other node becomes MASTER", 20*time.Second, func() bool { return l.vrrpState(1-m) == "MASTER" })
			l.startDaemon(1 - m)
			if got := l.converged(time.Now()); got != 1-m {
				t.Fatalf("the %s is MASTER, want the %s; %s", roles[got], roles[1-m], l.describe())
			}
			l.startKeepalived(m)
			l.poll("the restarted node becomes BACKUP", 30*time.Second, func() bool { return l.vrrpState(m) == "BACKUP" })

			l.logf("out-of-band disassociation while healthy: the MASTER's daemon re-attaches it")
			m = l.master()
			r, err := l.vm.DisassociateElasticIp(vmapis.NewDisassociateElasticIpRequest("cn-east-2", l.vmID[m], l.eipID))
			if err != nil || r.Error.Code != 0 {
				t.Fatalf("out-of-band disassociate: %v %+v", err, r.Error)
			}
			l.poll("the disassociation takes effect", 5*time.Second, func() bool { return l.holder() != l.vmID[m] || !l.processing() })
			l.converged(time.Now())

			l.logf("API outage (503 for 12 s, longer than the one-shot agent's retries) while the MASTER dies")
			m = l.master()
			end := l.api.downFor(12 * time.Second)
			time.Sleep(time.Second) // the fault timeline: the MASTER dies 1 s into the outage
			l.killKeepalived(m)
			l.poll("the other node becomes MASTER during the outage", 20*time.Second, func() bool { return l.vrrpState(1-m) == "MASTER" })
			if time.Now().After(end) {
				t.Fatalf("the failover took longer than the outage; the scenario proved nothing; %s", l.describe())
			}
			if got := l.converged(end); got == m {
				t.Fatalf("the dead node is MASTER?; %s", l.describe())
			}
			l.startKeepalived(m)
			l.poll("the restarted node becomes BACKUP", 30*time.Second, func() bool { return l.vrrpState(m) == "BACKUP" })

			l.logf("the API fails for 6 s right after the release step of a takeover")
			m = l.master()
			l.api.failAfterRelease(6 * time.Second)
			l.killKeepalived(m)
			l.poll("the release happens and the API goes down", 20*time.Second, func() bool { return time.Now().Before(l.api.outageEnd()) })
			l.converged(l.api.outageEnd())
			l.startKeepalived(m)
			l.poll("the restarted node becomes BACKUP", 30*time.Second, func() bool { return l.vrrpState(m) == "BACKUP" })

			l.logf("30 %% of API calls fail (500, 503, 429, dropped) during a failover")
			m = l.master()
			l.srv.Emulator.SetFaults(emulator.Faults{Rate500: 0.15, Rate503: 0.05, Rate429: 0.05, Drop: 0.05})
			before := l.srv.Emulator.Stats()
			l.killKeepalived(m)
			l.poll("the EIP on the new MASTER under faults", 30*time.Second, func() bool {
				return l.vrrpState(1-m) == "MASTER" && l.holder() == l.vmID[1-m] && !l.processing()
			})
			after := l.srv.Emulator.Stats()
			l.srv.Emulator.SetFaults(emulator.Faults{})
			failed := 0
			for k, n := range after.Status {
				if !strings.HasPrefix(k, "2") {
					failed += n - before.Status[k]
				}
			}
			l.logf("   %d API calls, %d failed (injected or refused)", after.Total-before.Total, failed)
			l.converged(time.Now())
			l.startKeepalived(m)
			l.poll("the restarted node becomes BACKUP", 30*time.Second, func() bool { return l.vrrpState(m) == "BACKUP" })

			for run := 1; run <= v.repeats; run++ {
				l.logf("simultaneous restart of both keepalived (run %d of %d)", run, v.repeats)
				l.killKeepalived(0)
				l.killKeepalived(1)
				var wg sync.WaitGroup
				for i := range roles {
					wg.Go(func() { l.startKeepalived(i) })
				}
				wg.Wait()
				l.converged(time.Now())
			}

			// The partition starts from the master holding the EIP as MASTER.
			l.killKeepalived(0)
			l.killKeepalived(1)
			l.startKeepalived(0)
			l.poll("the master becomes MASTER", 30*time.Second, func() bool { return l.vrrpState(0) == "MASTER" })
			l.startKeepalived(1)
			l.poll("the backup becomes BACKUP", 30*time.Second, func() bool { return l.vrrpState(1) == "BACKUP" })
			if l.converged(time.Now()) != 0 {
				t.Fatalf("want the master MASTER before the partition; %s", l.describe())
			}
			for run := 1; run <= v.repeats; run++ {
				l.logf("one-way partition (the master's adverts lost), healed after both were MASTER (run %d of %d)", run, v.repeats)
				l.bothMasterThenHeal("partition", l.partitionOneWay, l.healOneWay)
			}
		})
	}
}
