package failover_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
)

const pairConfig = acctest.ArticlePair

// eipHolder asks the API which instance holds the pair's EIP.
func eipHolder(srv *emulator.Server, s *terraform.State) (string, error) {
	_, vpc, _, _ := acctest.SDKClients(srv)
	id := s.RootModule().Resources["jdcloudha_elastic_ip.vip"].Primary.ID
	resp, err := acctest.Call("vpc.DescribeElasticIp", func() (*vpcapis.DescribeElasticIpResponse, error) {
		return vpc.DescribeElasticIp(vpcapis.NewDescribeElasticIpRequest(acctest.Region(srv), id))
	})
	if err != nil {
		return "", err
	}
	return resp.Result.ElasticIp.InstanceId, nil
}

func checkHolder(srv *emulator.Server, instanceAddr string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		holder, err := eipHolder(srv, s)
		if err != nil {
			return err
		}
		want := s.RootModule().Resources[instanceAddr].Primary.ID
		if holder != want {
			return fmt.Errorf("the API says the EIP is on %q, want %s (%s)", holder, instanceAddr, want)
		}
		return nil
	}
}

// failoverOutOfBand does what the agent does on the backup: move the EIP there.
func failoverOutOfBand(t *testing.T, srv *emulator.Server, state func() *terraform.State) {
	s := state()
	eip := s.RootModule().Resources["jdcloudha_elastic_ip.vip"].Primary.ID
	master := s.RootModule().Resources["jdcloudha_instance.master"].Primary.ID
	backup := s.RootModule().Resources["jdcloudha_instance.backup"].Primary.ID
	// MoveEIP waits out state PROCESSING (the emulator's eip-association=async).
	if err := acctest.MoveEIP(srv, eip, master, backup); err != nil {
		t.Fatal(err)
	}
}

func TestAccFailoverPair_bindsMasterAndNeverUndoesAFailover(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	config := acctest.ProviderConfig(srv) + acctest.ArticleTopology + pairConfig
	var last *terraform.State
	keep := func(s *terraform.State) error { last = s; return nil }

	resource.ParallelTest(t, acctest.Case(t, srv, []resource.TestStep{
		{
			Config: config,
			Check: resource.ComposeAggregateTestCheckFunc(
				checkHolder(srv, "jdcloudha_instance.master"),
				resource.TestCheckResourceAttr("jdcloudha_failover_pair.web", "active_role", "master"),
				resource.TestCheckResourceAttrPair("jdcloudha_failover_pair.web", "active_instance_id", "jdcloudha_instance.master", "id"),
				resource.TestCheckResourceAttrPair("jdcloudha_failover_pair.web", "elastic_ip_address", "jdcloudha_elastic_ip.vip", "address"),
				resource.TestCheckResourceAttrPair("jdcloudha_failover_pair.web", "id", "jdcloudha_elastic_ip.vip", "id"),
				keep,
			),
		},
		{
			// The agent moved the EIP to the backup: the plan stays empty and
			// the pair reports the backup as active.
			PreConfig: func() { failoverOutOfBand(t, srv, func() *terraform.State { return last }) },
			Config:    config,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				checkHolder(srv, "jdcloudha_instance.backup"),
				resource.TestCheckResourceAttr("jdcloudha_failover_pair.web", "active_role", "backup"),
				resource.TestCheckResourceAttrPair("jdcloudha_failover_pair.web", "active_instance_id", "jdcloudha_instance.backup", "id"),
			),
		},
		{
			ResourceName:            "jdcloudha_failover_pair.web",
			ImportState:             true,
			ImportStateVerify:       true,
			ImportStateIdFunc:       pairImportID,
			ImportStateVerifyIgnore: []string{"timeouts"},
		},
	}))
}

func pairImportID(s *terraform.State) (string, error) {
	r := s.RootModule().Resources
	return fmt.Sprintf("%s,%s,%s", r["jdcloudha_elastic_ip.vip"].Primary.ID, r["jdcloudha_instance.master"].Primary.ID, r["jdcloudha_instance.backup"].Primary.ID), nil
}

// Swapping the roles in place leaves the EIP where it is: both are members.
func TestAccFailoverPair_swapRolesKeepsTheEIP(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	base := acctest.ProviderConfig(srv) + acctest.ArticleTopology
	swapped := `
resource "jdcloudha_failover_pair" "web" {
  elastic_ip_id      = jdcloudha_elastic_ip.vip.id
  master_instance_id = jdcloudha_instance.backup.id
  backup_instance_id = jdcloudha_instance.master.id
}
`
	resource.ParallelTest(t, acctest.Case(t, srv, []resource.TestStep{
		{Config: base + pairConfig, Check: checkHolder(srv, "jdcloudha_instance.master")},
		{
			Config: base + swapped,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("jdcloudha_failover_pair.web", plancheck.ResourceActionUpdate)},
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				checkHolder(srv, "jdcloudha_instance.master"),
				resource.TestCheckResourceAttr("jdcloudha_failover_pair.web", "active_role", "backup"),
			),
		},
	}))
}

func TestAccFailoverPair_sameInstanceTwiceFailsAtPlan(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	resource.ParallelTest(t, acctest.CaseChecking(t, nil, []resource.TestStep{{
		Config: acctest.ProviderConfig(srv) + `
resource "jdcloudha_failover_pair" "web" {
  elastic_ip_id      = "fip-abc"
  master_instance_id = "i-same"
  backup_instance_id = "i-same"
}
`,
		PlanOnly:    true,
		ExpectError: regexp.MustCompile(`backup_instance_id must differ from master_instance_id`),
	}}))
}

// A zonal EIP cannot be asked for: refused at plan, before anything is created.
func TestAccFailoverPair_zonalEIPAcrossZonesFailsAtPlan(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	topology := acctest.ProviderConfig(srv) + regexp.MustCompile(`(?s)resource "jdcloudha_elastic_ip" "vip" \{.*?\n\}`).ReplaceAllString(acctest.ArticleTopology, `resource "jdcloudha_elastic_ip" "vip" {
  name           = "ha-vip"
  bandwidth_mbps = 5
  az             = "cn-east-2a"
}`)
	resource.ParallelTest(t, acctest.Case(t, srv, []resource.TestStep{
		{
			// CreateElasticIps has no zone, so jdcloudha_elastic_ip refuses
			// az at plan time, before the pair's own zone check could run
			// (that check remains for zonal edge EIPs made outside Terraform).
			Config:      topology + pairConfig,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)Zonal elastic IPs cannot be created.*Remove az`),
		},
	}))
}
