package failover_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/agentbin"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/failover"
)

const testSecret = "agent-secret-Zq81"

// keepalivedConfig renders a pair from literal IDs: the resource makes no API call.
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
  access_key = "agent-ak"
  secret_key = %q
  %s
  %s
}
`, testSecret, out, extra)
}

func TestAccKeepalivedConfig_rendersAndWritesBundles(t *testing.T) {
	acctest.PreCheck(t)
	if _, _, err := agentbin.Binary("amd64"); err != nil {
		t.Skipf("this test binary was compiled without the embedded agent (run `make testacc`, which builds it first): %v", err)
	}
	srv := acctest.StartEmulator(t)
	dir := t.TempDir()
	config := acctest.ProviderConfig(srv) + keepalivedConfig(dir, "")

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
					resource.TestMatchResourceAttr("jdcloudha_keepalived_config.web", "nodes.master.keepalived_conf", regexp.MustCompile(`notify_master_rx_lower_pri "/usr/local/sbin/jdcloud-eip-failover --config /etc/jdcloud-eip-failover/agent.json takeover"`)),
					resource.TestMatchResourceAttr("jdcloudha_keepalived_config.web", "nodes.master.keepalived_conf", regexp.MustCompile(`/usr/bin/pgrep -x nginx`)),
					resource.TestMatchResourceAttr("jdcloudha_keepalived_config.web", "agent_sha256", regexp.MustCompile(`^[0-9a-f]{64}$`)),
					checkBundles(dir),
				),
			},
			{
				// A bundle file edited on a node... here, on disk: refresh notices, apply rewrites.
				PreConfig: func() {
					if err := os.WriteFile(filepath.Join(dir, "backup", "keepalived.conf"), []byte("vrrp_script x { script \"pidof nginx\" }\n"), 0o644); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("jdcloudha_keepalived_config.web", plancheck.ResourceActionCreate)},
				},
				Check: checkBundles(dir),
			},
			{
				PreConfig: func() { os.Remove(filepath.Join(dir, "master", "jdcloud-eip-failover")) },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("jdcloudha_keepalived_config.web", plancheck.ResourceActionCreate)},
				},
				Check: checkBundles(dir),
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
			cfg, err := failover.ParseConfig("agent.json", mustRead(nodeDir, "agent.json"))
			if err != nil {
				return fmt.Errorf("%s/agent.json does not parse as the agent would: %v", node, err)
			}
			if cfg.InstanceID != ids[0] || cfg.PeerInstanceID != ids[1] || cfg.EIPID != "fip-b6f37survq" || cfg.Endpoint != "127.0.0.1:8000" {
				return fmt.Errorf("%s/agent.json: %+v", node, cfg)
			}
			creds, err := failover.LoadCredentials(filepath.Join(nodeDir, "credentials"))
			if err != nil || creds.SecretKey != testSecret {
				return fmt.Errorf("%s/credentials: the agent cannot load it: %v", node, err)
			}
			for _, f := range []string{"keepalived.conf", "agent.json", "install.sh"} {
				if strings.Contains(string(mustRead(nodeDir, f)), testSecret) {
					return fmt.Errorf("%s/%s contains the secret key", node, f)
				}
			}
			agent, sum, _ := agentbin.Binary("amd64")
			if got := mustRead(nodeDir, "jdcloud-eip-failover"); len(got) != len(agent) {
				return fmt.Errorf("%s: agent binary is %d bytes, embedded one %d", node, len(got), len(agent))
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

func mustRead(dir, name string) []byte {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return []byte("<" + err.Error() + ">")
	}
	return b
}

// Bad settings fail at plan time with the attribute named, before anything is written.
func TestAccKeepalivedConfig_invalidSettingsFailAtPlan(t *testing.T) {
	acctest.PreCheck(t)
	srv := acctest.StartEmulator(t)
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
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      acctest.ProviderConfig(srv) + keepalivedConfig(t.TempDir(), tc.extra),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(`Invalid keepalived setting(.|\n)*` + tc.want),
				}},
			})
		})
	}
}
