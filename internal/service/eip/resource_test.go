package eip_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloudapi"
)

const addr = "jdcloudha_elastic_ip.test"

func eipConfig(srv *emulator.Server, body string) string {
	return acctest.ProviderConfig(srv) + fmt.Sprintf("resource \"jdcloudha_elastic_ip\" \"test\" {\n%s\n}\n", body)
}

func TestAccElasticIP_basic(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	sameID := statecheck.CompareValue(compare.ValuesSame())
	replacedID := statecheck.CompareValue(compare.ValuesDiffer())
	sameAddress := statecheck.CompareValue(compare.ValuesSame())

	resource.ParallelTest(t, acctest.CaseChecking(t, checkGoneFromAPI(srv), []resource.TestStep{
		{
			Config: eipConfig(srv, `bandwidth_mbps = 5`),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestMatchResourceAttr(addr, "id", regexp.MustCompile(`^fip-`)),
				resource.TestMatchResourceAttr(addr, "address", regexp.MustCompile(`^\d+\.\d+\.\d+\.\d+$`)),
				resource.TestCheckResourceAttr(addr, "bandwidth_mbps", "5"),
				resource.TestCheckResourceAttr(addr, "line", "bgp"),
				resource.TestCheckNoResourceAttr(addr, "az"),
				resource.TestMatchResourceAttr(addr, "name", regexp.MustCompile(`^tf-[0-9a-f]{20}$`)),
				resource.TestCheckResourceAttr(addr, "status", "NOT_ASSOCIATED"),
				resource.TestCheckResourceAttr(addr, "instance_id", ""),
			),
			ConfigStateChecks: []statecheck.StateCheck{
				sameID.AddStateValue(addr, tfjsonpath.New("id")),
				replacedID.AddStateValue(addr, tfjsonpath.New("id")),
				sameAddress.AddStateValue(addr, tfjsonpath.New("address")),
			},
		},
		{
			// Bandwidth and name change in place; the address stays.
			Config:           eipConfig(srv, "bandwidth_mbps = 20\nname = \"ha-vip\""),
			ConfigPlanChecks: acctest.ExpectAction(addr, plancheck.ResourceActionUpdate),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr(addr, "bandwidth_mbps", "20"),
				resource.TestCheckResourceAttr(addr, "name", "ha-vip"),
				checkAPIBandwidth(srv, 20),
			),
			ConfigStateChecks: []statecheck.StateCheck{
				sameID.AddStateValue(addr, tfjsonpath.New("id")),
				sameAddress.AddStateValue(addr, tfjsonpath.New("address")),
			},
		},
		{
			// Removing the name from the configuration leaves it alone.
			Config: eipConfig(srv, "bandwidth_mbps = 20"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
		},
		{
			// az = "" also means all zones: recorded in place, no new address.
			Config:           eipConfig(srv, "bandwidth_mbps = 20\naz = \"\""),
			ConfigPlanChecks: acctest.ExpectAction(addr, plancheck.ResourceActionUpdate),
			Check:            resource.TestCheckResourceAttr(addr, "az", ""),
			ConfigStateChecks: []statecheck.StateCheck{
				sameID.AddStateValue(addr, tfjsonpath.New("id")),
			},
		},
		{
			// CreateElasticIps has no zone: refused at plan time, nothing replaced.
			Config:      eipConfig(srv, "bandwidth_mbps = 20\nname = \"ha-vip\"\naz = \"cn-east-2a\""),
			PlanOnly:    true,
			ExpectError: acctest.ErrorRegexp("Zonal elastic IPs cannot be created", "Remove az"),
		},
		{
			// No non-BGP line in cn-east-2 (the emulator's region): refused at plan time.
			Config:      eipConfig(srv, "bandwidth_mbps = 20\nline = \"no_bgp\""),
			PlanOnly:    true,
			ExpectError: acctest.ErrorRegexp(`line = "no_bgp" is not offered in cn-east-2`),
		},
		{
			Config: eipConfig(srv, "bandwidth_mbps = 20"),
			ConfigStateChecks: []statecheck.StateCheck{
				sameID.AddStateValue(addr, tfjsonpath.New("id")),
			},
		},
		{
			ResourceName:      addr,
			ImportState:       true,
			ImportStateVerify: true,
		},
	}))
}

func checkAPIBandwidth(srv *emulator.Server, want int) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		e, err := describe(srv, s.RootModule().Resources[addr].Primary.ID)
		if err != nil {
			return err
		}
		if e.BandwidthMbps != want {
			return fmt.Errorf("the API reports %d Mbps, want %d", e.BandwidthMbps, want)
		}
		return nil
	}
}

func TestAccElasticIP_disappears(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	config := eipConfig(srv, `bandwidth_mbps = 5`)
	resource.ParallelTest(t, acctest.CaseChecking(t, checkGoneFromAPI(srv), acctest.RecreateSteps(config, addr, deleteEIP(srv), nil)))
}

