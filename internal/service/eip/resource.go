package eip

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	vpcmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/resourcekit"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/validate"
)

var _ resource.ResourceWithModifyPlan = (*elasticIPResource)(nil)

// Bandwidth limits: 1–200 Mbps is the range every JD Cloud document gives
// for all charge modes, and the only one ModifyElasticIp accepts.
const (
	minBandwidthMbps = 1
	maxBandwidthMbps = 200
	defaultTimeout   = 5 * time.Minute
)

// NewResource is the jdcloudha_elastic_ip resource.
func NewResource() resource.Resource {
	return &elasticIPResource{Base: resourcekit.NewBase("_elastic_ip")}
}

type elasticIPResource struct {
	resourcekit.Base
	resourcekit.ImportByID
}

func (r *elasticIPResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An elastic IP (EIP): a public IPv4 address that can move between instances. " +
			"Terraform only allocates and releases it; binding it to instances is the job of `jdcloudha_failover_pair` " +
			"(and, after a failover, of the failover agent), so `instance_id` may change outside Terraform without a diff.\n\n" +
			"Destroying an EIP that is still associated with an instance **fails** and names the instance: releasing an " +
			"address that is serving traffic is never done implicitly. Destroy (or remove) the failover pair first — Terraform " +
			"does so on its own when both are in one configuration, because the pair refers to the EIP.\n\n" +
			"Existing EIPs can be imported by ID (`fip-…`) with `terraform import`, an `import {}` block, or " +
			"`terraform plan -generate-config-out`; the next plan is empty.",
		Attributes: map[string]schema.Attribute{
			"id": resourcekit.StableAttribute("The EIP's ID (`fip-…`)."),
			"bandwidth_mbps": schema.Int64Attribute{
				Required: true,
				MarkdownDescription: fmt.Sprintf("Bandwidth cap in Mbps, %d to %d. Changing it updates the EIP in place (`ModifyElasticIp`); the address stays.",
					minBandwidthMbps, maxBandwidthMbps),
				Validators: []validator.Int64{int64validator.Between(minBandwidthMbps, maxBandwidthMbps)},
			},
			"line": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString("bgp"),
				MarkdownDescription: "The IP line (the API's `provider`): `bgp` (default; every region) or `no_bgp`. " +
					"`no_bgp` is refused at plan time in cn-north-1 and cn-east-2, where no source offers it; in cn-south-1 and " +
					"cn-east-1 it is sent with a warning (an older console page offers it there, the current SDK lists only `bgp`). " +
					"Changing it replaces the EIP, and with it the address.",
				Validators:    []validator.String{stringvalidator.OneOf("bgp", "no_bgp")},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"name": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Name of the EIP: 1 to 32 letters, digits, Chinese characters, `_` or `-`. Updated in place. " +
					"Omitted, the EIP keeps the unique name it was created under, `tf-` and 20 hex digits: CreateElasticIps " +
					"has no idempotency token, so the provider finds an EIP whose create answer was lost by that name " +
					"instead of allocating a second address. Removing `name` from the configuration leaves the current name as it is.",
				Validators:    []validator.String{validate.Name(32)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"az": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Deprecated: leave it unset (or `\"\"`). JD Cloud's CreateElasticIps has no zone, and standard EIPs " +
					"are all-zone in every region (only edge EIPs in cn-south-1's edge zone are zonal, which this resource does not " +
					"create), so a zone is refused at plan time. An all-zone EIP is what a failover pair across zones needs.",
				DeprecationMessage: "CreateElasticIps has no zone: standard JD Cloud EIPs are all-zone. Remove az.",
				Validators:         []validator.String{allZoneOnly},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIf(zoneChanged,
					"Changing the zone replaces the EIP.", "Changing the zone replaces the EIP.")},
			},
			"address": resourcekit.StableAttribute("The public IPv4 address."),
			"status": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "`ASSOCIATED` or `NOT_ASSOCIATED`, as last read from the API.",
			},
			"instance_id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The instance whose primary network interface holds the EIP now; empty when none does.",
			},
			"network_interface_id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The network interface that holds the EIP now; empty when none does.",
			},
			"timeouts": resourcekit.TimeoutsAttribute(ctx, timeouts.Opts{},
				"Timeouts for create, update and delete (each default 5m), e.g. `create = \"10m\"`."),
		},
	}
}

