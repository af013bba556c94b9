package failover

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func testModel(outputDir string) keepalivedConfigModel {
	node := func(name, id, ip string, prio int64) *nodeModel {
		return &nodeModel{Name: types.StringValue(name), InstanceID: types.StringValue(id), PrivateIP: types.StringValue(ip),
			Priority: types.Int64Value(prio), Interface: types.StringNull(), ConfigDir: types.StringNull()}
	}
	return keepalivedConfigModel{
		ElasticIPID: types.StringValue("fip-b6f37survq"), Region: types.StringValue("cn-east-2"),
		Endpoint: types.StringValue("127.0.0.1:8000"), Scheme: types.StringValue("http"),
		Master: node("master", "i-master", "10.0.1.18", 101), Backup: node("backup", "i-backup", "10.0.1.19", 100),
		Interface: types.StringValue("eth0"), VirtualRouterID: types.Int64Value(51), VRRPVersion: types.Int64Value(2),
		AdvertInterval: types.StringValue("1s"), Preempt: types.BoolValue(false), PreemptDelay: types.StringNull(),
		AuthPass: types.StringNull(), ScriptUser: types.StringValue("root"), AgentPath: types.StringValue("/usr/local/sbin/jdcloud-eip-failover"),
		ConfigDir: types.StringValue("/etc/jdcloud-eip-failover"), AgentMode: types.StringValue(agentModeDaemon), AgentDeadline: types.StringValue("30s"),
		AccessKey: types.StringValue("ak"), SecretKey: types.StringValue("sk"), OutputDir: types.StringValue(outputDir),
		AgentArchitecture: types.StringValue("amd64"),
	}
}

func fakeAgent(content string) func(string) ([]byte, string, error) {
	return func(string) ([]byte, string, error) { return []byte(content), sha256Hex([]byte(content)), nil }
}

func built(t *testing.T, r *keepalivedConfigResource, m keepalivedConfigModel) (keepalivedConfigModel, map[string]renderedNode) {
	t.Helper()
	var diags diag.Diagnostics
	r.build(context.Background(), &m, hashBundle, &diags)
	if diags.HasError() {
		t.Fatalf("build: %v", diags)
	}
	nodes := map[string]renderedNode{}
	if d := m.Nodes.ElementsAs(context.Background(), &nodes, false); d.HasError() {
		t.Fatal(d)
	}
	return m, nodes
}

// A provider upgrade that brings another agent changes the agent's hash and
// the bundle hashes, nothing that is rendered for keepalived or the agent's
// configuration.
func TestBuild_agentChangeChangesOnlyAgentHashes(t *testing.T) {
	old, oldNodes := built(t, &keepalivedConfigResource{agent: fakeAgent("agent v1")}, testModel("/tmp/bundles"))
	upg, newNodes := built(t, &keepalivedConfigResource{agent: fakeAgent("agent v2")}, testModel("/tmp/bundles"))
	if old.AgentSHA256.Equal(upg.AgentSHA256) {
		t.Fatalf("agent_sha256 did not change with the agent: %s", old.AgentSHA256)
	}
	for name, o := range oldNodes {
		n := newNodes[name]
		if !o.KeepalivedConf.Equal(n.KeepalivedConf) || !o.AgentConfig.Equal(n.AgentConfig) || !o.BundleDir.Equal(n.BundleDir) {
			t.Errorf("%s: rendered files changed with only the agent", name)
		}
		of, nf := o.Files.Elements(), n.Files.Elements()
		for file, sum := range of {
			changed := !sum.Equal(nf[file])
			if changed != (file == bundleAgent) {
				t.Errorf("%s: files[%s] changed=%v; only the agent's hash may change", name, file, changed)
			}
		}
		if o.BundleSHA256.Equal(n.BundleSHA256) {
			t.Errorf("%s: bundle_sha256 did not change with the agent", name)
		}
	}
}

