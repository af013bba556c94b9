package vm_test

import (
	"encoding/base64"
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

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
)

const master = "jdcloudha_instance.master"

// networkConfig is what every instance needs around it: a VPC, a subnet
// 10.0.1.0/24, a security group and an availability group over azs.
func networkConfig(azs string) string {
	return acctest.Network("n", "vm-vpc", "vm-subnet") + fmt.Sprintf(`
resource "jdcloudha_security_group" "n" {
  vpc_id = jdcloudha_vpc.n.id
  name   = "vm-sg"
}
resource "jdcloudha_availability_group" "n" {
  name = "vm-ag"
  azs  = %s
}
`, azs)
}

// instanceConfig renders a jdcloudha_instance named label in the network
// above, with attrs as extra lines.
func instanceConfig(label, name, attrs string) string {
	return fmt.Sprintf(`
resource "jdcloudha_instance" %q {
  name                  = %q
  availability_group_id = jdcloudha_availability_group.n.id
  az                    = "cn-east-2a"
  subnet_id             = jdcloudha_subnet.n.id
  %s
}
`, label, name, attrs)
}

// checkLaunchScript checks what the emulator stored as the launch script:
// the plain-text user_data, base64-encoded once.
func checkLaunchScript(srv *emulator.Server, address, plain string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		id := s.RootModule().Resources[address].Primary.ID
		in, ok := srv.Emulator.Snapshot().Instances[id]
		if !ok {
			return fmt.Errorf("the emulator has no instance %s", id)
		}
		got := in.Userdata["launch-script"]
		if want := base64.StdEncoding.EncodeToString([]byte(plain)); got != want {
			return fmt.Errorf("launch-script is %q, want base64 of the user_data (%q)", got, want)
		}
		return nil
	}
}

const userData = "#!/bin/bash\napt-get install -y nginx keepalived\n"

func TestAccInstance_basic(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	base := acctest.ProviderConfig(srv) + networkConfig(`["cn-east-2a"]`)
	common := `instance_type      = "g.n2.medium"
  image_id           = "img-debian12-x64"
  private_ip         = "10.0.1.18"
  security_group_ids = [jdcloudha_security_group.n.id]
  key_names          = ["ops"]
  user_data          = ` + fmt.Sprintf("%q", userData)
	sameID := statecheck.CompareValue(compare.ValuesSame())
	replacedID := statecheck.CompareValue(compare.ValuesDiffer())

	resource.ParallelTest(t, acctest.CaseChecking(t, checkInstancesGone(srv), []resource.TestStep{
		{
			Config: base + instanceConfig("master", "web-master", common+"\n  description = \"nginx master\""),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestMatchResourceAttr(master, "id", regexp.MustCompile(`^i-`)),
				resource.TestCheckResourceAttr(master, "status", "running"),
				resource.TestCheckResourceAttr(master, "private_ip", "10.0.1.18"),
				resource.TestCheckResourceAttr(master, "description", "nginx master"),
				resource.TestCheckResourceAttr(master, "key_names.0", "ops"),
				resource.TestCheckResourceAttr(master, "security_group_ids.#", "1"),
				resource.TestCheckResourceAttrPair(master, "vpc_id", "jdcloudha_vpc.n", "id"),
				resource.TestCheckResourceAttrPair(master, "availability_group_id", "jdcloudha_availability_group.n", "id"),
				resource.TestMatchResourceAttr(master, "fault_domain", regexp.MustCompile(`.+`)),
				resource.TestMatchResourceAttr(master, "primary_network_interface_id", regexp.MustCompile(`^port-`)),
				checkLaunchScript(srv, master, userData),
			),
			ConfigStateChecks: []statecheck.StateCheck{
				sameID.AddStateValue(master, tfjsonpath.New("id")),
				replacedID.AddStateValue(master, tfjsonpath.New("id")),
			},
		},
		{
			// Name and description change in place.
			Config:           base + instanceConfig("master", "web-master.renamed", common),
			ConfigPlanChecks: acctest.ExpectAction(master, plancheck.ResourceActionUpdate),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr(master, "name", "web-master.renamed"),
				resource.TestCheckResourceAttr(master, "description", ""),
				func(s *terraform.State) error {
					in, err := describeInstance(srv, s.RootModule().Resources[master].Primary.ID)
					if err != nil {
						return err
					}
					if in.InstanceName != "web-master.renamed" || in.Description != "" {
						return fmt.Errorf("the API reports name %q description %q after the update", in.InstanceName, in.Description)
					}
					return nil
				},
			),
			ConfigStateChecks: []statecheck.StateCheck{
				sameID.AddStateValue(master, tfjsonpath.New("id")),
			},
		},
		{
			// Everything else replaces the instance.
			Config:           base + instanceConfig("master", "web-master.renamed", strings.Replace(common, "g.n2.medium", "g.n2.large", 1)),
			ConfigPlanChecks: acctest.ExpectAction(master, plancheck.ResourceActionDestroyBeforeCreate),
			Check:            resource.TestCheckResourceAttr(master, "instance_type", "g.n2.large"),
			ConfigStateChecks: []statecheck.StateCheck{
				replacedID.AddStateValue(master, tfjsonpath.New("id")),
			},
		},
		{
			// user_data cannot be read back; everything else must match.
			ResourceName:            master,
			ImportState:             true,
			ImportStateVerify:       true,
			ImportStateVerifyIgnore: []string{"user_data"},
		},
		{
			// With an import block the unreadable user_data is only
			// recorded: an in-place update, never a replacement.
			ResourceName:       master,
			ImportState:        true,
			ImportStateKind:    resource.ImportBlockWithID,
			ExpectNonEmptyPlan: true,
			ImportPlanChecks: resource.ImportPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(master, plancheck.ResourceActionUpdate)},
			},
		},
	}))
}

