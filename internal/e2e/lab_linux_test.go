//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/agent"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/agentbin"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/netns"
)

// The article's addresses: the hosts' private IPs and the API endpoint the
// agents call, inside the namespaces.
const (
	cloudIP     = "10.0.1.1"
	apiEndpoint = cloudIP + ":8000"
	healthURL   = "http://127.0.0.1:80/"
)

var (
	roles     = [2]string{"master", "backup"}
	privateIP = [2]string{"10.0.1.18", "10.0.1.19"}
)

// forbiddenLog are keepalived messages meaning part of the config was
// silently dropped or a script will never run.
var forbiddenLog = []string{"disabling", "ignoring", "cannot be accessed", "unsafe permissions", "security violation"}

const (
	kaAddr       = "jdcloudha_keepalived_config.web"
	pairAddr     = "jdcloudha_failover_pair.web"
	eipAddr      = "jdcloudha_elastic_ip.vip"
	masterVMAddr = "jdcloudha_instance.master"
	backupVMAddr = "jdcloudha_instance.backup"
)

// lab is the article's setup on this machine: a cloud namespace serving the
// emulator and two host namespaces running keepalived, the agent and a web
// server each. Index 0 is the master, 1 the backup.
type lab struct {
	t        *testing.T
	srv      *emulator.Server
	rec      *recorder
	cloud    *netns.NS
	hosts    [2]*netns.NS
	keepBin  string
	runDir   string // root-owned 0755 under /run: enable_script_security accepts scripts here
	agent    string // agent_path
	confDir  [2]string
	outDir   string // terraform's output_dir; "" when the provider has no embedded agent
	ownAgent string // agent built by the test when the provider has none embedded
	// daemon: agent_mode is left to its default ("daemon"): the hooks only
	// report, and each node runs the bundle's `run` daemon, which moves the
	// EIP. Otherwise the lab sets agent_mode = "one-shot" (takeover hooks).
	daemon bool

	web       [2]*netns.Process
	ka        [2]*netns.Process
	agentd    [2]*netns.Process // the agent daemons (daemon mode)
	daemonCmd [2][]string       // each node's daemon command line, from its bundle's unit
	agentCfg  [2]agent.Config   // each node's installed agent.json, as the agent loads it

	mu     sync.Mutex
	allKA  []*netns.Process // every keepalived started, for the log check
	kaRole []string
	eipID  string
	vmID   [2]string
	wantIP map[string]int // private IP -> node index, to attribute API calls
}

// keepalivedBinary finds keepalived (root's PATH may lack /usr/sbin), or skips t.
func keepalivedBinary(t *testing.T) string {
	t.Helper()
	if bin, err := exec.LookPath("keepalived"); err == nil {
		return bin
	}
	if _, err := os.Stat("/usr/sbin/keepalived"); err != nil {
		t.Skip("skipping: no keepalived binary (apt-get install -y keepalived)")
	}
	return "/usr/sbin/keepalived"
}

// requirements skips t naming the first missing machine capability.
func requirements(t *testing.T) (keepalivedBin string) {
	t.Helper()
	netns.SkipIfUnavailable(t)
	keepalivedBin = keepalivedBinary(t)
	if _, err := os.Stat("/usr/bin/curl"); err != nil {
		t.Skip("skipping: the rendered http health check needs /usr/bin/curl (apt-get install -y curl)")
	}
	if _, err := exec.LookPath("tc"); err != nil {
		t.Skip("skipping: the split-brain step needs iproute2's tc")
	}
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("skipping: TF_ACC_TERRAFORM_PATH=%s: %v", p, err)
		}
	} else if _, err := exec.LookPath("terraform"); err != nil {
		t.Skip("skipping: no terraform binary on PATH (or set TF_ACC_TERRAFORM_PATH)")
	}
	// resource.Test runs only with TF_ACC set; this package runs in `make test`
	// (go test ./...), where the machine checks above decide instead.
	t.Setenv("TF_ACC", "1")
	return keepalivedBin
}

