package failover

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/agentbin"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/keepalived"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/resourcekit"
)

func keepalivedConfigSchema() schema.Schema {
	return schema.Schema{
		MarkdownDescription: "Renders each node's `keepalived.conf` and failover-agent configuration for a failover pair, and " +
			"(with `output_dir`) writes a per-node bundle: `keepalived.conf`, `agent.json`, `credentials` (mode 0600), the " +
			"`jdcloud-eip-failover` agent binary embedded in this provider, and `install.sh`. keepalived runs the agent's " +
			"idempotent `takeover` from `notify_master` and `notify_master_rx_lower_pri` (split-brain healing). " +
			"Everything is rendered at plan time once the inputs are known, so the plan shows what changes on each node. " +
			"A bundle file changed or removed on disk is reported in `bundle_status` on refresh and rewritten in place by the next apply. " +
			"The credentials are written only to the `credentials` file, never to keepalived.conf or agent.json — but they " +
			"are in Terraform state (marked sensitive): protect the state.",
		Attributes: map[string]schema.Attribute{
			"id": resourcekit.StableAttribute("A random ID given at creation; it never changes (everything else here may change in place)."),
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

var healthAttrTypes = resourcekit.AttrTypes[healthModel](nil)

// agent_mode values: the reconciling daemon, or keepalived's one-shot hooks.
const (
	agentModeDaemon  = "daemon"
	agentModeOneShot = "one-shot"
)
