package ag

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	agmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/ag/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/resourcekit"
)

// NewDataSource is the jdcloudha_availability_group data source factory.
func NewDataSource() datasource.DataSource {
	return &agDataSource{resourcekit.NewLookup("_availability_group", "name", findAgForData, fillAgData)}
}

type agDataSource struct {
	resourcekit.Lookup[agDataModel, agmodels.AvailabilityGroup]
}

func (d *agDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up an existing availability group by `id` or by exact `name` (set exactly one). " +
			"A name must match exactly one group in the region.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The availability group ID to look up, e.g. `ag-7f3c9a2b1d`.",
				Optional:            true,
				Computed:            true,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The exact name of the group to look up.",
				Optional:            true,
				Computed:            true,
			},
			"azs": schema.ListAttribute{
				MarkdownDescription: "The group's availability zones.",
				Computed:            true,
				ElementType:         types.StringType,
			},
			"placement_type": schema.StringAttribute{
				MarkdownDescription: "`fd`, `switch` or `host`.",
				Computed:            true,
			},
			"configuration_type": schema.StringAttribute{
				MarkdownDescription: "`loose` (instances carry their own specification) or `strict` (instances come from a template).",
				Computed:            true,
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "The group's description.",
				Computed:            true,
			},
			"created_time": schema.StringAttribute{
				MarkdownDescription: "When the group was created, as reported by JD Cloud.",
				Computed:            true,
			},
			"instance_ids": schema.ListAttribute{
				MarkdownDescription: "IDs of the instances in the group (from the vm API's `agId` filter), in the API's order.",
				Computed:            true,
				ElementType:         types.StringType,
			},
		},
	}
}

func findAgForData(ctx context.Context, c *jdcloud.Client, cfg *agDataModel, diags *diag.Diagnostics) (agmodels.AvailabilityGroup, bool) {
	if !cfg.ID.IsNull() {
		id := cfg.ID.ValueString()
		return resourcekit.FindByID(ctx, c, id, jdcloud.FindAgByID, diags, "Availability group not found",
			fmt.Sprintf("No availability group %q in region %s.", id, c.Region), fmt.Sprintf("availability group %q", id))
	}
	name := cfg.Name.ValueString()
	found, err := findAgsByName(ctx, c, name)
	return resourcekit.Match[agmodels.AvailabilityGroup]{
		Attr:       "name",
		None:       "Availability group not found",
		NoneDetail: fmt.Sprintf("No availability group is named %q in region %s.", name, c.Region),
		Several:    "Several availability groups match",
		SeveralDetail: func(n int, ids string) string {
			return fmt.Sprintf("%d availability groups are named %q in region %s (%s): look it up by id instead.", n, name, c.Region, ids)
		},
		Label: func(f agmodels.AvailabilityGroup) string { return f.Id },
	}.Listed(found, err, diags, fmt.Sprintf("availability group %q", name))
}

func fillAgData(ctx context.Context, c *jdcloud.Client, cfg *agDataModel, g agmodels.AvailabilityGroup) diag.Diagnostics {
	members, err := agInstanceIDs(ctx, c, g.Id)
	if err != nil {
		var diags diag.Diagnostics
		jdcloud.AddError(&diags, fmt.Sprintf("listing the instances of availability group %q", g.Id), err)
		return diags
	}
	return cfg.fill(ctx, g, members)
}

// agInstanceIDs lists the group's instances through the vm API (filter
// agId): the ag API's own instance list is not filled in every answer.
func agInstanceIDs(ctx context.Context, c *jdcloud.Client, agID string) ([]string, error) {
	found, err := jdcloud.ListInstances(ctx, c, jdcloud.Filter("agId", agID))
	ids := []string{}
	for _, i := range found {
		ids = append(ids, i.InstanceId)
	}
	return ids, err
}

// findAgsByName lists the groups the API's fuzzy agName filter returns and
// keeps those whose name is exactly name.
func findAgsByName(ctx context.Context, c *jdcloud.Client, name string) ([]agmodels.AvailabilityGroup, error) {
	found, err := jdcloud.ListAgs(ctx, c, jdcloud.Filter("agName", name))
	return slices.DeleteFunc(found, func(g agmodels.AvailabilityGroup) bool { return g.Name != name }), err
}
