package failover

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/agent"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/agentbin"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/resourcekit"
)

var _ resource.ResourceWithModifyPlan = (*keepalivedConfigResource)(nil)

// NewKeepalivedConfigResource is the jdcloudha_keepalived_config resource.
func NewKeepalivedConfigResource() resource.Resource {
	return &keepalivedConfigResource{Base: resourcekit.NewBase("_keepalived_config"), agent: agentbin.Binary}
}

type keepalivedConfigResource struct {
	resourcekit.Base
	// agent returns the agent binary for an architecture and its sha256
	// (agentbin.Binary; tests swap in another build).
	agent func(arch string) ([]byte, string, error)
}

func (r *keepalivedConfigResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = keepalivedConfigSchema()
}

func (r *keepalivedConfigResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, ok := resourcekit.Get[keepalivedConfigModel](ctx, req.Plan, &resp.Diagnostics)
	if !ok {
		return
	}
	if !r.checkAgentPermissions(ctx, &plan, &resp.Diagnostics) {
		return
	}
	r.build(ctx, &plan, writeBundle, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	// A random ID: everything the resource renders may change in place.
	plan.ID = types.StringValue(uuid.NewString())
	plan.Changes = types.StringValue("")
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Read compares the bundles on disk with what was written. The files are an
// output, not state: a missing or edited file never removes the resource,
// it only sets bundle_status, so the next plan is an in-place update that
// rewrites the files and changes no hash a node-setup step depends on.
func (r *keepalivedConfigResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	state, ok := resourcekit.Get[keepalivedConfigModel](ctx, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	if state.OutputDir.IsNull() || state.OutputDir.ValueString() == "" {
		state.BundleStatus = types.StringValue("")
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
		return
	}
	nodes := map[string]renderedNode{}
	resp.Diagnostics.Append(state.Nodes.ElementsAs(ctx, &nodes, false)...)
	if resp.Diagnostics.HasError() {
		return
	}
	names := slices.Sorted(maps.Keys(nodes))
	var drifts []string
	for _, name := range names {
		n := nodes[name]
		sums := map[string]string{}
		resp.Diagnostics.Append(n.Files.ElementsAs(ctx, &sums, false)...)
		if _, err := os.Stat(n.BundleDir.ValueString()); errors.Is(err, fs.ErrNotExist) {
			drifts = append(drifts, name+": folder "+n.BundleDir.ValueString()+" is missing")
		} else if drift := bundleDrift(n.BundleDir.ValueString(), sums); drift != "" {
			drifts = append(drifts, name+": "+drift)
		}
	}
	status := bundleWritten
	if len(drifts) > 0 {
		status = "not on this machine or changed (" + strings.Join(drifts, "; ") + "): the next apply rewrites the files in place"
	}
	state.BundleStatus = types.StringValue(status)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// bundleWritten is bundle_status when every file on disk is what was written.
const bundleWritten = "written"

func (r *keepalivedConfigResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state keepalivedConfigModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if agentAccessChanged(&state, &plan) && !r.checkAgentPermissions(ctx, &plan, &resp.Diagnostics) {
		return
	}
	r.build(ctx, &plan, writeBundle, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = state.ID
	if plan.Changes.IsUnknown() { // the inputs were known only now
		plan.Changes = state.Changes
		if c := planChanges(ctx, state, plan); c != "" {
			plan.Changes = types.StringValue(c)
		}
	}
	removeStaleBundles(ctx, state, plan, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *keepalivedConfigResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, ok := resourcekit.Get[keepalivedConfigModel](ctx, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	removeStaleBundles(ctx, state, keepalivedConfigModel{}, &resp.Diagnostics)
}

// ModifyPlan renders the nodes' files at plan time whenever the inputs are
// known, so the plan shows the changed lines of each keepalived.conf and
// agent.json and the hashes a node-setup step triggers on stay known when
// they do not change. Invalid settings fail the plan, not the apply.
func (r *keepalivedConfigResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	m, ok := resourcekit.Get[keepalivedConfigModel](ctx, req.Plan, &resp.Diagnostics)
	if !ok {
		return
	}
	var state *keepalivedConfigModel
	if !req.State.Raw.IsNull() {
		state = &keepalivedConfigModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
		if resp.Diagnostics.HasError() {
			return
		}
		m.ID = state.ID // stable for the life of the resource
	}
	if m.Region.IsUnknown() && r.Client != nil {
		m.Region = types.StringValue(r.Client.Region)
	}
	if m.Endpoint.IsUnknown() && !m.Region.IsUnknown() && m.Region.ValueString() != "" {
		m.Endpoint = types.StringValue(defaultAgentEndpoint(m.Region.ValueString()))
	}
	if !allKnown(&m) {
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &m)...)
		return
	}
	if _, err := m.spec(); err != nil {
		addSpecErrors(&resp.Diagnostics, err)
		return
	}
	if m.Region.IsUnknown() || m.Endpoint.IsUnknown() || m.Region.ValueString() == "" {
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &m)...)
		return
	}
	r.build(ctx, &m, hashBundle, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	m.Changes = types.StringValue("")
	if state != nil {
		m.Changes = state.Changes
		if c := planChanges(ctx, *state, m); c != "" {
			m.Changes = types.StringValue(c)
		}
	}
	if state != nil && state.AgentSHA256.ValueString() != "" && !m.AgentSHA256.Equal(state.AgentSHA256) {
		resp.Diagnostics.AddAttributeWarning(path.Root("agent_sha256"), "Failover agent changes",
			"The agent embedded in this provider differs from the one in the bundles: apply rewrites the bundles in place "+
				"(only the agent's hash and the nodes' bundle hashes change), then install them on the nodes one at a time, "+
				"backup first (install.sh reloads keepalived, so the EIP does not move).")
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &m)...)
}

// agentPermissionWindow is how long a refused self-check is retried: a key
// or policy made in the same apply may take a moment to take effect.
const agentPermissionWindow = 2 * time.Minute

// checkAgentPermissions runs the agent's own permission self-check with the
// key the bundles will carry, through the provider's endpoint (the nodes' own
// endpoint may be JD Cloud's internal one, out of Terraform's reach): a key
// that may not move the EIP fails the apply here, not at the first failover.
func (r *keepalivedConfigResource) checkAgentPermissions(ctx context.Context, m *keepalivedConfigModel, diags *diag.Diagnostics) bool {
	if r.Client == nil || !m.CheckPermissions.ValueBool() {
		return true
	}
	ak := m.AccessKey.ValueString()
	eip := m.ElasticIPID.ValueString()
	ids := []string{m.Master.InstanceID.ValueString(), m.Backup.InstanceID.ValueString()}
	err := jdcloud.CheckAgentPermissions(ctx, r.Client, ak, m.SecretKey.ValueString(), agentPermissionWindow, eip, ids)
	switch pe, refused := agent.AsPermissionError(err); {
	case err == nil:
		return true
	case errors.Is(err, agent.ErrNotProbeable):
		diags.AddWarning(agent.PartlyCheckedWarning(ak, eip))
		return true
	case refused:
		diags.AddError("Failover agent permission refused: "+pe.Call,
			fmt.Sprintf("The failover agent's permission self-check with access key %s (the key written into the bundles) was refused: %s.\n\n"+
				"A failover would fail the same way. Give the key a policy that allows describing %s and associating and "+
				"disassociating it on %s and %s (jdcloudha_failover_credentials makes one). Retried for %s in case a new key or "+
				"policy took a moment to apply.", ak, pe.Error(), eip, ids[0], ids[1], agentPermissionWindow))
	default:
		diags.AddError("Failover agent permission check failed",
			fmt.Sprintf("The failover agent's permission self-check with access key %s could not complete (retried for %s): %v",
				ak, agentPermissionWindow, err))
	}
	return false
}

// agentAccessChanged: the self-check runs again when what the agent may do
// could have changed (its key, the EIP or a member).
func agentAccessChanged(old, new *keepalivedConfigModel) bool {
	return !old.CheckPermissions.Equal(new.CheckPermissions) || !old.AccessKey.Equal(new.AccessKey) || !old.SecretKey.Equal(new.SecretKey) || !old.ElasticIPID.Equal(new.ElasticIPID) ||
		!old.Master.InstanceID.Equal(new.Master.InstanceID) || !old.Backup.InstanceID.Equal(new.Backup.InstanceID)
}

// removeStaleBundles deletes the bundle folders of old that new does not use
// (all of them when new is empty): they hold credentials.
func removeStaleBundles(ctx context.Context, old, new keepalivedConfigModel, diags *diag.Diagnostics) {
	keep := map[string]bool{}
	if !new.Nodes.IsNull() && !new.Nodes.IsUnknown() {
		nodes := map[string]renderedNode{}
		diags.Append(new.Nodes.ElementsAs(ctx, &nodes, false)...)
		for _, n := range nodes {
			keep[n.BundleDir.ValueString()] = true
		}
	}
	nodes := map[string]renderedNode{}
	diags.Append(old.Nodes.ElementsAs(ctx, &nodes, false)...)
	for _, n := range nodes {
		dir := n.BundleDir.ValueString()
		if dir == "" || keep[dir] {
			continue
		}
		if err := os.RemoveAll(dir); err != nil {
			diags.AddWarning("Could not remove a failover bundle", fmt.Sprintf("%s: %v (it holds credentials: remove it by hand)", dir, err))
		}
	}
}
