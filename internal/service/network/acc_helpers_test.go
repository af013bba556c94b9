package network_test

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-testing/terraform"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
	vpcmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
)

// stateID returns the ID of the resource at addr in s.
func stateID(s *terraform.State, addr string) (string, error) {
	rs, ok := s.RootModule().Resources[addr]
	if !ok || rs.Primary == nil || rs.Primary.ID == "" {
		return "", fmt.Errorf("%s has no ID in the state", addr)
	}
	return rs.Primary.ID, nil
}

// apiVpc reads the VPC at addr straight from the emulator's API.
func apiVpc(srv *emulator.Server, s *terraform.State, addr string) (vpcmodels.Vpc, error) {
	id, err := stateID(s, addr)
	if err != nil {
		return vpcmodels.Vpc{}, err
	}
	_, vpc, _, _ := acctest.SDKClients(srv)
	out, err := acctest.Call("vpc.DescribeVpc", func() (*vpcapis.DescribeVpcResponse, error) {
		return vpc.DescribeVpc(vpcapis.NewDescribeVpcRequest(acctest.Region(srv), id))
	})
	if err != nil {
		return vpcmodels.Vpc{}, err
	}
	return out.Result.Vpc, nil
}

func apiSubnet(srv *emulator.Server, s *terraform.State, addr string) (vpcmodels.Subnet, error) {
	id, err := stateID(s, addr)
	if err != nil {
		return vpcmodels.Subnet{}, err
	}
	_, vpc, _, _ := acctest.SDKClients(srv)
	out, err := acctest.Call("vpc.DescribeSubnet", func() (*vpcapis.DescribeSubnetResponse, error) {
		return vpc.DescribeSubnet(vpcapis.NewDescribeSubnetRequest(acctest.Region(srv), id))
	})
	if err != nil {
		return vpcmodels.Subnet{}, err
	}
	return out.Result.Subnet, nil
}

func apiSecurityGroup(srv *emulator.Server, s *terraform.State, addr string) (vpcmodels.NetworkSecurityGroup, error) {
	id, err := stateID(s, addr)
	if err != nil {
		return vpcmodels.NetworkSecurityGroup{}, err
	}
	_, vpc, _, _ := acctest.SDKClients(srv)
	out, err := acctest.Call("vpc.DescribeNetworkSecurityGroup", func() (*vpcapis.DescribeNetworkSecurityGroupResponse, error) {
		return vpc.DescribeNetworkSecurityGroup(vpcapis.NewDescribeNetworkSecurityGroupRequest(acctest.Region(srv), id))
	})
	if err != nil {
		return vpcmodels.NetworkSecurityGroup{}, err
	}
	return out.Result.NetworkSecurityGroup, nil
}

// errorLike matches msg in terraform's output, which wraps long lines.
func errorLike(msg string) *regexp.Regexp {
	return regexp.MustCompile(strings.ReplaceAll(regexp.QuoteMeta(msg), " ", `\s+`))
}
