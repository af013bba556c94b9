package examplestest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/agentbin"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
)

// tfRun runs the terraform binary in a working directory with a fixed
// environment, and fails the test with terraform's output on an error.
type tfRun struct {
	t    *testing.T
	bin  string
	dir  string
	env  []string
	vars []string
}

func (r tfRun) run(ctx context.Context, args ...string) (string, int) {
	r.t.Helper()
	start := time.Now()
	defer func() { r.t.Logf("terraform %s: %s", args[0], time.Since(start).Round(time.Millisecond)) }()
	cmd := exec.CommandContext(ctx, r.bin, args...)
	cmd.Dir = r.dir
	cmd.Env = r.env
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &exit):
		return out.String(), exit.ExitCode()
	default:
		r.t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out.String())
		return "", -1
	}
}

func (r tfRun) mustRun(ctx context.Context, args ...string) string {
	r.t.Helper()
	out, code := r.run(ctx, args...)
	if code != 0 {
		r.t.Fatalf("terraform %s exited %d:\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// planIsEmpty runs plan -detailed-exitcode: 0 is no changes, 2 is changes.
func (r tfRun) planIsEmpty(ctx context.Context, when string) {
	r.t.Helper()
	args := append([]string{"plan", "-input=false", "-no-color", "-detailed-exitcode"}, r.vars...)
	out, code := r.run(ctx, args...)
	switch code {
	case 0:
	case 2:
		r.t.Fatalf("plan %s is not empty:\n%s", when, out)
	default:
		r.t.Fatalf("plan %s failed (exit %d):\n%s", when, code, out)
	}
}

type haOutputs struct {
	EIPAddress        string            `json:"eip_address"`
	EIPID             string            `json:"eip_id"`
	MasterInstanceID  string            `json:"master_instance_id"`
	BackupInstanceID  string            `json:"backup_instance_id"`
	MasterFaultDomain string            `json:"master_fault_domain"`
	BackupFaultDomain string            `json:"backup_fault_domain"`
	BundleDirs        map[string]string `json:"bundle_dirs"`
	NodeBundleSHA256  map[string]string `json:"node_bundle_sha256"`
}

func (r tfRun) outputs(ctx context.Context) haOutputs {
	r.t.Helper()
	raw := r.mustRun(ctx, "output", "-json", "-no-color")
	var wrapped map[string]struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal([]byte(raw), &wrapped); err != nil {
		r.t.Fatalf("terraform output -json: %v\n%s", err, raw)
	}
	flat := map[string]json.RawMessage{}
	for k, v := range wrapped {
		flat[k] = v.Value
	}
	b, _ := json.Marshal(flat)
	var o haOutputs
	if err := json.Unmarshal(b, &o); err != nil {
		r.t.Fatalf("outputs have unexpected types: %v\n%s", err, raw)
	}
	if _, ok := flat["active_instance_id"]; ok {
		r.t.Errorf("output active_instance_id changes on every failover, so drift jobs (plan -detailed-exitcode) would alert on each one")
	}
	for _, name := range []string{"eip_address", "eip_id", "master_instance_id", "backup_instance_id",
		"master_fault_domain", "backup_fault_domain", "bundle_dirs", "node_bundle_sha256"} {
		if _, ok := flat[name]; !ok {
			r.t.Errorf("output %q is missing", name)
		}
	}
	return o
}

// pairActive is jdcloudha_failover_pair.web's active_instance_id in state
// (deliberately not an output: it changes on every failover).
func (r tfRun) pairActive(ctx context.Context) string {
	r.t.Helper()
	active, found, err := acctest.ShownString(r.mustRun(ctx, "show", "-json", "-no-color"), "jdcloudha_failover_pair.web", "active_instance_id")
	if err != nil {
		r.t.Fatalf("terraform show -json: %v", err)
	}
	if !found {
		r.t.Fatalf("jdcloudha_failover_pair.web is not in the state")
	}
	return active
}

// copyExample copies the module's .tf files and its local modules' (state,
// bundles and .terraform of a local run stay behind).
func copyExample(t *testing.T, from, to string) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "bundles") {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		if !strings.HasSuffix(d.Name(), ".tf") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n++
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatalf("no .tf files in %s", from)
	}
}

// TestAccHAPairExample applies examples/ha-pair as a user would with
// `-var emulator=true`: the real terraform binary, a provider built from
// this tree through dev_overrides (no init, no registry), and JDCLOUD_*
// environment variables pointing at an in-process emulator. Then it moves
// the EIP with the backup bundle's own agent and credentials, as keepalived
// would, and checks that Terraform follows without a diff.
func TestAccHAPairExample(t *testing.T) {
	acctest.PreCheck(t)
	if _, _, err := agentbin.Binary("amd64"); err != nil {
		t.Skipf("the agent binaries are not in internal/agentbin/bin (run `make agent` first; make examples-check does): %v", err)
	}
	tfBin := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tfBin == "" {
		var err error
		if tfBin, err = exec.LookPath("terraform"); err != nil {
			t.Skip("no terraform binary on PATH")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	if dl, ok := t.Deadline(); ok {
		ctx, cancel = context.WithDeadline(context.Background(), dl.Add(-10*time.Second))
	}
	defer cancel()

	root := repoRoot(t)
	work := t.TempDir()
	pluginDir := filepath.Join(work, "plugins")
	moduleDir := filepath.Join(work, "ha-pair")
	home := filepath.Join(work, "home") // no ~/.jdc profile, no ~/.terraformrc
	for _, d := range []string{pluginDir, moduleDir, home} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	// The provider as users get it: a separate binary, agent embedded at
	// compile time. scripts/check-examples.sh has built one already.
	if dir := os.Getenv("JDCLOUDHA_EXAMPLES_PROVIDER_DIR"); dir != "" {
		pluginDir = dir
		if _, err := os.Stat(filepath.Join(dir, "terraform-provider-jdcloudha")); err != nil {
			t.Fatalf("JDCLOUDHA_EXAMPLES_PROVIDER_DIR=%s: %v", dir, err)
		}
	} else {
		build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(pluginDir, "terraform-provider-jdcloudha"), ".")
		build.Dir = root
		start := time.Now()
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build of the provider: %v\n%s", err, out)
		}
		t.Logf("go build of the provider: %s", time.Since(start).Round(time.Millisecond))
	}
	rc := filepath.Join(work, "terraformrc")
	if err := os.WriteFile(rc, []byte(fmt.Sprintf(`provider_installation {
  dev_overrides {
    "jdcloudha/jdcloudha" = %q
  }
  direct {}
}
`, pluginDir)), 0o644); err != nil {
		t.Fatal(err)
	}
	copyExample(t, filepath.Join(root, "examples", "ha-pair"), moduleDir)

	srv := acctest.StartEmulator(t)
	tf := tfRun{
		t: t, bin: tfBin, dir: moduleDir,
		env: acctest.CLIEnviron(
			"HOME="+home,
			"TF_CLI_CONFIG_FILE="+rc,
			"CHECKPOINT_DISABLE=1",
			"TF_IN_AUTOMATION=1",
			"JDCLOUD_ENDPOINT="+srv.Endpoint,
			"JDCLOUD_SCHEME=http",
			"JDCLOUD_ACCESS_KEY="+srv.AccessKey,
			"JDCLOUD_SECRET_KEY="+srv.SecretKey,
			"JDCLOUD_POLL_INTERVAL=20ms",
		),
		vars: []string{
			"-var", "emulator=true",
			"-var", "region=" + acctest.Region(srv),
			"-var", "agent_endpoint=" + srv.Endpoint,
		},
	}
	destroyed := false
	t.Cleanup(func() {
		if destroyed || ctx.Err() != nil {
			return
		}
		// A failed step must not leave the bundles' credentials behind unnoticed;
		// the emulator and the temp dir go away anyway.
		args := append([]string{"destroy", "-auto-approve", "-input=false", "-no-color"}, tf.vars...)
		if out, code := tf.run(ctx, args...); code != 0 {
			t.Logf("cleanup destroy exited %d:\n%s", code, out)
		}
	})

	// The local node-setup module needs installing; `get` does that offline
	// (init would also look for the provider that dev_overrides replaces).
	tf.mustRun(ctx, "get", "-no-color")
	tf.mustRun(ctx, append([]string{"apply", "-auto-approve", "-input=false", "-no-color"}, tf.vars...)...)
	out := tf.outputs(ctx)

	// What the article built by hand, checked against the API's own state.
	st := srv.Emulator.Snapshot()
	eip, ok := st.ElasticIps[out.EIPID]
	if !ok {
		t.Fatalf("eip_id %q is not an EIP the emulator knows", out.EIPID)
	}
	if out.EIPAddress != eip.ElasticIpAddress || net.ParseIP(out.EIPAddress).To4() == nil {
		t.Errorf("eip_address = %q; the emulator has %q", out.EIPAddress, eip.ElasticIpAddress)
	}
	if eip.Az != "" {
		t.Errorf("the EIP is zonal (az %q); a pair across zones needs an all-zone EIP", eip.Az)
	}
	if eip.InstanceId != out.MasterInstanceID || eip.PrivateIpAddress != "10.0.1.18" {
		t.Errorf("after apply the EIP is on %q (%s); want the master %q (10.0.1.18)", eip.InstanceId, eip.PrivateIpAddress, out.MasterInstanceID)
	}
	if active := tf.pairActive(ctx); active != out.MasterInstanceID {
		t.Errorf("active_instance_id = %q; want the master %q", active, out.MasterInstanceID)
	}
	if st.Instances[out.MasterInstanceID] != nil && !strings.HasPrefix(st.Instances[out.MasterInstanceID].ImageId, "img-") {
		t.Errorf("the master's image %q was not looked up", st.Instances[out.MasterInstanceID].ImageId)
	}
	master, backup := st.Instances[out.MasterInstanceID], st.Instances[out.BackupInstanceID]
	if master == nil || backup == nil {
		t.Fatalf("master %q / backup %q are not both instances in the emulator", out.MasterInstanceID, out.BackupInstanceID)
	}
	if master.AgId == "" || master.AgId != backup.AgId {
		t.Errorf("master and backup are not in one availability group: %q, %q", master.AgId, backup.AgId)
	}
	if master.Az == backup.Az {
		t.Errorf("master and backup share zone %s", master.Az)
	}
	if out.MasterFaultDomain != master.FaultDomain || out.BackupFaultDomain != backup.FaultDomain {
		t.Errorf("fault domain outputs %q/%q; the emulator placed them in %q/%q",
			out.MasterFaultDomain, out.BackupFaultDomain, master.FaultDomain, backup.FaultDomain)
	}
	if out.MasterFaultDomain == "" || out.MasterFaultDomain == out.BackupFaultDomain {
		t.Errorf("master and backup must be in two different fault domains: %q, %q", out.MasterFaultDomain, out.BackupFaultDomain)
	}
	checkVRRPRules(t, st)

	for _, node := range []string{"master", "backup"} {
		dir := out.BundleDirs[node]
		if dir == "" {
			t.Fatalf("bundle_dirs has no %q: %v", node, out.BundleDirs)
		}
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(moduleDir, dir)
		}
		for _, f := range []string{"keepalived.conf", "agent.json", "credentials", "jdcloud-eip-failover", "install.sh"} {
			if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
				t.Errorf("bundle %s: %s missing or empty (%v)", node, f, err)
			}
		}
		if fi, err := os.Stat(filepath.Join(dir, "credentials")); err == nil && fi.Mode().Perm() != 0o600 {
			t.Errorf("bundle %s: credentials mode %v, want 0600", node, fi.Mode().Perm())
		}
		creds, _ := os.ReadFile(filepath.Join(dir, "credentials"))
		if bytes.Contains(creds, []byte(srv.SecretKey)) {
			t.Errorf("bundle %s holds the account's own secret key; it must hold the least-privilege sub-user's", node)
		}
	}
	if t.Failed() {
		return
	}

	tf.planIsEmpty(ctx, "right after apply")

	// The bundles are an output, not state: on a machine without them (a CI
	// runner, a colleague's laptop) the plan only rewrites them in place, and
	// no node hash that the node-setup steps trigger on changes.
	if err := os.RemoveAll(filepath.Join(moduleDir, "bundles")); err != nil {
		t.Fatal(err)
	}
	planOut, code := tf.run(ctx, append([]string{"plan", "-input=false", "-no-color", "-detailed-exitcode"}, tf.vars...)...)
	if code != 2 || !strings.Contains(planOut, "jdcloudha_keepalived_config.web will be updated in-place") ||
		!strings.Contains(planOut, "0 to add, 1 to change, 0 to destroy") {
		t.Fatalf("plan without the bundles on disk (exit %d): want one in-place update of jdcloudha_keepalived_config.web:\n%s", code, planOut)
	}
	tf.mustRun(ctx, append([]string{"apply", "-auto-approve", "-input=false", "-no-color"}, tf.vars...)...)
	if again := tf.outputs(ctx); fmt.Sprint(again.NodeBundleSHA256) != fmt.Sprint(out.NodeBundleSHA256) {
		t.Errorf("rewriting the bundles changed node_bundle_sha256: %v, was %v", again.NodeBundleSHA256, out.NodeBundleSHA256)
	}
	tf.planIsEmpty(ctx, "after the bundles were rewritten")

	// The failover, as keepalived's notify_master runs it on the backup: the
	// bundle's own agent binary with the bundle's (least-privilege) credentials.
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Logf("skipping the takeover step: the bundle's agent is linux/amd64, this machine is %s/%s", runtime.GOOS, runtime.GOARCH)
	} else {
		takeover(ctx, t, srv, moduleDir, out)
		tf.mustRun(ctx, append([]string{"apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color"}, tf.vars...)...)
		if active := tf.pairActive(ctx); active != out.BackupInstanceID {
			t.Fatalf("after the takeover active_instance_id = %q; want the backup %q", active, out.BackupInstanceID)
		}
		tf.planIsEmpty(ctx, "after the failover (Terraform must not move the EIP back)")
		if got := srv.Emulator.Snapshot().ElasticIps[out.EIPID].InstanceId; got != out.BackupInstanceID {
			t.Fatalf("the plan moved the EIP? it is on %q, want the backup %q", got, out.BackupInstanceID)
		}
	}

	tf.mustRun(ctx, append([]string{"destroy", "-auto-approve", "-input=false", "-no-color"}, tf.vars...)...)
	destroyed = true
	if err := acctest.CheckNothingLeft(srv)(nil); err != nil {
		t.Error(err)
	}
	if n := len(srv.Emulator.Snapshot().SubUsers); n != 0 {
		t.Errorf("%d IAM sub-users left after destroy", n)
	}
	for _, node := range []string{"master", "backup"} {
		if _, err := os.Stat(filepath.Join(moduleDir, "bundles", node, "credentials")); !os.IsNotExist(err) {
			t.Errorf("bundle %s: credentials still on disk after destroy (%v)", node, err)
		}
	}
}

