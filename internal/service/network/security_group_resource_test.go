package network_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
	vpcmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
)

const sgAddr = "jdcloudha_security_group.test"

// sgConfig is two VPCs (to test replacement) and a group in one of them.
func sgConfig(srv *emulator.Server, vpc, name, rules string) string {
	return acctest.ProviderConfig(srv) + vpcBlock("a", "sg-test-a", "10.0.0.0/16") + vpcBlock("b", "sg-test-b", "10.1.0.0/16") + fmt.Sprintf(`
resource "jdcloudha_security_group" "test" {
  vpc_id      = jdcloudha_vpc.%s.id
  name        = %q
  description = "web pair"
%s
}
`, vpc, name, rules)
}

// VRRP (protocol all) only between the two peers 10.0.1.18 and 10.0.1.19
// (10.0.1.18/31), both ways.
const vrrpPeerRules = `
  rule {
    direction   = "ingress"
    protocol    = "all"
    cidr        = "10.0.1.18/31"
    description = "VRRP from the peer"
  }
  rule {
    direction   = "egress"
    protocol    = "all"
    cidr        = "10.0.1.18/31"
    description = "VRRP to the peer"
  }
`

// httpRule opens the web port to anywhere; the lifecycle changes only its
// description, which must modify the rule in place.
func httpRule(description string) string {
	return fmt.Sprintf(`
  rule {
    direction   = "ingress"
    protocol    = "tcp"
    from_port   = 80
    to_port     = 80
    cidr        = "0.0.0.0/0"
    description = %q
  }
`, description)
}

// The article's network: ssh and http open, and the VRRP rules.
var articleRules = `
  rule {
    direction = "ingress"
    protocol  = "tcp"
    from_port = 22
    to_port   = 22
    cidr      = "0.0.0.0/0"
  }
` + httpRule("http") + vrrpPeerRules

// What the API holds for vrrpPeerRules and articleRules, as apiRuleSummary
// renders them.
var (
	vrrpPeerAPIRules = []string{
		`0 300 - 10.0.1.18/31 "VRRP from the peer"`,
		`1 300 - 10.0.1.18/31 "VRRP to the peer"`,
	}
	articleAPIRules = append([]string{
		`0 6 22-22 0.0.0.0/0 ""`,
		`0 6 80-80 0.0.0.0/0 "http"`,
	}, vrrpPeerAPIRules...)
)

// After: ssh gone, http's description changed, https added, egress to anywhere added.
var changedRules = httpRule("http (nginx)") + `
  rule {
    direction = "ingress"
    protocol  = "tcp"
    from_port = 443
    to_port   = 443
    cidr      = "0.0.0.0/0"
  }
` + vrrpPeerRules + `
  rule {
    direction = "egress"
    protocol  = "all"
    cidr      = "0.0.0.0/0"
  }
`

// apiRuleSummary renders the group's custom rules as sorted
// "direction protocol from-to cidr description" lines (ports only for tcp/udp).
func apiRuleSummary(sg vpcmodels.NetworkSecurityGroup) []string {
	var out []string
	for _, r := range sg.SecurityGroupRules {
		if r.RuleType == "default" {
			continue
		}
		ports := "-"
		if r.Protocol == 6 || r.Protocol == 17 {
			ports = fmt.Sprintf("%d-%d", r.FromPort, r.ToPort)
		}
		out = append(out, fmt.Sprintf("%d %d %s %s %q", r.Direction, r.Protocol, ports, r.AddressPrefix, r.Description))
	}
	sort.Strings(out)
	return out
}

// checkSGAPI runs check on the group at sgAddr as the API holds it.
func checkSGAPI(srv *emulator.Server, check func(sg vpcmodels.NetworkSecurityGroup) error) resource.TestCheckFunc {
	return checkAPI(srv, sgAddr, apiSecurityGroup, func(sg vpcmodels.NetworkSecurityGroup, _ *terraform.State) error { return check(sg) })
}

