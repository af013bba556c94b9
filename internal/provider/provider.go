// Package provider is the jdcloudha provider: its configuration schema,
// credential resolution, and the registry of resources and data sources.
package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
)

var _ provider.Provider = (*jdcloudhaProvider)(nil)

type jdcloudhaProvider struct {
	version string
}

// New returns the provider factory for providerserver and tests.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &jdcloudhaProvider{version: version} }
}

func (p *jdcloudhaProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "jdcloudha"
	resp.Version = p.version
}

// Schema and Configure: placeholder until the configuration lands (see provider_config.go).
func (p *jdcloudhaProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{}
}

func (p *jdcloudhaProvider) Configure(_ context.Context, _ provider.ConfigureRequest, _ *provider.ConfigureResponse) {
}
