package network

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
	vpcmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/resourcekit"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/validate"
)

var _ resource.ResourceWithModifyPlan = (*subnetResource)(nil)

// NewSubnetResource is the jdcloudha_subnet factory.
func NewSubnetResource() resource.Resource {
	return &subnetResource{resourcekit.NewManaged("_subnet", subnetObject)}
}

// subnetResource takes Read, Update, Delete and ImportState from subnetObject.
type subnetResource struct {
	resourcekit.Managed[subnetModel, vpcmodels.Subnet]
}

func (r *subnetResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A subnet of a JD Cloud VPC. Its CIDR block must lie inside the VPC's and must not overlap the VPC's other subnets. " +
			"JD Cloud reserves the first two host addresses of every subnet (gateway and DHCP).",
		Attributes: map[string]schema.Attribute{
			"timeouts": resourcekit.DeleteTimeouts(ctx, "How long to keep retrying the deletion while JD Cloud refuses it because "+
				"network interfaces of deleted instances are still being released, e.g. `10m`. Default `5m`."),
			"id":     resourcekit.StableAttribute("The subnet ID, e.g. `subnet-3b7a9c2d1e`."),
			"vpc_id": vpcStableAttribute("subnet", "subnet"),
			"name":   resourcekit.NameAttribute("subnet"),
			"cidr_block": schema.StringAttribute{
				MarkdownDescription: "The subnet's address range, e.g. `10.0.1.0/24`: an IPv4 CIDR block in canonical form inside " +
					"`10.0.0.0/8`, `172.16.0.0/12` or `192.168.0.0/16`, prefix length `/16` to `/28`, and inside the VPC's `cidr_block` " +
					"(checked at plan time when the VPC already exists, otherwise before the subnet is created), not overlapping the VPC's " +
					"existing subnets (checked at plan time). Changing it replaces the subnet.",
				Required:      true,
				Validators:    []validator.String{validate.PrivateCIDR(16, 28)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"description": resourcekit.DescriptionAttribute(),
			"available_ip_count": schema.Int64Attribute{
				MarkdownDescription: "How many private IP addresses of the subnet are still free, as reported by JD Cloud at the last refresh.",
				Computed:            true,
			},
			"start_ip": resourcekit.StableAttribute("The subnet's first address, as reported by JD Cloud."),
			"end_ip":   resourcekit.StableAttribute("The subnet's last address, as reported by JD Cloud."),
		},
	}
}

// ModifyPlan checks the subnet's block against its VPC's, and against the
// VPC's existing subnets, at plan time when the VPC already exists (vpc_id
// known). A VPC created in the same apply is checked in Create instead.
func (r *subnetResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.Client == nil {
		return
	}
	checkRegion(ctx, r.Client, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	var plan subnetModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || plan.VpcID.IsUnknown() || plan.CIDRBlock.IsUnknown() {
		return
	}
	if !req.State.Raw.IsNull() {
		var state subnetModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if state.VpcID.Equal(plan.VpcID) && state.CIDRBlock.Equal(plan.CIDRBlock) {
			return // nothing that needs the VPC changed
		}
	}
	v, err := jdcloud.LookupVPC(ctx, r.Client, plan.VpcID.ValueString())
	if jdcloud.IsNotFound(err) {
		resp.Diagnostics.AddAttributeError(path.Root("vpc_id"), "VPC not found",
			fmt.Sprintf("vpc_id %q: no such VPC in region %s.", plan.VpcID.ValueString(), r.Client.Region))
		return
	}
	if err != nil {
		// Not fatal at plan time: Create checks again and reports the API error.
		tflog.Warn(ctx, "could not read the VPC to check the subnet's CIDR block at plan time", map[string]any{"error": err.Error()})
		return
	}
	resp.Diagnostics.Append(checkSubnetInVpc(plan.CIDRBlock.ValueString(), v)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// CreateSubnet refuses a block that overlaps a sibling: say so now. The
	// subnet itself (on a replacement) is not a sibling.
	self := ""
	if !req.State.Raw.IsNull() {
		var state subnetModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		self = state.ID.ValueString()
	}
	other, found, err := OverlappingSubnet(ctx, r.Client, plan.VpcID.ValueString(), plan.CIDRBlock.ValueString(), self)
	if err != nil {
		tflog.Warn(ctx, "could not list the VPC's subnets to check for overlaps at plan time", map[string]any{"error": err.Error()})
		return
	}
	if found {
		resp.Diagnostics.AddAttributeError(path.Root("cidr_block"), "Subnet overlaps another subnet",
			fmt.Sprintf("cidr_block %s overlaps subnet %q (%s, %s) of VPC %q: the subnets of a VPC must not overlap.",
				plan.CIDRBlock.ValueString(), other.SubnetName, other.SubnetId, other.AddressPrefix, plan.VpcID.ValueString()))
	}
}

// checkSubnetInVpc reports a cidr_block outside the VPC's address range.
func checkSubnetInVpc(cidr string, v vpcmodels.Vpc) diag.Diagnostics {
	var diags diag.Diagnostics
	if v.AddressPrefix == "" {
		return diags // a VPC without a range accepts any private block
	}
	outer, err1 := validate.ParseCIDR(v.AddressPrefix)
	inner, err2 := validate.ParseCIDR(cidr)
	if err1 != nil || err2 != nil {
		return diags // the attribute validator or the API reports malformed blocks
	}
	if !validate.ContainsCIDR(outer, inner) {
		diags.AddAttributeError(path.Root("cidr_block"), "Subnet outside its VPC",
			fmt.Sprintf("cidr_block %s is not inside the CIDR block %s of VPC %q (%s): a subnet's block must lie inside its VPC's.",
				cidr, v.AddressPrefix, v.VpcId, v.VpcName))
	}
	return diags
}

func (r *subnetResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, ok := resourcekit.Get[subnetModel](ctx, req.Plan, &resp.Diagnostics)
	if !ok {
		return
	}
	c := r.Client
	name := plan.Name.ValueString()
	v, err := jdcloud.LookupVPC(ctx, c, plan.VpcID.ValueString())
	if err != nil {
		jdcloud.AddError(&resp.Diagnostics, fmt.Sprintf("creating subnet %q: reading its VPC %q", name, plan.VpcID.ValueString()), err)
		return
	}
	resp.Diagnostics.Append(checkSubnetInVpc(plan.CIDRBlock.ValueString(), v)...)
	if resp.Diagnostics.HasError() {
		return
	}

	in := vpcapis.NewCreateSubnetRequestWithoutParam()
	in.SetRegionId(c.Region)
	in.SetVpcId(plan.VpcID.ValueString())
	in.SetSubnetName(name)
	in.SetAddressPrefix(plan.CIDRBlock.ValueString())
	in.SetDescription(plan.Description.ValueString())
	id, err := jdcloud.ReconciledCreate{
		Find: func(ctx context.Context) ([]string, error) {
			return findSubnets(ctx, c, plan.VpcID.ValueString(), name, plan.CIDRBlock.ValueString())
		},
		Send: jdcloud.SendOnce(c, "vpc.CreateSubnet", func() (*vpcapis.CreateSubnetResponse, error) { return c.VPC.CreateSubnet(in) },
			func(out *vpcapis.CreateSubnetResponse) string { return out.Result.SubnetId }),
	}.Run(ctx, c)
	if err != nil {
		jdcloud.AddError(&resp.Diagnostics, fmt.Sprintf("creating subnet %q", name), err)
		return
	}
	r.Object.SaveCreated(ctx, c, resp, &plan, id)
}

// subnetObject reads, saves, changes and deletes subnets for the resource.
var subnetObject = resourcekit.Object[subnetModel, vpcmodels.Subnet]{
	Name:          resourcekit.Quoted("subnet"),
	Find:          jdcloud.FindSubnetByID,
	Fill:          (*subnetModel).fill,
	Modify:        modifySubnet,
	Remove:        deleteSubnet,
	DeleteTimeout: defaultDeleteTimeout,
}

// modifySubnet renames the subnet or changes its description.
func modifySubnet(ctx context.Context, c *jdcloud.Client, id string, plan, state *subnetModel) error {
	in := vpcapis.NewModifySubnetRequestWithoutParam()
	in.SetRegionId(c.Region)
	in.SetSubnetId(id)
	in.SubnetName = resourcekit.Changed(plan.Name, state.Name)
	in.Description = resourcekit.Changed(plan.Description, state.Description)
	if in.SubnetName == nil && in.Description == nil {
		return nil
	}
	_, err := jdcloud.Call(ctx, c, "vpc.ModifySubnet", func() (*vpcapis.ModifySubnetResponse, error) { return c.VPC.ModifySubnet(in) })
	return err
}

func deleteSubnet(ctx context.Context, c *jdcloud.Client, id string) error {
	_, err := jdcloud.Call(ctx, c, "vpc.DeleteSubnet", func() (*vpcapis.DeleteSubnetResponse, error) {
		return c.VPC.DeleteSubnet(vpcapis.NewDeleteSubnetRequest(c.Region, id))
	})
	return err
}

func (m *subnetModel) fill(_ context.Context, s vpcmodels.Subnet) diag.Diagnostics {
	m.ID = types.StringValue(s.SubnetId)
	m.VpcID = types.StringValue(s.VpcId)
	m.Name = types.StringValue(s.SubnetName)
	m.CIDRBlock = types.StringValue(s.AddressPrefix)
	m.Description = types.StringValue(s.Description)
	m.AvailableIPCount = types.Int64Value(int64(s.AvailableIpCount))
	m.StartIP = types.StringValue(s.StartIp)
	m.EndIP = types.StringValue(s.EndIp)
	return nil
}
