package resourcekit

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// The framework finds Configure and ImportState by interface: these stubs,
// built the way every resource and data source is, check once that the
// embedded kit types give them, so the resources need not say so each.
type stubResource struct {
	Base
	ImportByID
}

func (stubResource) Schema(context.Context, resource.SchemaRequest, *resource.SchemaResponse) {}
func (stubResource) Create(context.Context, resource.CreateRequest, *resource.CreateResponse) {}
func (stubResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse)       {}
func (stubResource) Update(context.Context, resource.UpdateRequest, *resource.UpdateResponse) {}
func (stubResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

type stubDataSource struct{ DataSourceBase }

func (stubDataSource) Schema(context.Context, datasource.SchemaRequest, *datasource.SchemaResponse) {}
func (stubDataSource) Read(context.Context, datasource.ReadRequest, *datasource.ReadResponse)       {}

var (
	_ resource.ResourceWithConfigure     = (*stubResource)(nil)
	_ resource.ResourceWithImportState   = (*stubResource)(nil)
	_ datasource.DataSourceWithConfigure = (*stubDataSource)(nil)
)

type stubLookup struct{ Lookup[struct{}, string] }

func (stubLookup) Schema(context.Context, datasource.SchemaRequest, *datasource.SchemaResponse) {}

var _ datasource.DataSourceWithConfigValidators = (*stubLookup)(nil)