// checkVRRPRules: VRRP passes only between the two peers, as protocol
// "all" (300) from each peer's /32: JD Cloud's groups have no protocol 112.
func checkVRRPRules(t *testing.T, st emulator.State) {
	t.Helper()
	var fromPeer []string
	for _, g := range st.SecurityGroups {
		for _, r := range g.Rules {
			if r.Protocol == 112 {
				t.Errorf("a rule uses protocol 112 (from %s); JD Cloud accepts only 300/6/17/1", r.AddressPrefix)
			}
			if r.Protocol == 300 && r.Direction == 0 {
				fromPeer = append(fromPeer, r.AddressPrefix)
			}
		}
	}
	want := map[string]bool{"10.0.1.18/32": true, "10.0.1.19/32": true}
	if len(fromPeer) != len(want) {
		t.Errorf("ingress protocol-all rules from %v; want exactly 10.0.1.18/32 and 10.0.1.19/32", fromPeer)
	}
	for _, p := range fromPeer {
		if !want[p] {
			t.Errorf("all protocols open from %s; want only the two peers", p)
		}
	}
}

// takeover writes the agent config the README shows and runs the backup
// bundle's agent against the emulator.
func takeover(ctx context.Context, t *testing.T, srv *emulator.Server, moduleDir string, out haOutputs) {
	t.Helper()
	bundle := filepath.Join(moduleDir, "bundles", "backup")
	cfg := map[string]any{
		"region":           acctest.Region(srv),
		"eip_id":           out.EIPID,
		"instance_id":      out.BackupInstanceID,
		"peer_instance_id": out.MasterInstanceID,
		"credentials_file": filepath.Join(bundle, "credentials"),
		"endpoint":         srv.Endpoint,
		"scheme":           "http",
		"lock_file":        filepath.Join(t.TempDir(), "agent.lock"),
		"syslog":           false,
	}
	b, _ := json.Marshal(cfg)
	cfgPath := filepath.Join(t.TempDir(), "backup-agent.json")
	if err := os.WriteFile(cfgPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, filepath.Join(bundle, "jdcloud-eip-failover"), "--config", cfgPath, "takeover")
	cmd.Env = acctest.CLIEnviron("HOME=" + t.TempDir())
	if outb, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("takeover by the backup's agent: %v\n%s", err, outb)
	}
	if got := srv.Emulator.Snapshot().ElasticIps[out.EIPID].InstanceId; got != out.BackupInstanceID {
		t.Fatalf("the agent exited 0 but the EIP is on %q, not the backup %q", got, out.BackupInstanceID)
	}
}
