package vm_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	agapis "github.com/jdcloud-api/jdcloud-sdk-go/services/ag/apis"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
)

const plainAttrs = `instance_type = "g.n2.medium"
  image_id      = "img-debian12-x64"
  key_names     = ["ops"]`

// checkInGroup compares the state's group and fault domain with the API's.
func checkInGroup(srv *emulator.Server, addr, groupAddr string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs := s.RootModule().Resources[addr]
		in, err := describeInstance(srv, rs.Primary.ID)
		if err != nil {
			return err
		}
		want := s.RootModule().Resources[groupAddr].Primary.ID
		if in.Ag.Id != want || rs.Primary.Attributes["availability_group_id"] != want {
			return fmt.Errorf("%s: API group %q, state %q, want %q", addr, in.Ag.Id, rs.Primary.Attributes["availability_group_id"], want)
		}
		if in.FaultDomain == "" || in.FaultDomain != rs.Primary.Attributes["fault_domain"] {
			return fmt.Errorf("%s: API fault domain %q, state %q", addr, in.FaultDomain, rs.Primary.Attributes["fault_domain"])
		}
		return nil
	}
}

// An instance is created in a loose group under both readings of what a
// loose group accepts: with the full spec, or (when JD Cloud refuses that)
// outside the group and then moved in.
func TestAccInstance_looseGroupModes(t *testing.T) {
	acctest.PreCheck(t)
	acctest.EachAlternative(t, []string{"loose-ag-spec"}, func(t *testing.T, opt func(*emulator.Options)) {
		srv := acctest.StartEmulator(t, opt)
		config := acctest.ProviderConfig(srv) + networkConfig(`["cn-east-2a"]`) +
			instanceConfig("master", "web-master", plainAttrs) + instanceConfig("backup", "web-backup", plainAttrs)
		resource.ParallelTest(t, acctest.CaseChecking(t, checkInstancesGone(srv), []resource.TestStep{{
			Config: config,
			Check: resource.ComposeAggregateTestCheckFunc(
				checkInGroup(srv, master, "jdcloudha_availability_group.n"),
				checkInGroup(srv, "jdcloudha_instance.backup", "jdcloudha_availability_group.n"),
				acctest.CheckAttrsDiffer(master, "fault_domain", "jdcloudha_instance.backup", "fault_domain"),
				resource.TestCheckResourceAttr(master, "status", "running"),
				func(*terraform.State) error {
					if n := len(srv.Emulator.Snapshot().Instances); n != 2 {
						return fmt.Errorf("the emulator holds %d instances, want 2 (nothing left outside the group)", n)
					}
					return nil
				},
			),
		}}))
	})
}

// Changing availability_group_id moves the instance in place
// (ModifyInstancePlacement); the fault domain is read again.
func TestAccInstance_moveToAnotherGroup(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	other := `
resource "jdcloudha_availability_group" "other" {
  name = "vm-ag-other"
  azs  = ["cn-east-2a", "cn-east-2b"]
}
`
	base := acctest.ProviderConfig(srv) + networkConfig(`["cn-east-2a"]`) + other
	moved := `
resource "jdcloudha_instance" "master" {
  name                  = "web-master"
  availability_group_id = jdcloudha_availability_group.other.id
  az                    = "cn-east-2a"
  subnet_id             = jdcloudha_subnet.n.id
  ` + plainAttrs + `
}
`
	sameID := statecheck.CompareValue(compare.ValuesSame())
	resource.ParallelTest(t, acctest.CaseChecking(t, checkInstancesGone(srv), []resource.TestStep{
		{
			Config:            base + instanceConfig("master", "web-master", plainAttrs),
			Check:             checkInGroup(srv, master, "jdcloudha_availability_group.n"),
			ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue(master, tfjsonpath.New("id"))},
		},
		{
			Config: base + moved,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(master, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(master, tfjsonpath.New("fault_domain")),
				},
			},
			Check:             checkInGroup(srv, master, "jdcloudha_availability_group.other"),
			ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue(master, tfjsonpath.New("id"))},
		},
	}))
}

