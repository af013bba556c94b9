package jdcloud

import (
	"context"

	agapis "github.com/jdcloud-api/jdcloud-sdk-go/services/ag/apis"
	agmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/ag/models"
	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vmmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/models"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
	vpcmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"
)

// Finders read one object by ID; a missing one is IsNotFound. Each API
// lookup is written once, here, for every resource and data source.

func findInstanceByID(ctx context.Context, c *Client, id string) (vmmodels.Instance, error) {
	resp, err := Call(ctx, c, "vm.DescribeInstance", func() (*vmapis.DescribeInstanceResponse, error) {
		return c.VM.DescribeInstance(vmapis.NewDescribeInstanceRequest(c.Region, id))
	})
	if err != nil {
		return vmmodels.Instance{}, err
	}
	return resp.Result.Instance, nil
}

func findImageByID(ctx context.Context, c *Client, id string) (vmmodels.Image, error) {
	resp, err := Call(ctx, c, "vm.DescribeImage", func() (*vmapis.DescribeImageResponse, error) {
		return c.VM.DescribeImage(vmapis.NewDescribeImageRequest(c.Region, id))
	})
	if err != nil {
		return vmmodels.Image{}, err
	}
	return resp.Result.Image, nil
}

func findEIPByID(ctx context.Context, c *Client, id string) (vpcmodels.ElasticIp, error) {
	resp, err := Call(ctx, c, "vpc.DescribeElasticIp", func() (*vpcapis.DescribeElasticIpResponse, error) {
		return c.VPC.DescribeElasticIp(vpcapis.NewDescribeElasticIpRequest(c.Region, id))
	})
	if err != nil {
		return vpcmodels.ElasticIp{}, err
	}
	return resp.Result.ElasticIp, nil
}

func findVPCByID(ctx context.Context, c *Client, id string) (vpcmodels.Vpc, error) {
	resp, err := Call(ctx, c, "vpc.DescribeVpc", func() (*vpcapis.DescribeVpcResponse, error) {
		return c.VPC.DescribeVpc(vpcapis.NewDescribeVpcRequest(c.Region, id))
	})
	if err != nil {
		return vpcmodels.Vpc{}, err
	}
	return resp.Result.Vpc, nil
}

func findSubnetByID(ctx context.Context, c *Client, id string) (vpcmodels.Subnet, error) {
	resp, err := Call(ctx, c, "vpc.DescribeSubnet", func() (*vpcapis.DescribeSubnetResponse, error) {
		return c.VPC.DescribeSubnet(vpcapis.NewDescribeSubnetRequest(c.Region, id))
	})
	if err != nil {
		return vpcmodels.Subnet{}, err
	}
	return resp.Result.Subnet, nil
}

func findAgByID(ctx context.Context, c *Client, id string) (agmodels.AvailabilityGroup, error) {
	resp, err := Call(ctx, c, "ag.DescribeAg", func() (*agapis.DescribeAgResponse, error) {
		return c.AG.DescribeAg(agapis.NewDescribeAgRequest(c.Region, id))
	})
	if err != nil {
		return agmodels.AvailabilityGroup{}, err
	}
	return resp.Result.Ag, nil
}

// The exported finders record every answer for the Lookup variants below.

func FindInstanceByID(ctx context.Context, c *Client, id string) (vmmodels.Instance, error) {
	return recorded(c, "instance/"+id, func() (vmmodels.Instance, error) { return findInstanceByID(ctx, c, id) })
}

func FindImageByID(ctx context.Context, c *Client, id string) (vmmodels.Image, error) {
	return recorded(c, "image/"+id, func() (vmmodels.Image, error) { return findImageByID(ctx, c, id) })
}

func FindEIPByID(ctx context.Context, c *Client, id string) (vpcmodels.ElasticIp, error) {
	return recorded(c, "eip/"+id, func() (vpcmodels.ElasticIp, error) { return findEIPByID(ctx, c, id) })
}

func FindVPCByID(ctx context.Context, c *Client, id string) (vpcmodels.Vpc, error) {
	return recorded(c, "vpc/"+id, func() (vpcmodels.Vpc, error) { return findVPCByID(ctx, c, id) })
}

func FindSubnetByID(ctx context.Context, c *Client, id string) (vpcmodels.Subnet, error) {
	return recorded(c, "subnet/"+id, func() (vpcmodels.Subnet, error) { return findSubnetByID(ctx, c, id) })
}

func FindAgByID(ctx context.Context, c *Client, id string) (agmodels.AvailabilityGroup, error) {
	return recorded(c, "ag/"+id, func() (agmodels.AvailabilityGroup, error) { return findAgByID(ctx, c, id) })
}

func recorded[T any](c *Client, key string, find func() (T, error)) (T, error) {
	v, err := find()
	remember(c, key, v, err)
	return v, err
}

// Planning look-ups: the latest answer seen in this walk (see Lookup), for
// checks made while planning and the create that follows.

func LookupInstance(ctx context.Context, c *Client, id string) (vmmodels.Instance, error) {
	return Lookup(c, "instance/"+id, func() (vmmodels.Instance, error) { return findInstanceByID(ctx, c, id) })
}

func LookupImage(ctx context.Context, c *Client, id string) (vmmodels.Image, error) {
	return Lookup(c, "image/"+id, func() (vmmodels.Image, error) { return findImageByID(ctx, c, id) })
}

func LookupEIP(ctx context.Context, c *Client, id string) (vpcmodels.ElasticIp, error) {
	return Lookup(c, "eip/"+id, func() (vpcmodels.ElasticIp, error) { return findEIPByID(ctx, c, id) })
}

func LookupVPC(ctx context.Context, c *Client, id string) (vpcmodels.Vpc, error) {
	return Lookup(c, "vpc/"+id, func() (vpcmodels.Vpc, error) { return findVPCByID(ctx, c, id) })
}

func LookupSubnet(ctx context.Context, c *Client, id string) (vpcmodels.Subnet, error) {
	return Lookup(c, "subnet/"+id, func() (vpcmodels.Subnet, error) { return findSubnetByID(ctx, c, id) })
}

func LookupAg(ctx context.Context, c *Client, id string) (agmodels.AvailabilityGroup, error) {
	return Lookup(c, "ag/"+id, func() (agmodels.AvailabilityGroup, error) { return findAgByID(ctx, c, id) })
}
