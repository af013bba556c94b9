package failover_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
	vpcclient "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/client"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/agent"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloudapi"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil"
)

const credAddr = "jdcloudha_failover_credentials.agent"

// credWiredConfig is the article's topology with the pair, least-privilege
// credentials and a keepalived_config that takes its keys from them. Each
// node's config_dir is its bundle folder, so the agent.json in the bundle
// finds the bundle's own credentials file, as it would on the node.
func credWiredConfig(srv *emulator.Server, dir, rotation string) string {
	return acctest.ProviderConfig(srv) + acctest.ArticleTopology + acctest.ArticlePair + fmt.Sprintf(`
resource "jdcloudha_failover_credentials" "agent" {
  name          = "web-agent"
  elastic_ip_id = jdcloudha_elastic_ip.vip.id
  instance_ids  = [jdcloudha_instance.master.id, jdcloudha_instance.backup.id]
  rotation      = %[1]q
  # The nodes' bundles are rewritten in the same apply, so the previous key
  # is retired at once (the guide's one-step path for bundles read in place).
  installed_rotation = %[1]q
}
`, rotation) + pairKeepalivedConfig(srv, dir, fmt.Sprintf(`
  access_key = jdcloudha_failover_credentials.agent.access_key
  secret_key = jdcloudha_failover_credentials.agent.secret_key
  output_dir = %q
`, dir))
}

// pairKeepalivedConfig is a keepalived_config of ArticlePair's two
// instances whose agents talk to srv, with the further attributes attrs.
// configDir "" leaves the nodes' config_dir unset; otherwise each node's is
// configDir/<node>.
func pairKeepalivedConfig(srv *emulator.Server, configDir, attrs string) string {
	node := func(name string) string {
		dir := ""
		if configDir != "" {
			dir = fmt.Sprintf("\n    config_dir  = %q", configDir+"/"+name)
		}
		return fmt.Sprintf(`{
    instance_id = jdcloudha_instance.%[1]s.id
    private_ip  = jdcloudha_instance.%[1]s.private_ip%[2]s
  }`, name, dir)
	}
	return fmt.Sprintf(`
resource "jdcloudha_keepalived_config" "web" {
  elastic_ip_id = jdcloudha_failover_pair.web.elastic_ip_id
  endpoint      = %q
  master = %s
  backup = %s
%s}
`, srv.Endpoint, node("master"), node("backup"), attrs)
}

func TestAccKeepalivedConfig_withFailoverCredentials(t *testing.T) {
	srv, dir := startWithAgent(t)
	var firstKey [2]string

	resource.ParallelTest(t, acctest.Case(t, srv, []resource.TestStep{
		{
			Config: credWiredConfig(srv, dir, "1"),
			Check: resource.ComposeAggregateTestCheckFunc(
				checkCredentialsOnlyInCredentialsFile(srv, dir, &firstKey),
				// The backup's agent, run from its bundle, takes the EIP.
				checkTakeoverFromBundle(srv, dir, "backup", "jdcloudha_instance.backup"),
			),
		},
		{
			// Rotation rewrites both bundles with the new key; with installed_rotation
			// following it, the old one is dead.
			Config: credWiredConfig(srv, dir, "2"),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(credAddr, plancheck.ResourceActionUpdate),
				plancheck.ExpectResourceAction("jdcloudha_keepalived_config.web", plancheck.ResourceActionUpdate),
			}},
			Check: resource.ComposeAggregateTestCheckFunc(
				checkCredentialsOnlyInCredentialsFile(srv, dir, nil),
				func(s *terraform.State) error {
					if now := s.RootModule().Resources[credAddr].Primary.Attributes["access_key"]; now == firstKey[0] {
						return fmt.Errorf("rotation kept access key %s", now)
					}
					return checkKeyDead(srv, firstKey)
				},
				checkTakeoverFromBundle(srv, dir, "master", "jdcloudha_instance.master"),
			),
		},
		{Config: credWiredConfig(srv, dir, "2"), PlanOnly: true},
	}))
}

