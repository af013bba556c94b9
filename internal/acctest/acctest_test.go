package acctest_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
)

// vpcConfig is the smallest configuration that makes the provider call the API.
const vpcConfig = `
resource "jdcloudha_vpc" "probe" {
  name       = "probe"
  cidr_block = "10.9.0.0/16"
}
`

func TestProviderBlockRendersEveryAttribute(t *testing.T) {
	srv := acctest.StartEmulator(t)
	hcl := acctest.ProviderConfig(srv)
	for _, want := range []string{
		`provider "jdcloudha" {`,
		`endpoint = "` + srv.Endpoint + `"`,
		`scheme = "http"`,
		`access_key = "` + srv.AccessKey + `"`,
		`secret_key = "` + srv.SecretKey + `"`,
		`region = "cn-east-2"`,
		`poll_interval = "20ms"`,
		`max_retries = 8`,
	} {
		if !strings.Contains(hcl, want) {
			t.Errorf("provider block lacks %s:\n%s", want, hcl)
		}
	}
	attrs := acctest.ProviderAttrs(srv)
	delete(attrs, "secret_key")
	if strings.Contains(acctest.ProviderBlock(attrs), "secret_key") {
		t.Error("a deleted attribute is still rendered")
	}
}

// The helpers must see what is left in the emulator, and a Deleter must
// remove it; this runs without terraform.
func TestLeftoversAndDeleter(t *testing.T) {
	srv := acctest.StartEmulator(t)
	check := acctest.CheckNothingLeft(srv)
	if err := check(nil); err != nil {
		t.Fatalf("fresh emulator: %v", err)
	}

	_, vpc, _, _ := acctest.SDKClients(srv)
	req := vpcapis.NewCreateVpcRequest(acctest.Region(srv), "left-behind")
	req.SetAddressPrefix("10.7.0.0/16")
	resp, err := acctest.Call("vpc.CreateVpc", func() (*vpcapis.CreateVpcResponse, error) { return vpc.CreateVpc(req) })
	if err != nil {
		t.Fatal(err)
	}
	id := resp.Result.VpcId
	deleteVpc := acctest.Deleter(srv, "jdcloudha_vpc",
		"vpc.DeleteVpc", func(r, id string) (*vpcapis.DeleteVpcResponse, error) {
			return vpc.DeleteVpc(vpcapis.NewDeleteVpcRequest(r, id))
		},
		"vpc.DescribeVpc", func(r, id string) (*vpcapis.DescribeVpcResponse, error) {
			return vpc.DescribeVpc(vpcapis.NewDescribeVpcRequest(r, id))
		})

	err = check(nil)
	if err == nil || !strings.Contains(err.Error(), "vpc: "+id) {
		t.Fatalf("CheckNothingLeft after creating %s: got %v", id, err)
	}
	if err := deleteVpc(id); err != nil {
		t.Fatal(err)
	}
	if err := check(nil); err != nil {
		t.Fatalf("after the Deleter: %v", err)
	}
	if err := deleteVpc(id); err == nil || !strings.Contains(err.Error(), "NOT_FOUND") {
		t.Errorf("deleting a deleted VPC: got %v, want NOT_FOUND", err)
	}
}

// A configuration with only the provider block plans to nothing.
func TestAccProviderOnly(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	resource.ParallelTest(t, acctest.CaseChecking(t, nil, []resource.TestStep{{
		Config:   acctest.ProviderConfig(srv),
		PlanOnly: true,
	}}))
}

// The schema's validators reject a bad provider block at plan time, naming
// the attribute.
func TestAccProviderBadSettings(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	cases := []struct {
		name, attr, value string
		want              *regexp.Regexp
	}{
		{"scheme", "scheme", `"ftp"`, acctest.ErrorRegexp(`scheme`, `value must be one of: ["http" "https"]`)},
		{"endpoint with scheme", "endpoint", `"http://127.0.0.1:1"`, acctest.ErrorRegexp(`endpoint`, `must be a host name with an optional port, without a scheme or path`)},
		{"negative retries", "max_retries", `-1`, acctest.ErrorRegexp(`max_retries`, `at least 0`)},
		{"poll interval without unit", "poll_interval", `"20"`, acctest.ErrorRegexp(`poll_interval`, `must be a duration with a unit`)},
		{"zero request timeout", "request_timeout", `"0s"`, acctest.ErrorRegexp(`Invalid request_timeout`, `greater than zero`)},
	}
	var steps []resource.TestStep
	for i, c := range cases {
		attrs := acctest.ProviderAttrs(srv)
		attrs[c.attr] = c.value
		steps = append(steps, resource.TestStep{
			PreConfig:   func() { t.Logf("step %d: %s", i+1, c.name) },
			Config:      acctest.ProviderBlock(attrs) + vpcConfig,
			PlanOnly:    true,
			ExpectError: c.want,
		})
	}
	runRefusedAtPlan(t, srv, true, steps, "invalid provider settings")
}

// A wrong secret key passes plan-time checks (they cannot know it) and fails
// at the first API call, with the status and the request ID, without retries.
func TestAccWrongSecretKey(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	attrs := acctest.ProviderAttrs(srv)
	attrs["secret_key"] = `"not-the-secret"`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      acctest.ProviderBlock(attrs) + vpcConfig,
			ExpectError: regexp.MustCompile(`(?s)Error creating VPC.*401\s+ACCESS_ERROR.*sign\s+result\s+is\s+not\s+same\s+\[gw\].*Request\s+ID:\s+[0-9a-z-]{6,}.*access_key/secret_key`),
		}},
		CheckDestroy: acctest.CheckNothingLeft(srv),
	})
	st := srv.Emulator.Stats()
	if st.Status["401"] != 1 {
		t.Errorf("want exactly one 401 answer (a bad signature is not retried), got stats %+v", st.Status)
	}
}

