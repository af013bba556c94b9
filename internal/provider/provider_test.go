package provider

import (
	"bytes"
	"context"
	"maps"
	"math/big"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
)

func testProvider(env map[string]string) *jdcloudhaProvider {
	return &jdcloudhaProvider{version: "test", env: fakeEnv(env, "")}
}

func providerSchema(t *testing.T) schema.Schema {
	t.Helper()
	var resp provider.SchemaResponse
	testProvider(nil).Schema(context.Background(), provider.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	return resp.Schema
}

// configOf builds a provider configuration: every attribute null except
// those in set (a string, an int for max_retries, or unknown).
type unknown struct{}

func configOf(t *testing.T, set map[string]any) tfsdk.Config {
	t.Helper()
	s := providerSchema(t)
	ctx := context.Background()
	typ := s.Type().TerraformType(ctx).(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		v, ok := set[name]
		switch {
		case !ok:
			vals[name] = tftypes.NewValue(at, nil)
		case v == unknown{}:
			vals[name] = tftypes.NewValue(at, tftypes.UnknownValue)
		default:
			if n, isInt := v.(int); isInt {
				vals[name] = tftypes.NewValue(at, big.NewFloat(float64(n)))
			} else {
				vals[name] = tftypes.NewValue(at, v)
			}
		}
	}
	return tfsdk.Config{Schema: s, Raw: tftypes.NewValue(typ, vals)}
}

func TestSchemaDescribesEveryAttributeAndHidesKeys(t *testing.T) {
	s := providerSchema(t)
	want := []string{"access_key", "secret_key", "region", "endpoint", "scheme", "profile", "shared_config_dir", "poll_interval", "max_retries", "request_timeout"}
	if len(s.Attributes) != len(want) {
		t.Errorf("schema has %d attributes, want %d", len(s.Attributes), len(want))
	}
	for _, name := range want {
		a, ok := s.Attributes[name]
		if !ok {
			t.Errorf("missing attribute %s", name)
			continue
		}
		if len(a.GetMarkdownDescription()) < 20 {
			t.Errorf("%s: description %q is too short to document it", name, a.GetMarkdownDescription())
		}
		if !a.IsOptional() || a.IsRequired() {
			t.Errorf("%s must be optional (every setting has an environment or profile fallback)", name)
		}
		if sensitive := name == "access_key" || name == "secret_key"; a.IsSensitive() != sensitive {
			t.Errorf("%s: sensitive = %v, want %v", name, a.IsSensitive(), sensitive)
		}
	}
}

func TestConfigureBuildsClientAndNeverLogsSecrets(t *testing.T) {
	var logs bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &logs)
	p := testProvider(nil)
	cfg := configOf(t, map[string]any{
		"access_key": "AKVISIBLEID", "secret_key": "SUPERSECRETVALUE", "endpoint": "127.0.0.1:8000", "scheme": "http",
		"region": "cn-east-2", "poll_interval": "20ms", "max_retries": 3, "shared_config_dir": t.TempDir(),
	})
	var resp provider.ConfigureResponse
	p.Configure(ctx, provider.ConfigureRequest{Config: cfg}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	c, ok := resp.ResourceData.(*jdcloud.Client)
	if !ok || c == nil || c.Region != "cn-east-2" {
		t.Fatalf("ResourceData = %#v, want a *jdcloud.Client for cn-east-2", resp.ResourceData)
	}
	if resp.DataSourceData != resp.ResourceData {
		t.Error("data sources must get the same client")
	}
	if !strings.Contains(logs.String(), "127.0.0.1:8000") {
		t.Fatalf("the configuration was not logged (test is not observing the logger): %s", logs.String())
	}
	if strings.Contains(logs.String(), "SUPERSECRETVALUE") {
		t.Errorf("the secret key appears in the logs: %s", logs.String())
	}
}

func TestConfigureDefersOnUnknownValues(t *testing.T) {
	p := testProvider(nil)
	cfg := configOf(t, map[string]any{"endpoint": unknown{}, "shared_config_dir": t.TempDir()})
	var resp provider.ConfigureResponse
	p.Configure(context.Background(), provider.ConfigureRequest{Config: cfg}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("unknown endpoint (and no credentials yet) must not fail the plan: %v", resp.Diagnostics)
	}
	if resp.ResourceData != nil || resp.Deferred != nil {
		t.Errorf("without deferral support: want no client and no deferral, got %v / %v", resp.ResourceData, resp.Deferred)
	}

	resp = provider.ConfigureResponse{}
	p.Configure(context.Background(), provider.ConfigureRequest{
		Config:             cfg,
		ClientCapabilities: provider.ConfigureProviderClientCapabilities{DeferralAllowed: true},
	}, &resp)
	if resp.Deferred == nil || resp.Deferred.Reason != provider.DeferredReasonProviderConfigUnknown {
		t.Errorf("with deferral support: want a deferral, got %+v", resp.Deferred)
	}
}

func TestConfigureReportsMissingCredentialsOnce(t *testing.T) {
	p := testProvider(nil)
	cfg := configOf(t, map[string]any{"shared_config_dir": t.TempDir()})
	var resp provider.ConfigureResponse
	p.Configure(context.Background(), provider.ConfigureRequest{Config: cfg}, &resp)
	if resp.Diagnostics.ErrorsCount() != 1 {
		t.Fatalf("want exactly one error, got %v", resp.Diagnostics)
	}
	if d := resp.Diagnostics.Errors()[0]; d.Summary() != "Missing JD Cloud credentials" || !strings.Contains(d.Detail(), EnvAccessKey) {
		t.Errorf("got %q: %s", d.Summary(), d.Detail())
	}
	if resp.ResourceData != nil {
		t.Error("no client may be configured without credentials")
	}
}

func TestConfigureReadsEnvironment(t *testing.T) {
	p := testProvider(map[string]string{EnvAccessKey: "AK", EnvSecretKey: "SK", EnvRegion: "cn-south-1"})
	cfg := configOf(t, map[string]any{"shared_config_dir": t.TempDir()})
	var resp provider.ConfigureResponse
	p.Configure(context.Background(), provider.ConfigureRequest{Config: cfg}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	if c := resp.ResourceData.(*jdcloud.Client); c.Region != "cn-south-1" {
		t.Errorf("region %q, want cn-south-1 from %s", c.Region, EnvRegion)
	}
}

// Every resource and data source the documentation promises (a page under
// docs/resources or docs/data-sources, which docs-check keeps in step with
// the schemas) is registered, nothing is registered without its page, and
// every schema in the provider passes the framework's own validation.
func TestRegistryMatchesDocsAndSchemasAreValid(t *testing.T) {
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := server.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		t.Errorf("schema diagnostic: %s: %s (%s)", d.Summary, d.Detail, d.Attribute)
	}
	checkRegistered(t, "resource", documentedTypes(t, "resources"), slices.Collect(maps.Keys(resp.ResourceSchemas)))
	checkRegistered(t, "data source", documentedTypes(t, "data-sources"), slices.Collect(maps.Keys(resp.DataSourceSchemas)))
}

// documentedTypes is the type names with a page in docs/<kind>.
func documentedTypes(t *testing.T, kind string) []string {
	t.Helper()
	pages, err := filepath.Glob(filepath.Join("..", "..", "docs", kind, "*.md"))
	if err != nil || len(pages) == 0 {
		t.Fatalf("no pages in docs/%s (%v)", kind, err)
	}
	var names []string
	for _, p := range pages {
		names = append(names, "jdcloudha_"+strings.TrimSuffix(filepath.Base(p), ".md"))
	}
	return names
}

func checkRegistered(t *testing.T, kind string, documented, registered []string) {
	t.Helper()
	for _, name := range documented {
		if !slices.Contains(registered, name) {
			t.Errorf("%s %s has a page in docs/ but is not registered", kind, name)
		}
	}
	for _, name := range registered {
		if !slices.Contains(documented, name) {
			t.Errorf("%s %s is registered but has no page in docs/ (make docs)", kind, name)
		}
	}
}
