package failover_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/agent"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/agentbin"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/provider"
)

const testSecret = "agent-secret-Zq81"

// keepalivedConfig renders a pair from literal IDs: the resource makes no API
// call (the permission self-check is off; it has its own test).
func keepalivedConfig(outputDir, extra string) string {
	out := ""
	if outputDir != "" {
		out = fmt.Sprintf("output_dir = %q", outputDir)
	}
	return fmt.Sprintf(`
resource "jdcloudha_keepalived_config" "web" {
  elastic_ip_id = "fip-b6f37survq"
  endpoint      = "127.0.0.1:8000"
  master = {
    instance_id = "i-bszab8pxg0"
    private_ip  = "10.0.1.18"
  }
  backup = {
    instance_id = "i-pi9w6jp716"
    private_ip  = "10.0.1.19"
  }
  access_key        = "agent-ak"
  secret_key        = %q
  check_permissions = false
  %s
  %s
}
`, testSecret, out, extra)
}

func TestAccKeepalivedConfig_rendersAndWritesBundles(t *testing.T) {
	srv, dir := startWithAgent(t)
	config := acctest.ProviderConfig(srv) + keepalivedConfig(dir, "")
	var sums map[string]string

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			for _, n := range []string{"master", "backup"} {
				if _, err := os.Stat(filepath.Join(dir, n)); !os.IsNotExist(err) {
					return fmt.Errorf("bundle %s still on disk after destroy (it holds credentials): %v", n, err)
				}
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("jdcloudha_keepalived_config.web", "region", acctest.Region(srv)),
					resource.TestCheckResourceAttr("jdcloudha_keepalived_config.web", "nodes.master.role", "master"),
					resource.TestCheckResourceAttr("jdcloudha_keepalived_config.web", "nodes.backup.role", "backup"),
					resource.TestMatchResourceAttr("jdcloudha_keepalived_config.web", "nodes.master.keepalived_conf", regexp.MustCompile(`unicast_src_ip 10\.0\.1\.18\s+unicast_peer \{\s+10\.0\.1\.19`)),
					resource.TestMatchResourceAttr("jdcloudha_keepalived_config.web", "nodes.backup.keepalived_conf", regexp.MustCompile(`unicast_src_ip 10\.0\.1\.19`)),
					resource.TestMatchResourceAttr("jdcloudha_keepalived_config.web", "nodes.master.keepalived_conf", regexp.MustCompile(`notify_master_rx_lower_pri "/usr/local/sbin/jdcloud-eip-failover --config /etc/jdcloud-eip-failover/agent.json report INSTANCE \S+ MASTER_RX_LOWER_PRI"`)),
					resource.TestCheckResourceAttr("jdcloudha_keepalived_config.web", "agent_mode", "daemon"),
					resource.TestMatchResourceAttr("jdcloudha_keepalived_config.web", "nodes.master.keepalived_conf", regexp.MustCompile(`/usr/bin/pgrep -x nginx`)),
					resource.TestMatchResourceAttr("jdcloudha_keepalived_config.web", "agent_sha256", regexp.MustCompile(`^[0-9a-f]{64}$`)),
					checkBundles(dir),
					keepHashes(&sums),
				),
			},
			{
				// A bundle file edited on disk: refresh reports it, and apply
				// rewrites it in place without changing any hash.
				PreConfig: func() {
					if err := os.WriteFile(filepath.Join(dir, "backup", "keepalived.conf"), []byte("vrrp_script x { script \"pidof nginx\" }\n"), 0o644); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("jdcloudha_keepalived_config.web", plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue("jdcloudha_keepalived_config.web", tfjsonpath.New("bundle_status"), knownvalue.StringExact("written")),
					},
				},
				Check: resource.ComposeAggregateTestCheckFunc(checkBundles(dir), checkSameHashes(&sums)),
			},
			{
				// The whole bundles folder gone (another machine): the same.
				PreConfig: func() { os.RemoveAll(dir) },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("jdcloudha_keepalived_config.web", plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(checkBundles(dir), checkSameHashes(&sums)),
			},
			{
				// Tuning in place: VRRPv3 with 100 ms adverts.
				Config: acctest.ProviderConfig(srv) + keepalivedConfig(dir, "vrrp_version = 3\n  advert_interval = \"100ms\"\n  preempt = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("jdcloudha_keepalived_config.web", plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestMatchResourceAttr("jdcloudha_keepalived_config.web", "nodes.master.keepalived_conf", regexp.MustCompile(`advert_int 0\.1`)),
					resource.TestMatchResourceAttr("jdcloudha_keepalived_config.web", "nodes.master.keepalived_conf", regexp.MustCompile(`192\.0\.2\.1/32 dev lo`)),
					checkBundles(dir),
				),
			},
			{Config: acctest.ProviderConfig(srv) + keepalivedConfig(dir, "vrrp_version = 3\n  advert_interval = \"100ms\"\n  preempt = true"), PlanOnly: true},
		},
	})
}

