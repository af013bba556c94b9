package resourcekit

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
)

// Base, embedded in a resource, is its Metadata and Configure: every resource
// names itself the same way and keeps the provider's client.
type Base struct {
	typeName string
	// Client is the provider's client; nil until the provider is configured.
	Client *jdcloud.Client
}

// NewBase is the Base of the resource type named the provider's name plus
// suffix ("_vpc").
func NewBase(suffix string) Base { return Base{typeName: suffix} }

// DataSourceBase is Base for a data source.
type DataSourceBase struct {
	typeName string
	// Client is the provider's client; nil until the provider is configured.
	Client *jdcloud.Client
}

// NewDataSourceBase is the DataSourceBase of the data source named the
// provider's name plus suffix ("_images").
func NewDataSourceBase(suffix string) DataSourceBase { return DataSourceBase{typeName: suffix} }

func (b *Base) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + b.typeName
}

func (b *DataSourceBase) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + b.typeName
}

func (b *Base) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	b.Client = jdcloud.FromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (b *DataSourceBase) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	b.Client = jdcloud.FromProviderData(req.ProviderData, &resp.Diagnostics)
}
