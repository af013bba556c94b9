package eip

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// The framework checks these rules only when a provider serves the schema;
// checking here catches a bad default or modifier without terraform.
func TestSchemasValid(t *testing.T) {
	ctx := context.Background()
	var rs resource.SchemaResponse
	NewResource().Schema(ctx, resource.SchemaRequest{}, &rs)
	if d := rs.Schema.ValidateImplementation(ctx); d.HasError() {
		t.Fatalf("resource schema: %v", d)
	}
	for name, a := range rs.Schema.Attributes {
		if a.GetMarkdownDescription() == "" {
			t.Errorf("resource attribute %s has no MarkdownDescription", name)
		}
	}
	var ds datasource.SchemaResponse
	NewDataSource().Schema(ctx, datasource.SchemaRequest{}, &ds)
	if d := ds.Schema.ValidateImplementation(ctx); d.HasError() {
		t.Fatalf("data source schema: %v", d)
	}
	for name, a := range ds.Schema.Attributes {
		if a.GetMarkdownDescription() == "" {
			t.Errorf("data source attribute %s has no MarkdownDescription", name)
		}
	}
}