// checkSGRulesAPI checks that the group's custom rules are want, in any
// order (want itself is left as it is: it may be shared).
func checkSGRulesAPI(srv *emulator.Server, want ...string) resource.TestCheckFunc {
	want = slices.Sorted(slices.Values(want))
	return checkSGAPI(srv, func(sg vpcmodels.NetworkSecurityGroup) error {
		if got := apiRuleSummary(sg); strings.Join(got, "\n") != strings.Join(want, "\n") {
			return fmt.Errorf("API rules:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		return nil
	})
}

// ruleIDOf finds the API rule ID of the custom rule with the given direction, protocol and from_port.
func ruleIDOf(sg vpcmodels.NetworkSecurityGroup, direction, protocol, from int) string {
	for _, r := range sg.SecurityGroupRules {
		if r.Direction == direction && r.Protocol == protocol && (from == 0 || r.FromPort == from) {
			return r.RuleId
		}
	}
	return ""
}

func TestAccSecurityGroup_lifecycle(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	var httpRuleID string

	resource.ParallelTest(t, acctest.Case(t, srv, acctest.LifecycleSteps(sgAddr,
		resource.TestStep{
			Config: sgConfig(srv, "a", "web-sg", articleRules),
			Check: resource.ComposeAggregateTestCheckFunc(
				checkSGRulesAPI(srv, articleAPIRules...),
				checkSGAPI(srv, func(sg vpcmodels.NetworkSecurityGroup) error {
					httpRuleID = ruleIDOf(sg, 0, 6, 80)
					if httpRuleID == "" {
						return fmt.Errorf("no http rule in the API")
					}
					return nil
				}),
			),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(sgAddr, tfjsonpath.New("rule"), knownvalue.SetSizeExact(4)),
				statecheck.ExpectKnownValue(sgAddr, tfjsonpath.New("rule"), knownvalue.SetPartial([]knownvalue.Check{
					knownvalue.ObjectExact(map[string]knownvalue.Check{
						"direction":   knownvalue.StringExact("ingress"),
						"protocol":    knownvalue.StringExact("all"),
						"from_port":   knownvalue.Null(),
						"to_port":     knownvalue.Null(),
						"cidr":        knownvalue.StringExact("10.0.1.18/31"),
						"description": knownvalue.StringExact("VRRP from the peer"),
					}),
					knownvalue.ObjectExact(map[string]knownvalue.Check{
						"direction":   knownvalue.StringExact("ingress"),
						"protocol":    knownvalue.StringExact("tcp"),
						"from_port":   knownvalue.Int64Exact(22),
						"to_port":     knownvalue.Int64Exact(22),
						"cidr":        knownvalue.StringExact("0.0.0.0/0"),
						"description": knownvalue.Null(),
					}),
				})),
			},
		},
		[]resource.TestStep{{
			// Rules change in place: http keeps its rule ID (description modified), ssh removed, two added.
			Config: sgConfig(srv, "a", "web-sg-2", changedRules),
			Check: resource.ComposeAggregateTestCheckFunc(
				checkSGRulesAPI(srv, append([]string{
					`0 6 80-80 0.0.0.0/0 "http (nginx)"`,
					`0 6 443-443 0.0.0.0/0 ""`,
					`1 300 - 0.0.0.0/0 ""`,
				}, vrrpPeerAPIRules...)...),
				checkSGAPI(srv, func(sg vpcmodels.NetworkSecurityGroup) error {
					if got := ruleIDOf(sg, 0, 6, 80); got != httpRuleID {
						return fmt.Errorf("http rule ID is %q, was %q: a description change must modify the rule, not re-create it", got, httpRuleID)
					}
					if sg.NetworkSecurityGroupName != "web-sg-2" {
						return fmt.Errorf("API name %q, want web-sg-2", sg.NetworkSecurityGroupName)
					}
					return nil
				}),
			),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(sgAddr, tfjsonpath.New("rule"), knownvalue.SetSizeExact(5)),
			},
		}, {
			// No rule blocks: every custom rule is removed, in place.
			Config: sgConfig(srv, "a", "web-sg-2", ""),
			Check:  checkSGRulesAPI(srv),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(sgAddr, tfjsonpath.New("rule"), knownvalue.SetSizeExact(0)),
			},
		}},
		[]resource.TestStep{{
			// Another VPC replaces the group.
			Config: sgConfig(srv, "b", "web-sg-2", articleRules),
		}},
	)))
}

