package examplestest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	iamapis "github.com/jdcloud-api/jdcloud-sdk-go/services/iam/apis"
	iamclient "github.com/jdcloud-api/jdcloud-sdk-go/services/iam/client"
	iammodels "github.com/jdcloud-api/jdcloud-sdk-go/services/iam/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/agentbin"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil"
)

// operatorPolicyFile is Terraform's own least-privilege policy: the
// terraform-permissions guide includes this file, and the tests below prove
// it is exactly enough.
const operatorPolicyFile = "internal/service/iam/terraform-operator-policy.json"

type operatorPolicy struct {
	Version   string `json:"Version"`
	Statement []struct {
		Effect   string   `json:"Effect"`
		Action   []string `json:"Action"`
		Resource []string `json:"Resource"`
	} `json:"Statement"`
}

func readOperatorPolicy(t *testing.T) (operatorPolicy, []byte) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), operatorPolicyFile))
	if err != nil {
		t.Fatal(err)
	}
	var p operatorPolicy
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatalf("%s: %v", operatorPolicyFile, err)
	}
	return p, raw
}

func (p operatorPolicy) actions() []string {
	var out []string
	for _, st := range p.Statement {
		out = append(out, st.Action...)
	}
	sort.Strings(out)
	return out
}

// without is the policy's JSON with one action left out (p is not changed).
func (p operatorPolicy) without(action string) string {
	p.Statement = append(p.Statement[:0:0], p.Statement...)
	for i := range p.Statement {
		var kept []string
		for _, a := range p.Statement[i].Action {
			if a != action {
				kept = append(kept, a)
			}
		}
		p.Statement[i].Action = kept
	}
	b, _ := json.Marshal(p)
	return string(b)
}

// apiCallName is how the provider names every API call it makes (for logs,
// retries and errors): "vm.CreateInstances".
var apiCallName = regexp.MustCompile(`"(vm|vpc|ag|iam)\.([A-Z][A-Za-z]+)"`)