// checkCredentialsOnlyInCredentialsFile: each bundle's credentials file (0600)
// holds the sub-user's key from state, and neither half of the key — nor the
// account's own secret — is in any other bundle file or in the rendered texts
// kept in state.
func checkCredentialsOnlyInCredentialsFile(srv *emulator.Server, dir string, save *[2]string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		cred := s.RootModule().Resources[credAddr].Primary.Attributes
		ak, sk := cred["access_key"], cred["secret_key"]
		if !strings.HasPrefix(ak, "JDC_") || sk == "" {
			return fmt.Errorf("credentials in state: access_key %q, secret set: %v", ak, sk != "")
		}
		if ak == srv.AccessKey {
			return fmt.Errorf("the bundle would carry the account's own key")
		}
		if save != nil {
			*save = [2]string{ak, sk}
		}
		kc := s.RootModule().Resources["jdcloudha_keepalived_config.web"].Primary.Attributes
		for _, node := range []string{"master", "backup"} {
			nodeDir := filepath.Join(dir, node)
			credFile := filepath.Join(nodeDir, "credentials")
			st, err := os.Stat(credFile)
			if err != nil || st.Mode().Perm() != 0o600 {
				return fmt.Errorf("%s: want mode 0600: %v %v", credFile, st, err)
			}
			got, err := agent.LoadCredentials(credFile)
			if err != nil {
				return fmt.Errorf("%s: the agent cannot load it: %v", credFile, err)
			}
			if got.AccessKey != ak || got.SecretKey != sk {
				return fmt.Errorf("%s holds access key %s, state has %s (or the secrets differ)", credFile, got.AccessKey, ak)
			}
			for _, f := range []string{"keepalived.conf", "agent.json", "install.sh", "jdcloud-eip-failover"} {
				body := string(mustRead(nodeDir, f))
				for what, secret := range map[string]string{"access key": ak, "secret key": sk, "account secret key": srv.SecretKey} {
					if strings.Contains(body, secret) {
						return fmt.Errorf("%s/%s contains the %s", node, f, what)
					}
				}
			}
			if strings.Contains(string(mustRead(nodeDir, "credentials")), srv.SecretKey) {
				return fmt.Errorf("%s/credentials contains the account's secret key", node)
			}
			for _, a := range []string{"keepalived_conf", "agent_config"} {
				if v := kc["nodes."+node+"."+a]; strings.Contains(v, sk) || strings.Contains(v, ak) {
					return fmt.Errorf("nodes.%s.%s in state contains the credentials", node, a)
				}
			}
		}
		return nil
	}
}

// checkTakeoverFromBundle runs the agent as the node would: its agent.json,
// the credentials file it names, the endpoint it names.
func checkTakeoverFromBundle(srv *emulator.Server, dir, node, instanceAddr string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		cfg, err := agent.LoadConfig(filepath.Join(dir, node, "agent.json"))
		if err != nil {
			return err
		}
		creds, err := agent.LoadCredentials(cfg.CredentialsFile)
		if err != nil {
			return err
		}
		eipAgent := &agent.Agent{Config: cfg, Cloud: agent.NewSDKCloud(cfg, creds)}
		if err := eipAgent.Takeover(context.Background()); err != nil {
			return fmt.Errorf("takeover by %s's agent with the bundle's credentials: %v", node, err)
		}
		want := s.RootModule().Resources[instanceAddr].Primary.ID
		if got, err := eipHolder(srv, s); err != nil || got != want {
			return fmt.Errorf("after %s's takeover the EIP is on %q (%v), want %s", node, got, err, want)
		}
		return nil
	}
}

// checkKeyDead signs a request with a rotated-out key: 401.
func checkKeyDead(srv *emulator.Server, key [2]string) error {
	vpc := testutil.SDKClientAs(srv, key[0], key[1], vpcclient.NewVpcClient)
	_, err := acctest.Call("vpc.DescribeElasticIps", func() (*vpcapis.DescribeElasticIpsResponse, error) {
		return vpc.DescribeElasticIps(vpcapis.NewDescribeElasticIpsRequest(acctest.Region(srv)))
	})
	if e, ok := jdcloudapi.AsError(err); !ok || e.Code != 401 {
		return fmt.Errorf("rotated-out key %s: want 401, got %v", key[0], err)
	}
	return nil
}

// The keepalived config runs the agent's permission self-check with the key
// it writes into the bundles: a key the cloud refuses fails the apply, naming
// the call, and no bundle is written.
func TestAccKeepalivedConfig_permissionCheckRefusesABadKey(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	dir := t.TempDir()
	config := acctest.ProviderConfig(srv) + acctest.ArticleTopology + acctest.ArticlePair + pairKeepalivedConfig(srv, "", fmt.Sprintf(`
  access_key = %q
  secret_key = "not-the-secret-of-this-key"
  output_dir = %q
`, srv.AccessKey, dir))
	resource.Test(t, acctest.CaseChecking(t, nil, []resource.TestStep{{
		Config:      config,
		ExpectError: acctest.ErrorRegexp("Failover agent permission refused: vpc:describeElasticIp", "401"),
	}}))
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Errorf("a refused key still wrote bundles: %v %v", entries, err)
	}
}
