// Package acctest holds the helpers every acceptance test shares: the
// in-process provider, an in-process JD Cloud API emulator per test, the
// provider block that points at it, real SDK clients for out-of-band checks
// and changes, and CheckDestroy-style checks that ask the API directly.
//
// Acceptance tests run the real terraform binary (terraform-plugin-testing)
// and need TF_ACC=1, which `make testacc` sets. Each test starts its own
// emulator and writes its own provider block (no environment variables), so
// tests can run with resource.ParallelTest.
//
// The emulator's switches for undocumented API behaviour (see
// internal/emulator/FIDELITY.md) default to the stricter reading. Tests of
// resources that depend on one loop over its alternatives with
// EachAlternative; JDCLOUDHA_EMULATOR_UNKNOWNS=name=value,… runs every
// acceptance test under another reading.
package acctest

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	agclient "github.com/jdcloud-api/jdcloud-sdk-go/services/ag/client"
	iamclient "github.com/jdcloud-api/jdcloud-sdk-go/services/iam/client"
	vmclient "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/client"
	vpcclient "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/client"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/provider"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil"
)

// ProviderName is the provider's type name, the key of ProtoV6ProviderFactories.
const ProviderName = "jdcloudha"

// ProtoV6ProviderFactories serves the provider in-process to terraform.
var ProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	ProviderName: providerserver.NewProtocol6WithError(provider.New("test")()),
}

// PreCheck skips the test when acceptance tests are not enabled (TF_ACC
// unset; `make testacc` and `make test` set it) or when no terraform binary
// can be found.
func PreCheck(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 to run it (make testacc does)")
	}
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("acceptance test: TF_ACC_TERRAFORM_PATH=%s: %v", p, err)
		}
		return
	}
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Skip("acceptance test: no terraform binary on PATH (install terraform or set TF_ACC_TERRAFORM_PATH)")
	}
}

// PreCheckAndStart is the opening of most acceptance tests: PreCheck (which
// may skip the test), then StartEmulator with opts.
func PreCheckAndStart(t *testing.T, opts ...func(*emulator.Options)) *emulator.Server {
	t.Helper()
	PreCheck(t)
	return StartEmulator(t, opts...)
}

// StartEmulator runs a JD Cloud API emulator on a random loopback port for
// this test, with instant latency, and closes it when the test ends. opts
// adjust the options (faults, seed, quotas, …).
func StartEmulator(t testing.TB, opts ...func(*emulator.Options)) *emulator.Server {
	t.Helper()
	return StartEmulatorWith(t, nil, opts...)
}

// WithFaults injects API faults, e.g. "500=0.2,429=0.1", with a fixed seed so
// a failing run can be repeated.
func WithFaults(spec string, seed int64) func(*emulator.Options) {
	f, err := emulator.ParseFaults(spec)
	if err != nil {
		panic(fmt.Sprintf("acctest.WithFaults(%q): %v", spec, err)) // a typo in a test, not user input
	}
	return func(o *emulator.Options) {
		o.Faults = f
		o.Seed = seed
	}
}

// WithUnknown selects the alternative value of the emulator switch name
// (see emulator.UnknownSwitches); it overrides the environment.
func WithUnknown(name, value string) func(*emulator.Options) {
	return func(o *emulator.Options) {
		if err := o.Unknowns.Set(name, value); err != nil {
			panic(fmt.Sprintf("acctest.WithUnknown: %v", err)) // a typo in a test, not user input
		}
	}
}

// EachAlternative runs fn once per alternative of each named switch (the
// other switches stay at their defaults or the environment's choice), as
// subtests named "<switch>=<value>". An acceptance test whose resources
// depend on an undocumented behaviour wraps its body in it, so `make test`
// proves the resource under every reading.
func EachAlternative(t *testing.T, switches []string, fn func(t *testing.T, opt func(*emulator.Options))) {
	t.Helper()
	all := emulator.UnknownSwitches()
	for _, name := range switches {
		found := false
		for _, s := range all {
			if s.Name != name {
				continue
			}
			found = true
			for _, v := range s.Values {
				opt := WithUnknown(name, v)
				t.Run(name+"="+v, func(t *testing.T) { fn(t, opt) })
			}
		}
		if !found {
			t.Fatalf("acctest.EachAlternative: no emulator switch %q", name)
		}
	}
}

// Region is the region of srv's emulator, which tests' resources live in.
func Region(srv *emulator.Server) string { return srv.Emulator.Region() }

// ProviderAttrs are the provider block's attributes (HCL expressions, so
// strings are quoted) that point at srv. Change them and render with
// ProviderBlock to test a different configuration; delete one to unset it.
func ProviderAttrs(srv *emulator.Server) map[string]string {
	return map[string]string{
		"endpoint":      quote(srv.Endpoint),
		"scheme":        quote("http"),
		"access_key":    quote(srv.AccessKey),
		"secret_key":    quote(srv.SecretKey),
		"region":        quote(Region(srv)),
		"poll_interval": quote("20ms"),
		"max_retries":   "8",
		// An empty directory: a developer's own ~/.jdc must not leak into tests.
		"shared_config_dir": quote(os.TempDir() + "/jdcloudha-acctest-no-profile"),
	}
}

// ProviderBlock renders a provider "jdcloudha" block from attrs.
func ProviderBlock(attrs map[string]string) string {
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("provider \"jdcloudha\" {\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "  %s = %s\n", k, attrs[k])
	}
	b.WriteString("}\n\n")
	return b.String()
}

// ProviderConfig is the provider block for srv; prepend it to a test's
// configuration.
func ProviderConfig(srv *emulator.Server) string { return ProviderBlock(ProviderAttrs(srv)) }

func quote(s string) string { return fmt.Sprintf("%q", s) }

// SDKClients returns real SDK clients that talk to srv with its keys, for
// CheckDestroy functions and changes made behind Terraform's back.
func SDKClients(srv *emulator.Server) (*vmclient.VmClient, *vpcclient.VpcClient, *agclient.AgClient, *iamclient.IamClient) {
	return testutil.SDKClient(srv, vmclient.NewVmClient), testutil.SDKClient(srv, vpcclient.NewVpcClient),
		testutil.SDKClient(srv, agclient.NewAgClient), testutil.SDKClient(srv, iamclient.NewIamClient)
}

// ErrorRegexp matches terraform's error output containing each phrase, in
// order. Terraform wraps diagnostic text at about 78 columns, so every run
// of spaces in a phrase matches any whitespace, line breaks included.
func ErrorRegexp(phrases ...string) *regexp.Regexp {
	parts := make([]string, len(phrases))
	for i, p := range phrases {
		words := strings.Fields(p)
		for j, w := range words {
			words[j] = regexp.QuoteMeta(w)
		}
		parts[i] = strings.Join(words, `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(parts, `.*`))
}