// A rule added outside Terraform shows up as drift and is removed by the next apply.
func TestAccSecurityGroup_ruleAddedOutOfBand(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	cfg := sgConfig(srv, "a", "web-sg", articleRules)
	resource.ParallelTest(t, acctest.Case(t, srv, []resource.TestStep{
		{
			Config: cfg,
			Check: func(s *terraform.State) error {
				id, err := acctest.StateID(s, sgAddr)
				if err != nil {
					return err
				}
				_, vpc, _, _ := acctest.SDKClients(srv)
				from, to := 3306, 3306
				_, err = acctest.Call("vpc.AddNetworkSecurityGroupRules", func() (*vpcapis.AddNetworkSecurityGroupRulesResponse, error) {
					return vpc.AddNetworkSecurityGroupRules(vpcapis.NewAddNetworkSecurityGroupRulesRequest(acctest.Region(srv), id,
						[]vpcmodels.AddSecurityGroupRules{{Protocol: 6, Direction: 0, AddressPrefix: "0.0.0.0/0", FromPort: &from, ToPort: &to}}))
				})
				return err
			},
			ExpectNonEmptyPlan: true,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectResourceAction(sgAddr, plancheck.ResourceActionUpdate)},
			},
		},
		{
			Config: cfg,
			Check:  checkSGRulesAPI(srv, articleAPIRules...),
		},
	}))
}

func TestAccSecurityGroup_disappears(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	resource.ParallelTest(t, acctest.Case(t, srv, []resource.TestStep{
		acctest.DisappearsStep(sgConfig(srv, "a", "gone", articleRules), sgAddr, deleteSecurityGroup(srv)),
	}))
}

func TestAccSecurityGroup_invalidRules(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	rule := func(body string) string { return "  rule {\n" + body + "\n  }\n" }
	cases := []struct{ rules, want string }{
		{rule(`direction = "ingress"
    protocol = "6"
    from_port = 22
    to_port = 22
    cidr = "0.0.0.0/0"`), `protocol 6 is written "tcp"`},
		{rule(`direction = "ingress"
    protocol = "vrrp"
    cidr = "10.0.1.18/31"`), `"vrrp" is not tcp, udp, icmp, all or an IP protocol number from 0 to 255`},
		{rule(`direction = "ingress"
    protocol = "tcp"
    cidr = "0.0.0.0/0"`), `from_port is required for protocol "tcp"`},
		{rule(`direction = "ingress"
    protocol = "icmp"
    from_port = 8
    to_port = 8
    cidr = "0.0.0.0/0"`), `from_port is not allowed for protocol "icmp"`},
		{rule(`direction = "ingress"
    protocol = "udp"
    from_port = 200
    to_port = 100
    cidr = "0.0.0.0/0"`), `is less than from_port (200)`},
		{rule(`direction = "ingress"
    protocol = "tcp"
    from_port = 0
    to_port = 80
    cidr = "0.0.0.0/0"`), `from_port value must be between 1 and 65535`},
		{rule(`direction = "inbound"
    protocol = "all"
    cidr = "0.0.0.0/0"`), `value must be one of: ["ingress" "egress"]`},
		{rule(`direction = "ingress"
    protocol = "all"
    cidr = "10.0.1.19/31"`), `has host bits set: write the network address "10.0.1.18/31"`},
		{rule(`direction = "ingress"
    protocol = "all"
    cidr = "10.0.1.18"`), `"10.0.1.18" is not a CIDR block`},
	}
	steps := make([]resource.TestStep, 0, len(cases))
	for _, c := range cases {
		steps = append(steps, acctest.PlanError(sgConfig(srv, "a", "bad", c.rules), c.want))
	}
	resource.ParallelTest(t, acctest.Case(t, srv, steps))
}

// Protocol 112 is not refused by the provider (the real API might take it;
// it gets a plan-time warning), and the emulator, like JD Cloud's documented
// API, refuses it: the apply fails cleanly, naming the call and the reason.
func TestAccSecurityGroup_protocol112RefusedByTheAPI(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	resource.ParallelTest(t, acctest.Case(t, srv, []resource.TestStep{{
		Config: sgConfig(srv, "a", "vrrp112", `
  rule {
    direction = "ingress"
    protocol  = "112"
    cidr      = "10.0.1.19/32"
  }
`),
		ExpectError: acctest.ErrorRegexp("vpc.AddNetworkSecurityGroupRules", "400 INVALID_ARGUMENT", "Invalid protocol 112"),
	}}))
}
