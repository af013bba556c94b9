package network

import (
	"context"

	common "github.com/jdcloud-api/jdcloud-sdk-go/services/common/models"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
)

// The find functions list the IDs of objects a create would make, for
// reconcile.Create: the API's name filters match substrings, so the exact
// match is done here.

const listPageSize = 100

func findVpcs(ctx context.Context, c *jdcloud.Client, name, cidr string) ([]string, error) {
	var ids []string
	for page := 1; ; page++ {
		in := vpcapis.NewDescribeVpcsRequestWithoutParam()
		in.SetRegionId(c.Region)
		in.SetPageNumber(page)
		in.SetPageSize(listPageSize)
		in.SetFilters([]common.Filter{{Name: "vpcNames", Values: []string{name}}})
		out, err := jdcloud.Call(ctx, c, "vpc.DescribeVpcs", func() (*vpcapis.DescribeVpcsResponse, error) { return c.VPC.DescribeVpcs(in) })
		if err != nil {
			return nil, err
		}
		for _, v := range out.Result.Vpcs {
			if v.VpcName == name && v.AddressPrefix == cidr {
				ids = append(ids, v.VpcId)
			}
		}
		if len(out.Result.Vpcs) < listPageSize || page*listPageSize >= out.Result.TotalCount {
			return ids, nil
		}
	}
}

func findSubnets(ctx context.Context, c *jdcloud.Client, vpcID, name, cidr string) ([]string, error) {
	var ids []string
	for page := 1; ; page++ {
		in := vpcapis.NewDescribeSubnetsRequestWithoutParam()
		in.SetRegionId(c.Region)
		in.SetPageNumber(page)
		in.SetPageSize(listPageSize)
		in.SetFilters([]common.Filter{{Name: "vpcId", Values: []string{vpcID}}, {Name: "subnetNames", Values: []string{name}}})
		out, err := jdcloud.Call(ctx, c, "vpc.DescribeSubnets", func() (*vpcapis.DescribeSubnetsResponse, error) { return c.VPC.DescribeSubnets(in) })
		if err != nil {
			return nil, err
		}
		for _, s := range out.Result.Subnets {
			if s.VpcId == vpcID && s.SubnetName == name && s.AddressPrefix == cidr {
				ids = append(ids, s.SubnetId)
			}
		}
		if len(out.Result.Subnets) < listPageSize || page*listPageSize >= out.Result.TotalCount {
			return ids, nil
		}
	}
}

func findSecurityGroups(ctx context.Context, c *jdcloud.Client, vpcID, name string) ([]string, error) {
	var ids []string
	for page := 1; ; page++ {
		in := vpcapis.NewDescribeNetworkSecurityGroupsRequestWithoutParam()
		in.SetRegionId(c.Region)
		in.SetPageNumber(page)
		in.SetPageSize(listPageSize)
		in.SetFilters([]common.Filter{{Name: "vpcId", Values: []string{vpcID}}, {Name: "networkSecurityGroupNames", Values: []string{name}}})
		out, err := jdcloud.Call(ctx, c, "vpc.DescribeNetworkSecurityGroups", func() (*vpcapis.DescribeNetworkSecurityGroupsResponse, error) {
			return c.VPC.DescribeNetworkSecurityGroups(in)
		})
		if err != nil {
			return nil, err
		}
		for _, g := range out.Result.NetworkSecurityGroups {
			if g.VpcId == vpcID && g.NetworkSecurityGroupName == name {
				ids = append(ids, g.NetworkSecurityGroupId)
			}
		}
		if len(out.Result.NetworkSecurityGroups) < listPageSize || page*listPageSize >= out.Result.TotalCount {
			return ids, nil
		}
	}
}