// Missing credentials fail at plan time with the diagnostic that lists where
// they are looked for. Not parallel: it clears the JDCLOUD_* environment.
func TestAccMissingCredentials(t *testing.T) {
	acctest.PreCheck(t)
	for _, k := range []string{"JDCLOUD_ACCESS_KEY", "JDCLOUD_SECRET_KEY", "JDCLOUD_PROFILE"} {
		t.Setenv(k, "")
	}
	srv := acctest.StartEmulator(t)
	emptyDir := t.TempDir()

	cases := []struct {
		name   string
		change func(map[string]string)
		env    map[string]string
		want   *regexp.Regexp
	}{
		{"none anywhere", func(a map[string]string) { delete(a, "access_key"); delete(a, "secret_key") }, nil,
			acctest.ErrorRegexp("Missing JD Cloud credentials", "1. the access_key and secret_key arguments", "2. the JDCLOUD_ACCESS_KEY and JDCLOUD_SECRET_KEY environment variables", `3. the jdc CLI profile "default"`, filepath.Base(emptyDir))},
		{"only the access key", func(a map[string]string) { delete(a, "secret_key") }, nil,
			acctest.ErrorRegexp("Incomplete JD Cloud credentials", "access_key is set in the provider block but secret_key is not")},
		{"only the secret key in env", func(a map[string]string) { delete(a, "access_key"); delete(a, "secret_key") }, map[string]string{"JDCLOUD_SECRET_KEY": "x"},
			acctest.ErrorRegexp("Incomplete JD Cloud credentials", "JDCLOUD_SECRET_KEY is set in the environment but JDCLOUD_ACCESS_KEY is not")},
		{"named profile missing", func(a map[string]string) { a["profile"] = `"prod"` }, nil,
			acctest.ErrorRegexp("JD Cloud profile not found", `Profile "prod" (named by the profile attribute)`)},
	}
	var steps []resource.TestStep
	for i, c := range cases {
		attrs := acctest.ProviderAttrs(srv)
		attrs["shared_config_dir"] = `"` + emptyDir + `"`
		c.change(attrs)
		steps = append(steps, resource.TestStep{
			PreConfig: func() {
				t.Logf("step %d: %s", i+1, c.name)
				for _, k := range []string{"JDCLOUD_ACCESS_KEY", "JDCLOUD_SECRET_KEY", "JDCLOUD_PROFILE"} {
					t.Setenv(k, c.env[k])
				}
			},
			Config:      acctest.ProviderBlock(attrs) + vpcConfig,
			PlanOnly:    true,
			ExpectError: c.want,
		})
	}
	runRefusedAtPlan(t, srv, false, steps, "the provider without credentials")
}

// runRefusedAtPlan runs steps as one case (in parallel unless they set the
// environment), then fails t when they sent srv any API request: what they
// check must be refused before the first call; what names them.
func runRefusedAtPlan(t *testing.T, srv *emulator.Server, parallel bool, steps []resource.TestStep, what string) {
	t.Helper()
	c := acctest.CaseChecking(t, nil, steps)
	if parallel {
		resource.ParallelTest(t, c)
	} else {
		resource.Test(t, c)
	}
	if n := srv.Emulator.Stats().Total; n != 0 {
		t.Errorf("%s sent %d API requests; plan-time checks should have stopped them first", what, n)
	}
}

// Credentials from a jdc CLI profile work end to end. Not parallel: it sets
// JDCLOUD_PROFILE.
func TestAccCredentialsFromProfile(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	dir := t.TempDir()
	ini := "[other]\naccess_key = wrong\nsecret_key = wrong\n\n[emu]\naccess_key = " + srv.AccessKey + "\nsecret_key = " + srv.SecretKey +
		"\nregion_id = cn-east-2\nendpoint = " + srv.Endpoint + "\nscheme = http\ntimeout = 5\n"
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(ini), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "current"), []byte("other"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"JDCLOUD_ACCESS_KEY", "JDCLOUD_SECRET_KEY", "JDCLOUD_ENDPOINT", "JDCLOUD_SCHEME", "JDCLOUD_REGION"} {
		t.Setenv(k, "")
	}
	t.Setenv("JDCLOUD_PROFILE", "emu") // beats the "other" in current

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `provider "jdcloudha" {
  shared_config_dir = "` + dir + `"
  poll_interval     = "20ms"
}
` + vpcConfig,
			Check: resource.TestCheckResourceAttrSet("jdcloudha_vpc.probe", "id"),
		}},
		CheckDestroy: acctest.CheckNothingLeft(srv),
	})
}

// A provider setting that is unknown at plan time (here the endpoint comes
// from another resource) must not fail the plan; the provider is configured
// at apply time once the value is known.
func TestAccProviderUnknownEndpointDeferred(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	attrs := acctest.ProviderAttrs(srv)
	attrs["endpoint"] = "terraform_data.endpoint.output"
	config := `resource "terraform_data" "endpoint" {
  input = "` + srv.Endpoint + `"
}

` + acctest.ProviderBlock(attrs) + vpcConfig
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("jdcloudha_vpc.probe", plancheck.ResourceActionCreate)},
			},
			Check: resource.TestCheckResourceAttrSet("jdcloudha_vpc.probe", "id"),
		}},
		CheckDestroy: acctest.CheckNothingLeft(srv),
	})
}
