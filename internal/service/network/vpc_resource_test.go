package network_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	vpcmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
)

const vpcAddr = "jdcloudha_vpc.test"

func vpcConfig(srv *emulator.Server, name, cidr, description string) string {
	return acctest.ProviderConfig(srv) + fmt.Sprintf(`
resource "jdcloudha_vpc" "test" {
  name        = %q
  cidr_block  = %q
  description = %q
}
`, name, cidr, description)
}

// checkVpcAPI asserts what the API itself holds, not just the state.
func checkVpcAPI(srv *emulator.Server, name, cidr, description string) resource.TestCheckFunc {
	return checkAPI(srv, vpcAddr, apiVpc, func(v vpcmodels.Vpc, _ *terraform.State) error {
		if v.VpcName != name || v.AddressPrefix != cidr || v.Description != description {
			return fmt.Errorf("API has VPC name=%q cidr=%q description=%q; want %q %q %q", v.VpcName, v.AddressPrefix, v.Description, name, cidr, description)
		}
		return nil
	})
}

func TestAccVpc_lifecycle(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	resource.ParallelTest(t, acctest.Case(t, srv, acctest.LifecycleSteps(vpcAddr,
		resource.TestStep{
			Config: vpcConfig(srv, "ha-vpc", "10.0.0.0/16", "first"),
			Check:  checkVpcAPI(srv, "ha-vpc", "10.0.0.0/16", "first"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(vpcAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^vpc-`))),
				statecheck.ExpectKnownValue(vpcAddr, tfjsonpath.New("cidr_block"), knownvalue.StringExact("10.0.0.0/16")),
				statecheck.ExpectKnownValue(vpcAddr, tfjsonpath.New("created_time"), knownvalue.NotNull()),
			},
		},
		[]resource.TestStep{{
			// name and description change in place (ModifyVpc).
			Config: vpcConfig(srv, "ha-vpc-renamed", "10.0.0.0/16", "second"),
			Check:  checkVpcAPI(srv, "ha-vpc-renamed", "10.0.0.0/16", "second"),
		}},
		[]resource.TestStep{{
			// The API cannot change a VPC's range: a new block replaces it.
			Config: vpcConfig(srv, "ha-vpc-renamed", "172.16.0.0/16", "second"),
			Check:  checkVpcAPI(srv, "ha-vpc-renamed", "172.16.0.0/16", "second"),
		}},
	)))
}

// A VPC without cidr_block has no range restriction; import keeps it null.
func TestAccVpc_noCIDR(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	resource.ParallelTest(t, acctest.Case(t, srv, []resource.TestStep{
		{
			Config: acctest.ProviderConfig(srv) + `
resource "jdcloudha_vpc" "test" {
  name = "open-vpc"
}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(vpcAddr, tfjsonpath.New("cidr_block"), knownvalue.Null()),
				statecheck.ExpectKnownValue(vpcAddr, tfjsonpath.New("description"), knownvalue.StringExact("")),
			},
		},
		acctest.ImportStep(vpcAddr),
	}))
}

func TestAccVpc_disappears(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	resource.ParallelTest(t, acctest.Case(t, srv, []resource.TestStep{
		acctest.DisappearsStep(vpcConfig(srv, "gone-vpc", "10.0.0.0/16", ""), vpcAddr, deleteVpc(srv)),
	}))
}

// Invalid values fail at plan time with a message naming the attribute and
// the rule, before any API call.
func TestAccVpc_invalidInput(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	cases := []struct{ name, cidr, want string }{
		{"ok", "10.0.0.0/8", `cidr_block is invalid: "10.0.0.0/8" has prefix length /8; JD Cloud allows /16 to /28`},
		{"ok", "10.0.0.1/16", `has host bits set: write the network address "10.0.0.0/16"`},
		{"ok", "8.8.0.0/16", `not inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16`},
		{"ok", "10.0.0.0", `not a CIDR block`},
		{"bad name", "10.0.0.0/16", `name contains ' ' at position 4`},
		{"0123456789012345678901234567890123", "10.0.0.0/16", `name is 34 characters long; the limit is 32`},
	}
	steps := make([]resource.TestStep, 0, len(cases))
	for _, c := range cases {
		steps = append(steps, acctest.PlanError(vpcConfig(srv, c.name, c.cidr, ""), c.want))
	}
	resource.ParallelTest(t, acctest.Case(t, srv, steps))
}

// A region the API does not serve fails the plan, before anything is created.
func TestAccVpc_unknownRegionRefusedAtPlan(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	attrs := acctest.ProviderAttrs(srv)
	attrs["region"] = `"cn-west-9"`
	resource.ParallelTest(t, acctest.CaseChecking(t, nil, []resource.TestStep{{
		Config:      acctest.ProviderBlock(attrs) + "resource \"jdcloudha_vpc\" \"test\" {\n  name = \"x\"\n  cidr_block = \"10.0.0.0/16\"\n}\n",
		PlanOnly:    true,
		ExpectError: acctest.ErrorRegexp("Unknown region", `region "cn-west-9" is not served by the API`, "vpc.DescribeVpcs"),
	}}))
}

// The provider sends only documented filter names, so VPC, subnet and
// security group work whether the API refuses or ignores undocumented ones.
func TestAccNetwork_eachFilterReading(t *testing.T) {
	acctest.PreCheck(t)
	acctest.EachAlternative(t, []string{"unknown-filters"}, func(t *testing.T, opt func(*emulator.Options)) {
		srv := acctest.StartEmulator(t, opt)
		config := acctest.ProviderConfig(srv) + acctest.Network("test", "filters", "filters") + `
resource "jdcloudha_security_group" "test" {
  vpc_id = jdcloudha_vpc.test.id
  name   = "filters"
  rule {
    direction = "ingress"
    protocol  = "all"
    cidr      = "10.0.1.19/32"
  }
}
`
		resource.Test(t, acctest.Case(t, srv, []resource.TestStep{{
			Config:           config,
			ConfigPlanChecks: acctest.EmptyPlanAfterApply,
		}}))
	})
}
