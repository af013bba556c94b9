package network

import (
	"context"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
)

// The find functions list the IDs of objects a create would make, for
// jdcloud.ReconciledCreate: the API's name filters match substrings, so the
// exact match is done here.

func findVpcs(ctx context.Context, c *jdcloud.Client, name, cidr string) ([]string, error) {
	vpcs, err := jdcloud.ListVPCs(ctx, c, jdcloud.Filter("vpcNames", name))
	var ids []string
	for _, v := range vpcs {
		if v.VpcName == name && v.AddressPrefix == cidr {
			ids = append(ids, v.VpcId)
		}
	}
	return ids, err
}

func findSubnets(ctx context.Context, c *jdcloud.Client, vpcID, name, cidr string) ([]string, error) {
	subnets, err := jdcloud.ListSubnets(ctx, c, jdcloud.Filter("vpcId", vpcID), jdcloud.Filter("subnetNames", name))
	var ids []string
	for _, s := range subnets {
		if s.VpcId == vpcID && s.SubnetName == name && s.AddressPrefix == cidr {
			ids = append(ids, s.SubnetId)
		}
	}
	return ids, err
}

func findSecurityGroups(ctx context.Context, c *jdcloud.Client, vpcID, name string) ([]string, error) {
	groups, err := jdcloud.ListSecurityGroups(ctx, c, jdcloud.Filter("vpcId", vpcID), jdcloud.Filter("networkSecurityGroupNames", name))
	var ids []string
	for _, g := range groups {
		if g.VpcId == vpcID && g.NetworkSecurityGroupName == name {
			ids = append(ids, g.NetworkSecurityGroupId)
		}
	}
	return ids, err
}
