// Package failover holds the resources that make two instances and an
// elastic IP a failover pair: jdcloudha_failover_pair binds the EIP, and
// jdcloudha_keepalived_config renders what runs on the nodes.
package failover

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	vmmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/resourcekit"
)

var (
	_ resource.ResourceWithImportState    = (*pairResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*pairResource)(nil)
	_ resource.ResourceWithValidateConfig = (*pairResource)(nil)
)

const defaultPairTimeout = 5 * time.Minute

// NewPairResource is the jdcloudha_failover_pair resource.
func NewPairResource() resource.Resource {
	return &pairResource{Base: resourcekit.NewBase("_failover_pair")}
}

type pairResource struct{ resourcekit.Base }

func (r *pairResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An elastic IP shared by a master and a backup instance. Creating the pair binds the EIP to the master " +
			"(or leaves it on the backup if it is already there; or binds it to the backup when the master is not running). " +
			"Afterwards the failover agent run by keepalived moves the EIP; Terraform only reports where it is " +
			"(`active_instance_id`, `active_role`) and **never moves it back on its own**, so the plan stays empty after a failover. " +
			"Destroying the pair disassociates the EIP from whichever member holds it. " +
			"Import with `ELASTIC_IP_ID,MASTER_INSTANCE_ID,BACKUP_INSTANCE_ID`.",
		Attributes: map[string]schema.Attribute{
			"id": resourcekit.StableAttribute("The elastic IP's ID (a pair is identified by its EIP)."),
			"elastic_ip_id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "ID of the elastic IP (`fip-…`) the pair shares. Changing it replaces the pair. For members in different zones the EIP must be an all-zone EIP (no `az`).",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"master_instance_id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "ID of the instance (`i-…`) that gets the EIP when the pair is created. Changing a member updates the pair in place: the EIP is moved only if it sits on an instance that is no longer a member.",
			},
			"backup_instance_id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "ID of the standby instance. Must differ from `master_instance_id`, be in the same VPC, and should be in another fault domain (a warning otherwise).",
			},
			"elastic_ip_address": resourcekit.StableAttribute("The EIP's public address."),
			"active_instance_id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The instance that holds the EIP now, as last read from the API (empty when none does).",
			},
			"active_role": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Which member holds the EIP now: `master`, `backup`, `none` (not associated) or `other` (an instance outside the pair — investigate).",
			},
			"timeouts": pairTimeouts(ctx),
		},
	}
}

// pairTimeouts bounds each operation's API calls and retries (default 5m each).
func pairTimeouts(ctx context.Context) schema.Attribute {
	return resourcekit.TimeoutsAttribute(ctx, timeouts.Opts{
		CreateDescription: "How long binding the EIP may take, retries included (duration such as `5m`; default 5m).",
		UpdateDescription: "How long re-binding after a member change may take (default 5m).",
		DeleteDescription: "How long disassociating the EIP may take (default 5m)."},
		"Time limits of create, update and delete.")
}

func (r *pairResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m pairModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.MasterInstanceID.IsUnknown() || m.BackupInstanceID.IsUnknown() {
		return
	}
	if m.MasterInstanceID.ValueString() != "" && m.MasterInstanceID.ValueString() == m.BackupInstanceID.ValueString() {
		resp.Diagnostics.AddAttributeError(path.Root("backup_instance_id"), "Same instance twice",
			"backup_instance_id must differ from master_instance_id: a pair needs two instances.")
	}
}