func (r *elasticIPResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	ctx, cancel, plan, ok := resourcekit.Begin[resourceModel](ctx, req.Plan, resourcekit.Create, defaultTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}

	what := "creating elastic IP"
	if n := plan.Name.ValueString(); n != "" {
		what = fmt.Sprintf("creating elastic IP %q", n)
	}
	id, err := create(ctx, r.Client, createSpec{
		bandwidth: int(plan.BandwidthMbps.ValueInt64()),
		line:      plan.Line.ValueString(),
		name:      plan.Name.ValueString(),
	})
	if id != "" {
		// From here on the EIP exists: record its ID first, so that any
		// later failure leaves it in state (tainted) rather than leaked.
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	}
	if err != nil {
		jdcloud.AddError(&resp.Diagnostics, what, err)
		return
	}

	r.saveSettled(ctx, id, what, &plan, &resp.State, &resp.Diagnostics)
}

// saveSettled waits until the EIP has settled after a create or a change and
// saves what the API then shows.
func (r *elasticIPResource) saveSettled(ctx context.Context, id, what string, plan *resourceModel, state *tfsdk.State, diags *diag.Diagnostics) {
	e, err := r.waitSettled(ctx, id)
	if err != nil {
		jdcloud.AddError(diags, what, err)
		return
	}
	plan.fill(e)
	diags.Append(state.Set(ctx, plan)...)
}

func (r *elasticIPResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	eipObject.Read(ctx, r.Client, req, resp)
}

func (r *elasticIPResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	ctx, cancel, plan, state, ok := resourcekit.BeginUpdate[resourceModel](ctx, req, defaultTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}

	id := state.ID.ValueString()
	var bandwidth *int
	var name *string
	if !plan.BandwidthMbps.Equal(state.BandwidthMbps) {
		b := int(plan.BandwidthMbps.ValueInt64())
		bandwidth = &b
	}
	if !plan.Name.IsNull() && !plan.Name.IsUnknown() && !plan.Name.Equal(state.Name) {
		n := plan.Name.ValueString()
		name = &n
	}
	what := fmt.Sprintf("updating elastic IP %s", id)
	if bandwidth != nil || name != nil {
		if err := modify(ctx, r.Client, id, bandwidth, name); err != nil {
			jdcloud.AddError(&resp.Diagnostics, what, err)
			return
		}
	}
	r.saveSettled(ctx, id, what, &plan, &resp.State, &resp.Diagnostics)
}

func (r *elasticIPResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	ctx, cancel, state, ok := resourcekit.Begin[resourceModel](ctx, req.State, resourcekit.Delete, defaultTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}

	id := state.ID.ValueString()
	what := fmt.Sprintf("deleting elastic IP %s", id)
	// An association change may still be in flight (state PROCESSING, e.g.
	// the pair's release just before): the API refuses to delete meanwhile.
	e, err := jdcloud.WaitFor(ctx, r.Client, jdcloud.Wait[vpcmodels.ElasticIp]{
		What:      fmt.Sprintf("elastic IP %s to finish its association change", id),
		PollFirst: true,
		Pending:   []string{"PROCESSING"},
		Target:    []string{"UP", "DOWN", jdcloud.StateGone},
		Refresh:   r.refresh(id),
	})
	if err == nil && e.ElasticIpId == "" {
		return // already gone
	}
	if err != nil {
		jdcloud.AddError(&resp.Diagnostics, what, err)
		return
	}
	if e.InstanceId != "" || e.NetworkInterfaceId != "" || e.Status == "ASSOCIATED" {
		holder := e.InstanceId
		if holder == "" {
			holder = "network interface " + e.NetworkInterfaceId
		} else {
			holder = "instance " + holder
		}
		resp.Diagnostics.AddError("Error "+what,
			fmt.Sprintf("Elastic IP %s (%s) is associated with %s, so it was not released: that would take the address away from a running service. "+
				"Disassociate it first: destroy the jdcloudha_failover_pair that binds it (Terraform does that first when both are in one configuration), "+
				"or run `jdc vm disassociate-elastic-ip --instance-id %s --elastic-ip-id %s`, then apply again.",
				id, e.ElasticIpAddress, holder, e.InstanceId, id))
		return
	}
	if err := remove(ctx, r.Client, id); err != nil {
		jdcloud.AddError(&resp.Diagnostics, what, err)
		return
	}
	_, err = jdcloud.WaitFor(ctx, r.Client, jdcloud.Wait[vpcmodels.ElasticIp]{
		What:    fmt.Sprintf("elastic IP %s to be released", id),
		Pending: []string{"UP", "DOWN", "PROCESSING"},
		Target:  []string{jdcloud.StateGone},
		Refresh: r.refresh(id),
	})
	if err != nil {
		jdcloud.AddError(&resp.Diagnostics, what, err)
	}
}