// requireAgent skips an acceptance test that writes bundles when the agent
// was not embedded (plain `go test` without `make agent`).
func requireAgent(t *testing.T) {
	t.Helper()
	acctest.PreCheck(t)
	if _, _, err := agentbin.Binary("amd64"); err != nil {
		t.Skipf("this test binary was compiled without the embedded agent (run `make testacc`, which builds it first): %v", err)
	}
}

// startWithAgent is the opening of a test that writes bundles:
// requireAgent, an emulator, and a folder for the bundles.
func startWithAgent(t *testing.T) (*emulator.Server, string) {
	t.Helper()
	requireAgent(t)
	srv := acctest.StartEmulator(t)
	return srv, t.TempDir()
}

// checkBundles reads the bundles from disk: every file there, the agent config
// parses and names this node and its peer, and the secret is only in the
// 0600 credentials file.
func checkBundles(dir string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		want := map[string][2]string{"master": {"i-bszab8pxg0", "i-pi9w6jp716"}, "backup": {"i-pi9w6jp716", "i-bszab8pxg0"}}
		for node, ids := range want {
			nodeDir := filepath.Join(dir, node)
			if st, err := os.Stat(nodeDir); err != nil || st.Mode().Perm() != 0o700 {
				return fmt.Errorf("%s: want a 0700 folder: %v %v", nodeDir, st, err)
			}
			cfg, err := agent.ParseConfig("agent.json", mustRead(nodeDir, "agent.json"))
			if err != nil {
				return fmt.Errorf("%s/agent.json does not parse as the agent would: %v", node, err)
			}
			if cfg.InstanceID != ids[0] || cfg.PeerInstanceID != ids[1] || cfg.EIPID != "fip-b6f37survq" || cfg.Endpoint != "127.0.0.1:8000" {
				return fmt.Errorf("%s/agent.json: %+v", node, cfg)
			}
			creds, err := agent.LoadCredentials(filepath.Join(nodeDir, "credentials"))
			if err != nil || creds.SecretKey != testSecret {
				return fmt.Errorf("%s/credentials: the agent cannot load it: %v", node, err)
			}
			for _, f := range []string{"keepalived.conf", "agent.json", "install.sh"} {
				if strings.Contains(string(mustRead(nodeDir, f)), testSecret) {
					return fmt.Errorf("%s/%s contains the secret key", node, f)
				}
			}
			agentBinary, sum, _ := agentbin.Binary("amd64")
			if got := mustRead(nodeDir, "jdcloud-eip-failover"); len(got) != len(agentBinary) {
				return fmt.Errorf("%s: agent binary is %d bytes, embedded one %d", node, len(got), len(agentBinary))
			}
			if st, _ := os.Stat(filepath.Join(nodeDir, "jdcloud-eip-failover")); st.Mode().Perm() != 0o755 {
				return fmt.Errorf("%s: agent mode %v", node, st.Mode())
			}
			if got := s.RootModule().Resources["jdcloudha_keepalived_config.web"].Primary.Attributes["nodes."+node+".files.jdcloud-eip-failover"]; got != sum {
				return fmt.Errorf("%s: state sha256 of the agent %q, embedded %q", node, got, sum)
			}
			if conf := string(mustRead(nodeDir, "keepalived.conf")); !strings.Contains(conf, "enable_script_security") || strings.Contains(conf, `script "pidof`) {
				return fmt.Errorf("%s/keepalived.conf is not the rendered one:\n%s", node, conf)
			}
		}
		return nil
	}
}

