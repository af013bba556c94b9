package network

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
	vpcmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/resourcekit"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/validate"
)

var _ resource.ResourceWithModifyPlan = (*securityGroupResource)(nil)

// NewSecurityGroupResource is the jdcloudha_security_group factory.
func NewSecurityGroupResource() resource.Resource {
	return &securityGroupResource{resourcekit.NewManaged("_security_group", securityGroupObject)}
}

// securityGroupResource takes Read, Delete and ImportState from
// securityGroupObject.
type securityGroupResource struct {
	resourcekit.Managed[securityGroupModel, vpcmodels.NetworkSecurityGroup]
}

func (r *securityGroupResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A JD Cloud network security group with its rules declared inline. JD Cloud rules only allow traffic: " +
			"whatever no rule allows is dropped. The `rule` blocks are authoritative: rules added outside Terraform are removed " +
			"on the next apply. A new group comes with JD Cloud's default rules (egress TCP 80 and UDP 67, 68 and 161, " +
			"`ruleType = default`): they are left alone and not shown, so they never cause a diff.\n\n" +
			"To let keepalived's unicast VRRP adverts through between two peers only, allow protocol `all` from each peer's " +
			"`/32` (ingress; with an egress rule to the peer if egress is restricted). JD Cloud's groups accept only " +
			"`tcp`, `udp`, `icmp` and `all`: there is no rule for IP protocol 112, and no multicast.",
		Attributes: map[string]schema.Attribute{
			"timeouts": resourcekit.DeleteTimeouts(ctx, "How long to keep retrying the deletion while JD Cloud refuses it because "+
				"network interfaces still use the group (instances being deleted), e.g. `10m`. Default `5m`."),
			"id":          resourcekit.StableAttribute("The security group ID, e.g. `sg-4f2a8b9c1d`."),
			"vpc_id":      vpcStableAttribute("security group", "group"),
			"name":        resourcekit.NameAttribute("security group"),
			"description": resourcekit.DescriptionAttribute(),
		},
		Blocks: map[string]schema.Block{
			"rule": schema.SetNestedBlock{
				MarkdownDescription: "A rule allowing traffic; repeat the block for each rule. Rules are added, removed or " +
					"(for a description change) modified in place, without replacing the group.",
				NestedObject: schema.NestedBlockObject{
					Validators: []validator.Object{validRule},
					Attributes: map[string]schema.Attribute{
						"direction": schema.StringAttribute{
							MarkdownDescription: "`ingress` (traffic to the group's instances; `cidr` is the source) or `egress` (traffic from them; `cidr` is the destination).",
							Required:            true,
							Validators:          []validator.String{stringvalidator.OneOf("ingress", "egress")},
						},
						"protocol": schema.StringAttribute{
							MarkdownDescription: "`tcp`, `udp`, `icmp` or `all` (the four JD Cloud documents). An IP protocol number from `0` to `255` " +
								"is also accepted, with a plan-time warning: it is sent as it is and the API most likely refuses it. " +
								"Numbers that have a name (6, 17, 1, 300) must be written by name. For VRRP use `all` from the peer's `/32`.",
							Required:   true,
							Validators: []validator.String{validProtocol},
						},
						"from_port": schema.Int64Attribute{
							MarkdownDescription: "First port of the range, 1 to 65535. Required for `tcp` and `udp`, not allowed for other protocols (which match every packet).",
							Optional:            true,
							Validators:          []validator.Int64{int64validator.Between(1, 65535)},
						},
						"to_port": schema.Int64Attribute{
							MarkdownDescription: "Last port of the range, 1 to 65535, at least `from_port`; equal to it for a single port. Required for `tcp` and `udp`, not allowed for other protocols.",
							Optional:            true,
							Validators:          []validator.Int64{int64validator.Between(1, 65535)},
						},
						"cidr": schema.StringAttribute{
							MarkdownDescription: "The remote IPv4 address range in canonical CIDR form: `0.0.0.0/0` for anywhere, `10.0.1.19/32` for one host. (The API's `addressPrefix`.)",
							Required:            true,
							Validators:          []validator.String{validate.CIDR()},
						},
						"description": schema.StringAttribute{
							MarkdownDescription: "A description of the rule, 1 to 256 characters. Changed in place.",
							Optional:            true,
							Validators:          []validator.String{stringvalidator.UTF8LengthBetween(1, 256)},
						},
					},
				},
			},
		},
	}
}

