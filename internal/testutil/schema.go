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
	var rs resource.SchemaResponse
	r.Schema(context.Background(), resource.SchemaRequest{}, &rs)
	checkSchema(t, "resource", rs.Schema)
}

// CheckDataSourceSchema checks d's schema and that every attribute is described.
func CheckDataSourceSchema(t testing.TB, d datasource.DataSource) {
	t.Helper()
	var ds datasource.SchemaResponse
	d.Schema(context.Background(), datasource.SchemaRequest{}, &ds)
	checkSchema(t, "data source", ds.Schema)
}

// frameworkSchema is what a resource's and a data source's schema types
// both have.
type frameworkSchema[A interface{ GetMarkdownDescription() string }] interface {
	ValidateImplementation(context.Context) diag.Diagnostics
	GetAttributes() map[string]A
}

// checkSchema fails t on the schema's own validation errors and names each
// attribute without a MarkdownDescription.
func checkSchema[A interface{ GetMarkdownDescription() string }](t testing.TB, kind string, s frameworkSchema[A]) {
	t.Helper()
	if valid := s.ValidateImplementation(context.Background()); valid.HasError() {
		t.Fatalf("%s schema: %v", kind, valid)
	}
	for name, a := range s.GetAttributes() {
		if a.GetMarkdownDescription() == "" {
			t.Errorf("%s attribute %s has no MarkdownDescription", kind, name)
		}
	}
}
