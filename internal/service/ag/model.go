// Package ag holds the availability group (高可用组) resource and data source.
package ag

import (
	"context"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	agmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/ag/models"
)

// agFields are the attributes the resource and the data source read alike
// from the API.
type agFields struct {
	ID                types.String `tfsdk:"id"`
	Name              types.String `tfsdk:"name"`
	AZs               types.List   `tfsdk:"azs"`
	PlacementType     types.String `tfsdk:"placement_type"`
	ConfigurationType types.String `tfsdk:"configuration_type"`
	Description       types.String `tfsdk:"description"`
	CreatedTime       types.String `tfsdk:"created_time"`
}

// agModel is jdcloudha_availability_group's state.
type agModel struct {
	agFields
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

// agDataModel is the jdcloudha_availability_group data source's state.
type agDataModel struct {
	agFields
	InstanceIDs types.List `tfsdk:"instance_ids"`
}

// fill copies the group. The zones keep the order of m.AZs when it holds
// the same ones; the data source's is null, so it gets the API's order.
func (m *agFields) fill(ctx context.Context, g agmodels.AvailabilityGroup) diag.Diagnostics {
	m.ID = types.StringValue(g.Id)
	m.Name = types.StringValue(g.Name)
	m.PlacementType = types.StringValue(g.PlacementType)
	m.ConfigurationType = types.StringValue(g.ConfigurationType)
	m.Description = types.StringValue(g.Description)
	m.CreatedTime = types.StringValue(g.CreateTime)
	azs, diags := azList(ctx, m.AZs, g.Azs)
	m.AZs = azs
	return diags
}

func (m *agDataModel) fill(ctx context.Context, g agmodels.AvailabilityGroup, instanceIDs []string) diag.Diagnostics {
	diags := m.agFields.fill(ctx, g)
	list, d := types.ListValueFrom(ctx, types.StringType, nonNil(instanceIDs))
	diags.Append(d...)
	m.InstanceIDs = list
	return diags
}

// azList returns the API's zones, but in the order of prior (the plan or
// state) when both hold the same zones: the API does not promise an order,
// and a reordering alone must not plan a replacement.
func azList(ctx context.Context, prior types.List, api []string) (types.List, diag.Diagnostics) {
	if !prior.IsNull() && !prior.IsUnknown() {
		var have []string
		diags := prior.ElementsAs(ctx, &have, false)
		if !diags.HasError() && sameSet(have, api) {
			return prior, nil
		}
	}
	return types.ListValueFrom(ctx, types.StringType, nonNil(api))
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