// hashAttrs are the state attributes a node-setup step may depend on.
func hashAttrs(s *terraform.State) map[string]string {
	a := s.RootModule().Resources["jdcloudha_keepalived_config.web"].Primary.Attributes
	out := map[string]string{}
	for k, v := range a {
		if k == "id" || k == "agent_sha256" || strings.HasSuffix(k, ".bundle_sha256") || strings.Contains(k, ".files.") {
			out[k] = v
		}
	}
	return out
}

func keepHashes(into *map[string]string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		*into = hashAttrs(s)
		if len(*into) < 2+2*6 {
			return fmt.Errorf("too few hash attributes in state: %v", *into)
		}
		return nil
	}
}

func checkSameHashes(want *map[string]string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		got := hashAttrs(s)
		for k, v := range *want {
			if got[k] != v {
				return fmt.Errorf("%s changed from %q to %q: rewriting the bundles must not change it", k, v, got[k])
			}
		}
		return nil
	}
}

func mustRead(dir, name string) []byte {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return []byte("<" + err.Error() + ">")
	}
	return b
}

// Bad settings fail at plan time with the attribute named, before anything is written.
func TestAccKeepalivedConfig_invalidSettingsFailAtPlan(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	cases := map[string]struct{ extra, want string }{
		"curly quotes from the article": {`health_check = { process = "“pidof nginx”" }`, `health_check\.process`},
		"pidof":                         {`health_check = { process = "pidof" }`, `pidof always fails`},
		"sub-second advert with v2":     {`advert_interval = "500ms"`, `advert_interval: 500ms: VRRPv2 needs whole seconds`},
		"auth with v3":                  {"vrrp_version = 3\n  auth_pass = \"secret\"", `auth_pass: VRRPv3 has no authentication`},
		"preempt_delay without preempt": {`preempt_delay = "5s"`, `preempt_delay: only applies with preempt`},
		"brace injection in interface":  {`interface = "eth0 }"`, `interface`},
		"not a duration":                {`advert_interval = "soon"`, `advert_interval: "soon" is not a duration`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.ParallelTest(t, acctest.CaseChecking(t, nil, []resource.TestStep{{
				Config:      acctest.ProviderConfig(srv) + keepalivedConfig(t.TempDir(), tc.extra),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Invalid keepalived setting(.|\n)*` + tc.want),
			}}))
		})
	}
}

// planCheck adapts a function to plancheck.PlanCheck.
type planCheck func(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse)

func (f planCheck) CheckPlan(ctx context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	f(ctx, req, resp)
}

// expectUnchanged fails when the planned value at attr (a path of map keys)
// differs from the prior state's or is unknown.
func expectUnchanged(addr string, attr ...string) plancheck.PlanCheck {
	return planCheck(func(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
		for _, rc := range req.Plan.ResourceChanges {
			if rc.Address != addr {
				continue
			}
			before, after, unknown := dig(rc.Change.Before, attr), dig(rc.Change.After, attr), dig(rc.Change.AfterUnknown, attr)
			if unknown == true {
				resp.Error = fmt.Errorf("%s.%s is unknown in the plan; it must stay known", addr, strings.Join(attr, "."))
			} else if before == nil || fmt.Sprint(before) != fmt.Sprint(after) {
				resp.Error = fmt.Errorf("%s.%s: planned %v, was %v; it must not change", addr, strings.Join(attr, "."), after, before)
			}
			return
		}
		resp.Error = fmt.Errorf("%s is not in the plan", addr)
	})
}

func dig(v any, keys []string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// A priority change is reviewable: the plan holds the new keepalived.conf
// line, the agent's hash stays known and unchanged, and the backup's bundle
// (which does not carry the master's priority) does not change.
func TestAccKeepalivedConfig_planShowsTheChangedLine(t *testing.T) {
	srv, dir := startWithAgent(t)
	_, agentSum, _ := agentbin.Binary("amd64")
	withPriority := func(p int) string {
		return acctest.ProviderConfig(srv) + strings.Replace(keepalivedConfig(dir, ""), `private_ip  = "10.0.1.18"`,
			fmt.Sprintf("private_ip  = \"10.0.1.18\"\n    priority    = %d", p), 1)
	}
	const addr = "jdcloudha_keepalived_config.web"
	resource.ParallelTest(t, acctest.CaseChecking(t, nil, []resource.TestStep{
		{
			Config: withPriority(101),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				// Created from literal inputs: everything but the id is known at plan time.
				plancheck.ExpectKnownValue(addr, tfjsonpath.New("nodes").AtMapKey("master").AtMapKey("keepalived_conf"), knownvalue.StringRegexp(regexp.MustCompile(`\n\s+priority 101\n`))),
				plancheck.ExpectKnownValue(addr, tfjsonpath.New("agent_sha256"), knownvalue.StringExact(agentSum)),
				plancheck.ExpectKnownValue(addr, tfjsonpath.New("nodes").AtMapKey("backup").AtMapKey("bundle_sha256"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{64}$`))),
			}},
		},
		{
			Config: withPriority(150),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				plancheck.ExpectKnownValue(addr, tfjsonpath.New("nodes").AtMapKey("master").AtMapKey("keepalived_conf"), knownvalue.StringRegexp(regexp.MustCompile(`\n\s+priority 150\n`))),
				// The short version: only the changed line, of the only node that changes.
				plancheck.ExpectKnownValue(addr, tfjsonpath.New("changes"), knownvalue.StringRegexp(regexp.MustCompile(`^master keepalived\.conf:\n- priority 101\n\+ priority 150\n([-+] [^\n]* 1(01|50)"\n)*$`))),
				expectUnchanged(addr, "agent_sha256"),
				expectUnchanged(addr, "id"),
				expectUnchanged(addr, "nodes", "backup", "bundle_sha256"),
				expectUnchanged(addr, "nodes", "backup", "keepalived_conf"),
				expectUnchanged(addr, "nodes", "master", "files", "jdcloud-eip-failover"),
			}},
			Check: func(*terraform.State) error {
				if conf := string(mustRead(filepath.Join(dir, "master"), "keepalived.conf")); !strings.Contains(conf, "priority 150") {
					return fmt.Errorf("the master's bundle was not rewritten:\n%s", conf)
				}
				return nil
			},
		},
		// The summary stays as it is while nothing changes: no diff of its own.
		{Config: withPriority(150), PlanOnly: true},
	}))
}