// A strict (template-based) group cannot take an instance with its own
// spec: refused at plan time, naming the mode. Zones outside the region
// are refused at plan time too.
func TestAccInstance_planTimeGroupAndZoneChecks(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	_, _, ag, _ := acctest.SDKClients(srv)
	req := agapis.NewCreateAgRequest(acctest.Region(srv), []string{"cn-east-2a"}, "made-elsewhere")
	req.SetConfigurationType("strict")
	req.SetInstanceTemplateId("it-web")
	created, err := acctest.Call("ag.CreateAg", func() (*agapis.CreateAgResponse, error) { return ag.CreateAg(req) })
	if err != nil {
		t.Fatal(err)
	}
	base := acctest.ProviderConfig(srv) + networkConfig(`["cn-east-2a"]`)
	strict := fmt.Sprintf(`
resource "jdcloudha_instance" "master" {
  name                  = "web-master"
  availability_group_id = %q
  az                    = "cn-east-2a"
  subnet_id             = jdcloudha_subnet.n.id
  %s
}
`, created.Result.AgId, plainAttrs)
	resource.ParallelTest(t, acctest.CaseChecking(t, checkInstancesGone(srv), []resource.TestStep{
		{
			Config:      base + strict,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)Availability group is strict.*configurationType "strict"`),
		},
		{
			Config:      base + strings.Replace(instanceConfig("master", "web-master", plainAttrs), `"cn-east-2a"`, `"cn-east-2d"`, 1),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)Zone not in the provider's region`),
		},
		{
			// The image is Linux: JD Cloud runs only bash or python launch scripts.
			Config:      base + instanceConfig("master", "web-master", plainAttrs+"\n  user_data = \"#!/bin/sh\\necho hi\\n\""),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)Launch script not runnable.*"#!/bin/sh"`),
		},
		{
			Config: base + instanceConfig("master", "web-master", `instance_type = "g.n2.medium"
  image_id      = "img-debian12-x64"
  password      = "Abcdef12\\x"`),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)Invalid password.*does\s+not\s+accept`),
		},
	}))
}

// Taken private IPs are refused at plan time once the subnet exists.
func TestAccInstance_privateIPTaken(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	base := acctest.ProviderConfig(srv) + networkConfig(`["cn-east-2a"]`) +
		instanceConfig("master", "web-master", plainAttrs+"\n  private_ip = \"10.0.1.18\"")
	resource.ParallelTest(t, acctest.CaseChecking(t, checkInstancesGone(srv), []resource.TestStep{
		{Config: base},
		{
			Config:      base + instanceConfig("backup", "web-backup", plainAttrs+"\n  private_ip = \"10.0.1.18\""),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)Private IP already in use.*10\.0\.1\.18 is already in use in\s+subnet\s+subnet-\S+\s+by\s+instance i-`),
		},
	}))
}

// Destroy stops every instance first unless shutdown_before_deletion is false.
func TestAccInstance_shutdownBeforeDeletion(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	config := acctest.ProviderConfig(srv) + networkConfig(`["cn-east-2a"]`) +
		instanceConfig("master", "web-master", plainAttrs) +
		instanceConfig("backup", "web-backup", plainAttrs+"\n  shutdown_before_deletion = false")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			checkInstancesGone(srv),
			func(*terraform.State) error {
				calls := srv.Emulator.Stats().Calls
				if calls["vm.StopInstance"] != 1 || calls["vm.DeleteInstance"] != 2 {
					return fmt.Errorf("destroy made %d StopInstance and %d DeleteInstance calls, want 1 (only the master) and 2",
						calls["vm.StopInstance"], calls["vm.DeleteInstance"])
				}
				return nil
			},
		),
		Steps: []resource.TestStep{{
			Config: config,
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr(master, "shutdown_before_deletion", "true"),
				resource.TestCheckResourceAttr("jdcloudha_instance.backup", "shutdown_before_deletion", "false"),
			),
		}},
	})
}