// While a new access key is being created its value is unknown: only the
// credentials' hash and the bundle hashes are unknown, the rendered texts stay known.
func TestBuild_unknownCredentialsLeaveTheTextsKnown(t *testing.T) {
	m := testModel("/tmp/bundles")
	m.AccessKey, m.SecretKey = types.StringUnknown(), types.StringUnknown()
	m, nodes := built(t, &keepalivedConfigResource{agent: fakeAgent("agent")}, m)
	if m.AgentSHA256.IsUnknown() {
		t.Error("agent_sha256 unknown")
	}
	for name, n := range nodes {
		if n.KeepalivedConf.IsUnknown() || n.AgentConfig.IsUnknown() || !strings.Contains(n.KeepalivedConf.ValueString(), "virtual_router_id 51") {
			t.Errorf("%s: rendered texts not known", name)
		}
		if !n.BundleSHA256.IsUnknown() || !n.Files.Elements()[bundleCredentials].IsUnknown() {
			t.Errorf("%s: credentials hash must be unknown until the key exists", name)
		}
		if n.Files.Elements()[bundleKeepalivedConf].IsUnknown() {
			t.Errorf("%s: keepalived.conf hash unknown", name)
		}
	}
}

// The bundle hash is one value per node that changes with any file.
func TestBundleSHA256(t *testing.T) {
	a := bundleSHA256(map[string]string{"a": "1", "b": "2"})
	if a != bundleSHA256(map[string]string{"b": "2", "a": "1"}) {
		t.Error("depends on map order")
	}
	if a == bundleSHA256(map[string]string{"a": "1", "b": "3"}) || a == bundleSHA256(map[string]string{"a": "1", "c": "2"}) {
		t.Error("does not change with a file")
	}
}

func TestLineDiff(t *testing.T) {
	cases := []struct{ a, b, want string }{
		{"x\ny\nz", "x\ny\nz", ""},
		{"x\n  priority 101\nz", "x\n  priority 150\nz", "- priority 101\n+ priority 150\n"},
		{"x\nz", "x\ny\nz", "+ y\n"},
		{"x\ny\nz", "x\nz", "- y\n"},
		{"", "a", "- \n+ a\n"},
	}
	for _, c := range cases {
		if got := lineDiff(c.a, c.b); got != c.want {
			t.Errorf("lineDiff(%q, %q) = %q, want %q", c.a, c.b, got, c.want)
		}
	}
}

// The summary names the node and file that change, and a new agent.
func TestPlanChanges(t *testing.T) {
	old, _ := built(t, &keepalivedConfigResource{agent: fakeAgent("agent v1")}, testModel("/tmp/bundles"))
	m := testModel("/tmp/bundles")
	m.Backup.Priority = types.Int64Value(90)
	upd, _ := built(t, &keepalivedConfigResource{agent: fakeAgent("agent v2")}, m)
	got := planChanges(context.Background(), old, upd)
	want := "backup keepalived.conf:\n- priority 100\n+ priority 90\n"
	if !strings.HasPrefix(got, want) || !strings.Contains(got, "agent binary: sha256 ") || strings.Contains(got, "master") {
		t.Errorf("planChanges:\n%s\nwant it to start with\n%s\nand name the new agent, not the master", got, want)
	}
	if c := planChanges(context.Background(), old, old); c != "" {
		t.Errorf("no change gives %q", c)
	}
}

// agent_mode decides who keepalived hands its transitions to: the daemon's
// report hook for every state (default), or one-shot takeover on MASTER.
func TestBuild_agentModeChoosesTheHooks(t *testing.T) {
	r := &keepalivedConfigResource{agent: fakeAgent("agent")}
	_, daemon := built(t, r, testModel("/tmp/bundles"))
	oneShotModel := testModel("/tmp/bundles")
	oneShotModel.AgentMode = types.StringValue(agentModeOneShot)
	_, oneShot := built(t, r, oneShotModel)
	for _, name := range []string{"master", "backup"} {
		d, o := daemon[name].KeepalivedConf.ValueString(), oneShot[name].KeepalivedConf.ValueString()
		if !strings.Contains(d, "agent.json report INSTANCE ") || strings.Contains(d, " takeover\"") {
			t.Errorf("%s, daemon mode: want report hooks and no takeover:\n%s", name, d)
		}
		if !strings.Contains(o, "notify_master \"/usr/local/sbin/jdcloud-eip-failover --config /etc/jdcloud-eip-failover/agent.json takeover\"") || strings.Contains(o, " report ") {
			t.Errorf("%s, one-shot mode: want takeover on MASTER and no report hook:\n%s", name, o)
		}
	}
}
