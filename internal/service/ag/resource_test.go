package ag_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vmmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/network"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil"
)

// agConfig renders a group; extra goes inside the resource block.
func agConfig(srv *emulator.Server, name string, zones []string, extra string) string {
	r := acctest.Region(srv)
	q := make([]string, len(zones))
	for i, z := range zones {
		q[i] = fmt.Sprintf("%q", r+z)
	}
	return acctest.ProviderConfig(srv) + fmt.Sprintf(`
resource "jdcloudha_availability_group" "test" {
  name = %q
  azs  = [%s]
%s
}
`, name, strings.Join(q, ", "), extra)
}

func checkAgAPI(srv *emulator.Server, name, description, placement string, zones ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		g, err := apiAg(srv, s)
		if err != nil {
			return err
		}
		want := make([]string, len(zones))
		for i, z := range zones {
			want[i] = acctest.Region(srv) + z
		}
		got := slices.Clone(g.Azs)
		slices.Sort(got)
		slices.Sort(want)
		if g.Name != name || g.Description != description || g.PlacementType != placement || !slices.Equal(got, want) ||
			g.ConfigurationType != "loose" || g.AgType != "vm" {
			return fmt.Errorf("API has group name=%q description=%q placement=%q azs=%v configuration=%q type=%q; want %q %q %q %v loose vm",
				g.Name, g.Description, g.PlacementType, g.Azs, g.ConfigurationType, g.AgType, name, description, placement, want)
		}
		return nil
	}
}