// ModifyPlan checks, once the IDs are known, what only the API can tell:
// the members share a VPC, a zonal EIP can reach both, and they do not share
// a fault domain. On every plan it warns about drift that matters (a member
// not running, the EIP on no member or on an instance outside the pair) and
// about a planned change that takes the EIP's holder away.
func (r *pairResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.Client == nil {
		return
	}
	plan, state, ok := resourcekit.PlanAndState[pairModel](ctx, req, &resp.Diagnostics)
	if !ok {
		return
	}
	if state != nil {
		warnHolderLeaving(state, &plan, &resp.Diagnostics)
		warnEIPNotOnMember(state, &resp.Diagnostics)
	}
	if plan.ElasticIPID.IsUnknown() || plan.MasterInstanceID.IsUnknown() || plan.BackupInstanceID.IsUnknown() {
		return
	}
	master, err := jdcloud.LookupInstance(ctx, r.Client, plan.MasterInstanceID.ValueString())
	if err != nil {
		jdcloud.AddError(&resp.Diagnostics, "checking master_instance_id "+plan.MasterInstanceID.ValueString(), err)
		return
	}
	backup, err := jdcloud.LookupInstance(ctx, r.Client, plan.BackupInstanceID.ValueString())
	if err != nil {
		jdcloud.AddError(&resp.Diagnostics, "checking backup_instance_id "+plan.BackupInstanceID.ValueString(), err)
		return
	}
	warnNotRunning(master, "master_instance_id", "master", &resp.Diagnostics)
	warnNotRunning(backup, "backup_instance_id", "backup", &resp.Diagnostics)
	if state != nil && plan.ElasticIPID.Equal(state.ElasticIPID) && plan.MasterInstanceID.Equal(state.MasterInstanceID) && plan.BackupInstanceID.Equal(state.BackupInstanceID) {
		return // the placement checks below ran when these IDs were planned
	}
	eip, err := jdcloud.LookupEIP(ctx, r.Client, plan.ElasticIPID.ValueString())
	if err != nil {
		jdcloud.AddError(&resp.Diagnostics, "checking elastic_ip_id "+plan.ElasticIPID.ValueString(), err)
		return
	}
	if master.VpcId != backup.VpcId {
		resp.Diagnostics.AddAttributeError(path.Root("backup_instance_id"), "Members in different VPCs",
			fmt.Sprintf("master %s is in VPC %s and backup %s in VPC %s: keepalived's unicast VRRP needs both on one network.", master.InstanceId, master.VpcId, backup.InstanceId, backup.VpcId))
	}
	if eip.Az != "" {
		for _, inst := range []struct{ attr, id, az string }{{"master_instance_id", master.InstanceId, master.Az}, {"backup_instance_id", backup.InstanceId, backup.Az}} {
			if inst.az != eip.Az {
				resp.Diagnostics.AddAttributeError(path.Root(inst.attr), "Zonal elastic IP cannot reach this member",
					fmt.Sprintf("elastic IP %s is zonal (az %s) but instance %s is in %s: a zonal EIP binds only in its zone, so failover to this member would fail. Use an all-zone EIP (leave az unset).", eip.ElasticIpId, eip.Az, inst.id, inst.az))
			}
		}
	}
	if master.FaultDomain != "" && master.Az == backup.Az && master.FaultDomain == backup.FaultDomain {
		resp.Diagnostics.AddAttributeWarning(path.Root("backup_instance_id"), "Members share a fault domain",
			fmt.Sprintf("master %s and backup %s are both in zone %s fault domain %s: one rack failure takes both down. Create them in one availability group so they are spread.", master.InstanceId, backup.InstanceId, master.Az, master.FaultDomain))
	}
}

// warnNotRunning: a stopped member cannot take the EIP over, so the pair
// has no standby (or no service) although the plan is otherwise empty.
func warnNotRunning(inst vmmodels.Instance, attr, role string, diags *diag.Diagnostics) {
	if inst.Status == "running" || inst.Status == "" {
		return
	}
	diags.AddAttributeWarning(path.Root(attr), "Failover pair member is not running",
		fmt.Sprintf("The %s, instance %s (%s), is %s: while it is not running the pair has no failover to it, and if it holds the elastic IP nothing answers. "+
			"Start it (console, or `jdc vm start-instance --instance-id %s`), or replace it: `terraform apply -replace=<its jdcloudha_instance address>`.",
			role, inst.InstanceId, inst.InstanceName, inst.Status, inst.InstanceId))
}

// warnEIPNotOnMember reports where the last refresh found the EIP, when that
// is not a member (the pair never moves a bound EIP by itself).
func warnEIPNotOnMember(state *pairModel, diags *diag.Diagnostics) {
	eip, addr := state.ElasticIPID.ValueString(), state.ElasticIPAddress.ValueString()
	switch state.ActiveRole.ValueString() {
	case roleNone:
		diags.AddAttributeWarning(path.Root("active_instance_id"), "Elastic IP is on no member",
			fmt.Sprintf("Elastic IP %s (%s) is associated with no instance: nothing answers at that address. The failover agent daemon on the keepalived MASTER re-attaches it by itself; "+
				"with the one-shot agent run `jdcloud-eip-failover --config /etc/jdcloud-eip-failover/agent.json takeover` on the MASTER, "+
				"or `terraform apply -replace=<this jdcloudha_failover_pair address>`, which binds it to the master (the backup if the master is not running).", eip, addr))
	case roleOther:
		diags.AddAttributeWarning(path.Root("active_instance_id"), "Elastic IP is on an instance outside the pair",
			fmt.Sprintf("Elastic IP %s (%s) is associated with instance %s, which is neither the master %s nor the backup %s: its traffic goes there. "+
				"Disassociate it from %s (console, or `jdc vm disassociate-elastic-ip --instance-id %s --elastic-ip-id %s`), then run the agent's takeover on the keepalived MASTER "+
				"or `terraform apply -replace=<this jdcloudha_failover_pair address>`. Terraform never takes an EIP from an instance outside the pair.",
				eip, addr, state.ActiveInstanceID.ValueString(), state.MasterInstanceID.ValueString(), state.BackupInstanceID.ValueString(),
				state.ActiveInstanceID.ValueString(), state.ActiveInstanceID.ValueString(), eip))
	}
}