// cloudAndHosts builds a lab's network: a "cloud" namespace with a bridge
// and api served on apiEndpoint, and the two hosts wired to the bridge at
// their private IPs.
func cloudAndHosts(t *testing.T, api http.Handler) (cloud *netns.NS, hosts [2]*netns.NS) {
	t.Helper()
	cloud = netns.New(t)
	cloud.Bridge(t, "br0")
	cloud.AddAddr(t, "br0", cloudIP+"/24")
	for i, role := range roles {
		hosts[i] = netns.New(t)
		netns.Veth(t, cloud, "ve-"+role, hosts[i], "eth0")
		cloud.Attach(t, "ve-"+role, "br0")
		hosts[i].AddAddr(t, "eth0", privateIP[i]+"/24")
	}
	ln := cloud.Listen(t, "tcp", apiEndpoint)
	hs := &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	return cloud, hosts
}

func newLab(t *testing.T) *lab {
	t.Helper()
	l := &lab{t: t, keepBin: requirements(t), wantIP: map[string]int{}}
	l.rec = &recorder{}
	l.srv = acctest.StartEmulator(t)
	l.rec.emu = l.srv.Emulator
	// Registered first, so it runs after every process started below is stopped.
	t.Cleanup(l.checkKeepalivedLogs)

	l.cloud, l.hosts = cloudAndHosts(t, l.rec.wrap(l.srv.Emulator))
	for i := range roles {
		l.wantIP[privateIP[i]] = i
	}

	l.runDir = secureRunDir(t)
	l.agent = filepath.Join(l.runDir, "bin", "jdcloud-eip-failover")
	for i, role := range roles {
		l.confDir[i] = filepath.Join(l.runDir, role)
		mkdir(t, l.confDir[i])
	}
	_, _, err := agentbin.Binary(agentArch())
	switch {
	case err == nil && os.Getenv("JDHA_E2E_OWN_AGENT") == "":
		l.outDir = t.TempDir()
	case err == nil:
		t.Log("JDHA_E2E_OWN_AGENT is set: building the agent and installing the rendered files from state")
		l.ownAgent = buildAgent(t)
	default:
		// A plain `go test` without `make agent` first: the provider cannot write
		// bundles, so the nodes get the rendered texts from state and an agent
		// built here (install.sh is then not exercised).
		t.Logf("the provider has no embedded agent (%v); building one and installing the rendered files from state", err)
		l.ownAgent = buildAgent(t)
	}
	return l
}

func agentArch() string {
	if runtime.GOARCH == "arm64" {
		return "arm64"
	}
	return "amd64"
}

// secureRunDir makes a directory keepalived's enable_script_security accepts
// scripts under: root-owned 0755 with root-owned, non-writable parents (so not /tmp).
func secureRunDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/run", "jdha-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for p := dir; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st := fi.Sys().(*syscall.Stat_t); st.Uid != 0 || fi.Mode().Perm()&0o022 != 0 {
			t.Skipf("skipping: %s is not root-owned and closed to group/others writes; keepalived would refuse scripts under it", p)
		}
		if p == "/" {
			break
		}
	}
	mkdir(t, filepath.Join(dir, "bin"))
	return dir
}

func mkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil { // umask-proof
		t.Fatal(err)
	}
}

func buildAgent(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("building the agent needs the go command on PATH: %v", err)
	}
	out := filepath.Join(t.TempDir(), "jdcloud-eip-failover")
	cmd := exec.Command(goBin, "build", "-trimpath", "-o", out, "github.com/jdcloudha/terraform-provider-jdcloudha/cmd/jdcloud-eip-failover")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the agent: %v\n%s", err, b)
	}
	return out
}

// config is the Terraform configuration: the article's topology, the pair,
// and the keepalived config for these namespaces. extra goes into the
// keepalived config block (VRRP version, preemption).
func (l *lab) config(extra string) string {
	out := ""
	if l.outDir != "" {
		out = fmt.Sprintf("output_dir = %q", l.outDir)
	}
	return acctest.ProviderConfig(l.srv) + acctest.ArticleTopology + fmt.Sprintf(`
resource "jdcloudha_failover_pair" "web" {
  elastic_ip_id      = jdcloudha_elastic_ip.vip.id
  master_instance_id = jdcloudha_instance.master.id
  backup_instance_id = jdcloudha_instance.backup.id
}

# Least privilege: the agents sign with a sub-user allowed only to move this
# EIP between these two instances, never with the account's keys.
resource "jdcloudha_failover_credentials" "agent" {
  name          = "e2e-agent"
  elastic_ip_id = jdcloudha_elastic_ip.vip.id
  instance_ids  = [jdcloudha_instance.master.id, jdcloudha_instance.backup.id]
}

resource "jdcloudha_keepalived_config" "web" {
  elastic_ip_id = jdcloudha_failover_pair.web.elastic_ip_id
  endpoint      = %q
  scheme        = "http"
  %s
  master = {
    instance_id = jdcloudha_instance.master.id
    private_ip  = jdcloudha_instance.master.private_ip
    config_dir  = %q
  }
  backup = {
    instance_id = jdcloudha_instance.backup.id
    private_ip  = jdcloudha_instance.backup.private_ip
    config_dir  = %q
  }
  # A 2 s check timeout: on a loaded machine curl alone can take most of a second.
  health_check = {
    type    = "http"
    url     = %q
    timeout = 2
  }
  agent_path         = %q
  agent_architecture = %q
  access_key = jdcloudha_failover_credentials.agent.access_key
  secret_key = jdcloudha_failover_credentials.agent.secret_key
  %s
  %s
}
`, apiEndpoint, l.agentModeLine(), l.confDir[0], l.confDir[1], healthURL, l.agent, agentArch(), out, extra)
}

