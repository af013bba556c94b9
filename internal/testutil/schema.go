package testutil

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// The framework checks these rules only when a provider serves the schema;
// checking in a unit test catches a bad default or modifier without
// terraform, and an attribute without the MarkdownDescription the docs are
// generated from.

// CheckResourceSchema checks r's schema and that every attribute is described.
func CheckResourceSchema(t testing.TB, r resource.Resource) {
	t.Helper()
	ctx := context.Background()
	var rs resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &rs)
	if d := rs.Schema.ValidateImplementation(ctx); d.HasError() {
		t.Fatalf("resource schema: %v", d)
	}
	for name, a := range rs.Schema.Attributes {
		checkDescribed(t, "resource", name, a)
	}
}

// CheckDataSourceSchema checks d's schema and that every attribute is described.
func CheckDataSourceSchema(t testing.TB, d datasource.DataSource) {
	t.Helper()
	ctx := context.Background()
	var ds datasource.SchemaResponse
	d.Schema(ctx, datasource.SchemaRequest{}, &ds)
	if diags := ds.Schema.ValidateImplementation(ctx); diags.HasError() {
		t.Fatalf("data source schema: %v", diags)
	}
	for name, a := range ds.Schema.Attributes {
		checkDescribed(t, "data source", name, a)
	}
}

func checkDescribed(t testing.TB, kind, name string, a interface{ GetMarkdownDescription() string }) {
	t.Helper()
	if a.GetMarkdownDescription() == "" {
		t.Errorf("%s attribute %s has no MarkdownDescription", kind, name)
	}
}
