package network_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
)

// With the API failing a third of all requests (5xx, 429, dropped
// connections), the network and its availability group still apply, plan
// empty and destroy, and no create leaves a second copy behind.
func TestAccNetwork_faults(t *testing.T) {
	srv := acctest.PreCheckAndStart(t, acctest.WithFaults("500=0.15,503=0.05,429=0.1,drop=0.03", 7))
	region := acctest.Region(srv)
	cfg := acctest.ProviderConfig(srv) + acctest.Network("test", "flaky", "flaky") + fmt.Sprintf(`

resource "jdcloudha_security_group" "test" {
  vpc_id = jdcloudha_vpc.test.id
  name   = "flaky"
  %s
}

resource "jdcloudha_availability_group" "test" {
  name = "flaky"
  azs  = ["%[2]sa", "%[2]sb"]
}
`, articleRules, region)

	resource.ParallelTest(t, acctest.Case(t, srv, []resource.TestStep{
		{
			Config: cfg,
			Check: resource.ComposeAggregateTestCheckFunc(
				func(*terraform.State) error {
					left, err := acctest.Leftovers(srv)
					if err != nil {
						return err
					}
					for kind, want := range map[string]int{"vpc": 1, "subnet": 1, "security_group": 1, "availability_group": 1} {
						if got := len(left[kind]); got != want {
							return fmt.Errorf("%d %s objects exist (%v), want %d: a retried create duplicated it", got, kind, left[kind], want)
						}
					}
					return nil
				},
				checkSGRulesAPI(srv,
					`0 6 22-22 0.0.0.0/0 ""`,
					`0 6 80-80 0.0.0.0/0 "http"`,
					`0 300 - 10.0.1.18/31 "VRRP from the peer"`,
					`1 300 - 10.0.1.18/31 "VRRP to the peer"`,
				),
			),
			ConfigPlanChecks: acctest.EmptyPlanAfterApply,
		},
	}))
}