// agentModeLine is the keepalived config's agent_mode setting: none in daemon
// mode, so the lab gets what users get by default.
func (l *lab) agentModeLine() string {
	if l.daemon {
		return "# agent_mode left to its default: the reconciling daemon."
	}
	return "agent_mode = \"one-shot\" # keepalived's hooks run the takeover"
}

// install copies each node's bundle into place the way install.sh would
// (install.sh itself targets system paths, so only its syntax is checked),
// and checks the installed keepalived.conf with `keepalived -t` in the node's
// namespace.
func (l *lab) install(s *terraform.State) error {
	ka, ok := s.RootModule().Resources[kaAddr]
	if !ok {
		return fmt.Errorf("%s not in state", kaAddr)
	}
	attrs := ka.Primary.Attributes
	l.eipID = s.RootModule().Resources[eipAddr].Primary.ID
	l.vmID = [2]string{s.RootModule().Resources[masterVMAddr].Primary.ID, s.RootModule().Resources[backupVMAddr].Primary.ID}
	l.rec.setEIP(l.eipID, l.vmID)

	for i, role := range roles {
		var conf, agentCfg, creds []byte
		agentBin := l.ownAgent
		if l.outDir != "" {
			dir := attrs["nodes."+role+".bundle_dir"]
			if dir != filepath.Join(l.outDir, role) {
				return fmt.Errorf("nodes.%s.bundle_dir = %q, want %s", role, dir, filepath.Join(l.outDir, role))
			}
			if out, err := exec.Command("sh", "-n", filepath.Join(dir, "install.sh")).CombinedOutput(); err != nil {
				return fmt.Errorf("sh -n %s/install.sh: %v\n%s", dir, err, out)
			}
			var err error
			if conf, err = os.ReadFile(filepath.Join(dir, "keepalived.conf")); err != nil {
				return err
			}
			if agentCfg, err = os.ReadFile(filepath.Join(dir, "agent.json")); err != nil {
				return err
			}
			if creds, err = os.ReadFile(filepath.Join(dir, "credentials")); err != nil {
				return err
			}
			agentBin = filepath.Join(dir, "jdcloud-eip-failover")
		} else {
			conf = []byte(attrs["nodes."+role+".keepalived_conf"])
			agentCfg = []byte(attrs["nodes."+role+".agent_config"])
			agentKeys := s.RootModule().Resources["jdcloudha_failover_credentials.agent"].Primary.Attributes
			creds = []byte(fmt.Sprintf("access_key = %s\nsecret_key = %s\n", agentKeys["access_key"], agentKeys["secret_key"]))
		}
		if strings.Contains(string(creds), l.srv.SecretKey) || !strings.Contains(string(creds), "access_key") {
			return fmt.Errorf("%s: the agent's credentials must be the sub-user's, not the account's", role)
		}
		hook, notHook := " takeover", " report "
		if l.daemon {
			hook, notHook = notHook, hook
		}
		agentCmd := l.agent + " --config " + filepath.Join(l.confDir[i], "agent.json")
		for _, want := range []string{agentCmd + hook, "unicast_src_ip " + privateIP[i], healthURL} {
			if !strings.Contains(string(conf), want) {
				return fmt.Errorf("%s keepalived.conf lacks %q:\n%s", role, want, conf)
			}
		}
		if strings.Contains(string(conf), agentCmd+notHook) {
			return fmt.Errorf("%s keepalived.conf (daemon mode %v) has a %q hook:\n%s", role, l.daemon, strings.TrimSpace(notHook), conf)
		}
		l.daemonCmd[i] = []string{l.agent, "--config", filepath.Join(l.confDir[i], "agent.json"), "run"}
		if l.daemon && l.outDir != "" {
			cmd, err := unitExecStart(filepath.Join(attrs["nodes."+role+".bundle_dir"], "jdcloud-eip-failover.service"))
			if err != nil {
				return fmt.Errorf("%s: %v", role, err)
			}
			if strings.Join(cmd, " ") != strings.Join(l.daemonCmd[i], " ") {
				return fmt.Errorf("%s: the unit starts %q, want %q", role, cmd, l.daemonCmd[i])
			}
			if b, err := os.ReadFile(filepath.Join(attrs["nodes."+role+".bundle_dir"], "install.sh")); err != nil || !strings.Contains(string(b), "daemon=yes") {
				return fmt.Errorf("%s: install.sh does not install the daemon (%v)", role, err)
			}
		}
		bin, err := os.ReadFile(agentBin)
		if err != nil {
			return err
		}
		for _, f := range []struct {
			path string
			data []byte
			mode os.FileMode
		}{
			{l.agent, bin, 0o755},
			{filepath.Join(l.confDir[i], "agent.json"), agentCfg, 0o644},
			{filepath.Join(l.confDir[i], "credentials"), creds, 0o600},
			{filepath.Join(l.confDir[i], "keepalived.conf"), conf, 0o644},
		} {
			if err := writeFileAtomic(f.path, f.data, f.mode); err != nil {
				return err
			}
		}
		out, err := l.hosts[i].Run(context.Background(), l.keepBin, "-t", "-f", l.confPath(i))
		if err != nil {
			return fmt.Errorf("keepalived -t on the %s's config: %v\n%s", role, err, out)
		}
		if bad := forbiddenLines(out); len(bad) > 0 {
			return fmt.Errorf("keepalived -t on the %s's config: %q", role, bad)
		}
		if l.agentCfg[i], err = agent.LoadConfig(filepath.Join(l.confDir[i], "agent.json")); err != nil {
			return fmt.Errorf("the %s's agent.json: %v", role, err)
		}
	}
	if l.daemon {
		return l.checkDaemonConfigs()
	}
	return nil
}

