package network_test

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
	vpcmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
)

// vpcBlock is a VPC jdcloudha_vpc.<label> named name with the range cidr.
func vpcBlock(label, name, cidr string) string {
	return fmt.Sprintf(`
resource "jdcloudha_vpc" %q {
  name       = %q
  cidr_block = %q
}
`, label, name, cidr)
}

// checkAPI runs check on the object of the resource at addr as the API
// holds it, read with get (apiVpc, apiSubnet, apiSecurityGroup).
func checkAPI[M any](srv *emulator.Server, addr string, get func(*emulator.Server, *terraform.State, string) (M, error), check func(M, *terraform.State) error) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		m, err := get(srv, s, addr)
		if err != nil {
			return err
		}
		return check(m, s)
	}
}

// apiVpc reads the VPC at addr straight from the emulator's API.
func apiVpc(srv *emulator.Server, s *terraform.State, addr string) (vpcmodels.Vpc, error) {
	_, vpc, _, _ := acctest.SDKClients(srv)
	return acctest.Describe(s, addr, "vpc.DescribeVpc",
		func(id string) (*vpcapis.DescribeVpcResponse, error) {
			return vpc.DescribeVpc(vpcapis.NewDescribeVpcRequest(acctest.Region(srv), id))
		},
		func(r *vpcapis.DescribeVpcResponse) vpcmodels.Vpc { return r.Result.Vpc })
}

func apiSubnet(srv *emulator.Server, s *terraform.State, addr string) (vpcmodels.Subnet, error) {
	_, vpc, _, _ := acctest.SDKClients(srv)
	return acctest.Describe(s, addr, "vpc.DescribeSubnet",
		func(id string) (*vpcapis.DescribeSubnetResponse, error) {
			return vpc.DescribeSubnet(vpcapis.NewDescribeSubnetRequest(acctest.Region(srv), id))
		},
		func(r *vpcapis.DescribeSubnetResponse) vpcmodels.Subnet { return r.Result.Subnet })
}

func apiSecurityGroup(srv *emulator.Server, s *terraform.State, addr string) (vpcmodels.NetworkSecurityGroup, error) {
	_, vpc, _, _ := acctest.SDKClients(srv)
	return acctest.Describe(s, addr, "vpc.DescribeNetworkSecurityGroup",
		func(id string) (*vpcapis.DescribeNetworkSecurityGroupResponse, error) {
			return vpc.DescribeNetworkSecurityGroup(vpcapis.NewDescribeNetworkSecurityGroupRequest(acctest.Region(srv), id))
		},
		func(r *vpcapis.DescribeNetworkSecurityGroupResponse) vpcmodels.NetworkSecurityGroup {
			return r.Result.NetworkSecurityGroup
		})
}

// The deleters of this package's objects, as a user in the console would
// delete them, for the _disappears tests.

func deleteVpc(srv *emulator.Server) func(id string) error {
	_, vpc, _, _ := acctest.SDKClients(srv)
	return acctest.Deleter(srv, "jdcloudha_vpc",
		"vpc.DeleteVpc", func(r, id string) (*vpcapis.DeleteVpcResponse, error) {
			return vpc.DeleteVpc(vpcapis.NewDeleteVpcRequest(r, id))
		},
		"vpc.DescribeVpc", func(r, id string) (*vpcapis.DescribeVpcResponse, error) {
			return vpc.DescribeVpc(vpcapis.NewDescribeVpcRequest(r, id))
		})
}

func deleteSubnet(srv *emulator.Server) func(id string) error {
	_, vpc, _, _ := acctest.SDKClients(srv)
	return acctest.Deleter(srv, "jdcloudha_subnet",
		"vpc.DeleteSubnet", func(r, id string) (*vpcapis.DeleteSubnetResponse, error) {
			return vpc.DeleteSubnet(vpcapis.NewDeleteSubnetRequest(r, id))
		},
		"vpc.DescribeSubnet", func(r, id string) (*vpcapis.DescribeSubnetResponse, error) {
			return vpc.DescribeSubnet(vpcapis.NewDescribeSubnetRequest(r, id))
		})
}

func deleteSecurityGroup(srv *emulator.Server) func(id string) error {
	_, vpc, _, _ := acctest.SDKClients(srv)
	return acctest.Deleter(srv, "jdcloudha_security_group", "vpc.DeleteNetworkSecurityGroup",
		func(r, id string) (*vpcapis.DeleteNetworkSecurityGroupResponse, error) {
			return vpc.DeleteNetworkSecurityGroup(vpcapis.NewDeleteNetworkSecurityGroupRequest(r, id))
		}, "vpc.DescribeNetworkSecurityGroup", func(r, id string) (*vpcapis.DescribeNetworkSecurityGroupResponse, error) {
			return vpc.DescribeNetworkSecurityGroup(vpcapis.NewDescribeNetworkSecurityGroupRequest(r, id))
		})
}