// A node-setup step triggered by the nodes' bundle hashes, as in
// examples/ha-pair: bundles missing on this machine and a provider upgrade
// without an agent change replace nothing; a master-only change re-runs only
// the master's step.
func TestAccKeepalivedConfig_nodeSetupRunsOnlyWhenItsNodeChanges(t *testing.T) {
	srv, dir := startWithAgent(t)
	setup := `
resource "terraform_data" "setup" {
  count            = 2 # [0] master, [1] backup (the test harness cannot read for_each keys)
  triggers_replace = jdcloudha_keepalived_config.web.nodes[["master", "backup"][count.index]].bundle_sha256
}
`
	config := acctest.ProviderConfig(srv) + keepalivedConfig(dir, "") + setup
	upgraded := map[string]func() (tfprotov6.ProviderServer, error){
		acctest.ProviderName: providerserver.NewProtocol6WithError(provider.New("99.0.0")()),
	}
	const addr = "jdcloudha_keepalived_config.web"
	setupAddr := map[string]string{"master": "terraform_data.setup[0]", "backup": "terraform_data.setup[1]"}
	noop := func(node string) plancheck.PlanCheck {
		return plancheck.ExpectResourceAction(setupAddr[node], plancheck.ResourceActionNoop)
	}
	var sums map[string]string
	// The bundles missing: they are written again (the config updates in
	// place, its hashes unchanged) and neither node's step runs.
	rewritesBundles := func(factories map[string]func() (tfprotov6.ProviderServer, error)) resource.TestStep {
		return resource.TestStep{
			ProtoV6ProviderFactories: factories,
			PreConfig:                func() { os.RemoveAll(dir) },
			Config:                   config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				noop("master"), noop("backup"),
			}},
			Check: resource.ComposeAggregateTestCheckFunc(checkBundles(dir), checkSameHashes(&sums)),
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories, Config: config, Check: keepHashes(&sums)},
			// A colleague's laptop or a CI runner: no bundles folder.
			rewritesBundles(acctest.ProtoV6ProviderFactories),
			{
				// A new provider version with the same agent: nothing to do.
				ProtoV6ProviderFactories: upgraded,
				Config:                   config,
				ConfigPlanChecks:         resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			// Both at once.
			rewritesBundles(upgraded),
			{
				// Only the master's priority: only the master's step runs again.
				ProtoV6ProviderFactories: upgraded,
				Config:                   strings.Replace(config, `private_ip  = "10.0.1.18"`, "private_ip  = \"10.0.1.18\"\n    priority    = 150", 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction(setupAddr["master"], plancheck.ResourceActionReplace),
					noop("backup"),
				}},
			},
		},
	})
}

