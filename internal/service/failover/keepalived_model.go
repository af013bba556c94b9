package failover

import (
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/resourcekit"
)

type keepalivedConfigModel struct {
	ID                types.String `tfsdk:"id"`
	ElasticIPID       types.String `tfsdk:"elastic_ip_id"`
	Region            types.String `tfsdk:"region"`
	Endpoint          types.String `tfsdk:"endpoint"`
	Scheme            types.String `tfsdk:"scheme"`
	Master            *nodeModel   `tfsdk:"master"`
	Backup            *nodeModel   `tfsdk:"backup"`
	Interface         types.String `tfsdk:"interface"`
	VirtualRouterID   types.Int64  `tfsdk:"virtual_router_id"`
	VRRPVersion       types.Int64  `tfsdk:"vrrp_version"`
	AdvertInterval    types.String `tfsdk:"advert_interval"`
	Preempt           types.Bool   `tfsdk:"preempt"`
	PreemptDelay      types.String `tfsdk:"preempt_delay"`
	AuthPass          types.String `tfsdk:"auth_pass"`
	HealthCheck       *healthModel `tfsdk:"health_check"`
	ScriptUser        types.String `tfsdk:"script_user"`
	AgentPath         types.String `tfsdk:"agent_path"`
	ConfigDir         types.String `tfsdk:"config_dir"`
	AgentMode         types.String `tfsdk:"agent_mode"`
	CheckPermissions  types.Bool   `tfsdk:"check_permissions"`
	AgentDeadline     types.String `tfsdk:"agent_deadline"`
	AccessKey         types.String `tfsdk:"access_key"`
	SecretKey         types.String `tfsdk:"secret_key"`
	OutputDir         types.String `tfsdk:"output_dir"`
	AgentArchitecture types.String `tfsdk:"agent_architecture"`
	AgentSHA256       types.String `tfsdk:"agent_sha256"`
	BundleStatus      types.String `tfsdk:"bundle_status"`
	Changes           types.String `tfsdk:"changes"`
	Nodes             types.Map    `tfsdk:"nodes"`
}

type nodeModel struct {
	Name       types.String `tfsdk:"name"`
	InstanceID types.String `tfsdk:"instance_id"`
	PrivateIP  types.String `tfsdk:"private_ip"`
	Priority   types.Int64  `tfsdk:"priority"`
	Interface  types.String `tfsdk:"interface"`
	ConfigDir  types.String `tfsdk:"config_dir"`
}

type healthModel struct {
	Type           types.String `tfsdk:"type"`
	Process        types.String `tfsdk:"process"`
	PIDFile        types.String `tfsdk:"pid_file"`
	URL            types.String `tfsdk:"url"`
	ExpectedStatus types.Int64  `tfsdk:"expected_status"`
	Interval       types.Int64  `tfsdk:"interval"`
	Timeout        types.Int64  `tfsdk:"timeout"`
	Fall           types.Int64  `tfsdk:"fall"`
	Rise           types.Int64  `tfsdk:"rise"`
	Weight         types.Int64  `tfsdk:"weight"`
}

// renderedNode is one element of the computed `nodes` map.
type renderedNode struct {
	Role           types.String `tfsdk:"role"`
	InstanceID     types.String `tfsdk:"instance_id"`
	KeepalivedConf types.String `tfsdk:"keepalived_conf"`
	AgentConfig    types.String `tfsdk:"agent_config"`
	BundleDir      types.String `tfsdk:"bundle_dir"`
	Files          types.Map    `tfsdk:"files"`
	BundleSHA256   types.String `tfsdk:"bundle_sha256"`
}

var renderedNodeAttrTypes = resourcekit.AttrTypes[renderedNode](map[string]attr.Type{"files": types.MapType{ElemType: types.StringType}})