// checkDaemonConfigs checks what lets two daemons share one filesystem: each
// node has its own run dir (state record, socket, status) and lock file,
// under its config_dir; and the preferred master wins a split brain.
func (l *lab) checkDaemonConfigs() error {
	for i, role := range roles {
		c := l.agentCfg[i]
		if want := filepath.Join(l.confDir[i], "run"); c.RunDir != want {
			return fmt.Errorf("the %s's agent.json: run_dir %q, want %q", role, c.RunDir, want)
		}
		if want := filepath.Join(l.confDir[i], "takeover.lock"); c.LockFile != want {
			return fmt.Errorf("the %s's agent.json: lock_file %q, want %q", role, c.LockFile, want)
		}
		if c.VRRPAddress == "" {
			return fmt.Errorf("the %s's agent.json has no vrrp_address: the daemon would rely on hooks alone", role)
		}
	}
	if c := l.agentCfg; c[0].Priority <= c[0].PeerPriority || c[1].Priority >= c[1].PeerPriority {
		return fmt.Errorf("agent.json priorities: master %d (peer %d), backup %d (peer %d): the master must win a split brain",
			c[0].Priority, c[0].PeerPriority, c[1].Priority, c[1].PeerPriority)
	}
	return nil
}

// unitExecStart is the command line of a systemd unit's ExecStart.
func unitExecStart(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "ExecStart="); ok {
			return strings.Fields(v), nil
		}
	}
	return nil, fmt.Errorf("%s has no ExecStart", path)
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

func (l *lab) daemonUp(i int) bool {
	if l.agentd[i] == nil {
		return false
	}
	select {
	case <-l.agentd[i].Done():
		return false
	default:
		return true
	}
}

// daemonStatus is node i's daemon's status.json ("" state when unreadable).
func (l *lab) daemonStatus(i int) agent.DaemonStatus {
	var s agent.DaemonStatus
	if b, err := os.ReadFile(l.agentCfg[i].StatusPath()); err == nil {
		_ = json.Unmarshal(b, &s)
	}
	return s
}