// providerCalls lists, as IAM actions, every API call in the provider's code.
func providerCalls(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{}
	for _, dir := range []string{"internal/service", "internal/provider", "internal/jdcloud"} {
		err := filepath.WalkDir(filepath.Join(repoRoot(t), dir), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range apiCallName.FindAllStringSubmatch(string(b), -1) {
				seen[emulator.ActionName(m[1], m[2])] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	out := make([]string, 0, len(seen))
	for a := range seen {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// TestOperatorPolicyListsEveryCallTheProviderMakes: the published policy
// holds exactly the actions of the API calls in the provider's code, no
// more, no less; a new call without a policy entry fails here.
func TestOperatorPolicyListsEveryCallTheProviderMakes(t *testing.T) {
	p, raw := readOperatorPolicy(t)
	if p.Version != "3" {
		t.Errorf("Version %q, want \"3\"", p.Version)
	}
	if len(raw) > 6144 {
		t.Errorf("the policy is %d characters; JD Cloud accepts at most 6144", len(raw))
	}
	for _, st := range p.Statement {
		if st.Effect != "Allow" || len(st.Resource) != 1 || st.Resource[0] != "*" {
			t.Errorf("statement %+v: want Allow on \"*\" (Terraform creates the resources it names)", st)
		}
	}
	got, want := p.actions(), providerCalls(t)
	missing, extra := difference(want, got), difference(got, want)
	if len(missing) > 0 {
		t.Errorf("%s lacks actions the provider calls: %s", operatorPolicyFile, strings.Join(missing, ", "))
	}
	if len(extra) > 0 {
		t.Errorf("%s has actions the provider never calls: %s", operatorPolicyFile, strings.Join(extra, ", "))
	}
}

func difference(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	return out
}

// operatorKey makes, with the account key, a sub-user holding exactly policy
// and returns its access key: the credentials Terraform runs with.
func operatorKey(t *testing.T, srv *emulator.Server, name, policy string) (string, string) {
	t.Helper()
	iam := testutil.SDKClient(srv, iamclient.NewIamClient)
	yes, no := true, false
	if _, err := acctest.Call("iam.CreateSubUser", func() (*iamapis.CreateSubUserResponse, error) {
		return iam.CreateSubUser(iamapis.NewCreateSubUserRequest(&iammodels.CreateSubUserInfo{Name: name, AutoGeneratePassword: &yes, ConsoleLogin: &no}))
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := acctest.Call("iam.CreatePolicy", func() (*iamapis.CreatePolicyResponse, error) {
		return iam.CreatePolicy(iamapis.NewCreatePolicyRequest(&iammodels.CreatePolicyInfo{Name: name + "-policy", Content: policy}))
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := acctest.Call("iam.AttachSubUserPolicy", func() (*iamapis.AttachSubUserPolicyResponse, error) {
		return iam.AttachSubUserPolicy(iamapis.NewAttachSubUserPolicyRequest(name, name+"-policy"))
	}); err != nil {
		t.Fatal(err)
	}
	k, err := acctest.Call("iam.CreateSubUserAccessKey", func() (*iamapis.CreateSubUserAccessKeyResponse, error) {
		return iam.CreateSubUserAccessKey(iamapis.NewCreateSubUserAccessKeyRequest(name))
	})
	if err != nil {
		t.Fatal(err)
	}
	return k.Result.UserAccessKey.AccessKey, k.Result.UserAccessKey.SecretAccessKey
}

// providerForExamples is the provider binary's directory, built once (or
// the one scripts/check-examples.sh built).
func providerForExamples(ctx context.Context, t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("JDCLOUDHA_EXAMPLES_PROVIDER_DIR"); dir != "" {
		return dir
	}
	dir := t.TempDir()
	build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(dir, "terraform-provider-jdcloudha"), ".")
	build.Dir = repoRoot(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build of the provider: %v\n%s", err, out)
	}
	return dir
}

// haPairWith prepares examples/ha-pair in a temporary directory, run with the
// given access key against srv, as TestAccHAPairExample runs it.
func haPairWith(ctx context.Context, t *testing.T, srv *emulator.Server, pluginDir, ak, sk string) tfRun {
	t.Helper()
	tfBin := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tfBin == "" {
		var err error
		if tfBin, err = exec.LookPath("terraform"); err != nil {
			t.Skip("no terraform binary on PATH")
		}
	}
	root, work := repoRoot(t), t.TempDir()
	moduleDir, home := filepath.Join(work, "ha-pair"), filepath.Join(work, "home")
	for _, d := range []string{moduleDir, home} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	rc := filepath.Join(work, "terraformrc")
	overrides := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"jdcloudha/jdcloudha\" = %q\n  }\n  direct {}\n}\n", pluginDir)
	if err := os.WriteFile(rc, []byte(overrides), 0o644); err != nil {
		t.Fatal(err)
	}
	copyExample(t, filepath.Join(root, "examples", "ha-pair"), moduleDir)
	tf := tfRun{
		t: t, bin: tfBin, dir: moduleDir,
		env: acctest.CLIEnviron("HOME="+home, "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1",
			"JDCLOUD_ENDPOINT="+srv.Endpoint, "JDCLOUD_SCHEME=http", "JDCLOUD_ACCESS_KEY="+ak, "JDCLOUD_SECRET_KEY="+sk,
			"JDCLOUD_POLL_INTERVAL=20ms"),
		vars: []string{"-var", "emulator=true", "-var", "region=" + acctest.Region(srv), "-var", "agent_endpoint=" + srv.Endpoint},
	}
	tf.mustRun(ctx, "get", "-no-color") // the example's local modules, offline
	return tf
}

// TestAccOperatorPolicyAppliesHAPair: with the emulator enforcing IAM, a key
// holding exactly the published policy applies and destroys examples/ha-pair;
// without one of its actions the apply fails naming the refused call.
func TestAccOperatorPolicyAppliesHAPair(t *testing.T) {
	acctest.PreCheck(t)
	if _, _, err := agentbin.Binary("amd64"); err != nil {
		t.Skipf("the agent binaries are not in internal/agentbin/bin (run `make agent` first; make examples-check does): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	if dl, ok := t.Deadline(); ok {
		ctx, cancel = context.WithDeadline(context.Background(), dl.Add(-10*time.Second))
	}
	defer cancel()
	policy, raw := readOperatorPolicy(t)
	pluginDir := providerForExamples(ctx, t)

	t.Run("exactly the policy", func(t *testing.T) {
		srv := acctest.StartEmulator(t)
		ak, sk := operatorKey(t, srv, "terraform", string(raw))
		tf := haPairWith(ctx, t, srv, pluginDir, ak, sk)
		tf.mustRun(ctx, append([]string{"apply", "-auto-approve", "-input=false", "-no-color"}, tf.vars...)...)
		tf.planIsEmpty(ctx, "after an apply with the operator policy")
		tf.mustRun(ctx, append([]string{"destroy", "-auto-approve", "-input=false", "-no-color"}, tf.vars...)...)
		if err := acctest.CheckNothingLeft(srv)(nil); err != nil {
			t.Error(err)
		}
		// Only the operator itself is left.
		if users := srv.Emulator.Snapshot().SubUsers; len(users) != 1 || users["terraform"] == nil {
			t.Errorf("sub-users after destroy: %v, want only the operator", keys(users))
		}
	})

	// One action the apply needs early (the elastic IP) and one it needs late
	// (the failover agent's key), each refused with the call named.
	for _, tc := range []struct{ action, call string }{
		{"vpc:createElasticIps", "vpc.CreateElasticIps"},
		{"iam:createSubUserAccessKey", "iam.CreateSubUserAccessKey"},
	} {
		t.Run("without "+tc.action, func(t *testing.T) {
			srv := acctest.StartEmulator(t)
			ak, sk := operatorKey(t, srv, "terraform", policy.without(tc.action))
			tf := haPairWith(ctx, t, srv, pluginDir, ak, sk)
			out, code := tf.run(ctx, append([]string{"apply", "-auto-approve", "-input=false", "-no-color"}, tf.vars...)...)
			if code == 0 {
				t.Fatalf("apply without %s succeeded:\n%s", tc.action, out)
			}
			if !acctest.ErrorRegexp(tc.call, "403").MatchString(out) || !strings.Contains(out, tc.action) {
				t.Errorf("the failed apply does not name %s (%s) and its 403:\n%s", tc.call, tc.action, out)
			}
			// The resources made before the refusal are destroyed with the same key.
			tf.mustRun(ctx, append([]string{"destroy", "-auto-approve", "-input=false", "-no-color"}, tf.vars...)...)
			if err := acctest.CheckNothingLeft(srv)(nil); err != nil {
				t.Error(err)
			}
		})
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
