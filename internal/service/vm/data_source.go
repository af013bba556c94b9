package vm

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	vmmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/resourcekit"
)

var _ datasource.DataSourceWithConfigValidators = (*instanceDataSource)(nil)

// NewInstanceDataSource is the jdcloudha_instance data source.
func NewInstanceDataSource() datasource.DataSource {
	return &instanceDataSource{DataSourceBase: resourcekit.NewDataSourceBase("_instance")}
}

type instanceDataSource struct{ resourcekit.DataSourceBase }

func (d *instanceDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up an existing instance by ID, or by exact name (optionally narrowed to one zone); " +
			"exactly one instance must match. Useful to build a failover pair around VMs made by hand.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "The instance ID (`i-…`). Set this or `name`.",
			},
			"name": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "The exact instance name. Set this or `id`; the lookup fails unless exactly one instance has this name.",
			},
			"az": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "Availability zone. With `name`, only instances in this zone match.",
			},
			"availability_group_id": computed("The availability group (`ag-…`); empty if the instance is in none."),
			"instance_type":         computed("Instance type."),
			"image_id":              computed("Image ID."),
			"subnet_id":             computed("Subnet of the primary network interface."),
			"private_ip":            computed("Primary private IPv4 address."),
			"security_group_ids": schema.SetAttribute{
				ElementType:         types.StringType,
				Computed:            true,
				MarkdownDescription: "Security groups of the primary network interface.",
			},
			"key_names": schema.ListAttribute{
				ElementType:         types.StringType,
				Computed:            true,
				MarkdownDescription: "SSH key pair names; null when the instance uses a password.",
			},
			"description":                  computed("Description."),
			"fault_domain":                 computed("Fault domain within the availability group."),
			"primary_network_interface_id": computed("ID of the primary network interface."),
			"status":                       computed("Instance status, e.g. `running`."),
			"vpc_id":                       computed("The VPC of the subnet."),
			"elastic_ip_id":                computed("The elastic IP on the primary interface; empty when none."),
			"elastic_ip_address":           computed("The address of that elastic IP; empty when none."),
		},
	}
}

func (d *instanceDataSource) ConfigValidators(_ context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
	}
}

func (d *instanceDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg instanceData
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var inst vmmodels.Instance
	ok := false
	if id := cfg.ID.ValueString(); id != "" {
		inst, ok = resourcekit.FindByID(ctx, d.Client, id, jdcloud.FindInstanceByID, &resp.Diagnostics, "Instance not found",
			fmt.Sprintf("No instance with ID %q exists in region %s.", id, d.Client.Region), "instance "+id)
		if az := cfg.AZ.ValueString(); ok && az != "" && inst.Az != az {
			resp.Diagnostics.AddAttributeError(path.Root("az"), "Instance in another zone",
				fmt.Sprintf("Instance %s is in zone %s, not %s.", id, inst.Az, az))
			return
		}
	} else {
		name, az := cfg.Name.ValueString(), cfg.AZ.ValueString()
		found, err := findByName(ctx, d.Client, name, az)
		if err != nil {
			jdcloud.AddError(&resp.Diagnostics, fmt.Sprintf("looking up instance %q", name), err)
			return
		}
		where := "in region " + d.Client.Region
		if az != "" {
			where = "in zone " + az
		}
		inst, ok = resourcekit.Match[vmmodels.Instance]{
			Attr:       "name",
			None:       "Instance not found",
			NoneDetail: fmt.Sprintf("No instance named %q exists %s.", name, where),
			Several:    "Several instances match",
			SeveralDetail: func(n int, ids string) string {
				return fmt.Sprintf("%d instances named %q exist %s: %s. Look it up by id, or narrow it with az.", n, name, where, ids)
			},
			Label: func(f vmmodels.Instance) string { return f.InstanceId + " (" + f.Az + ")" },
		}.One(found, &resp.Diagnostics)
	}
	if !ok {
		return
	}
	resp.Diagnostics.Append(cfg.fill(ctx, inst)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
