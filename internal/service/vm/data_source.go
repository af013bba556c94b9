package vm

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	vmmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/resourcekit"
)

// NewInstanceDataSource is the jdcloudha_instance data source.
func NewInstanceDataSource() datasource.DataSource {
	return &instanceDataSource{resourcekit.NewLookup("_instance", "name", findForData,
		func(ctx context.Context, _ *jdcloud.Client, cfg *instanceData, inst vmmodels.Instance) diag.Diagnostics {
			return cfg.fill(ctx, inst)
		})}
}

type instanceDataSource struct {
	resourcekit.Lookup[instanceData, vmmodels.Instance]
}

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

func findForData(ctx context.Context, c *jdcloud.Client, cfg *instanceData, diags *diag.Diagnostics) (vmmodels.Instance, bool) {
	if id := cfg.ID.ValueString(); id != "" {
		inst, ok := resourcekit.FindByID(ctx, c, id, jdcloud.FindInstanceByID, diags, "Instance not found",
			fmt.Sprintf("No instance with ID %q exists in region %s.", id, c.Region), "instance "+id)
		if az := cfg.AZ.ValueString(); ok && az != "" && inst.Az != az {
			diags.AddAttributeError(path.Root("az"), "Instance in another zone",
				fmt.Sprintf("Instance %s is in zone %s, not %s.", id, inst.Az, az))
			return inst, false
		}
		return inst, ok
	}
	name, az := cfg.Name.ValueString(), cfg.AZ.ValueString()
	found, err := findByName(ctx, c, name, az)
	where := "in region " + c.Region
	if az != "" {
		where = "in zone " + az
	}
	return resourcekit.Match[vmmodels.Instance]{
		Attr:       "name",
		None:       "Instance not found",
		NoneDetail: fmt.Sprintf("No instance named %q exists %s.", name, where),
		Several:    "Several instances match",
		SeveralDetail: func(n int, ids string) string {
			return fmt.Sprintf("%d instances named %q exist %s: %s. Look it up by id, or narrow it with az.", n, name, where, ids)
		},
		Label: func(f vmmodels.Instance) string { return f.InstanceId + " (" + f.Az + ")" },
	}.Listed(found, err, diags, fmt.Sprintf("instance %q", name))
}
