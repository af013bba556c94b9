package jdcloud

import (
	"context"

	agapis "github.com/jdcloud-api/jdcloud-sdk-go/services/ag/apis"
	agmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/ag/models"
	common "github.com/jdcloud-api/jdcloud-sdk-go/services/common/models"
	iamapis "github.com/jdcloud-api/jdcloud-sdk-go/services/iam/apis"
	iammodels "github.com/jdcloud-api/jdcloud-sdk-go/services/iam/models"
	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vmmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/models"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
	vpcmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"
)

// PageSize is the page every list asks for: the largest the list APIs take.
const PageSize = 100

// ListAll asks list for page 1, 2, … and returns every item. It stops once
// the pages cover the total the API reports: past the end the vpc list APIs
// answer the last page again ("页码超过总页数时, 显示最后一页"), so a full page
// proves nothing, and an empty one ends the list too.
func ListAll[T any](ctx context.Context, list func(ctx context.Context, page, size int) (items []T, total int, err error)) ([]T, error) {
	var all []T
	for page := 1; ; page++ {
		items, total, err := list(ctx, page, PageSize)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if len(items) == 0 || page*PageSize >= total {
			return all, nil
		}
	}
}

// The list finders return every object the filters (name, value pairs)
// select, all pages.

func ListVPCs(ctx context.Context, c *Client, filters ...common.Filter) ([]vpcmodels.Vpc, error) {
	return ListAll(ctx, func(ctx context.Context, page, size int) ([]vpcmodels.Vpc, int, error) {
		in := vpcapis.NewDescribeVpcsRequestWithoutParam()
		in.SetRegionId(c.Region)
		in.SetPageNumber(page)
		in.SetPageSize(size)
		in.SetFilters(filters)
		out, err := Call(ctx, c, "vpc.DescribeVpcs", func() (*vpcapis.DescribeVpcsResponse, error) { return c.VPC.DescribeVpcs(in) })
		if err != nil {
			return nil, 0, err
		}
		return out.Result.Vpcs, out.Result.TotalCount, nil
	})
}

func ListSubnets(ctx context.Context, c *Client, filters ...common.Filter) ([]vpcmodels.Subnet, error) {
	return ListAll(ctx, func(ctx context.Context, page, size int) ([]vpcmodels.Subnet, int, error) {
		in := vpcapis.NewDescribeSubnetsRequestWithoutParam()
		in.SetRegionId(c.Region)
		in.SetPageNumber(page)
		in.SetPageSize(size)
		in.SetFilters(filters)
		out, err := Call(ctx, c, "vpc.DescribeSubnets", func() (*vpcapis.DescribeSubnetsResponse, error) { return c.VPC.DescribeSubnets(in) })
		if err != nil {
			return nil, 0, err
		}
		return out.Result.Subnets, out.Result.TotalCount, nil
	})
}

func ListSecurityGroups(ctx context.Context, c *Client, filters ...common.Filter) ([]vpcmodels.NetworkSecurityGroup, error) {
	return ListAll(ctx, func(ctx context.Context, page, size int) ([]vpcmodels.NetworkSecurityGroup, int, error) {
		in := vpcapis.NewDescribeNetworkSecurityGroupsRequestWithoutParam()
		in.SetRegionId(c.Region)
		in.SetPageNumber(page)
		in.SetPageSize(size)
		in.SetFilters(filters)
		out, err := Call(ctx, c, "vpc.DescribeNetworkSecurityGroups", func() (*vpcapis.DescribeNetworkSecurityGroupsResponse, error) {
			return c.VPC.DescribeNetworkSecurityGroups(in)
		})
		if err != nil {
			return nil, 0, err
		}
		return out.Result.NetworkSecurityGroups, out.Result.TotalCount, nil
	})
}