// eipObject reads elastic IPs for the resource.
var eipObject = resourcekit.Object[resourceModel, vpcmodels.ElasticIp]{
	Name: resourcekit.Bare("elastic IP"),
	Find: jdcloud.FindEIPByID,
	Fill: resourcekit.FillPlain((*resourceModel).fill),
}

// waitSettled waits until no change is in flight on the EIP.
func (r *elasticIPResource) waitSettled(ctx context.Context, id string) (vpcmodels.ElasticIp, error) {
	return jdcloud.WaitFor(ctx, r.Client, jdcloud.Wait[vpcmodels.ElasticIp]{
		What:      fmt.Sprintf("elastic IP %s to be ready", id),
		PollFirst: true, // usually settled already
		Pending:   []string{"PROCESSING"},
		Target:    []string{"UP", "DOWN"},
		Refresh:   r.refresh(id),
	})
}

func (r *elasticIPResource) refresh(id string) func(context.Context) (vpcmodels.ElasticIp, string, error) {
	return func(ctx context.Context) (vpcmodels.ElasticIp, string, error) {
		e, err := jdcloud.FindEIPByID(ctx, r.Client, id)
		if jdcloud.IsNotFound(err) {
			return vpcmodels.ElasticIp{}, jdcloud.StateGone, nil
		}
		if err != nil {
			return vpcmodels.ElasticIp{}, "", err
		}
		return e, state(e), nil
	}
}

// zoneChanged ignores null versus "": both mean all zones.
func zoneChanged(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
	resp.RequiresReplace = req.PlanValue.ValueString() != req.StateValue.ValueString()
}

// allZoneOnly refuses a zone: CreateElasticIps has no az field.
var allZoneOnly = validate.Rule("must be empty: JD Cloud's standard EIPs are all-zone", "Zonal elastic IPs cannot be created", func(s string) error {
	if s == "" {
		return nil
	}
	return fmt.Errorf("is %q, but JD Cloud's CreateElasticIps has no zone: standard EIPs are all-zone in every region and bind to "+
		"instances in any zone (only edge EIPs in cn-south-1's edge zone are zonal). Remove az", s)
})

// noBGPRegions are where both sources agree there is no non-BGP line: the
// vpc model (ElasticIpSpec) lists only bgp everywhere, an older console page
// offers non-BGP in cn-south-1 and cn-east-1 only.
var noBGPRegions = map[string]bool{"cn-north-1": true, "cn-east-2": true}

// ModifyPlan refuses what the region cannot have, before anything is created.
func (r *elasticIPResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.Client == nil {
		return
	}
	if err := r.Client.CheckRegion(ctx); err != nil {
		resp.Diagnostics.AddError("Unknown region", err.Error()+".")
		return
	}
	var line types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("line"), &line)...)
	if line.IsUnknown() || line.ValueString() != "no_bgp" {
		return
	}
	if noBGPRegions[r.Client.Region] {
		resp.Diagnostics.AddAttributeError(path.Root("line"), "Line not available in this region",
			fmt.Sprintf("line = \"no_bgp\" is not offered in %s: JD Cloud sells only BGP elastic IPs there. Use line = \"bgp\" (the default).", r.Client.Region))
		return
	}
	resp.Diagnostics.AddAttributeWarning(path.Root("line"), "Line may not be available",
		fmt.Sprintf("line = \"no_bgp\" in %s: the current SDK documents only bgp in every region (an older console page offered non-BGP here). "+
			"If CreateElasticIps refuses it, use line = \"bgp\".", r.Client.Region))
}
