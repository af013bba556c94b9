package failover

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/agent"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/agentbin"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/keepalived"
)

var (
	_ resource.Resource               = (*keepalivedConfigResource)(nil)
	_ resource.ResourceWithConfigure  = (*keepalivedConfigResource)(nil)
	_ resource.ResourceWithModifyPlan = (*keepalivedConfigResource)(nil)
)

// agent_mode values: the reconciling daemon, or keepalived's one-shot hooks.
const (
	agentModeDaemon  = "daemon"
	agentModeOneShot = "one-shot"
)

// daemonMode: anything but an explicit one-shot is the daemon (also for state
// written before agent_mode existed, where the attribute is null).
func (m *keepalivedConfigModel) daemonMode() bool {
	return m.AgentMode.ValueString() != agentModeOneShot
}

// NewKeepalivedConfigResource is the jdcloudha_keepalived_config resource.
func NewKeepalivedConfigResource() resource.Resource {
	return &keepalivedConfigResource{agent: agentbin.Binary}
}

type keepalivedConfigResource struct {
	client *jdcloud.Client
	// agent returns the agent binary for an architecture and its sha256
	// (agentbin.Binary; tests swap in another build).
	agent func(arch string) ([]byte, string, error)
}

func (r *keepalivedConfigResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_keepalived_config"
}

func nodeSchema(role string, defaultPriority int64) schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		Required:            true,
		MarkdownDescription: fmt.Sprintf("The %s node.", role),
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(role),
				MarkdownDescription: fmt.Sprintf("Node name: keepalived `router_id`, the key in `nodes` and the bundle's folder name. Default `%s`.", role),
			},
			"instance_id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The node's instance ID (`i-…`): the agent on this node moves the EIP here.",
			},
			"private_ip": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The node's private IPv4 address: its `unicast_src_ip`, and the peer's `unicast_peer`.",
			},
			"priority": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(defaultPriority),
				Validators:          []validator.Int64{int64validator.Between(1, 254)},
				MarkdownDescription: fmt.Sprintf("VRRP priority, 1–254; the master's must be higher than the backup's. Default %d.", defaultPriority),
			},
			"interface": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Overrides `interface` for this node.",
			},
			"config_dir": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Overrides `config_dir` for this node (useful when both nodes share one filesystem, as in tests).",
			},
		},
	}
}