func TestAccInstance_disappears(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	config := acctest.ProviderConfig(srv) + networkConfig(`["cn-east-2a"]`) + instanceConfig("master", "web-master", `instance_type = "g.n2.medium"
  image_id      = "img-debian12-x64"
  key_names     = ["ops"]`)
	resource.ParallelTest(t, acctest.CaseChecking(t, checkInstancesGone(srv),
		acctest.RecreateSteps(config, master, deleteInstance(srv), resource.TestCheckResourceAttr(master, "status", "running"))))
}

// Two instances of one availability group in one zone land in different
// fault domains (in two zones they would differ trivially).
func TestAccInstance_faultDomains(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	attrs := `instance_type = "g.n2.medium"
  image_id      = "img-debian12-x64"
  key_names     = ["ops"]`
	config := acctest.ProviderConfig(srv) + networkConfig(`["cn-east-2a", "cn-east-2b"]`) +
		instanceConfig("master", "web-master", attrs) + instanceConfig("backup", "web-backup", attrs)
	resource.ParallelTest(t, acctest.CaseChecking(t, checkInstancesGone(srv), []resource.TestStep{{
		Config: config,
		Check: resource.ComposeAggregateTestCheckFunc(
			resource.TestCheckResourceAttr(master, "az", "cn-east-2a"),
			resource.TestCheckResourceAttr("jdcloudha_instance.backup", "az", "cn-east-2a"),
			acctest.CheckAttrsDiffer(master, "fault_domain", "jdcloudha_instance.backup", "fault_domain"),
			func(s *terraform.State) error {
				// The state must say what the API says.
				for _, a := range []string{master, "jdcloudha_instance.backup"} {
					rs := s.RootModule().Resources[a]
					in, err := describeInstance(srv, rs.Primary.ID)
					if err != nil {
						return err
					}
					if in.FaultDomain != rs.Primary.Attributes["fault_domain"] {
						return fmt.Errorf("%s: state fault_domain %q, API %q", a, rs.Primary.Attributes["fault_domain"], in.FaultDomain)
					}
				}
				return nil
			},
		),
	}, {
		// Nothing unreadable in this configuration: importing plans no change.
		ResourceName:    "jdcloudha_instance.backup",
		ImportState:     true,
		ImportStateKind: resource.ImportBlockWithID,
	}}))
}

// An instance made with a password is imported: the password cannot be
// read back, so the first plan records it in place (no replacement, no API
// call), and the plan after that is empty.
func TestAccInstance_importWithPassword(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	base := acctest.ProviderConfig(srv) + networkConfig(`["cn-east-2a"]`)
	instance := instanceConfig("master", "web-master", `instance_type = "g.n2.medium"
  image_id      = "img-debian12-x64"
  password      = "Ha-pair-2026!"`)
	forget := "\nremoved {\n  from = jdcloudha_instance.master\n  lifecycle {\n    destroy = false\n  }\n}\n"
	var id string
	resource.ParallelTest(t, acctest.CaseChecking(t, checkInstancesGone(srv), []resource.TestStep{
		{
			Config: base + instance,
			Check: func(s *terraform.State) error {
				id = s.RootModule().Resources[master].Primary.ID
				return nil
			},
		},
		{
			// Terraform forgets the instance; it keeps running.
			Config: base + forget,
			Check: func(*terraform.State) error {
				_, err := describeInstance(srv, id)
				return err
			},
		},
		{
			Config:             base + instance,
			ResourceName:       master,
			ImportState:        true,
			ImportStateIdFunc:  func(*terraform.State) (string, error) { return id, nil },
			ImportStatePersist: true,
		},
		{
			Config:           base + instance,
			ConfigPlanChecks: acctest.ExpectAction(master, plancheck.ResourceActionUpdate),
			Check: func(s *terraform.State) error {
				rs := s.RootModule().Resources[master]
				if rs.Primary.ID != id {
					return fmt.Errorf("instance %s was replaced by %s; recording the password must not replace it", id, rs.Primary.ID)
				}
				if rs.Primary.Attributes["password"] != "Ha-pair-2026!" {
					return fmt.Errorf("password not recorded in state after the update")
				}
				return nil
			},
		},
	}))
}