func TestAccElasticIP_validation(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	for _, tc := range []struct{ body, want string }{
		{`bandwidth_mbps = 0`, `bandwidth_mbps.*must be between 1 and 200`},
		{`bandwidth_mbps = 201`, `bandwidth_mbps.*must be between 1 and 200`},
		{"bandwidth_mbps = 5\nline = \"china-mobile\"", `line.*value must be one of`},
		{"bandwidth_mbps = 5\nname = \"has space\"", `name contains ' ' at position 4`},
	} {
		resource.Test(t, acctest.CaseChecking(t, nil, []resource.TestStep{{
			Config:      eipConfig(srv, tc.body),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)` + tc.want),
		}}))
	}
	if st := srv.Emulator.Stats(); st.Total != 0 {
		t.Errorf("invalid configurations reached the API (%d calls): they must fail at plan time", st.Total)
	}
}

// An EIP held by an instance is not released: destroy fails, names the
// instance, and succeeds once the EIP is free.
func TestAccElasticIP_deleteWhileAssociated(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	network := acctest.Network("n", "eip-vpc", "eip-subnet") + `
resource "jdcloudha_availability_group" "n" {
  name = "eip-ag"
  azs  = ["cn-east-2a"]
}
resource "jdcloudha_instance" "holder" {
  name                  = "eip-holder"
  availability_group_id = jdcloudha_availability_group.n.id
  az                    = "cn-east-2a"
  instance_type         = "g.n2.medium"
  image_id              = "img-debian12-x64"
  subnet_id             = jdcloudha_subnet.n.id
  key_names             = ["ops"]
}
`
	withEIP := acctest.ProviderConfig(srv) + network + "resource \"jdcloudha_elastic_ip\" \"test\" {\n  bandwidth_mbps = 5\n}\n"
	withoutEIP := acctest.ProviderConfig(srv) + network
	var eipID, instanceID string
	associate := func(s *terraform.State) error {
		eipID = s.RootModule().Resources[addr].Primary.ID
		instanceID = s.RootModule().Resources["jdcloudha_instance.holder"].Primary.ID
		vm, _, _, _ := acctest.SDKClients(srv)
		_, err := acctest.Call("vm.AssociateElasticIp", func() (*vmapis.AssociateElasticIpResponse, error) {
			return vm.AssociateElasticIp(vmapis.NewAssociateElasticIpRequest(acctest.Region(srv), instanceID, eipID))
		})
		return err
	}
	resource.ParallelTest(t, acctest.Case(t, srv, []resource.TestStep{
		{
			Config: withEIP,
			Check:  associate,
			// The association happened behind Terraform's back; it is
			// computed, so the refreshed plan is still empty.
		},
		{
			Config:      withoutEIP,
			ExpectError: regexp.MustCompile(`(?s)is associated with\s+instance\s+i-.*was\s+not\s+released`),
		},
		{
			PreConfig: func() {
				vm, _, _, _ := acctest.SDKClients(srv)
				if _, err := acctest.Call("vm.DisassociateElasticIp", func() (*vmapis.DisassociateElasticIpResponse, error) {
					return vm.DisassociateElasticIp(vmapis.NewDisassociateElasticIpRequest(acctest.Region(srv), instanceID, eipID))
				}); err != nil {
					t.Fatalf("disassociating: %v", err)
				}
			},
			Config: withoutEIP,
			Check: func(*terraform.State) error {
				if _, err := describe(srv, eipID); !jdcloudapi.IsNotFound(err) {
					return fmt.Errorf("want elastic IP %s gone, describe says %v", eipID, err)
				}
				return nil
			},
		},
	}))
}

// In cn-south-1 the sources disagree on non-BGP lines: the provider sends
// no_bgp with a warning, and the apply ends as the API decides (the
// emulator's eip-no-bgp switch): an EIP, or the API's refusal naming the call.
func TestAccElasticIP_noBGPInSouth(t *testing.T) {
	acctest.PreCheck(t)
	acctest.EachAlternative(t, []string{"eip-no-bgp"}, func(t *testing.T, opt func(*emulator.Options)) {
		srv := acctest.StartEmulator(t, opt)
		attrs := acctest.ProviderAttrs(srv)
		attrs["region"] = `"cn-south-1"`
		config := acctest.ProviderBlock(attrs) + "resource \"jdcloudha_elastic_ip\" \"test\" {\n  bandwidth_mbps = 5\n  line = \"no_bgp\"\n}\n"
		step := resource.TestStep{Config: config}
		if srv.Emulator.Unknowns().Get("eip-no-bgp") == "refuse" {
			step.ExpectError = acctest.ErrorRegexp("vpc.CreateElasticIps", "400 INVALID_ARGUMENT", "offers only bgp")
		} else {
			step.Check = resource.TestCheckResourceAttr(addr, "line", "no_bgp")
		}
		resource.Test(t, acctest.CaseChecking(t, nil, []resource.TestStep{step}))
	})
}
