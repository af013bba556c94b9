package vm_test

import (
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vmmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
)

// describeInstance reads one instance straight from the emulator's API.
func describeInstance(srv *emulator.Server, id string) (vmmodels.Instance, error) {
	vm, _, _, _ := acctest.SDKClients(srv)
	return acctest.Get("vm.DescribeInstance", func() (*vmapis.DescribeInstanceResponse, error) {
		return vm.DescribeInstance(vmapis.NewDescribeInstanceRequest(acctest.Region(srv), id))
	},
		func(r *vmapis.DescribeInstanceResponse) vmmodels.Instance { return r.Result.Instance })
}

// checkInstancesGone is a CheckDestroy asking the API, through the SDK,
// about every instance the state held, then that nothing at all is left.
func checkInstancesGone(srv *emulator.Server) resource.TestCheckFunc {
	return acctest.CheckGone(srv, "jdcloudha_instance", "instance", func(id string) error { _, err := describeInstance(srv, id); return err })
}

// deleteInstance deletes an instance behind Terraform's back, for the
// _disappears test.
func deleteInstance(srv *emulator.Server) func(id string) error {
	vm, _, _, _ := acctest.SDKClients(srv)
	return acctest.Deleter(srv, "jdcloudha_instance",
		"vm.DeleteInstance", func(r, id string) (*vmapis.DeleteInstanceResponse, error) {
			return vm.DeleteInstance(vmapis.NewDeleteInstanceRequest(r, id))
		},
		"vm.DescribeInstance", func(r, id string) (*vmapis.DescribeInstanceResponse, error) {
			return vm.DescribeInstance(vmapis.NewDescribeInstanceRequest(r, id))
		})
}
