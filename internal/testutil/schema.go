package testutil

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
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
	checkSchema(t, "resource", rs.Schema.ValidateImplementation(ctx), rs.Schema.Attributes)
}

// CheckDataSourceSchema checks d's schema and that every attribute is described.
func CheckDataSourceSchema(t testing.TB, d datasource.DataSource) {
	t.Helper()
	ctx := context.Background()
	var ds datasource.SchemaResponse
	d.Schema(ctx, datasource.SchemaRequest{}, &ds)
	checkSchema(t, "data source", ds.Schema.ValidateImplementation(ctx), ds.Schema.Attributes)
}

// checkSchema fails t on the schema's own validation errors and names each
// attribute without a MarkdownDescription.
func checkSchema[A interface{ GetMarkdownDescription() string }](t testing.TB, kind string, valid diag.Diagnostics, attrs map[string]A) {
	t.Helper()
	if valid.HasError() {
		t.Fatalf("%s schema: %v", kind, valid)
	}
	for name, a := range attrs {
		if a.GetMarkdownDescription() == "" {
			t.Errorf("%s attribute %s has no MarkdownDescription", kind, name)
		}
	}
}