func (r *keepalivedConfigResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Renders each node's `keepalived.conf` and failover-agent configuration for a failover pair, and " +
			"(with `output_dir`) writes a per-node bundle: `keepalived.conf`, `agent.json`, `credentials` (mode 0600), the " +
			"`jdcloud-eip-failover` agent binary embedded in this provider, and `install.sh`. keepalived runs the agent's " +
			"idempotent `takeover` from `notify_master` and `notify_master_rx_lower_pri` (split-brain healing). " +
			"Everything is rendered at plan time once the inputs are known, so the plan shows what changes on each node. " +
			"A bundle file changed or removed on disk is reported in `bundle_status` on refresh and rewritten in place by the next apply. " +
			"The credentials are written only to the `credentials` file, never to keepalived.conf or agent.json — but they " +
			"are in Terraform state (marked sensitive): protect the state.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "A random ID given at creation; it never changes (everything else here may change in place).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"elastic_ip_id": schema.StringAttribute{
				Required: true, MarkdownDescription: "The EIP the agent moves (`fip-…`).",
			},
			"region": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "Region the agent calls. Default: the provider's region.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"endpoint": schema.StringAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "API endpoint the agent calls from the nodes (host or host:port). Default `openapi.internal.<region>.jdcloud-api.com`, JD Cloud's endpoint inside the cloud.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"scheme": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("http"),
				Validators:          []validator.String{stringvalidator.OneOf("http", "https")},
				MarkdownDescription: "`http` (default; the internal endpoint) or `https`.",
			},
			"master": nodeSchema("master", 101),
			"backup": nodeSchema("backup", 100),
			"interface": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("eth0"),
				MarkdownDescription: "Network interface holding the private IPs. Default `eth0`.",
			},
			"virtual_router_id": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(51),
				Validators:          []validator.Int64{int64validator.Between(1, 255)},
				MarkdownDescription: "VRRP `virtual_router_id`, 1–255, unique among pairs that can hear each other. Default 51.",
			},
			"vrrp_version": schema.Int64Attribute{
				Optional: true, Computed: true, Default: int64default.StaticInt64(2),
				Validators:          []validator.Int64{int64validator.OneOf(2, 3)},
				MarkdownDescription: "VRRP version: 2 (default; whole-second adverts) or 3 (adverts in 10 ms steps, for sub-second failover; a placeholder VIP `192.0.2.1/32` is held on `lo` because keepalived 2.2.7 needs one).",
			},
			"advert_interval": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("1s"),
				MarkdownDescription: "VRRP advert interval as a duration: whole seconds with version 2, multiples of 10ms with version 3. The backup takes over after about 3 missed adverts. Default `1s`.",
			},
			"preempt": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Whether the master takes the EIP back when it returns. Default `false` (`nopreempt`): after a failover the EIP stays on the backup until it fails, which avoids a second interruption.",
			},
			"preempt_delay": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "With `preempt`, wait this long (duration, up to 1000s) before taking the role back.",
			},
			"auth_pass": schema.StringAttribute{
				Optional: true, Sensitive: true,
				MarkdownDescription: "VRRPv2 PASS authentication, at most 8 characters. Cleartext on the wire: **not** a security control — restrict IP protocol 112 to the peer in the security group instead.",
			},
			"health_check": schema.SingleNestedAttribute{
				Optional: true, Computed: true,
				MarkdownDescription: "How each node checks its own service. Default: `pgrep` for `nginx`, every second, 2 failures to fail.",
				Default: objectdefault.StaticValue(types.ObjectValueMust(healthAttrTypes, map[string]attr.Value{
					"type": types.StringValue("pgrep"), "process": types.StringValue("nginx"), "pid_file": types.StringNull(),
					"url": types.StringNull(), "expected_status": types.Int64Value(200), "interval": types.Int64Value(1),
					"timeout": types.Int64Value(1), "fall": types.Int64Value(2), "rise": types.Int64Value(2), "weight": types.Int64Value(0),
				})),
				Attributes: map[string]schema.Attribute{
					"type": schema.StringAttribute{
						Optional: true, Computed: true, Default: stringdefault.StaticString("pgrep"),
						Validators:          []validator.String{stringvalidator.OneOf("pgrep", "pidfile", "http", "none")},
						MarkdownDescription: "`pgrep` (a process named `process` runs), `pidfile` (the process in `pid_file` runs), `http` (`url` answers `expected_status`) or `none`. Never `pidof`: it always fails under keepalived on Debian 12.",
					},
					"process":         schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("nginx"), MarkdownDescription: "Process name for `pgrep` (at most 15 characters). Default `nginx`."},
					"pid_file":        schema.StringAttribute{Optional: true, MarkdownDescription: "Absolute pid file path for `pidfile`."},
					"url":             schema.StringAttribute{Optional: true, MarkdownDescription: "Loopback `http://` URL for `http`."},
					"expected_status": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(200), MarkdownDescription: "HTTP status that means healthy. Default 200."},
					"interval":        schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(1), MarkdownDescription: "Seconds between checks (keepalived 2.2.7 takes whole seconds). Default 1."},
					"timeout":         schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(1), MarkdownDescription: "Seconds one check may take. Default 1."},
					"fall":            schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(2), MarkdownDescription: "Consecutive failures that fail the node. Default 2."},
					"rise":            schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(2), MarkdownDescription: "Consecutive successes that heal it. Default 2."},
					"weight": schema.Int64Attribute{
						Optional: true, Computed: true, Default: int64default.StaticInt64(0),
						MarkdownDescription: "0 (default): a failed check puts the node in FAULT and the peer takes over at once. Non-zero: the check adjusts priority instead, and fails over only if that crosses the peer's priority (never with nopreempt) — settings where a failed check could not move the EIP are rejected.",
					},
				},
			},
			"script_user": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("root"),
				MarkdownDescription: "User keepalived runs the health check and the agent as (`script_user`); it owns the credentials file. Default `root`.",
			},
			"agent_path": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(keepalived.DefaultAgentPath),
				MarkdownDescription: "Where `install.sh` puts the agent on the nodes; every directory on the path must be root-owned. Default `" + keepalived.DefaultAgentPath + "`.",
			},
			"config_dir": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("/etc/jdcloud-eip-failover"),
				MarkdownDescription: "Directory for `agent.json` and `credentials` on the nodes. Default `/etc/jdcloud-eip-failover`.",
			},
			"agent_mode": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(agentModeDaemon),
				Validators: []validator.String{stringvalidator.OneOf(agentModeDaemon, agentModeOneShot)},
				MarkdownDescription: "How keepalived drives the agent. `daemon` (default): every transition goes to `jdcloud-eip-failover run`, " +
					"a reconciling daemon per node that `install.sh` installs as a systemd unit; while MASTER it keeps the EIP here, retrying without end " +
					"and verifying every few seconds, so API outages, missed hooks and out-of-band changes heal by themselves. `one-shot`: keepalived runs " +
					"`takeover` on becoming MASTER and nothing runs after its deadline; a failure is not retried until the next VRRP transition.",
			},
			"check_permissions": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Run the agent's permission self-check (`jdcloud-eip-failover check`) with `access_key` at create and whenever the key, " +
					"the EIP or a member changes: describe the EIP, and associate and disassociate it on both members where the cloud refuses by state " +
					"(the EIP never moves). A refused call fails the apply, naming it, instead of the first failover. Default `true`; `false` only " +
					"for configurations rendered for resources Terraform cannot reach.",
			},
			"agent_deadline": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("30s"),
				MarkdownDescription: "How long one `takeover` (one-shot mode, or the agent run by hand) keeps retrying before giving up (duration). Default `30s`.",
			},
			"access_key": schema.StringAttribute{
				Required: true, Sensitive: true,
				MarkdownDescription: "Access key the agent uses. Use least-privilege credentials (a sub-user allowed only to describe this EIP and move it between these two instances), never the account's own key.",
			},
			"secret_key": schema.StringAttribute{
				Required: true, Sensitive: true,
				MarkdownDescription: "Secret key for `access_key`; written only to each bundle's `credentials` file (mode 0600).",
			},
			"output_dir": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "If set, write each node's bundle to `<output_dir>/<node name>/` (folders mode 0700). Without it only the texts in `nodes` are rendered.",
			},
			"agent_architecture": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("amd64"),
				Validators:          []validator.String{stringvalidator.OneOf(agentbin.Architectures...)},
				MarkdownDescription: "CPU architecture of the nodes, for the agent binary in the bundle: `amd64` (default) or `arm64`.",
			},
			"agent_sha256": schema.StringAttribute{
				Computed: true, MarkdownDescription: "sha256 of the embedded agent binary written to the bundles (empty without `output_dir`). Known at plan time: it changes only when a provider upgrade brings a different agent.",
			},
			"changes": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "What the latest change did on the nodes, in short: the changed lines of each node's keepalived.conf and agent.json " +
					"(`-` old, `+` new) and a new agent binary. Known at plan time when the inputs are, so the plan shows it next to the full files; " +
					"kept as it is while nothing rendered changes. Empty after creation.",
			},
			"bundle_status": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "`written` when every bundle file on this machine is what the provider wrote (empty without `output_dir`). " +
					"The files are an output, not state: when refresh finds one missing or changed (another machine, a CI runner, bundles deleted after " +
					"installing), this says which, and the next apply rewrites them in place — no hash in `nodes` changes, so nothing that triggers on them runs again.",
			},
			"nodes": schema.MapNestedAttribute{
				Computed: true,
				MarkdownDescription: "Per node (keyed by node name): `role`, `instance_id`, the rendered `keepalived_conf` and `agent_config`, the `bundle_dir`, the sha256 of each bundle file (`files`) and of the whole bundle (`bundle_sha256`). " +
					"Rendered at plan time once the inputs are known, so the plan shows the changed lines of each node's files.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"role":            schema.StringAttribute{Computed: true, MarkdownDescription: "`master` or `backup`."},
					"instance_id":     schema.StringAttribute{Computed: true, MarkdownDescription: "The node's instance ID."},
					"keepalived_conf": schema.StringAttribute{Computed: true, MarkdownDescription: "The node's keepalived.conf."},
					"agent_config":    schema.StringAttribute{Computed: true, MarkdownDescription: "The node's agent.json (no secrets)."},
					"bundle_dir":      schema.StringAttribute{Computed: true, MarkdownDescription: "Where the bundle was written (empty without `output_dir`)."},
					"files":           schema.MapAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "sha256 of each bundle file, by file name."},
					"bundle_sha256": schema.StringAttribute{Computed: true, MarkdownDescription: "One sha256 over this node's whole bundle (empty without `output_dir`): " +
						"trigger a node's setup step on it. It changes only when something in this node's bundle changes (unknown in the plan while a new access key is being created)."},
				}},
			},
		},
	}
}

