package ag_test

import (
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	agapis "github.com/jdcloud-api/jdcloud-sdk-go/services/ag/apis"
	agmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/ag/models"
	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
)

const agAddr = "jdcloudha_availability_group.test"

// apiAg reads the group at agAddr straight from the emulator's API.
func apiAg(srv *emulator.Server, s *terraform.State) (agmodels.AvailabilityGroup, error) {
	_, _, ag, _ := acctest.SDKClients(srv)
	return acctest.Describe(s, agAddr, "ag.DescribeAg",
		func(id string) (*agapis.DescribeAgResponse, error) {
			return ag.DescribeAg(agapis.NewDescribeAgRequest(acctest.Region(srv), id))
		},
		func(r *agapis.DescribeAgResponse) agmodels.AvailabilityGroup { return r.Result.Ag })
}

// deleteAg deletes a group behind Terraform's back, for the _disappears test.
func deleteAg(srv *emulator.Server) func(id string) error {
	_, _, ag, _ := acctest.SDKClients(srv)
	return acctest.Deleter(srv, "jdcloudha_availability_group",
		"ag.DeleteAg", func(r, id string) (*agapis.DeleteAgResponse, error) {
			return ag.DeleteAg(agapis.NewDeleteAgRequest(r, id))
		},
		"ag.DescribeAg", func(r, id string) (*agapis.DescribeAgResponse, error) {
			return ag.DescribeAg(agapis.NewDescribeAgRequest(r, id))
		})
}

// deleteInstance deletes the instance a test put in a group behind
// Terraform's back.
func deleteInstance(srv *emulator.Server) func(id string) error {
	vm, _, _, _ := acctest.SDKClients(srv)
	return acctest.Deleter(srv, "instance",
		"vm.DeleteInstance", func(r, id string) (*vmapis.DeleteInstanceResponse, error) {
			return vm.DeleteInstance(vmapis.NewDeleteInstanceRequest(r, id))
		},
		"vm.DescribeInstance", func(r, id string) (*vmapis.DescribeInstanceResponse, error) {
			return vm.DescribeInstance(vmapis.NewDescribeInstanceRequest(r, id))
		})
}