// The id survives what changes in place: the EIP replaced (deleted out of
// band, or tainted) and a new virtual_router_id. Both used to fail the apply
// with "Provider produced inconsistent result after apply ... .id".
func TestAccKeepalivedConfig_idStableAcrossEIPReplacementAndVRIDChange(t *testing.T) {
	srv, dir := startWithAgent(t)
	eip := `
resource "jdcloudha_elastic_ip" "vip" {
  name           = "ha-vip"
  bandwidth_mbps = 5
}
`
	config := func(extra string) string {
		return acctest.ProviderConfig(srv) + eip + strings.Replace(keepalivedConfig(dir, extra),
			`elastic_ip_id = "fip-b6f37survq"`, `elastic_ip_id = jdcloudha_elastic_ip.vip.id`, 1)
	}
	const addr = "jdcloudha_keepalived_config.web"
	var firstID, firstEIP string
	keep := func(s *terraform.State) error {
		a := s.RootModule().Resources[addr].Primary.Attributes
		firstID, firstEIP = a["id"], a["elastic_ip_id"]
		return nil
	}
	sameID := func(s *terraform.State) error {
		if got := s.RootModule().Resources[addr].Primary.Attributes["id"]; got != firstID {
			return fmt.Errorf("id changed from %q to %q", firstID, got)
		}
		return nil
	}
	agentEIP := func(s *terraform.State) error {
		cfg, err := agent.ParseConfig("agent.json", mustRead(filepath.Join(dir, "master"), "agent.json"))
		if err != nil {
			return err
		}
		if want := s.RootModule().Resources["jdcloudha_elastic_ip.vip"].Primary.ID; cfg.EIPID != want || want == firstEIP {
			return fmt.Errorf("the master's agent.json names %s; want the new EIP %s (the old one was %s)", cfg.EIPID, want, firstEIP)
		}
		return nil
	}
	resource.ParallelTest(t, acctest.Case(t, srv, []resource.TestStep{
		{Config: config(""), Check: keep},
		{
			Taint:  []string{"jdcloudha_elastic_ip.vip"},
			Config: config(""),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
			}},
			Check: resource.ComposeAggregateTestCheckFunc(sameID, agentEIP),
		},
		{
			Config: config("virtual_router_id = 52"),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				expectUnchanged(addr, "id"),
			}},
			Check: resource.ComposeAggregateTestCheckFunc(sameID,
				resource.TestMatchResourceAttr(addr, "nodes.backup.keepalived_conf", regexp.MustCompile(`virtual_router_id 52\n`))),
		},
		{Config: config("virtual_router_id = 52"), PlanOnly: true},
	}))
}