// writeFileAtomic replaces path (a running agent binary cannot be opened for
// writing: "text file busy").
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".new"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func (l *lab) confPath(i int) string { return filepath.Join(l.confDir[i], "keepalived.conf") }

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

// killWebServer kills node i's web server with SIGKILL and waits for it to be gone.
func killWebServer(t *testing.T, p *netns.Process, i int) {
	t.Helper()
	if err := p.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("killing the %s's web server: %v", roles[i], err)
	}
	<-p.Done()
}

func (l *lab) webUp(i int) bool {
	if l.web[i] == nil {
		return false
	}
	select {
	case <-l.web[i].Done():
		return false
	default:
		return true
	}
}

// killWeb kills node i's web server with SIGKILL and waits for it to be gone.
func (l *lab) killWeb(i int) { killWebServer(l.t, l.web[i], i) }

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

func (l *lab) kaRunning(i int) bool {
	if l.ka[i] == nil {
		return false
	}
	select {
	case <-l.ka[i].Done():
		return false
	default:
		return true
	}
}

// stopKeepalived stops node i's keepalived cleanly (SIGTERM to its group).
func (l *lab) stopKeepalived(i int) {
	if l.kaRunning(i) {
		_ = l.ka[i].Stop(10 * time.Second)
	}
}

// killKeepalived injects a keepalived failure on node i. SIGKILL goes to the
// whole process group (the parent and its VRRP child: a crash or a hung
// host, no goodbye advert); SIGTERM goes to the parent, which shuts down
// cleanly and sends a priority-0 advert.
func (l *lab) killKeepalived(i int, sig syscall.Signal) {
	l.t.Helper()
	p := l.ka[i]
	var err error
	if sig == syscall.SIGKILL {
		err = syscall.Kill(-p.PID(), sig)
	} else {
		err = p.Signal(sig)
	}
	if err != nil {
		l.t.Fatalf("signal %v to the %s's keepalived: %v", sig, roles[i], err)
	}
	select {
	case <-p.Done():
	case <-time.After(15 * time.Second):
		l.t.Fatalf("the %s's keepalived did not exit after %v:\n%s", roles[i], sig, p.Output())
	}
}

var stateRe = regexp.MustCompile(`(?i)\(VI_1\):? entering (MASTER|BACKUP|FAULT) state`)

// vrrpState is node i's VRRP state as last logged by its running keepalived
// ("" before its first transition or when not running).
func (l *lab) vrrpState(i int) string {
	if !l.kaRunning(i) {
		return ""
	}
	m := stateRe.FindAllStringSubmatch(l.ka[i].Output(), -1)
	if len(m) == 0 {
		return ""
	}
	return strings.ToUpper(m[len(m)-1][1])
}

// checkHealthy reports whether node i's health check last succeeded (and has
// run at least once since keepalived started).
func (l *lab) checkHealthy(i int) bool {
	if !l.kaRunning(i) {
		return false
	}
	out := l.ka[i].Output()
	ok := strings.LastIndex(out, "VRRP_Script(chk_health) succeeded")
	bad := strings.LastIndex(out, "VRRP_Script(chk_health) failed")
	return ok >= 0 && ok > bad
}

// holder is the instance holding the EIP, straight from the emulator.
func (l *lab) holder() string { return emulatorEIPHolder(l.srv, l.eipID) }

func (l *lab) eipProcessing() bool { return emulatorEIPProcessing(l.srv, l.eipID) }

func (l *lab) holderName() string { return roleOf(l.holder(), l.vmID) }

// logf logs with the wall-clock time, to line up with keepalived's log.
func (l *lab) logf(format string, args ...any) {
	l.t.Helper()
	l.t.Logf("%s "+format, append([]any{time.Now().Format("15:04:05.000")}, args...)...)
}

// poll waits, with backoff, until cond holds, failing the test with what
// after timeout.
func (l *lab) poll(what string, timeout time.Duration, cond func() bool) {
	l.t.Helper()
	if err := pollUntil(timeout, cond); err != nil {
		l.t.Fatalf("%s: not within %s; %s", what, timeout, l.describe())
	}
}

func pollUntil(timeout time.Duration, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for delay := 2 * time.Millisecond; ; delay = min(2*delay, 50*time.Millisecond) {
		if cond() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out")
		}
		time.Sleep(delay) // polling other processes' state, with backoff
	}
}

