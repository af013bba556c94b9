package acctest_test

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
)

// A pair's create that ends while the association is under way (its
// timeout here; Ctrl-C ends it the same way) leaves the pair in state,
// tainted, so the destroy that follows releases the EIP and everything goes.
// Without that, the bound EIP would be in no state and its destroy refused.
func TestAccPairCreateInterruptedDuringTheAssociation(t *testing.T) {
	// The association takes effect after 3 s; the pair's create gives up at 1 s.
	srv := acctest.PreCheckAndStart(t, acctest.WithFaults("latency=3s@vm.AssociateElasticIp", 1))
	config := acctest.ProviderConfig(srv) + acctest.ArticleTopology + `
resource "jdcloudha_failover_pair" "web" {
  elastic_ip_id      = jdcloudha_elastic_ip.vip.id
  master_instance_id = jdcloudha_instance.master.id
  backup_instance_id = jdcloudha_instance.backup.id
  timeouts = { create = "1s" }
}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      config,
			ExpectError: acctest.ErrorRegexp("binding elastic IP"),
		}},
		CheckDestroy: acctest.CheckNothingLeft(srv),
	})
}
