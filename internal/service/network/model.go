package network

import (
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/resourcekit"
)

// vpcModel is jdcloudha_vpc's state.
type vpcModel struct {
	ID          types.String   `tfsdk:"id"`
	Name        types.String   `tfsdk:"name"`
	CIDRBlock   types.String   `tfsdk:"cidr_block"`
	Description types.String   `tfsdk:"description"`
	CreatedTime types.String   `tfsdk:"created_time"`
	Timeouts    timeouts.Value `tfsdk:"timeouts"`
}

// subnetModel is jdcloudha_subnet's state.
type subnetModel struct {
	ID               types.String   `tfsdk:"id"`
	VpcID            types.String   `tfsdk:"vpc_id"`
	Name             types.String   `tfsdk:"name"`
	CIDRBlock        types.String   `tfsdk:"cidr_block"`
	Description      types.String   `tfsdk:"description"`
	AvailableIPCount types.Int64    `tfsdk:"available_ip_count"`
	StartIP          types.String   `tfsdk:"start_ip"`
	EndIP            types.String   `tfsdk:"end_ip"`
	Timeouts         timeouts.Value `tfsdk:"timeouts"`
}

// securityGroupModel is jdcloudha_security_group's state.
type securityGroupModel struct {
	ID          types.String   `tfsdk:"id"`
	VpcID       types.String   `tfsdk:"vpc_id"`
	Name        types.String   `tfsdk:"name"`
	Description types.String   `tfsdk:"description"`
	Rules       types.Set      `tfsdk:"rule"`
	Timeouts    timeouts.Value `tfsdk:"timeouts"`
}

// ruleModel is one element of a security group's rule set.
type ruleModel struct {
	Direction   types.String `tfsdk:"direction"`
	Protocol    types.String `tfsdk:"protocol"`
	FromPort    types.Int64  `tfsdk:"from_port"`
	ToPort      types.Int64  `tfsdk:"to_port"`
	CIDR        types.String `tfsdk:"cidr"`
	Description types.String `tfsdk:"description"`
}

var ruleAttrTypes = resourcekit.AttrTypes[ruleModel](nil)

var ruleObjectType = types.ObjectType{AttrTypes: ruleAttrTypes}
