package main

// Tests of the built binary against an in-process emulator: exit codes,
// output, and that the secret key never appears on stdout or stderr.

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jdcloud-api/jdcloud-sdk-go/core"
	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil"
)

const (
	region     = "cn-east-2"
	accessKey  = "AKBINARYTEST0001"
	secretKey  = "S3CRET-binary-test-must-never-be-printed"
	buildLabel = "v9.8.7-test"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

func agentBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "agent-bin-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "jdcloud-eip-failover")
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-X main.version="+buildLabel, "-o", binPath, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = errors.New(err.Error() + ": " + string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("building the agent: %v", buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

type env struct {
	*testutil.Topology
	srv  *emulator.Server
	a, b string
	dir  string
}

func must(t testing.TB, what string, err error, e core.ErrorResponse) {
	t.Helper()
	if err != nil || e.Code != 0 {
		t.Fatalf("%s: %v %+v", what, err, e)
	}
}

// setup starts an emulator with two running instances and an EIP on A.
func setup(t testing.TB) *env {
	t.Helper()
	srv, err := emulator.Start(emulator.Options{AccessKey: accessKey, SecretKey: secretKey, Region: region, Latency: "instant", Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	tp := testutil.MakeTopology(t, srv, []string{"master", "backup"}, nil)
	e := &env{Topology: tp, srv: srv, a: tp.Instances[0], b: tp.Instances[1], dir: t.TempDir()}
	e.Associate(t, e.a)
	return e
}

// writeConfig writes the node's agent.json and a 0600 credentials file;
// change may edit the config map first.
func (e *env) writeConfig(t testing.TB, self, peer string, change func(map[string]any)) string {
	t.Helper()
	dir := t.TempDir()
	creds := filepath.Join(dir, "credentials")
	if err := os.WriteFile(creds, []byte("access_key = "+accessKey+"\nsecret_key = "+secretKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := map[string]any{"region": region, "endpoint": e.srv.Endpoint, "scheme": "http", "eip_id": e.EIP,
		"instance_id": self, "peer_instance_id": peer, "credentials_file": "credentials",
		"deadline": "20s", "lock_file": filepath.Join(dir, "agent.lock"), "syslog": false}
	if change != nil {
		change(cfg)
	}
	data, _ := json.Marshal(cfg)
	path := filepath.Join(dir, "agent.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

type result struct {
	code           int
	stdout, stderr string
}

func runAgent(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(agentBinary(t), args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = []string{"PATH=/usr/bin:/bin"} // credentials must not come from the environment anyway
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("running the agent: %v", err)
	}
	if strings.Contains(r.stdout+r.stderr, secretKey) {
		t.Fatalf("the secret key appeared in the agent's output:\n%s\n%s", r.stdout, r.stderr)
	}
	return r
}

func wantExit(t *testing.T, r result, code int, what string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("%s: exit %d, want %d\nstdout: %s\nstderr: %s", what, r.code, code, r.stdout, r.stderr)
	}
}

func TestBinaryVersionAndHelp(t *testing.T) {
	r := runAgent(t, "version")
	wantExit(t, r, 0, "version")
	if strings.TrimSpace(r.stdout) != buildLabel {
		t.Fatalf("version printed %q, want %q (set by -ldflags)", r.stdout, buildLabel)
	}
	r = runAgent(t, "--help")
	wantExit(t, r, 0, "--help")
	for _, key := range []string{"eip_id", "peer_instance_id", "credentials_file", "takeover", "notify TYPE NAME STATE PRIORITY", "Exit codes"} {
		if !strings.Contains(r.stdout, key) {
			t.Fatalf("--help does not document %q", key)
		}
	}
	wantExit(t, runAgent(t, "frobnicate"), 2, "unknown command")
	wantExit(t, runAgent(t), 2, "no command")
	wantExit(t, runAgent(t, "notify", "INSTANCE", "VI_1"), 2, "notify with too few arguments")
}

func TestBinaryTakeoverStatusAndNotify(t *testing.T) {
	e := setup(t)
	cfgB := e.writeConfig(t, e.b, e.a, nil)
	cfgA := e.writeConfig(t, e.a, e.b, nil)

	r := runAgent(t, "--config", cfgB, "status")
	wantExit(t, r, 1, "status on the backup")
	if !strings.HasPrefix(r.stdout, "location=peer ") {
		t.Fatalf("status stdout %q, want location=peer", r.stdout)
	}

	before := e.srv.Emulator.Stats()
	r = runAgent(t, "--config", cfgB, "notify", "INSTANCE", "VI_1", "BACKUP", "100")
	wantExit(t, r, 0, "notify BACKUP")
	if after := e.srv.Emulator.Stats(); after.Total != before.Total {
		t.Fatalf("notify BACKUP made %d API calls", after.Total-before.Total)
	}

	r = runAgent(t, "--config", cfgB, "takeover")
	wantExit(t, r, 0, "takeover on the backup")
	if h := e.Holder(t); h != e.b {
		t.Fatalf("EIP on %q after takeover, want %q", h, e.b)
	}
	for _, want := range []string{"call=vm.DisassociateElasticIp", "call=vm.AssociateElasticIp", "request_id=", "step=verify"} {
		if !strings.Contains(r.stderr, want) {
			t.Fatalf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if r.stdout != "" {
		t.Fatalf("takeover wrote to stdout: %q", r.stdout)
	}

	wantExit(t, runAgent(t, "--config", cfgB, "status"), 0, "status after takeover")
	r = runAgent(t, "status", "--config", cfgB) // flags may follow the command
	wantExit(t, r, 0, "status with the flag after the command")

	r = runAgent(t, "--config", cfgA, "notify", "INSTANCE", "VI_1", "MASTER", "101")
	wantExit(t, r, 0, "notify MASTER on A")
	if h := e.Holder(t); h != e.a {
		t.Fatalf("EIP on %q after notify MASTER, want %q", h, e.a)
	}
}

func TestBinaryExitCodes(t *testing.T) {
	e := setup(t)

	// 1: the EIP is held by a third instance.
	cfg := e.writeConfig(t, e.b, "i-someoneelse", nil)
	r := runAgent(t, "--config", cfg, "takeover")
	wantExit(t, r, 1, "EIP on a third instance")
	if !strings.Contains(r.stderr, "refus") || e.Holder(t) != e.a {
		t.Fatalf("refusal not logged or EIP moved:\n%s", r.stderr)
	}

	// 1: every call fails until the deadline.
	f, err := emulator.ParseFaults("503=1")
	if err != nil {
		t.Fatal(err)
	}
	e.srv.Emulator.SetFaults(f)
	cfg = e.writeConfig(t, e.b, e.a, func(m map[string]any) { m["deadline"] = "1500ms" })
	r = runAgent(t, "--config", cfg, "takeover")
	wantExit(t, r, 1, "API down until the deadline")
	if !strings.Contains(r.stderr, "deadline") {
		t.Fatalf("stderr does not mention the deadline:\n%s", r.stderr)
	}
	e.srv.Emulator.SetFaults(emulator.Faults{})

	// 2: wrong secret (401 from the API).
	cfg = e.writeConfig(t, e.b, e.a, nil)
	if err := os.WriteFile(filepath.Join(filepath.Dir(cfg), "credentials"), []byte("access_key = "+accessKey+"\nsecret_key = not-the-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	wantExit(t, runAgent(t, "--config", cfg, "takeover"), 2, "wrong secret key")

	// 2: credentials file readable by others.
	cfg = e.writeConfig(t, e.b, e.a, nil)
	if err := os.Chmod(filepath.Join(filepath.Dir(cfg), "credentials"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runAgent(t, "--config", cfg, "takeover")
	wantExit(t, r, 2, "credentials mode 0644")
	if !strings.Contains(r.stderr, "chmod 600") {
		t.Fatalf("refusal does not say how to fix it:\n%s", r.stderr)
	}

	// 2: bad config, naming the field; and a missing config file.
	cfg = e.writeConfig(t, e.b, e.a, func(m map[string]any) { delete(m, "eip_id") })
	r = runAgent(t, "--config", cfg, "takeover")
	wantExit(t, r, 2, "config without eip_id")
	if !strings.Contains(r.stderr, `field "eip_id"`) {
		t.Fatalf("error does not name the field:\n%s", r.stderr)
	}
	wantExit(t, runAgent(t, "--config", filepath.Join(t.TempDir(), "nope.json"), "status"), 2, "missing config file")

	if h := e.Holder(t); h != e.a {
		t.Fatalf("failed runs moved the EIP to %q", h)
	}
}

func TestBinaryStopsOnSIGTERM(t *testing.T) {
	e := setup(t)
	f, err := emulator.ParseFaults("503=1")
	if err != nil {
		t.Fatal(err)
	}
	e.srv.Emulator.SetFaults(f)
	cfg := e.writeConfig(t, e.b, e.a, func(m map[string]any) { m["deadline"] = "10m" })
	cmd := exec.Command(agentBinary(t), "--config", cfg, "takeover")
	var out bytes.Buffer
	var mu sync.Mutex
	cmd.Stdout = &lockedWriter{w: &out, mu: &mu}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the agent is retrying, then stop it.
	retrying := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return strings.Contains(out.String(), "outcome=retry")
	}
	if !testutil.Wait(15*time.Second, 200*time.Millisecond, retrying) {
		_ = cmd.Process.Kill()
		t.Fatalf("agent never retried:\n%s", out.String())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("after SIGTERM: %v, want exit 1\n%s", err, out.String())
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(out.String(), "step=signal") || !strings.Contains(out.String(), "stopped by signal") {
		t.Fatalf("signal handling not logged:\n%s", out.String())
	}
	e.srv.Emulator.SetFaults(emulator.Faults{})
	if h := e.Holder(t); h != e.a {
		t.Fatalf("EIP moved to %q by a stopped run", h)
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// BenchmarkBinaryTakeover measures a whole run of the static binary as
// keepalived starts it (process start, config and credentials, lock, four
// API calls) moving the EIP between the nodes of an in-process emulator.
func BenchmarkBinaryTakeover(b *testing.B) {
	e := setup(b)
	cfgs := map[string]string{e.a: e.writeConfig(b, e.a, e.b, nil), e.b: e.writeConfig(b, e.b, e.a, nil)}
	bin := agentBinary(b)
	holder := e.a
	b.ResetTimer()
	for range b.N {
		next := e.b
		if holder == e.b {
			next = e.a
		}
		if out, err := exec.Command(bin, "--config", cfgs[next], "takeover").CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
		holder = next
	}
}

// TestBinaryDaemonReportCheckStatus: check proves the permissions without
// moving the EIP; the daemon does nothing until keepalived reports MASTER,
// then takes the EIP, heals an out-of-band disassociation, shows it in
// status, and stops on SIGTERM.
func TestBinaryDaemonReportCheckStatus(t *testing.T) {
	e := setup(t)
	e.Settle(t)
	runDir := t.TempDir()
	metrics := filepath.Join(runDir, "metrics.prom")
	cfgB := e.writeConfig(t, e.b, e.a, func(m map[string]any) {
		m["run_dir"], m["verify_interval"], m["metrics_file"], m["priority"], m["peer_priority"] = runDir, "1s", metrics, 100, 150
	})

	r := runAgent(t, "--config", cfgB, "check")
	wantExit(t, r, 0, "check")
	if !strings.Contains(r.stdout, "check passed") || e.Holder(t) != e.a {
		t.Fatalf("check: stdout %q, EIP on %q (must not move)", r.stdout, e.Holder(t))
	}

	// A key the API refuses: check exits 2 naming the call.
	bad := e.writeConfig(t, e.b, e.a, nil)
	if err := os.WriteFile(filepath.Join(filepath.Dir(bad), "credentials"), []byte("access_key = "+accessKey+"\nsecret_key = not-the-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = runAgent(t, "--config", bad, "check")
	wantExit(t, r, 2, "check with a refused key")
	if !strings.Contains(r.stderr, "vpc:describeElasticIp") {
		t.Fatalf("check does not name the refused call:\n%s", r.stderr)
	}

	cmd := exec.Command(agentBinary(t), "--config", cfgB, "run")
	var buf bytes.Buffer
	errb := &lockedWriter{w: &buf, mu: &sync.Mutex{}}
	cmd.Stderr = errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-done
		}
	})
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		if !testutil.Wait(15*time.Second, 200*time.Millisecond, cond) {
			t.Fatalf("%s: not within 15s\n%s", what, errb.String())
		}
	}
	waitFor("the daemon writes its status", func() bool { _, err := os.Stat(filepath.Join(runDir, "status.json")); return err == nil })
	// No report yet: the state is unknown and the daemon leaves the EIP alone.
	if e.Holder(t) != e.a {
		t.Fatal("the daemon moved the EIP before keepalived reported MASTER")
	}

	wantExit(t, runAgent(t, "--config", cfgB, "report", "INSTANCE", "VI_1", "MASTER", "100"), 0, "report MASTER")
	// Until the daemon has seen the move done (moves 1), a change made now
	// would be part of the takeover, not an out-of-band change to heal.
	waitFor("the daemon takes the EIP and sees it here", func() bool {
		b, _ := os.ReadFile(filepath.Join(runDir, "status.json"))
		return strings.Contains(string(b), `"moves": 1`) && e.Holder(t) == e.b
	})
	// The emulator settles a release asynchronously: when the associate was
	// refused meanwhile (unless the machine was slower than the 20 ms), the
	// daemon learned how long that takes, and keeps it for its next start.
	refused := strings.Contains(errb.String(), "step=associate call=vm.AssociateElasticIp") && strings.Contains(errb.String(), "is processing")
	if b, _ := os.ReadFile(filepath.Join(runDir, "status.json")); refused && !strings.Contains(string(b), `"release_settle_ms": `) {
		t.Fatalf("status.json does not keep the learned release settle time:\n%s", b)
	}

	e.Settle(t)
	r2, err := e.VM.DisassociateElasticIp(vmapis.NewDisassociateElasticIpRequest(region, e.b, e.EIP))
	must(t, "DisassociateElasticIp (out of band)", err, r2.Error)
	e.Settle(t)
	waitFor("the daemon heals the out-of-band disassociation", func() bool {
		b, _ := os.ReadFile(filepath.Join(runDir, "status.json"))
		return strings.Contains(string(b), `"moves": 2`) && e.Holder(t) == e.b
	})
	e.Settle(t)

	r = runAgent(t, "--config", cfgB, "status")
	wantExit(t, r, 0, "status")
	if !strings.Contains(r.stdout, "daemon vrrp_state=MASTER eip_location=here") {
		t.Fatalf("status: %s", r.stdout)
	}
	m, err := os.ReadFile(metrics)
	if err != nil || !strings.Contains(string(m), "jdcloud_eip_failover_vrrp_master{") || !strings.Contains(string(m), "jdcloud_eip_failover_eip_misplaced{eip_id=") {
		t.Fatalf("metrics file: %v\n%s", err, m)
	}

	wantExit(t, runAgent(t, "--config", cfgB, "report", "INSTANCE", "VI_1", "BACKUP", "100"), 0, "report BACKUP")
	waitFor("the daemon sees BACKUP", func() bool {
		b, _ := os.ReadFile(filepath.Join(runDir, "status.json"))
		return strings.Contains(string(b), `"vrrp_state": "BACKUP"`)
	})
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after SIGTERM: %v\n%s", err, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("run did not stop on SIGTERM\n%s", errb.String())
	}
	if strings.Contains(errb.String(), secretKey) {
		t.Fatal("the secret key appeared in the daemon's log")
	}
}
