//go:build linux

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil"
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

	l.runDir = testutil.SecureScriptDir(t, "jdha-e2e-")
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

func (l *lab) confPath(i int) string { return filepath.Join(l.confDir[i], "keepalived.conf") }

// install puts each node's files in place: with bundles, by running the
// bundle's own install.sh (see runInstallScript); without, by copying the
// rendered texts from state. Then it checks the installed keepalived.conf
// with `keepalived -t` in the node's namespace.
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
		if l.outDir != "" {
			dir := attrs["nodes."+role+".bundle_dir"]
			if dir != filepath.Join(l.outDir, role) {
				return fmt.Errorf("nodes.%s.bundle_dir = %q, want %s", role, dir, filepath.Join(l.outDir, role))
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
		if l.outDir != "" {
			if err := l.runInstallScript(i, attrs["nodes."+role+".bundle_dir"]); err != nil {
				return err
			}
		} else {
			bin, err := os.ReadFile(l.ownAgent)
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
				{l.confPath(i), conf, 0o644},
			} {
				if err := writeFileAtomic(f.path, f.data, f.mode); err != nil {
					return err
				}
			}
		}
		out, err := l.hosts[i].Run(context.Background(), l.keepBin, "-t", "-f", l.confPath(i))
		if err != nil {
			return fmt.Errorf("keepalived -t on the %s's config: %v\n%s", role, err, out)
		}
		if bad := testutil.KeepalivedComplaints(out); len(bad) > 0 {
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

// runInstallScript installs node i's bundle with the bundle's own install.sh,
// as root in the node's namespace (its permission self-check reaches the
// emulator from there), and checks what it put where. KEEPALIVED_CONF and
// UNIT_DIR point it at the node's folder. Its PATH holds only the tools it
// needs, not systemctl: it takes its documented no-systemd path (the lab
// supervises keepalived and the daemon itself), and on a machine that does
// run systemd it cannot enable or restart the machine's own units.
func (l *lab) runInstallScript(i int, bundle string) error {
	role := roles[i]
	sh, err := exec.LookPath("sh")
	if err != nil {
		return err
	}
	unitDir := filepath.Join(l.confDir[i], "systemd")
	cmd := l.hosts[i].Command(context.Background(), sh, filepath.Join(bundle, "install.sh"))
	cmd.Env = []string{"PATH=" + installScriptTools(l.t), "KEEPALIVED_CONF=" + l.confPath(i), "UNIT_DIR=" + unitDir}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: install.sh: %v\n%s", role, err, out)
	}
	for _, want := range []string{"check passed", "no systemd here", "installed the failover bundle of " + role} {
		if !strings.Contains(string(out), want) {
			return fmt.Errorf("%s: install.sh did not say %q:\n%s", role, want, out)
		}
	}
	unit := filepath.Join(unitDir, "jdcloud-eip-failover.service")
	type installedFile struct {
		name, path string // in the bundle, on the node
		mode       os.FileMode
	}
	installed := []installedFile{
		{"jdcloud-eip-failover", l.agent, 0o755},
		{"agent.json", filepath.Join(l.confDir[i], "agent.json"), 0o644},
		// Owned by the script user, root here (script_user's default).
		{"credentials", filepath.Join(l.confDir[i], "credentials"), 0o600},
		{"keepalived.conf", l.confPath(i), 0o644},
	}
	if l.daemon {
		installed = append(installed, installedFile{"jdcloud-eip-failover.service", unit, 0o644})
	} else if _, err := os.Stat(unit); !os.IsNotExist(err) {
		return fmt.Errorf("%s: install.sh of a one-shot bundle installed a daemon unit %s (%v)", role, unit, err)
	}
	for _, f := range installed {
		want, err := os.ReadFile(filepath.Join(bundle, f.name))
		if err != nil {
			return err
		}
		got, err := os.ReadFile(f.path)
		if err != nil {
			return fmt.Errorf("%s: install.sh did not install %s at %s: %v", role, f.name, f.path, err)
		}
		if string(got) != string(want) {
			return fmt.Errorf("%s: %s differs from the bundle's %s", role, f.path, f.name)
		}
		if err := checkOwnerMode(f.path, f.mode); err != nil {
			return fmt.Errorf("%s: %v", role, err)
		}
	}
	// keepalived's hook, run as the script user, records the VRRP state in the run dir.
	return checkOwnerMode(filepath.Join(l.confDir[i], "run"), os.ModeDir|0o755)
}

// checkOwnerMode: path is root's, with exactly mode (type and permissions).
func checkOwnerMode(path string, mode os.FileMode) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if got := fi.Mode() & (os.ModeType | os.ModePerm); got != mode {
		return fmt.Errorf("%s: mode %v, want %v", path, got, mode)
	}
	if uid := fi.Sys().(*syscall.Stat_t).Uid; uid != 0 {
		return fmt.Errorf("%s: owner uid %d, want root", path, uid)
	}
	return nil
}

// installScriptTools is a PATH with the commands install.sh runs besides
// shell builtins (coreutils' dirname, id, install and mv, and cmp), and no
// systemctl.
func installScriptTools(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"cmp", "dirname", "id", "install", "mv"} {
		p, err := exec.LookPath(name)
		if err != nil {
			t.Fatalf("install.sh needs %s: %v", name, err)
		}
		if err := os.Symlink(p, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
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
