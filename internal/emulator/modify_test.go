package emulator

import (
	"testing"

	vpcapi "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
)

// Modify* calls rename and re-describe; the other fields the SDK may send
// (arrays, numbers) are accepted, and a bad name is refused.
func TestModifyNameAndDescription(t *testing.T) {
	c := startEmu(t, Options{})
	vpcID, subnetID, sgID := c.network(t)

	vr := vpcapi.NewModifyVpcRequest(region, vpcID)
	vr.VpcName, vr.Description = strp("vpc-renamed"), strp("the article's VPC")
	vr.EnableIpv6SubIds = []string{"x"}
	r, err := c.vpc.ModifyVpc(vr)
	check(t, err, r.Error, "ModifyVpc")
	v, err := c.vpc.DescribeVpc(vpcapi.NewDescribeVpcRequest(region, vpcID))
	check(t, err, v.Error, "DescribeVpc")
	if v.Result.Vpc.VpcName != "vpc-renamed" || v.Result.Vpc.Description != "the article's VPC" {
		t.Fatalf("ModifyVpc not applied: %+v", v.Result.Vpc)
	}

	sr := vpcapi.NewModifySubnetRequest(region, subnetID)
	sr.Description, sr.IpMaskLen, sr.DomainNames = strp("web tier"), intp(24), []string{"example.internal"}
	rs, err := c.vpc.ModifySubnet(sr)
	check(t, err, rs.Error, "ModifySubnet")
	s, err := c.vpc.DescribeSubnet(vpcapi.NewDescribeSubnetRequest(region, subnetID))
	check(t, err, s.Error, "DescribeSubnet")
	if s.Result.Subnet.Description != "web tier" || s.Result.Subnet.SubnetName != "subnet-ha" {
		t.Fatalf("ModifySubnet: %+v", s.Result.Subnet)
	}

	gr := vpcapi.NewModifyNetworkSecurityGroupRequest(region, sgID)
	gr.NetworkSecurityGroupName = strp("bad name!")
	rg, err := c.vpc.ModifyNetworkSecurityGroup(gr)
	wantErr(t, err, rg.Error, 400, "INVALID_ARGUMENT", "networkSecurityGroupName")
}