// describe is the lab's state for failure messages.
func (l *lab) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "at %s: EIP on %s; VRRP master=%q backup=%q; web master=%v backup=%v; agents running master=%v backup=%v",
		time.Now().Format("15:04:05.000"), l.holderName(), l.vrrpState(0), l.vrrpState(1), l.webUp(0), l.webUp(1), l.agentRunning(0), l.agentRunning(1))
	for i := range roles {
		if l.ka[i] != nil {
			fmt.Fprintf(&b, "\n--- %s keepalived (last 40 lines):\n%s", roles[i], lastLines(l.ka[i].Output(), 40))
		}
		if l.agentd[i] != nil {
			fmt.Fprintf(&b, "\n--- %s agent daemon (running %v; last 25 lines):\n%s", roles[i], l.daemonUp(i), lastLines(l.agentd[i].Output(), 25))
		}
	}
	fmt.Fprintf(&b, "\n--- agent API calls (last 20):\n%s", l.rec.tail(20))
	return b.String()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
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

// steady checks, over a window of adverts, that the EIP stays on node want
// and that node stays MASTER: "the EIP stays" is an absence of change, which
// only watching for a while can show.
func (l *lab) steady(want int, window time.Duration) {
	l.t.Helper()
	end := time.Now().Add(window)
	for time.Now().Before(end) {
		if h := l.holder(); h != l.vmID[want] {
			l.t.Fatalf("the EIP left the %s; %s", roles[want], l.describe())
		}
		if s := l.vrrpState(want); s != "MASTER" {
			l.t.Fatalf("the %s is %s, not MASTER; %s", roles[want], s, l.describe())
		}
		time.Sleep(20 * time.Millisecond) // sampling during the window
	}
}

// partition drops VRRP (IP protocol 112) between the hosts at the switch: a
// u32 filter redirects it from both bridge ports to a link that is down.
// Both ports share one filter block, so the partition starts and heals in
// both directions at once. (This kernel has no tc gact "drop" action and no
// nft or iptables binary is installed; cls_u32 and act_mirred are built in.)
func (l *lab) partition() {
	l.t.Helper()
	if _, err := l.cloud.IP("link", "show", "vrrp-sink"); err != nil {
		l.cloud.MustIP(l.t, "link", "add", "name", "vrrp-sink", "type", "veth", "peer", "name", "vrrp-sink-p")
		for _, role := range roles {
			l.tc("qdisc", "add", "dev", "ve-"+role, "ingress_block", "112", "clsact")
		}
	}
	l.tc("filter", "add", "block", "112", "protocol", "ip", "pref", "10", "u32",
		"match", "ip", "protocol", "112", "0xff", "action", "mirred", "egress", "redirect", "dev", "vrrp-sink")
}

func (l *lab) heal() {
	l.t.Helper()
	l.tc("filter", "del", "block", "112", "pref", "10")
}