func (r *securityGroupResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, ok := resourcekit.Get[securityGroupModel](ctx, req.Plan, &resp.Diagnostics)
	if !ok {
		return
	}
	wanted, d := plannedRules(ctx, plan.Rules)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	c := r.Client
	name := plan.Name.ValueString()
	in := vpcapis.NewCreateNetworkSecurityGroupRequestWithoutParam()
	in.SetRegionId(c.Region)
	in.SetVpcId(plan.VpcID.ValueString())
	in.SetNetworkSecurityGroupName(name)
	in.SetDescription(plan.Description.ValueString())
	id, err := jdcloud.ReconciledCreate{
		Find: func(ctx context.Context) ([]string, error) {
			return findSecurityGroups(ctx, c, plan.VpcID.ValueString(), name)
		},
		Send: jdcloud.SendOnce(c, "vpc.CreateNetworkSecurityGroup", func() (*vpcapis.CreateNetworkSecurityGroupResponse, error) {
			return c.VPC.CreateNetworkSecurityGroup(in)
		},
			func(out *vpcapis.CreateNetworkSecurityGroupResponse) string { return out.Result.NetworkSecurityGroupId }),
	}.Run(ctx, c)
	if err != nil {
		jdcloud.AddError(&resp.Diagnostics, fmt.Sprintf("creating security group %q", name), err)
		return
	}
	// Saved before the rules go in: if they fail, the group is tainted and replaced, not leaked.
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)

	sg, err := r.applyRules(ctx, id, wanted)
	if err != nil {
		jdcloud.AddError(&resp.Diagnostics, fmt.Sprintf("adding the rules of security group %q (%s)", name, id), err)
		return
	}
	resp.Diagnostics.Append(plan.fill(ctx, sg)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *securityGroupResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	plan, ok := resourcekit.Get[securityGroupModel](ctx, req.Plan, &resp.Diagnostics)
	state, ok2 := resourcekit.Get[securityGroupModel](ctx, req.State, &resp.Diagnostics)
	if !ok || !ok2 {
		return
	}
	wanted, d := plannedRules(ctx, plan.Rules)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	if err := modifySecurityGroup(ctx, r.Client, id, &plan, &state); err != nil {
		jdcloud.AddError(&resp.Diagnostics, fmt.Sprintf("updating security group %q", id), err)
		return
	}
	sg, err := r.applyRules(ctx, id, wanted)
	if err != nil {
		jdcloud.AddError(&resp.Diagnostics, fmt.Sprintf("updating the rules of security group %q", id), err)
		return
	}
	plan.ID = state.ID
	resp.Diagnostics.Append(plan.fill(ctx, sg)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// securityGroupObject reads and deletes security groups for the resource;
// its Update, which also brings the rules in line, is the resource's own.
var securityGroupObject = resourcekit.Object[securityGroupModel, vpcmodels.NetworkSecurityGroup]{
	Name:          resourcekit.Quoted("security group"),
	Find:          describeSecurityGroup,
	Fill:          (*securityGroupModel).fill,
	Remove:        deleteSecurityGroup,
	DeleteTimeout: defaultDeleteTimeout,
}

// modifySecurityGroup renames the group or changes its description; the
// resource's Update then brings the rules in line.
func modifySecurityGroup(ctx context.Context, c *jdcloud.Client, id string, plan, state *securityGroupModel) error {
	in := vpcapis.NewModifyNetworkSecurityGroupRequestWithoutParam()
	in.SetRegionId(c.Region)
	in.SetNetworkSecurityGroupId(id)
	in.NetworkSecurityGroupName = resourcekit.Changed(plan.Name, state.Name)
	in.Description = resourcekit.Changed(plan.Description, state.Description)
	if in.NetworkSecurityGroupName == nil && in.Description == nil {
		return nil
	}
	_, err := jdcloud.Call(ctx, c, "vpc.ModifyNetworkSecurityGroup", func() (*vpcapis.ModifyNetworkSecurityGroupResponse, error) {
		return c.VPC.ModifyNetworkSecurityGroup(in)
	})
	return err
}

func deleteSecurityGroup(ctx context.Context, c *jdcloud.Client, id string) error {
	_, err := jdcloud.Call(ctx, c, "vpc.DeleteNetworkSecurityGroup", func() (*vpcapis.DeleteNetworkSecurityGroupResponse, error) {
		return c.VPC.DeleteNetworkSecurityGroup(vpcapis.NewDeleteNetworkSecurityGroupRequest(c.Region, id))
	})
	return err
}

// applyRules brings the group's custom rules to wanted, diffing against what
// the API has now (not the prior state), and returns the group as it is
// afterwards. New rules go in before old ones are removed, so traffic that
// both the old and the new rules allow is never cut off during the update.
//
// AddNetworkSecurityGroupRules takes no clientToken, so it is never resent
// blindly: when a pass fails with an error that may be transient, the next
// pass diffs against the API again, which sees the rules if they went in.
func (r *securityGroupResource) applyRules(ctx context.Context, id string, wanted []rule) (vpcmodels.NetworkSecurityGroup, error) {
	const passes = 8
	delay := 200 * time.Millisecond
	for pass := 1; ; pass++ {
		sg, err := r.applyRulesOnce(ctx, id, wanted)
		if err == nil || !jdcloud.IsRetryable(err) || pass >= passes {
			return sg, err
		}
		if r.Client.Clock().Sleep(ctx, delay) != nil {
			return sg, err
		}
		delay = min(2*delay, 5*time.Second)
	}
}

func (r *securityGroupResource) applyRulesOnce(ctx context.Context, id string, wanted []rule) (vpcmodels.NetworkSecurityGroup, error) {
	c := r.Client
	sg, err := describeSecurityGroup(ctx, c, id)
	if err != nil {
		return sg, err
	}
	ch := diffRules(customRules(sg.SecurityGroupRules), wanted)
	if ch.empty() {
		return sg, nil
	}
	if len(ch.Modify) > 0 {
		in := vpcapis.NewModifyNetworkSecurityGroupRulesRequest(c.Region, id, ch.Modify)
		if _, err := jdcloud.Call(ctx, c, "vpc.ModifyNetworkSecurityGroupRules", func() (*vpcapis.ModifyNetworkSecurityGroupRulesResponse, error) {
			return c.VPC.ModifyNetworkSecurityGroupRules(in)
		}); err != nil {
			return sg, err
		}
	}
	if len(ch.Add) > 0 {
		in := vpcapis.NewAddNetworkSecurityGroupRulesRequest(c.Region, id, ch.Add)
		// Adding rules is not idempotent: a blind retry could add them twice.
		if _, err := jdcloud.CallOnce(ctx, c, "vpc.AddNetworkSecurityGroupRules", func() (*vpcapis.AddNetworkSecurityGroupRulesResponse, error) {
			return c.VPC.AddNetworkSecurityGroupRules(in)
		}); err != nil {
			return sg, err
		}
	}
	if len(ch.Remove) > 0 {
		in := vpcapis.NewRemoveNetworkSecurityGroupRulesRequest(c.Region, id, ch.Remove)
		if _, err := jdcloud.Call(ctx, c, "vpc.RemoveNetworkSecurityGroupRules", func() (*vpcapis.RemoveNetworkSecurityGroupRulesResponse, error) {
			return c.VPC.RemoveNetworkSecurityGroupRules(in)
		}); err != nil && !jdcloud.IsNotFound(err) {
			return sg, err
		}
	}
	return describeSecurityGroup(ctx, c, id)
}

func describeSecurityGroup(ctx context.Context, c *jdcloud.Client, id string) (vpcmodels.NetworkSecurityGroup, error) {
	out, err := jdcloud.Call(ctx, c, "vpc.DescribeNetworkSecurityGroup", func() (*vpcapis.DescribeNetworkSecurityGroupResponse, error) {
		return c.VPC.DescribeNetworkSecurityGroup(vpcapis.NewDescribeNetworkSecurityGroupRequest(c.Region, id))
	})
	if err != nil {
		return vpcmodels.NetworkSecurityGroup{}, err
	}
	return out.Result.NetworkSecurityGroup, nil
}

func plannedRules(ctx context.Context, set types.Set) ([]rule, diag.Diagnostics) {
	var models []ruleModel
	diags := set.ElementsAs(ctx, &models, false)
	out := make([]rule, 0, len(models))
	for _, m := range models {
		out = append(out, ruleFromModel(m))
	}
	return out, diags
}

func (m *securityGroupModel) fill(ctx context.Context, sg vpcmodels.NetworkSecurityGroup) diag.Diagnostics {
	m.ID = types.StringValue(sg.NetworkSecurityGroupId)
	m.VpcID = types.StringValue(sg.VpcId)
	m.Name = types.StringValue(sg.NetworkSecurityGroupName)
	m.Description = types.StringValue(sg.Description)
	rules := customRules(sg.SecurityGroupRules)
	models := make([]ruleModel, 0, len(rules))
	for _, r := range rules {
		models = append(models, r.model())
	}
	set, diags := types.SetValueFrom(ctx, ruleObjectType, models)
	m.Rules = set
	return diags
}

// ruleValidator checks what depends on more than one attribute of a rule:
// ports belong to tcp and udp only, and from_port <= to_port.
type ruleValidator struct{ validate.Described }

var validRule = ruleValidator{"from_port and to_port are required for tcp and udp and not allowed for other protocols; from_port must not exceed to_port"}

func (ruleValidator) ValidateObject(ctx context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var m ruleModel
	resp.Diagnostics.Append(req.ConfigValue.As(ctx, &m, basetypes.ObjectAsOptions{})...)
	if resp.Diagnostics.HasError() || m.Protocol.IsUnknown() || m.Protocol.IsNull() {
		return
	}
	proto := m.Protocol.ValueString()
	for _, p := range []struct {
		name string
		v    types.Int64
	}{{"from_port", m.FromPort}, {"to_port", m.ToPort}} {
		switch {
		case hasPorts(proto) && p.v.IsNull():
			resp.Diagnostics.AddAttributeError(req.Path.AtName(p.name), "Missing port",
				fmt.Sprintf("%s is required for protocol %q (use from_port = to_port for a single port, 1 and 65535 for all ports).", req.Path.AtName(p.name), proto))
		case !hasPorts(proto) && !p.v.IsNull() && !p.v.IsUnknown():
			resp.Diagnostics.AddAttributeError(req.Path.AtName(p.name), "Port not allowed",
				fmt.Sprintf("%s is not allowed for protocol %q: only tcp and udp rules have ports.", req.Path.AtName(p.name), proto))
		}
	}
	if !m.FromPort.IsNull() && !m.FromPort.IsUnknown() && !m.ToPort.IsNull() && !m.ToPort.IsUnknown() &&
		m.FromPort.ValueInt64() > m.ToPort.ValueInt64() {
		resp.Diagnostics.AddAttributeError(req.Path.AtName("to_port"), "Invalid port range",
			fmt.Sprintf("%s (%d) is less than from_port (%d).", req.Path.AtName("to_port"), m.ToPort.ValueInt64(), m.FromPort.ValueInt64()))
	}
}

// ModifyPlan refuses, at plan time, a region the API does not serve.
func (r *securityGroupResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	checkRegion(ctx, r.Client, &resp.Diagnostics)
}