func TestAccAvailabilityGroup_lifecycle(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	region := acctest.Region(srv)
	resource.ParallelTest(t, acctest.Case(t, srv, acctest.LifecycleSteps(agAddr,
		resource.TestStep{
			Config: agConfig(srv, "web-ag", []string{"a", "b"}, ""),
			Check:  checkAgAPI(srv, "web-ag", "", "fd", "a", "b"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(agAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^ag-`))),
				statecheck.ExpectKnownValue(agAddr, tfjsonpath.New("placement_type"), knownvalue.StringExact("fd")),
				statecheck.ExpectKnownValue(agAddr, tfjsonpath.New("configuration_type"), knownvalue.StringExact("loose")),
				statecheck.ExpectKnownValue(agAddr, tfjsonpath.New("azs"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.StringExact(region + "a"), knownvalue.StringExact(region + "b"),
				})),
			},
		},
		[]resource.TestStep{{
			// name and description change in place (UpdateAg).
			Config: agConfig(srv, "高可用组-web", []string{"a", "b"}, `description = "nginx pair"`),
			Check:  checkAgAPI(srv, "高可用组-web", "nginx pair", "fd", "a", "b"),
		}},
		[]resource.TestStep{{
			// Zones cannot change after creation: replaced.
			Config: agConfig(srv, "高可用组-web", []string{"a", "c"}, `description = "nginx pair"`),
			Check:  checkAgAPI(srv, "高可用组-web", "nginx pair", "fd", "a", "c"),
		}, {
			// So does the placement type.
			Config: agConfig(srv, "高可用组-web", []string{"a", "c"}, `placement_type = "host"`),
			Check:  checkAgAPI(srv, "高可用组-web", "", "host", "a", "c"),
		}},
	)))
}

func TestAccAvailabilityGroup_disappears(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	resource.ParallelTest(t, acctest.Case(t, srv, []resource.TestStep{
		acctest.DisappearsStep(agConfig(srv, "gone", []string{"a"}, ""), agAddr, deleteAg(srv)),
	}))
}

// Deleting a group that still has an instance is refused by JD Cloud
// (FAILED_PRECONDITION): the provider retries until timeouts.delete, then
// says why; once the instance is gone, the destroy goes through.
func TestAccAvailabilityGroup_deleteWithInstance(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	region := acctest.Region(srv)
	cfg := acctest.ProviderConfig(srv) + fmt.Sprintf(`
resource "jdcloudha_vpc" "test" {
  name       = "ag-test"
  cidr_block = "10.0.0.0/16"
}

# The instance's interface keeps the subnet busy too: short timeout here as well.
resource "jdcloudha_subnet" "test" {
  vpc_id     = jdcloudha_vpc.test.id
  name       = "ag-test"
  cidr_block = "10.0.1.0/24"
  %[2]s
}

resource "jdcloudha_availability_group" "test" {
  name = "busy"
  azs  = ["%[1]sa", "%[1]sb"]
  timeouts = {
    delete = "1s"
  }
}

data "jdcloudha_availability_group" "test" {
  id = jdcloudha_availability_group.test.id
}
`, region, subnetShortDeleteTimeout())
	var instanceID string
	createInstance := func(s *terraform.State) error {
		agID, err := acctest.StateID(s, agAddr)
		if err != nil {
			return err
		}
		subnetID, err := acctest.StateID(s, "jdcloudha_subnet.test")
		if err != nil {
			return err
		}
		vm, _, _, _ := acctest.SDKClients(srv)
		az, itype, image := region+"a", "g.n2.medium", "img-debian12-x64"
		// Created outside the group and moved in: that works whichever
		// instanceSpec fields a loose group accepts (switch loose-ag-spec).
		spec := &vmmodels.InstanceSpec{
			Az: &az, InstanceType: &itype, ImageId: &image, Name: "in-the-way",
			PrimaryNetworkInterface: &vmmodels.InstanceNetworkInterfaceAttachmentSpec{
				NetworkInterface: &vmmodels.NetworkInterfaceSpec{SubnetId: subnetID},
			},
		}
		out, err := acctest.Call("vm.CreateInstances", func() (*vmapis.CreateInstancesResponse, error) {
			return vm.CreateInstances(vmapis.NewCreateInstancesRequest(region, spec))
		})
		if err != nil {
			return err
		}
		if len(out.Result.InstanceIds) != 1 {
			return fmt.Errorf("created %v, want one instance", out.Result.InstanceIds)
		}
		instanceID = out.Result.InstanceIds[0]
		var in *vmapis.DescribeInstanceResponse
		running := testutil.Wait(10*time.Second, time.Second, func() bool {
			in, err = acctest.Call("vm.DescribeInstance", func() (*vmapis.DescribeInstanceResponse, error) {
				return vm.DescribeInstance(vmapis.NewDescribeInstanceRequest(region, instanceID))
			})
			return err != nil || in.Result.Instance.Status == "running"
		})
		if err != nil {
			return err
		}
		if !running {
			return fmt.Errorf("instance %s still %s", instanceID, in.Result.Instance.Status)
		}
		move := vmapis.NewModifyInstancePlacementRequest(region, instanceID)
		move.SetAgId(agID)
		_, err = acctest.Call("vm.ModifyInstancePlacement", func() (*vmapis.ModifyInstancePlacementResponse, error) {
			return vm.ModifyInstancePlacement(move)
		})
		return err
	}
	resource.ParallelTest(t, acctest.Case(t, srv, []resource.TestStep{
		{
			Config: cfg,
			Check:  createInstance,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.jdcloudha_availability_group.test", tfjsonpath.New("instance_ids"), knownvalue.ListSizeExact(0)),
			},
		},
		{
			// The data source, read again, lists the instance.
			Config: cfg,
			Check: func(s *terraform.State) error {
				got := s.RootModule().Resources["data.jdcloudha_availability_group.test"].Primary.Attributes
				if got["instance_ids.#"] != "1" || got["instance_ids.0"] != instanceID {
					return fmt.Errorf("instance_ids = %s %q, want [%s]", got["instance_ids.#"], got["instance_ids.0"], instanceID)
				}
				return nil
			},
		},
		{
			Config:      cfg,
			Destroy:     true,
			ExpectError: acctest.ErrorRegexp(`JD Cloud refuses to delete an availability group that still has instances, and it still did after retrying for 1s`),
		},
		{
			// The refusal's detail names the API status, so users can tell it from a bug.
			Config:      cfg,
			Destroy:     true,
			ExpectError: acctest.ErrorRegexp(`Status: 400 FAILED_PRECONDITION`),
		},
		{
			PreConfig: func() {
				if err := deleteInstance(srv)(instanceID); err != nil {
					t.Fatalf("deleting the instance: %v", err)
				}
			},
			Config: cfg,
			Check: func(s *terraform.State) error {
				_, err := apiAg(srv, s)
				return err // still there: the failed destroys kept it
			},
		},
	}))
}

func TestAccAvailabilityGroup_invalidInput(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	region := acctest.Region(srv)
	cases := []struct {
		cfg  string
		want string
	}{
		{agConfig(srv, strings.Repeat("x", 33), []string{"a"}, ""), `name is 33 characters long; the limit is 32`},
		{agConfig(srv, "web ag", []string{"a"}, ""), `name contains ' ' at position 4`},
		{agConfig(srv, "web", nil, ""), `azs list must contain at least 1 elements`},
		{agConfig(srv, "web", []string{"a", "a"}, ""), `This attribute contains duplicate values of: "` + region + `a"`},
		{agConfig(srv, "web", []string{"a"}, `placement_type = "rack"`), `placement_type value must be one of: ["fd" "switch" "host"]`},
		{acctest.ProviderConfig(srv) + `
resource "jdcloudha_availability_group" "test" {
  name = "web"
  azs  = ["cn-north-1a"]
}
`, `azs[0] "cn-north-1a" is not a zone of region ` + region},
		{agConfig(srv, "web", []string{"a"}, `description = "`+strings.Repeat("d", 257)+`"`), `description UTF-8 character count must be at most 256, got: 257`},
	}
	steps := make([]resource.TestStep, 0, len(cases))
	for _, c := range cases {
		steps = append(steps, acctest.PlanError(c.cfg, c.want))
	}
	resource.ParallelTest(t, acctest.Case(t, srv, steps))
}

// subnetShortDeleteTimeout is the subnet's 1s delete timeout in whichever
// style jdcloudha_subnet declares (a block, or the nested attribute the
// framework recommends).
func subnetShortDeleteTimeout() string {
	var resp fwresource.SchemaResponse
	network.NewSubnetResource().Schema(context.Background(), fwresource.SchemaRequest{}, &resp)
	if _, isBlock := resp.Schema.Blocks["timeouts"]; isBlock {
		return "timeouts {\n    delete = \"1s\"\n  }"
	}
	return "timeouts = {\n    delete = \"1s\"\n  }"
}
