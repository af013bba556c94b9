package network

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
	vpcmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/resourcekit"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/validate"
)

var _ resource.ResourceWithModifyPlan = (*vpcResource)(nil)

// NewVpcResource is the jdcloudha_vpc factory.
func NewVpcResource() resource.Resource {
	return &vpcResource{resourcekit.NewManaged("_vpc", vpcObject)}
}

// vpcResource takes Read, Update, Delete and ImportState from vpcObject.
type vpcResource struct {
	resourcekit.Managed[vpcModel, vpcmodels.Vpc]
}

func (r *vpcResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A JD Cloud virtual private cloud (VPC). Subnets and security groups live in a VPC.",
		Attributes: map[string]schema.Attribute{
			"timeouts": resourcekit.DeleteTimeouts(ctx, "How long to keep retrying the deletion while JD Cloud refuses it because "+
				"subnets or network interfaces are still being released, e.g. `10m`. Default `5m`."),
			"id":   resourcekit.StableAttribute("The VPC ID, e.g. `vpc-8ad7a3c1e4`."),
			"name": resourcekit.NameAttribute("VPC"),
			"cidr_block": schema.StringAttribute{
				MarkdownDescription: "The VPC's address range, e.g. `10.0.0.0/16`: an IPv4 CIDR block in canonical form inside " +
					"`10.0.0.0/8`, `172.16.0.0/12` or `192.168.0.0/16`, prefix length `/16` to `/28`. " +
					"Omit it for a VPC without an address range restriction. Changing it replaces the VPC.",
				Optional:      true,
				Validators:    []validator.String{validate.PrivateCIDR(16, 28)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"description":  resourcekit.DescriptionAttribute(),
			"created_time": resourcekit.CreatedTimeAttribute("VPC"),
		},
	}
}

func (r *vpcResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, ok := resourcekit.Get[vpcModel](ctx, req.Plan, &resp.Diagnostics)
	if !ok {
		return
	}
	c := r.Client
	in := vpcapis.NewCreateVpcRequestWithoutParam()
	in.SetRegionId(c.Region)
	in.SetVpcName(plan.Name.ValueString())
	if !plan.CIDRBlock.IsNull() {
		in.SetAddressPrefix(plan.CIDRBlock.ValueString())
	}
	in.SetDescription(plan.Description.ValueString())
	// CreateVpc takes no clientToken: reconcile looks before it creates again.
	id, err := jdcloud.ReconciledCreate{
		Find: func(ctx context.Context) ([]string, error) {
			return findVpcs(ctx, c, plan.Name.ValueString(), plan.CIDRBlock.ValueString())
		},
		Send: jdcloud.SendOnce(c, "vpc.CreateVpc", func() (*vpcapis.CreateVpcResponse, error) { return c.VPC.CreateVpc(in) },
			func(out *vpcapis.CreateVpcResponse) string { return out.Result.VpcId }),
	}.Run(ctx, c)
	if err != nil {
		jdcloud.AddError(&resp.Diagnostics, fmt.Sprintf("creating VPC %q", plan.Name.ValueString()), err)
		return
	}
	r.Object.SaveCreated(ctx, c, resp, &plan, id)
}

// vpcObject reads, saves, changes and deletes VPCs for the resource.
var vpcObject = resourcekit.Object[vpcModel, vpcmodels.Vpc]{
	Name:          resourcekit.Quoted("VPC"),
	Find:          jdcloud.FindVPCByID,
	Fill:          (*vpcModel).fill,
	Modify:        modifyVpc,
	Remove:        deleteVpc,
	DeleteTimeout: defaultDeleteTimeout,
}

// modifyVpc renames the VPC or changes its description.
func modifyVpc(ctx context.Context, c *jdcloud.Client, id string, plan, state *vpcModel) error {
	in := vpcapis.NewModifyVpcRequestWithoutParam()
	in.SetRegionId(c.Region)
	in.SetVpcId(id)
	in.VpcName = resourcekit.Changed(plan.Name, state.Name)
	in.Description = resourcekit.Changed(plan.Description, state.Description)
	if in.VpcName == nil && in.Description == nil {
		return nil
	}
	_, err := jdcloud.Call(ctx, c, "vpc.ModifyVpc", func() (*vpcapis.ModifyVpcResponse, error) { return c.VPC.ModifyVpc(in) })
	return err
}

func deleteVpc(ctx context.Context, c *jdcloud.Client, id string) error {
	_, err := jdcloud.Call(ctx, c, "vpc.DeleteVpc", func() (*vpcapis.DeleteVpcResponse, error) {
		return c.VPC.DeleteVpc(vpcapis.NewDeleteVpcRequest(c.Region, id))
	})
	return err
}

func (m *vpcModel) fill(_ context.Context, v vpcmodels.Vpc) diag.Diagnostics {
	m.ID = types.StringValue(v.VpcId)
	m.Name = types.StringValue(v.VpcName)
	m.CIDRBlock = optionalString(v.AddressPrefix)
	m.Description = types.StringValue(v.Description)
	m.CreatedTime = types.StringValue(v.CreatedTime)
	return nil
}

// ModifyPlan refuses, at plan time, a region the API does not serve.
func (r *vpcResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	checkRegion(ctx, r.Client, &resp.Diagnostics)
}
