package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/ag"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/eip"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/failover"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/iam"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/image"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/network"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/vm"
)

// Resources lists every resource type. One line per type, grouped by family.
func (p *jdcloudhaProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		// network
		network.NewVpcResource,
		network.NewSubnetResource,
		network.NewSecurityGroupResource,
		// availability group
		ag.NewResource,
		// instance
		vm.NewInstanceResource,
		// elastic IP
		eip.NewResource,
		// failover
		failover.NewPairResource,
		failover.NewKeepalivedConfigResource,
		iam.NewCredentialsResource,
	}
}

// DataSources lists every data source type.
func (p *jdcloudhaProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		ag.NewDataSource,
		vm.NewInstanceDataSource,
		eip.NewDataSource,
		image.NewDataSource,
	}
}
