package network_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	vpcmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
)

const subnetAddr = "jdcloudha_subnet.test"

// subnetVpc is the VPC the subnet tests' subnets are made in.
var subnetVpc = vpcBlock("test", "subnet-test", "10.0.0.0/16")

func subnetConfig(srv *emulator.Server, name, cidr, description string) string {
	return acctest.ProviderConfig(srv) + subnetVpc + fmt.Sprintf(`
resource "jdcloudha_subnet" "test" {
  vpc_id      = jdcloudha_vpc.test.id
  name        = %q
  cidr_block  = %q
  description = %q
}
`, name, cidr, description)
}

func checkSubnetAPI(srv *emulator.Server, name, cidr, description string) resource.TestCheckFunc {
	return checkAPI(srv, subnetAddr, apiSubnet, func(sn vpcmodels.Subnet, s *terraform.State) error {
		vpcID, err := acctest.StateID(s, vpcAddr)
		if err != nil {
			return err
		}
		if sn.SubnetName != name || sn.AddressPrefix != cidr || sn.Description != description || sn.VpcId != vpcID {
			return fmt.Errorf("API has subnet name=%q cidr=%q description=%q vpc=%q; want %q %q %q %q",
				sn.SubnetName, sn.AddressPrefix, sn.Description, sn.VpcId, name, cidr, description, vpcID)
		}
		return nil
	})
}

func TestAccSubnet_lifecycle(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	resource.ParallelTest(t, acctest.Case(t, srv, acctest.LifecycleSteps(subnetAddr,
		resource.TestStep{
			Config: subnetConfig(srv, "web", "10.0.1.0/24", "article subnet"),
			Check:  checkSubnetAPI(srv, "web", "10.0.1.0/24", "article subnet"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(subnetAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^subnet-`))),
				statecheck.ExpectKnownValue(subnetAddr, tfjsonpath.New("available_ip_count"), knownvalue.Int64Func(func(n int64) error {
					if n <= 0 || n > 256 {
						return fmt.Errorf("available_ip_count %d is not plausible for a /24", n)
					}
					return nil
				})),
				statecheck.ExpectKnownValue(subnetAddr, tfjsonpath.New("start_ip"), knownvalue.NotNull()),
			},
		},
		[]resource.TestStep{{
			Config: subnetConfig(srv, "web-renamed", "10.0.1.0/24", ""),
			Check:  checkSubnetAPI(srv, "web-renamed", "10.0.1.0/24", ""),
		}},
		[]resource.TestStep{{
			Config: subnetConfig(srv, "web-renamed", "10.0.2.0/24", ""),
			Check:  checkSubnetAPI(srv, "web-renamed", "10.0.2.0/24", ""),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(vpcAddr, plancheck.ResourceActionNoop)},
			},
		}},
	)))
}

func TestAccSubnet_disappears(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	resource.ParallelTest(t, acctest.Case(t, srv, []resource.TestStep{
		acctest.DisappearsStep(subnetConfig(srv, "gone", "10.0.1.0/24", ""), subnetAddr, deleteSubnet(srv), plancheck.ExpectResourceAction(vpcAddr, plancheck.ResourceActionNoop)),
	}))
}

// A block outside the VPC's is refused: at plan time when the VPC already
// exists, and before CreateSubnet when the VPC is created in the same apply.
func TestAccSubnet_outsideVpc(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	vpcOnly := acctest.ProviderConfig(srv) + subnetVpc
	resource.ParallelTest(t, acctest.Case(t, srv, []resource.TestStep{
		{
			// VPC unknown at plan: the check runs in Create, no subnet is made.
			Config:      subnetConfig(srv, "web", "10.1.0.0/24", ""),
			ExpectError: acctest.ErrorRegexp(`cidr_block 10.1.0.0/24 is not inside the CIDR block 10.0.0.0/16 of VPC`),
		},
		{Config: vpcOnly},
		// VPC known: refused at plan time.
		acctest.PlanError(subnetConfig(srv, "web", "192.168.1.0/24", ""),
			`cidr_block 192.168.1.0/24 is not inside the CIDR block 10.0.0.0/16 of VPC`),
		acctest.PlanError(acctest.ProviderConfig(srv)+`
resource "jdcloudha_subnet" "test" {
  vpc_id     = "vpc-doesnotexist"
  name       = "web"
  cidr_block = "10.0.1.0/24"
}
`, `vpc_id "vpc-doesnotexist": no such VPC`),
	}))
}

// A block that overlaps an existing subnet of the VPC is refused at plan
// time (CreateSubnet would refuse it at apply).
func TestAccSubnet_overlapRefusedAtPlan(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	second := `
resource "jdcloudha_subnet" "second" {
  vpc_id     = jdcloudha_vpc.test.id
  name       = "second"
  cidr_block = %q
}
`
	resource.ParallelTest(t, acctest.Case(t, srv, []resource.TestStep{
		{Config: subnetConfig(srv, "web", "10.0.1.0/24", "")},
		acctest.PlanError(subnetConfig(srv, "web", "10.0.1.0/24", "")+fmt.Sprintf(second, "10.0.1.128/25"),
			`cidr_block 10.0.1.128/25 overlaps subnet "web"`),
		{
			// A neighbour is fine, and a subnet never overlaps itself.
			Config: subnetConfig(srv, "web", "10.0.1.0/24", "") + fmt.Sprintf(second, "10.0.2.0/24"),
		},
	}))
}