func ListNetworkInterfaces(ctx context.Context, c *Client, filters ...common.Filter) ([]vpcmodels.NetworkInterface, error) {
	return ListAll(ctx, func(ctx context.Context, page, size int) ([]vpcmodels.NetworkInterface, int, error) {
		in := vpcapis.NewDescribeNetworkInterfacesRequestWithoutParam()
		in.SetRegionId(c.Region)
		in.SetPageNumber(page)
		in.SetPageSize(size)
		in.SetFilters(filters)
		out, err := Call(ctx, c, "vpc.DescribeNetworkInterfaces", func() (*vpcapis.DescribeNetworkInterfacesResponse, error) {
			return c.VPC.DescribeNetworkInterfaces(in)
		})
		if err != nil {
			return nil, 0, err
		}
		return out.Result.NetworkInterfaces, out.Result.TotalCount, nil
	})
}

func ListEIPs(ctx context.Context, c *Client, filters ...common.Filter) ([]vpcmodels.ElasticIp, error) {
	return ListAll(ctx, func(ctx context.Context, page, size int) ([]vpcmodels.ElasticIp, int, error) {
		in := vpcapis.NewDescribeElasticIpsRequest(c.Region)
		in.SetPageNumber(page)
		in.SetPageSize(size)
		if len(filters) > 0 {
			in.SetFilters(filters)
		}
		out, err := Call(ctx, c, "vpc.DescribeElasticIps", func() (*vpcapis.DescribeElasticIpsResponse, error) { return c.VPC.DescribeElasticIps(in) })
		if err != nil {
			return nil, 0, err
		}
		return out.Result.ElasticIps, out.Result.TotalCount, nil
	})
}

func ListInstances(ctx context.Context, c *Client, filters ...common.Filter) ([]vmmodels.Instance, error) {
	return ListAll(ctx, func(ctx context.Context, page, size int) ([]vmmodels.Instance, int, error) {
		in := vmapis.NewDescribeInstancesRequestWithoutParam()
		in.SetRegionId(c.Region)
		in.SetPageNumber(page)
		in.SetPageSize(size)
		in.SetFilters(filters)
		out, err := Call(ctx, c, "vm.DescribeInstances", func() (*vmapis.DescribeInstancesResponse, error) { return c.VM.DescribeInstances(in) })
		if err != nil {
			return nil, 0, err
		}
		return out.Result.Instances, out.Result.TotalCount, nil
	})
}

func ListAgs(ctx context.Context, c *Client, filters ...common.Filter) ([]agmodels.AvailabilityGroup, error) {
	return ListAll(ctx, func(ctx context.Context, page, size int) ([]agmodels.AvailabilityGroup, int, error) {
		in := agapis.NewDescribeAgsRequestWithoutParam()
		in.SetRegionId(c.Region)
		in.SetPageNumber(page)
		in.SetPageSize(size)
		in.SetFilters(filters)
		out, err := Call(ctx, c, "ag.DescribeAgs", func() (*agapis.DescribeAgsResponse, error) { return c.AG.DescribeAgs(in) })
		if err != nil {
			return nil, 0, err
		}
		return out.Result.Ags, out.Result.TotalCount, nil
	})
}

// Filter is one documented list filter, e.g. Filter("vpcId", id). The APIs'
// name filters match substrings, so callers check names exactly on what
// comes back.
func Filter(name, value string) common.Filter {
	return common.Filter{Name: name, Values: []string{value}}
}

// ListSubUsers returns every IAM sub-user of the account (the API takes no
// filters, only a keyword; the caller matches names exactly).
func ListSubUsers(ctx context.Context, c *Client) ([]iammodels.SubUser, error) {
	return ListAll(ctx, func(ctx context.Context, page, size int) ([]iammodels.SubUser, int, error) {
		in := iamapis.NewDescribeSubUsersRequestWithoutParam()
		in.SetPageNumber(page)
		in.SetPageSize(size)
		out, err := Call(ctx, c, "iam.DescribeSubUsers", func() (*iamapis.DescribeSubUsersResponse, error) { return c.IAM.DescribeSubUsers(in) })
		if err != nil {
			return nil, 0, err
		}
		return out.Result.SubUsers, out.Result.Total, nil
	})
}
