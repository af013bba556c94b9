package failover

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/agent"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/keepalived"
)

// daemonMode: anything but an explicit one-shot is the daemon (also for state
// written before agent_mode existed, where the attribute is null).
func (m *keepalivedConfigModel) daemonMode() bool {
	return m.AgentMode.ValueString() != agentModeOneShot
}

// build renders every node (deterministically: the plan and the apply get
// the same values) and hands each bundle to write. With credentials not yet
// known (a key being created or rotated) only the hashes that depend on
// them stay unknown.
func (r *keepalivedConfigResource) build(ctx context.Context, m *keepalivedConfigModel, write bundleWriter, diags *diag.Diagnostics) {
	if m.Region.IsUnknown() || m.Region.IsNull() || m.Region.ValueString() == "" {
		if r.Client == nil {
			diags.AddAttributeError(path.Root("region"), "Region unknown", "Set region, or configure the provider's region.")
			return
		}
		m.Region = types.StringValue(r.Client.Region)
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

func defaultAgentEndpoint(region string) string {
	return "openapi.internal." + region + ".jdcloud-api.com"
}

// configDir is where a node's agent.json and credentials live on the node.
func (m *keepalivedConfigModel) configDir(n *nodeModel) string {
	dir := m.ConfigDir.ValueString()
	if v := n.ConfigDir.ValueString(); v != "" {
		dir = v
	}
	return strings.TrimRight(dir, "/")
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
		{name: bundleKeepalivedConf, data: []byte(rn.Text), mode: 0o644},
		{name: bundleAgentConfig, data: agentCfg, mode: 0o644},
		{name: bundleCredentials, data: []byte(creds), mode: 0o600},
		{name: bundleAgent, data: bin, mode: 0o755, sum: m.AgentSHA256.ValueString()},
		{name: bundleInstallScript, data: install, mode: 0o755},
		{name: bundleSystemdUnit, data: unit, mode: 0o644},
	})
}

// bundleWriter receives a node's bundle: writeBundle puts it on disk,
// hashBundle only hashes it (the plan).
type bundleWriter func(dir string, files []bundleFile) (map[string]string, error)

func hashBundle(_ string, files []bundleFile) (map[string]string, error) {
	sums := make(map[string]string, len(files))
	for _, f := range files {
		sums[f.name] = f.sha256()
	}
	return sums, nil
}

// bundleSHA256 is one hash over a node's whole bundle (file names and
// contents), for a node-setup step to trigger on.
func bundleSHA256(sums map[string]string) string {
	names := slices.Sorted(maps.Keys(sums))
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "%s  %s\n", sums[n], n)
	}
	return sha256Hex([]byte(b.String()))
}