var healthAttrTypes = map[string]attr.Type{
	"type": types.StringType, "process": types.StringType, "pid_file": types.StringType, "url": types.StringType,
	"expected_status": types.Int64Type, "interval": types.Int64Type, "timeout": types.Int64Type,
	"fall": types.Int64Type, "rise": types.Int64Type, "weight": types.Int64Type,
}

func (r *keepalivedConfigResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = jdcloud.FromProviderData(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan renders the nodes' files at plan time whenever the inputs are
// known, so the plan shows the changed lines of each keepalived.conf and
// agent.json and the hashes a node-setup step triggers on stay known when
// they do not change. Invalid settings fail the plan, not the apply.
func (r *keepalivedConfigResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var m keepalivedConfigModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
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
	if m.Region.IsUnknown() && r.client != nil {
		m.Region = types.StringValue(r.client.Region)
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

func (r *keepalivedConfigResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan keepalivedConfigModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
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
	var state keepalivedConfigModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
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
	names := make([]string, 0, len(nodes))
	for name := range nodes {
		names = append(names, name)
	}
	sort.Strings(names)
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

// agentPermissionWindow is how long a refused self-check is retried: a key
// or policy made in the same apply may take a moment to take effect.
const agentPermissionWindow = 2 * time.Minute

// checkAgentPermissions runs the agent's own permission self-check with the
// key the bundles will carry, through the provider's endpoint (the nodes' own
// endpoint may be JD Cloud's internal one, out of Terraform's reach): a key
// that may not move the EIP fails the apply here, not at the first failover.
func (r *keepalivedConfigResource) checkAgentPermissions(ctx context.Context, m *keepalivedConfigModel, diags *diag.Diagnostics) bool {
	if r.client == nil || !m.CheckPermissions.ValueBool() {
		return true
	}
	ak := m.AccessKey.ValueString()
	cfg := agent.Config{Region: r.client.Region, Endpoint: r.client.VM.Config.Endpoint, Scheme: r.client.VM.Config.Scheme}
	cloud := agent.NewSDKCloud(cfg, agent.Credentials{AccessKey: ak, SecretKey: m.SecretKey.ValueString()})
	eip := m.ElasticIPID.ValueString()
	ids := []string{m.Master.InstanceID.ValueString(), m.Backup.InstanceID.ValueString()}
	err := agent.CheckPermissionsWithin(ctx, r.client.Clock(), agentPermissionWindow, cloud, r.client.Region, eip, ids)
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

func (r *keepalivedConfigResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state keepalivedConfigModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	removeStaleBundles(ctx, state, keepalivedConfigModel{}, &resp.Diagnostics)
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

// bundleWriter receives a node's bundle: writeBundle puts it on disk,
// hashBundle only hashes it (the plan).
type bundleWriter func(dir string, files []bundleFile) (map[string]string, error)

func hashBundle(_ string, files []bundleFile) (map[string]string, error) {
	sums := make(map[string]string, len(files))
	for _, f := range files {
		sums[f.name] = sha256Hex(f.data)
	}
	return sums, nil
}

// bundleSHA256 is one hash over a node's whole bundle (file names and
// contents), for a node-setup step to trigger on.
func bundleSHA256(sums map[string]string) string {
	names := make([]string, 0, len(sums))
	for n := range sums {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "%s  %s\n", sums[n], n)
	}
	return sha256Hex([]byte(b.String()))
}

func defaultAgentEndpoint(region string) string {
	return "openapi.internal." + region + ".jdcloud-api.com"
}

// build renders every node (deterministically: the plan and the apply get
// the same values) and hands each bundle to write. With credentials not yet
// known (a key being created or rotated) only the hashes that depend on
// them stay unknown.
func (r *keepalivedConfigResource) build(ctx context.Context, m *keepalivedConfigModel, write bundleWriter, diags *diag.Diagnostics) {
	if m.Region.IsUnknown() || m.Region.IsNull() || m.Region.ValueString() == "" {
		if r.client == nil {
			diags.AddAttributeError(path.Root("region"), "Region unknown", "Set region, or configure the provider's region.")
			return
		}
		m.Region = types.StringValue(r.client.Region)
	}
	if m.Endpoint.IsUnknown() || m.Endpoint.IsNull() || m.Endpoint.ValueString() == "" {
		m.Endpoint = types.StringValue(defaultAgentEndpoint(m.Region.ValueString()))
	}
	spec, err := m.spec()
	if err != nil {
		addSpecErrors(diags, err)
		return
	}
	rendered, err := keepalived.Render(spec)
	if err != nil {
		addSpecErrors(diags, err)
		return
	}
	credsKnown := !m.AccessKey.IsUnknown() && !m.SecretKey.IsUnknown()

	var bin []byte
	m.AgentSHA256 = types.StringValue("")
	m.BundleStatus = types.StringValue("")
	writeFiles := !m.OutputDir.IsNull() && m.OutputDir.ValueString() != ""
	if writeFiles {
		var sum string
		bin, sum, err = r.agent(m.AgentArchitecture.ValueString())
		if err != nil {
			diags.AddAttributeError(path.Root("agent_architecture"), "Failover agent not embedded", err.Error())
			return
		}
		m.AgentSHA256 = types.StringValue(sum)
		m.BundleStatus = types.StringValue(bundleWritten)
	}

	members := [2]*nodeModel{m.Master, m.Backup}
	out := map[string]attr.Value{}
	for i, rn := range rendered {
		self, peer := members[i], members[1-i]
		agentCfg, err := m.agentConfig(self, peer)
		if err != nil {
			diags.AddError("Rendering the agent config of node "+rn.Name, err.Error())
			return
		}
		node := map[string]attr.Value{
			"role": types.StringValue(rn.Role), "instance_id": types.StringValue(rn.InstanceID),
			"keepalived_conf": types.StringValue(rn.Text), "agent_config": types.StringValue(string(agentCfg)),
			"bundle_dir": types.StringValue(""), "files": types.MapValueMust(types.StringType, map[string]attr.Value{}),
			"bundle_sha256": types.StringValue(""),
		}
		if writeFiles {
			dir := filepath.Join(m.OutputDir.ValueString(), rn.Name)
			sums, err := m.writeNodeBundle(dir, rn, m.configDir(self), agentCfg, bin, write)
			if err != nil {
				diags.AddError("Writing the failover bundle of node "+rn.Name, fmt.Sprintf("%s: %v", dir, err))
				return
			}
			files := map[string]attr.Value{}
			for k, v := range sums {
				files[k] = types.StringValue(v)
			}
			node["bundle_sha256"] = types.StringValue(bundleSHA256(sums))
			if !credsKnown {
				files[bundleCredentials] = types.StringUnknown()
				node["bundle_sha256"] = types.StringUnknown()
			}
			node["bundle_dir"] = types.StringValue(dir)
			node["files"] = types.MapValueMust(types.StringType, files)
		}
		obj, d := types.ObjectValue(renderedNodeAttrTypes, node)
		diags.Append(d...)
		out[rn.Name] = obj
	}
	nodes, d := types.MapValue(types.ObjectType{AttrTypes: renderedNodeAttrTypes}, out)
	diags.Append(d...)
	m.Nodes = nodes
}

// configDir is where a node's agent.json and credentials live on the node.
func (m *keepalivedConfigModel) configDir(n *nodeModel) string {
	dir := m.ConfigDir.ValueString()
	if v := n.ConfigDir.ValueString(); v != "" {
		dir = v
	}
	return strings.TrimRight(dir, "/")
}

func (m *keepalivedConfigModel) writeNodeBundle(dir string, rn keepalived.NodeConfig, configDir string, agentCfg, bin []byte, write bundleWriter) (map[string]string, error) {
	params := installParams{Node: rn.Name, AgentPath: m.AgentPath.ValueString(), ConfigDir: configDir, ScriptUser: m.ScriptUser.ValueString(),
		RunDir: agentRunDir(configDir, m.ConfigDir.ValueString()), Daemon: m.daemonMode()}
	install, err := renderInstallScript(params)
	if err != nil {
		return nil, err
	}
	unit, err := renderSystemdUnit(params)
	if err != nil {
		return nil, err
	}
	creds := fmt.Sprintf("# Credentials of the failover agent. Keep this file mode 0600: the agent refuses it otherwise.\naccess_key = %s\nsecret_key = %s\n", m.AccessKey.ValueString(), m.SecretKey.ValueString())
	return write(dir, []bundleFile{
		{bundleKeepalivedConf, []byte(rn.Text), 0o644},
		{bundleAgentConfig, agentCfg, 0o644},
		{bundleCredentials, []byte(creds), 0o600},
		{bundleAgent, bin, 0o755},
		{bundleInstallScript, install, 0o755},
		{bundleSystemdUnit, unit, 0o644},
	})
}

func (m *keepalivedConfigModel) agentConfig(self, peer *nodeModel) ([]byte, error) {
	deadline, err := time.ParseDuration(m.AgentDeadline.ValueString())
	if err != nil || deadline <= 0 {
		return nil, fmt.Errorf("agent_deadline %q: must be a positive duration such as 30s", m.AgentDeadline.ValueString())
	}
	cfg := agent.Config{
		Region:          m.Region.ValueString(),
		Endpoint:        m.Endpoint.ValueString(),
		Scheme:          m.Scheme.ValueString(),
		EIPID:           m.ElasticIPID.ValueString(),
		InstanceID:      self.InstanceID.ValueString(),
		PeerInstanceID:  peer.InstanceID.ValueString(),
		CredentialsFile: m.configDir(self) + "/" + bundleCredentials,
		Deadline:        agent.Duration(deadline),
	}
	if self.ConfigDir.ValueString() != "" {
		// Nodes sharing one filesystem must not share the agent's default lock file.
		cfg.LockFile = m.configDir(self) + "/takeover.lock"
	}
	// The daemon (run): the preferred master wins a split brain (2 vs 1, not
	// the VRRP priorities, so a priority change leaves agent.json alone),
	// MASTER read from keepalived's placeholder address, a run_dir per node.
	cfg.Priority, cfg.PeerPriority = 1, 2
	if self.Priority.ValueInt64() > peer.Priority.ValueInt64() {
		cfg.Priority, cfg.PeerPriority = 2, 1
	}
	cfg.VRRPAddress = keepalived.DefaultDummyVIP
	cfg.RunDir = agentRunDir(m.configDir(self), m.ConfigDir.ValueString())
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return nil, err
	}
	b = append(b, '\n')
	// The agent will parse this file: refuse to write one it would reject.
	if _, err := agent.ParseConfig(bundleAgentConfig, b); err != nil {
		return nil, err
	}
	return b, nil
}

// spec maps the model to the renderer's input.
func (m *keepalivedConfigModel) spec() (keepalived.Spec, error) {
	var errs []error
	dur := func(attr string, v types.String) time.Duration {
		if v.IsNull() || v.ValueString() == "" {
			return 0
		}
		d, err := time.ParseDuration(v.ValueString())
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %q is not a duration such as 1s or 100ms", attr, v.ValueString()))
		}
		return d
	}
	node := func(attr string, n *nodeModel) keepalived.Node {
		ip, err := netip.ParseAddr(n.PrivateIP.ValueString())
		if err != nil {
			errs = append(errs, fmt.Errorf("%s.private_ip: %q is not an IP address", attr, n.PrivateIP.ValueString()))
		}
		kn := keepalived.Node{Name: n.Name.ValueString(), InstanceID: n.InstanceID.ValueString(), PrivateIP: ip,
			Priority: int(n.Priority.ValueInt64()), Interface: n.Interface.ValueString()}
		if !n.ConfigDir.IsNull() && n.ConfigDir.ValueString() != "" {
			kn.AgentConfigPath = m.configDir(n) + "/" + bundleAgentConfig
		}
		return kn
	}
	s := keepalived.Spec{
		VRID:            int(m.VirtualRouterID.ValueInt64()),
		Version:         int(m.VRRPVersion.ValueInt64()),
		AdvertInterval:  dur("advert_interval", m.AdvertInterval),
		Interface:       m.Interface.ValueString(),
		Nodes:           [2]keepalived.Node{node("master", m.Master), node("backup", m.Backup)},
		Preempt:         m.Preempt.ValueBool(),
		PreemptDelay:    dur("preempt_delay", m.PreemptDelay),
		AuthPass:        m.AuthPass.ValueString(),
		ScriptUser:      m.ScriptUser.ValueString(),
		AgentPath:       m.AgentPath.ValueString(),
		AgentConfigPath: strings.TrimRight(m.ConfigDir.ValueString(), "/") + "/" + bundleAgentConfig,
		CheckUnicastSrc: true,
		Daemon:          m.daemonMode(),
	}
	if h := m.HealthCheck; h != nil {
		s.HealthCheck = keepalived.HealthCheck{
			Kind: keepalived.HealthCheckKind(h.Type.ValueString()), Process: h.Process.ValueString(),
			PIDFile: h.PIDFile.ValueString(), URL: h.URL.ValueString(), ExpectedStatus: int(h.ExpectedStatus.ValueInt64()),
			Interval: time.Duration(h.Interval.ValueInt64()) * time.Second, Timeout: time.Duration(h.Timeout.ValueInt64()) * time.Second,
			Fall: int(h.Fall.ValueInt64()), Rise: int(h.Rise.ValueInt64()), Weight: int(h.Weight.ValueInt64()),
		}
	} else {
		s.HealthCheck = keepalived.HealthCheck{Kind: keepalived.HealthCheckPgrep, Process: "nginx"}
	}
	if len(errs) > 0 {
		return s, errors.Join(errs...)
	}
	return s, s.Validate()
}

// schemaName turns the renderer's field names into this resource's attribute names.
var schemaName = strings.NewReplacer("nodes[0].agent_config_path", "master.config_dir", "nodes[1].agent_config_path", "backup.config_dir",
	"agent_config_path", "config_dir", "nodes[0]", "master", "nodes[1]", "backup", "vrid", "virtual_router_id", "version", "vrrp_version")

func addSpecErrors(diags *diag.Diagnostics, err error) {
	var verr keepalived.ValidationError
	if errors.As(err, &verr) {
		for _, fe := range verr {
			diags.AddError("Invalid keepalived setting", fmt.Sprintf("%s: %s", schemaName.Replace(fe.Field), fe.Problem))
		}
		return
	}
	diags.AddError("Invalid keepalived setting", err.Error())
}

// allKnown reports whether every input that shapes the rendering is known
// (values from other resources are unknown until apply).
func allKnown(m *keepalivedConfigModel) bool {
	if m.Master == nil || m.Backup == nil {
		return false
	}
	vals := []attr.Value{m.ElasticIPID, m.Interface, m.VirtualRouterID, m.VRRPVersion, m.AdvertInterval, m.Preempt,
		m.PreemptDelay, m.AuthPass, m.ScriptUser, m.AgentPath, m.ConfigDir, m.AgentMode}
	for _, n := range []*nodeModel{m.Master, m.Backup} {
		vals = append(vals, n.Name, n.InstanceID, n.PrivateIP, n.Priority, n.Interface, n.ConfigDir)
	}
	if h := m.HealthCheck; h != nil {
		vals = append(vals, h.Type, h.Process, h.PIDFile, h.URL, h.ExpectedStatus, h.Interval, h.Timeout, h.Fall, h.Rise, h.Weight)
	}
	for _, v := range vals {
		if v.IsUnknown() {
			return false
		}
	}
	return true
}
