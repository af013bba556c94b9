package failover_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
)

const bindingPairConfig = acctest.ArticlePair

// Whether the real API associates synchronously is not documented: the pair
// binds the EIP, survives a failover made by someone else, swaps roles and
// releases the EIP on destroy under either reading (eip-association=async:
// the EIP shows PROCESSING for a moment and refuses another associate
// meanwhile).
func TestAccEIPBinding_eachAssociationReading(t *testing.T) {
	acctest.PreCheck(t)
	acctest.EachAlternative(t, []string{"eip-association"}, func(t *testing.T, opt func(*emulator.Options)) {
		srv := acctest.StartEmulator(t, opt)
		config := acctest.ProviderConfig(srv) + acctest.ArticleTopology + bindingPairConfig
		swapped := acctest.ProviderConfig(srv) + acctest.ArticleTopology + `
resource "jdcloudha_failover_pair" "web" {
  elastic_ip_id      = jdcloudha_elastic_ip.vip.id
  master_instance_id = jdcloudha_instance.backup.id
  backup_instance_id = jdcloudha_instance.master.id
}
`
		var last *terraform.State
		keep := func(s *terraform.State) error { last = s; return nil }
		id := func(addr string) string { return last.RootModule().Resources[addr].Primary.ID }
		holderIs := func(addr string) resource.TestCheckFunc {
			return func(s *terraform.State) error {
				eip := s.RootModule().Resources["jdcloudha_elastic_ip.vip"].Primary.ID
				want := s.RootModule().Resources[addr].Primary.ID
				// The provider returned only once the API showed the holder.
				x, err := acctest.WaitEIPHolder(srv, eip, want)
				if err != nil {
					return err
				}
				if x.InstanceType != "compute" {
					return fmt.Errorf("holder instanceType %q, want compute", x.InstanceType)
				}
				return nil
			}
		}
		resource.Test(t, acctest.Case(t, srv, []resource.TestStep{
			{
				Config: config,
				Check: resource.ComposeAggregateTestCheckFunc(
					holderIs("jdcloudha_instance.master"),
					resource.TestCheckResourceAttrPair("jdcloudha_failover_pair.web", "active_instance_id", "jdcloudha_instance.master", "id"),
					keep,
				),
			},
			{
				PreConfig: func() {
					if err := acctest.MoveEIP(srv, id("jdcloudha_elastic_ip.vip"), id("jdcloudha_instance.master"), id("jdcloudha_instance.backup")); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: holderIs("jdcloudha_instance.backup"),
			},
			{
				// Swapped roles: both are members, the EIP stays on the backup.
				Config: swapped,
				Check:  holderIs("jdcloudha_instance.backup"),
			},
		}))
	})
}