func (l *lab) tc(args ...string) {
	l.t.Helper()
	if out, err := l.cloud.Run(context.Background(), "tc", args...); err != nil {
		l.t.Fatalf("tc %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func forbiddenLines(out string) []string {
	var found []string
	for _, line := range strings.Split(out, "\n") {
		low := strings.ToLower(line)
		for _, bad := range forbiddenLog {
			if strings.Contains(low, bad) {
				found = append(found, strings.TrimSpace(line))
				break
			}
		}
	}
	return found
}

func (l *lab) checkKeepalivedLogs() {
	l.mu.Lock()
	defer l.mu.Unlock()
	dir := os.Getenv("JDHA_E2E_LOGDIR") // keep every keepalived's log, for diagnosis
	for n, p := range l.allKA {
		if dir != "" {
			name := filepath.Join(dir, fmt.Sprintf("%s-%02d-%s-keepalived.log", strings.ReplaceAll(l.t.Name(), "/", "_"), n, l.kaRole[n]))
			if err := os.WriteFile(name, []byte(p.Output()), 0o644); err != nil {
				l.t.Errorf("saving keepalived's log: %v", err)
			}
		}
		for _, line := range forbiddenLines(p.Output()) {
			l.t.Errorf("keepalived (pid %d) logged %q", p.PID(), line)
		}
	}
}

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

// apiCall is one request an agent made to the emulator in the cloud namespace.
type apiCall struct {
	At, End time.Time
	From    string // client IP
	Method  string
	Path    string
	Status  int
}

// holderChange is when the emulator's EIP holder changed (took effect: an
// asynchronous association counts when its PROCESSING ends, not when a
// client next looks).
type holderChange struct {
	At     time.Time
	Holder string
}

// recorder wraps the emulator served in the cloud namespace: it logs each
// agent request and, from the emulator's OnChange, when the EIP's holder
// changed.
type recorder struct {
	emu *emulator.Emulator

	mu      sync.Mutex
	vmID    [2]string
	calls   []apiCall
	changes []holderChange
	last    string
}

func (r *recorder) setEIP(id string, vms [2]string) {
	now := ""
	if e := r.emu.Snapshot().ElasticIps[id]; e != nil {
		now = e.InstanceId
	}
	r.mu.Lock()
	r.vmID, r.last = vms, now
	r.mu.Unlock()
	// Called with the emulator locked: takes only r.mu, which is never held
	// while calling the emulator.
	r.emu.OnChange(func(st emulator.State) {
		at, holder := time.Now(), ""
		if e := st.ElasticIps[id]; e != nil {
			holder = e.InstanceId
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if holder != r.last {
			r.changes = append(r.changes, holderChange{At: at, Holder: holder})
			r.last = holder
		}
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (r *recorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, req)
		end := time.Now()
		host, _, _ := net.SplitHostPort(req.RemoteAddr)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.calls = append(r.calls, apiCall{At: start, End: end, From: host, Method: req.Method, Path: req.URL.Path, Status: sw.status})
	})
}

// since returns the calls from ip (any if "") and holder changes after t.
func (r *recorder) since(t time.Time, ip string) (calls []apiCall, changes []holderChange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.calls {
		if !c.At.Before(t) && (ip == "" || c.From == ip) {
			calls = append(calls, c)
		}
	}
	for _, c := range r.changes {
		if !c.At.Before(t) {
			changes = append(changes, c)
		}
	}
	return calls, changes
}

func (r *recorder) tail(n int) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	calls := r.calls
	if len(calls) > n {
		calls = calls[len(calls)-n:]
	}
	var b strings.Builder
	for _, c := range calls {
		fmt.Fprintf(&b, "%s %s %s %s %d\n", c.At.Format("15:04:05.000"), c.From, c.Method, c.Path, c.Status)
	}
	return b.String()
}

// failover is one measured failover: from the injected fault to the EIP's
// new holder in the emulator.
type failover struct {
	Total  time.Duration // fault -> EIP on the new holder
	Detect time.Duration // fault -> the new holder's agent's first API call (keepalived's part)
	Agent  time.Duration // first API call -> EIP on the new holder (the agent's part)
	Calls  int           // API calls the new holder's agent made (recorder)
	Stats  int           // emulator Stats().Total delta over the same run
}

// measureFailover injects fault, waits until the EIP is on node to and its
// agents have finished, and reports the timings.
func (l *lab) measureFailover(to int, fault func()) failover {
	l.t.Helper()
	l.settled()
	before := l.srv.Emulator.Stats().Total
	t0 := time.Now()
	fault()
	l.poll(fmt.Sprintf("the EIP moves to the %s", roles[to]), 30*time.Second, func() bool { return l.holder() == l.vmID[to] })
	l.poll(fmt.Sprintf("the %s is MASTER", roles[to]), 30*time.Second, func() bool { return l.vrrpState(to) == "MASTER" })
	l.settled()
	calls, changes := l.rec.since(t0, privateIP[to])
	f := failover{Calls: len(calls), Stats: l.srv.Emulator.Stats().Total - before}
	for _, c := range changes {
		if c.Holder == l.vmID[to] {
			f.Total = c.At.Sub(t0)
			break
		}
	}
	if len(calls) > 0 {
		f.Detect = calls[0].At.Sub(t0)
		f.Agent = f.Total - f.Detect
	}
	if f.Total == 0 {
		l.t.Fatalf("the emulator's EIP holder changed to the %s without an agent request from it; %s", roles[to], l.describe())
	}
	return f
}

type durations []time.Duration

func (d durations) sorted() durations {
	s := append(durations(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s
}

func (d durations) median() time.Duration {
	s := d.sorted()
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func (d durations) max() time.Duration {
	s := d.sorted()
	if len(s) == 0 {
		return 0
	}
	return s[len(s)-1]
}