// warnHolderLeaving: the plan replaces (or swaps out) the member that holds
// the EIP, so the address goes with it until the peer takes over.
func warnHolderLeaving(state, plan *pairModel, diags *diag.Diagnostics) {
	holder := state.ActiveInstanceID.ValueString()
	if holder == "" {
		return
	}
	members := []struct {
		attr, role   string
		before, next types.String
		peer         types.String
	}{
		{"master_instance_id", roleMaster, state.MasterInstanceID, plan.MasterInstanceID, state.BackupInstanceID},
		{"backup_instance_id", roleBackup, state.BackupInstanceID, plan.BackupInstanceID, state.MasterInstanceID},
	}
	for _, m := range members {
		if m.before.ValueString() != holder || m.next.Equal(m.before) {
			continue
		}
		diags.AddAttributeWarning(path.Root(m.attr), "This plan takes the elastic IP's holder away",
			fmt.Sprintf("Instance %s, the %s, holds elastic IP %s (%s) and this plan replaces it or removes it from the pair. From the moment it stops, the EIP is on no member "+
				"until keepalived on %s takes over (about a second when that node is healthy and its agent runs; jdcloudha_instance stops an instance before deleting it, "+
				"so keepalived sends its priority-0 advert) or, without keepalived, until this pair binds it again later in this apply. "+
				"To avoid even that: move the EIP first (stop keepalived on %s and wait for the takeover, or run the agent's takeover on the peer), then apply.",
				holder, m.role, state.ElasticIPID.ValueString(), state.ElasticIPAddress.ValueString(), m.peer.ValueString(), holder))
	}
}

func (r *pairResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	ctx, cancel, plan, ok := resourcekit.Begin[pairModel](ctx, req.Plan, resourcekit.Create, defaultPairTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}

	eipID := plan.ElasticIPID.ValueString()
	// In state before the association starts: an interrupted or failed bind
	// leaves a tainted pair, whose destroy releases the EIP, never an
	// association that no state knows about.
	plan.ID = types.StringValue(eipID)
	progress := plan
	progress.ElasticIPAddress, progress.ActiveInstanceID, progress.ActiveRole = types.StringNull(), types.StringNull(), types.StringNull()
	resp.Diagnostics.Append(resp.State.Set(ctx, &progress)...)
	eip, err := (binder{r.Client}).bind(ctx, eipID, plan.MasterInstanceID.ValueString(), plan.BackupInstanceID.ValueString())
	if err != nil {
		jdcloud.AddError(&resp.Diagnostics, "binding elastic IP "+eipID+" to the failover pair", err)
		return
	}
	plan.fill(eip)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *pairResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	state, ok := resourcekit.Get[pairModel](ctx, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	if err := r.refresh(ctx, &state); jdcloud.IsNotFound(err) {
		resp.State.RemoveResource(ctx) // the EIP is gone, so is the pair
		return
	} else if err != nil {
		jdcloud.AddError(&resp.Diagnostics, "reading elastic IP "+state.ElasticIPID.ValueString(), err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *pairResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	ctx, cancel, plan, state, ok := resourcekit.BeginUpdate[pairModel](ctx, req, defaultPairTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}

	eipID := plan.ElasticIPID.ValueString()
	eip, err := (binder{r.Client}).bind(ctx, eipID, plan.MasterInstanceID.ValueString(), plan.BackupInstanceID.ValueString(),
		state.MasterInstanceID.ValueString(), state.BackupInstanceID.ValueString())
	if err != nil {
		jdcloud.AddError(&resp.Diagnostics, "re-binding elastic IP "+eipID+" to the failover pair", err)
		return
	}
	plan.ID = state.ID
	plan.fill(eip)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *pairResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	ctx, cancel, state, ok := resourcekit.Begin[pairModel](ctx, req.State, resourcekit.Delete, defaultPairTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}

	b := binder{r.Client}
	eipID := state.ElasticIPID.ValueString()
	eip, err := jdcloud.FindEIPByID(ctx, r.Client, eipID)
	if jdcloud.IsNotFound(err) {
		return
	}
	if err != nil {
		jdcloud.AddError(&resp.Diagnostics, "reading elastic IP "+eipID+" to release the failover pair", err)
		return
	}
	// Only release it from a member: an EIP moved elsewhere by hand is not ours to cut.
	if holder := eip.InstanceId; holder == state.MasterInstanceID.ValueString() || holder == state.BackupInstanceID.ValueString() {
		if err := b.disassociate(ctx, eipID, holder); err != nil && !jdcloud.IsNotFound(err) {
			jdcloud.AddError(&resp.Diagnostics, "disassociating elastic IP "+eipID+" from "+holder, err)
		}
	}
}

// ImportState takes "EIP_ID,MASTER_ID,BACKUP_ID".
func (r *pairResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parts := strings.Split(req.ID, ",")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("expected \"ELASTIC_IP_ID,MASTER_INSTANCE_ID,BACKUP_INSTANCE_ID\" (e.g. fip-abc,i-master,i-backup), got %q", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), parts[0])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("elastic_ip_id"), parts[0])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("master_instance_id"), parts[1])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("backup_instance_id"), parts[2])...)
}

// refresh fills the computed attributes from the API, with one describe.
func (r *pairResource) refresh(ctx context.Context, m *pairModel) error {
	eip, err := jdcloud.FindEIPByID(ctx, r.Client, m.ElasticIPID.ValueString())
	if err != nil {
		return err
	}
	m.fill(eip)
	return nil
}
