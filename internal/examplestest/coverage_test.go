package examplestest

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/provider"
)

// repoRoot is the module root, two levels above this package.
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found at %s: %v", root, err)
	}
	return root
}

type registered struct {
	resources   map[string]bool // type name -> importable
	dataSources map[string]bool
}

func registeredTypes(t *testing.T) registered {
	t.Helper()
	ctx := context.Background()
	p := provider.New("test")()
	type resourcesLister interface {
		Resources(context.Context) []func() resource.Resource
	}
	type dataSourcesLister interface {
		DataSources(context.Context) []func() datasource.DataSource
	}
	out := registered{resources: map[string]bool{}, dataSources: map[string]bool{}}
	for _, f := range p.(resourcesLister).Resources(ctx) {
		r := f()
		var resp resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "jdcloudha"}, &resp)
		_, importable := r.(resource.ResourceWithImportState)
		out.resources[resp.TypeName] = importable
	}
	for _, f := range p.(dataSourcesLister).DataSources(ctx) {
		var resp datasource.MetadataResponse
		f().Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "jdcloudha"}, &resp)
		out.dataSources[resp.TypeName] = true
	}
	if len(out.resources) == 0 || len(out.dataSources) == 0 {
		t.Fatalf("the provider registers %d resources and %d data sources; expected some of each", len(out.resources), len(out.dataSources))
	}
	return out
}

func mustExist(t *testing.T, path, why string) {
	t.Helper()
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Errorf("missing or empty %s (%s)", path, why)
	}
}

// TestEveryTypeHasItsExample: tfplugindocs puts examples/resources/<type>/
// resource.tf, import.sh and examples/data-sources/<type>/data-source.tf into
// the generated pages; a type without them gets a page with no example.
func TestEveryTypeHasItsExample(t *testing.T) {
	root := repoRoot(t)
	reg := registeredTypes(t)
	ex := filepath.Join(root, "examples")

	mustExist(t, filepath.Join(ex, "provider", "provider.tf"), "the provider page's example")
	for name, importable := range reg.resources {
		dir := filepath.Join(ex, "resources", name)
		mustExist(t, filepath.Join(dir, "resource.tf"), "example of resource "+name)
		if importable {
			mustExist(t, filepath.Join(dir, "import.sh"), name+" is importable: show the terraform import command")
		}
	}
	mustExist(t, filepath.Join(ex, "resources", "jdcloudha_elastic_ip", "import-by-string-id.tf"), "the import {} block for EIPs")
	for name := range reg.dataSources {
		mustExist(t, filepath.Join(ex, "data-sources", name, "data-source.tf"), "example of data source "+name)
	}

	// An example folder for a type the provider does not register would be
	// silently dropped from the docs: a typo or a type that was renamed.
	for kind, known := range map[string]map[string]bool{"resources": reg.resources, "data-sources": reg.dataSources} {
		entries, err := os.ReadDir(filepath.Join(ex, kind))
		if err != nil {
			t.Fatal(err)
		}
		var orphans []string
		for _, e := range entries {
			if _, ok := known[e.Name()]; e.IsDir() && !ok {
				orphans = append(orphans, e.Name())
			}
		}
		sort.Strings(orphans)
		if len(orphans) > 0 {
			t.Errorf("examples/%s has folders for types the provider does not register: %v", kind, orphans)
		}
	}
}
