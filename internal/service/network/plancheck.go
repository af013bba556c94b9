package network

import (
	"context"
	"fmt"
	"slices"

	vpcmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/validate"
)

// Plan-time checks that need the API: what CreateSubnet or CreateInstances
// would refuse, found before anything is created.

// subnetsOfVpc lists every subnet of a VPC (documented filter vpcId).
func subnetsOfVpc(ctx context.Context, c *jdcloud.Client, vpcID string) ([]vpcmodels.Subnet, error) {
	subnets, err := jdcloud.ListSubnets(ctx, c, jdcloud.Filter("vpcId", vpcID))
	return slices.DeleteFunc(subnets, func(s vpcmodels.Subnet) bool { return s.VpcId != vpcID }), err
}

// OverlappingSubnet returns a subnet of vpcID (other than selfID) whose block
// overlaps cidr, or ok=false when there is none.
func OverlappingSubnet(ctx context.Context, c *jdcloud.Client, vpcID, cidr, selfID string) (vpcmodels.Subnet, bool, error) {
	want, err := validate.ParseCIDR(cidr)
	if err != nil {
		return vpcmodels.Subnet{}, false, nil // the attribute validator reports it
	}
	subnets, err := subnetsOfVpc(ctx, c, vpcID)
	if err != nil {
		return vpcmodels.Subnet{}, false, err
	}
	for _, s := range subnets {
		if s.SubnetId == selfID {
			continue
		}
		if p, err := validate.ParseCIDR(s.AddressPrefix); err == nil && p.Overlaps(want) {
			return s, true, nil
		}
	}
	return vpcmodels.Subnet{}, false, nil
}

// PrivateIPHolder says who holds ip in subnetID now: "instance i-…" or
// "network interface port-…", or "" when the address is free. Interfaces of
// ignoreInstanceID are skipped (the instance a replacement will delete
// first, or the instance itself on update). For a resource's ModifyPlan:
// CreateInstances refuses a private IP that is already in use.
func PrivateIPHolder(ctx context.Context, c *jdcloud.Client, subnetID, ip, ignoreInstanceID string) (string, error) {
	// One list per subnet and walk: the instances of one apply check the
	// same subnet, each for its own address.
	nis, err := jdcloud.Lookup(c, "network-interfaces/"+subnetID, func() ([]vpcmodels.NetworkInterface, error) {
		return jdcloud.ListNetworkInterfaces(ctx, c, jdcloud.Filter("subnetId", subnetID))
	})
	if err != nil {
		return "", err
	}
	for _, ni := range nis {
		if ni.SubnetId != subnetID || (ignoreInstanceID != "" && ni.InstanceId == ignoreInstanceID) {
			continue
		}
		held := ni.PrimaryIp.PrivateIpAddress == ip
		for _, s := range ni.SecondaryIps {
			held = held || s.PrivateIpAddress == ip
		}
		if !held {
			continue
		}
		if ni.InstanceId != "" {
			return "instance " + ni.InstanceId, nil
		}
		return "network interface " + ni.NetworkInterfaceId, nil
	}
	return "", nil
}

// PrivateIPTakenMessage is the diagnostic detail for PrivateIPHolder's answer.
func PrivateIPTakenMessage(ip, subnetID, holder string) string {
	return fmt.Sprintf("private IP %s is already in use in subnet %s by %s: JD Cloud assigns each address once. "+
		"Choose a free address, or leave the IP unset to get one.", ip, subnetID, holder)
}
