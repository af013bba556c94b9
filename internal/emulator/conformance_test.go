package emulator

import (
	"fmt"
	"sort"
	"testing"

	agapi "github.com/jdcloud-api/jdcloud-sdk-go/services/ag/apis"
	common "github.com/jdcloud-api/jdcloud-sdk-go/services/common/models"
	vmapi "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vpcapi "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
	vpcm "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"
)

func flt(name string, values ...string) common.Filter {
	return common.Filter{Name: name, Values: values}
}

func (c *clients) createAg(t testing.TB, name string, azs ...string) string {
	t.Helper()
	req := agapi.NewCreateAgRequest(region, azs, name)
	req.SetConfigurationType("loose") // strict needs an instance template (vm_fidelity_test.go)
	r, err := c.ag.CreateAg(req)
	check(t, err, r.Error, "CreateAg")
	return r.Result.AgId
}

func TestVpcSubnetSecurityGroup(t *testing.T) {
	c := startEmu(t, Options{})
	vpcID, subnetID, sgID := c.network(t)

	// Subnet outside the VPC's CIDR and overlapping subnets are refused.
	s, err := c.vpc.CreateSubnet(vpcapi.NewCreateSubnetRequest(region, vpcID, "outside", "192.168.1.0/24"))
	wantErr(t, err, s.Error, 400, "INVALID_ARGUMENT", "not within the vpc cidr")
	s, err = c.vpc.CreateSubnet(vpcapi.NewCreateSubnetRequest(region, vpcID, "overlap", "10.0.1.128/25"))
	wantErr(t, err, s.Error, 400, "INVALID_ARGUMENT", "overlaps")

	ds, err := c.vpc.DescribeSubnet(vpcapi.NewDescribeSubnetRequest(region, subnetID))
	check(t, err, ds.Error, "DescribeSubnet")
	if ds.Result.Subnet.VpcId != vpcID || ds.Result.Subnet.AddressPrefix != "10.0.1.0/24" || ds.Result.Subnet.AvailableIpCount != 252 || ds.Result.Subnet.StartIp != "10.0.1.3" {
		t.Fatalf("subnet %+v", ds.Result.Subnet)
	}
	dv, err := c.vpc.DescribeVpc(vpcapi.NewDescribeVpcRequest(region, vpcID))
	check(t, err, dv.Error, "DescribeVpc")
	if len(dv.Result.Vpc.Subnets) != 1 || dv.Result.Vpc.AddressPrefix != "10.0.0.0/16" {
		t.Fatalf("vpc %+v", dv.Result.Vpc)
	}
	lr := vpcapi.NewDescribeSubnetsRequest(region)
	lr.Filters = []common.Filter{flt("vpcId", vpcID)}
	ls, err := c.vpc.DescribeSubnets(lr)
	check(t, err, ls.Error, "DescribeSubnets")
	if ls.Result.TotalCount != 1 || ls.Result.Subnets[0].SubnetId != subnetID {
		t.Fatalf("subnets %+v", ls.Result)
	}

	// Rules: everything (300, which carries VRRP) from the peer only, and SSH.
	specs := []vpcm.AddSecurityGroupRules{
		{Protocol: 300, Direction: 0, AddressPrefix: "10.0.1.5/32", Description: strp("vrrp from peer")},
		{Protocol: 6, Direction: 0, AddressPrefix: "0.0.0.0/0", FromPort: intp(22), ToPort: intp(22)},
	}
	ar, err := c.vpc.AddNetworkSecurityGroupRules(vpcapi.NewAddNetworkSecurityGroupRulesRequest(region, sgID, specs))
	check(t, err, ar.Error, "AddNetworkSecurityGroupRules")
	ar, err = c.vpc.AddNetworkSecurityGroupRules(vpcapi.NewAddNetworkSecurityGroupRulesRequest(region, sgID, specs[:1]))
	wantErr(t, err, ar.Error, 409, "ALREADY_EXISTS", "")
	g, err := c.vpc.DescribeNetworkSecurityGroup(vpcapi.NewDescribeNetworkSecurityGroupRequest(region, sgID))
	check(t, err, g.Error, "DescribeNetworkSecurityGroup")
	rules := customRules(g.Result.NetworkSecurityGroup.SecurityGroupRules)
	if len(rules) != 2 || rules[0].Protocol != 300 || rules[0].AddressPrefix != "10.0.1.5/32" || rules[0].FromPort != 0 || rules[0].ToPort != 0 ||
		rules[1].FromPort != 22 || rules[0].RuleId == "" || rules[0].RuleAction != "ALLOW" || rules[0].AddressPrefixType != "CIDR" {
		t.Fatalf("rules %+v", rules)
	}
	mr, err := c.vpc.ModifyNetworkSecurityGroupRules(vpcapi.NewModifyNetworkSecurityGroupRulesRequest(region, sgID,
		[]vpcm.ModifySecurityGroupRules{{RuleId: rules[1].RuleId, FromPort: intp(2222), ToPort: intp(2222)}}))
	check(t, err, mr.Error, "ModifyNetworkSecurityGroupRules")
	rr, err := c.vpc.RemoveNetworkSecurityGroupRules(vpcapi.NewRemoveNetworkSecurityGroupRulesRequest(region, sgID, []string{rules[0].RuleId}))
	check(t, err, rr.Error, "RemoveNetworkSecurityGroupRules")
	g, err = c.vpc.DescribeNetworkSecurityGroup(vpcapi.NewDescribeNetworkSecurityGroupRequest(region, sgID))
	check(t, err, g.Error, "DescribeNetworkSecurityGroup")
	if rs := customRules(g.Result.NetworkSecurityGroup.SecurityGroupRules); len(rs) != 1 || rs[0].FromPort != 2222 {
		t.Fatalf("rules after modify/remove %+v", rs)
	}

	// Deletion order is enforced.
	dvr, err := c.vpc.DeleteVpc(vpcapi.NewDeleteVpcRequest(region, vpcID))
	wantErr(t, err, dvr.Error, 400, "FAILED_PRECONDITION", "subnet")
	dg, err := c.vpc.DeleteNetworkSecurityGroup(vpcapi.NewDeleteNetworkSecurityGroupRequest(region, sgID))
	check(t, err, dg.Error, "DeleteNetworkSecurityGroup")
	dsn, err := c.vpc.DeleteSubnet(vpcapi.NewDeleteSubnetRequest(region, subnetID))
	check(t, err, dsn.Error, "DeleteSubnet")
	dvr, err = c.vpc.DeleteVpc(vpcapi.NewDeleteVpcRequest(region, vpcID))
	check(t, err, dvr.Error, "DeleteVpc")
	dv, err = c.vpc.DescribeVpc(vpcapi.NewDescribeVpcRequest(region, vpcID))
	wantErr(t, err, dv.Error, 404, "NOT_FOUND", "")
}

func TestElasticIps(t *testing.T) {
	c := startEmu(t, Options{Quotas: Quotas{ElasticIps: 4}})
	req := vpcapi.NewCreateElasticIpsRequest(region, 3, &vpcm.ElasticIpSpec{BandwidthMbps: 10, Provider: "bgp"})
	req.ElasticIpName = strp("eip-ha")
	r, err := c.vpc.CreateElasticIps(req)
	check(t, err, r.Error, "CreateElasticIps")
	if len(r.Result.ElasticIpIds) != 3 {
		t.Fatalf("ids %v", r.Result.ElasticIpIds)
	}
	// Quota: 3 + 2 > 4.
	r2, err := c.vpc.CreateElasticIps(vpcapi.NewCreateElasticIpsRequest(region, 2, &vpcm.ElasticIpSpec{BandwidthMbps: 1, Provider: "bgp"}))
	wantErr(t, err, r2.Error, 429, "QUOTA_EXCEEDED", "")
	r2, err = c.vpc.CreateElasticIps(vpcapi.NewCreateElasticIpsRequest(region, 1, &vpcm.ElasticIpSpec{BandwidthMbps: 0, Provider: "bgp"}))
	wantErr(t, err, r2.Error, 400, "INVALID_ARGUMENT", "bandwidthMbps")

	id := r.Result.ElasticIpIds[1]
	d, err := c.vpc.DescribeElasticIp(vpcapi.NewDescribeElasticIpRequest(region, id))
	check(t, err, d.Error, "DescribeElasticIp")
	x := d.Result.ElasticIp
	if x.ElasticIpId != id || x.BandwidthMbps != 10 || x.Provider != "bgp" || x.Status != "NOT_ASSOCIATED" || x.State != "UP" || x.ElasticIpAddress == "" || x.ElasticIpName != "eip-ha" {
		t.Fatalf("eip %+v", x)
	}
	// Filters and paging.
	lr := vpcapi.NewDescribeElasticIpsRequest(region)
	lr.Filters = []common.Filter{flt("elasticIpAddress", x.ElasticIpAddress)}
	l, err := c.vpc.DescribeElasticIps(lr)
	check(t, err, l.Error, "DescribeElasticIps")
	if l.Result.TotalCount != 1 || l.Result.ElasticIps[0].ElasticIpId != id {
		t.Fatalf("by address %+v", l.Result)
	}
	lr = vpcapi.NewDescribeElasticIpsRequest(region)
	lr.Filters = []common.Filter{flt("elasticIpIds", r.Result.ElasticIpIds[0], r.Result.ElasticIpIds[2]), flt("status", "NOT_ASSOCIATED")}
	l, err = c.vpc.DescribeElasticIps(lr)
	check(t, err, l.Error, "DescribeElasticIps")
	if l.Result.TotalCount != 2 {
		t.Fatalf("by ids %+v", l.Result)
	}
	lr = vpcapi.NewDescribeElasticIpsRequest(region)
	// Past the end: the last page, not an empty one (see vpc_fidelity_test.go).
	lr.PageNumber, lr.PageSize = intp(2), intp(10)
	l, err = c.vpc.DescribeElasticIps(lr)
	check(t, err, l.Error, "DescribeElasticIps page 2")
	if l.Result.TotalCount != 3 || len(l.Result.ElasticIps) != 3 {
		t.Fatalf("page 2 %+v", l.Result)
	}
	lr.PageNumber, lr.PageSize = intp(1), intp(5)
	l, err = c.vpc.DescribeElasticIps(lr)
	wantErr(t, err, l.Error, 400, "INVALID_ARGUMENT", "pageSize")
	lr = vpcapi.NewDescribeElasticIpsRequest(region)
	lr.Filters = []common.Filter{flt("bogus", "x")}
	l, err = c.vpc.DescribeElasticIps(lr)
	wantErr(t, err, l.Error, 400, "INVALID_ARGUMENT", "bogus")

	// Modify bandwidth.
	mr := vpcapi.NewModifyElasticIpRequest(region, id)
	mr.BandwidthMbps = intp(50)
	m, err := c.vpc.ModifyElasticIp(mr)
	check(t, err, m.Error, "ModifyElasticIp")
	d, err = c.vpc.DescribeElasticIp(vpcapi.NewDescribeElasticIpRequest(region, id))
	check(t, err, d.Error, "DescribeElasticIp")
	if d.Result.ElasticIp.BandwidthMbps != 50 {
		t.Fatalf("bandwidth %d", d.Result.ElasticIp.BandwidthMbps)
	}

	// Other regions are separate.
	other := vpcapi.NewDescribeElasticIpRequest("cn-north-1", id)
	o, err := c.vpc.DescribeElasticIp(other)
	wantErr(t, err, o.Error, 404, "NOT_FOUND", "")
	bad := vpcapi.NewDescribeElasticIpRequest("us-west-1", id)
	o, err = c.vpc.DescribeElasticIp(bad)
	wantErr(t, err, o.Error, 400, "INVALID_ARGUMENT", "regionId")

	del, err := c.vpc.DeleteElasticIp(vpcapi.NewDeleteElasticIpRequest(region, id))
	check(t, err, del.Error, "DeleteElasticIp")
	d, err = c.vpc.DescribeElasticIp(vpcapi.NewDescribeElasticIpRequest(region, id))
	wantErr(t, err, d.Error, 404, "NOT_FOUND", "")
}

func TestNetworkInterfaceElasticIpAndZones(t *testing.T) {
	c := startEmu(t, Options{})
	_, subnetID, _ := c.network(t)
	ids := c.createInstances(t, instanceSpec("web-1", "cn-east-2a", subnetID, ""), 1, "")
	in := c.waitStatus(t, ids[0], "running")
	niID := in.PrimaryNetworkInterface.NetworkInterface.NetworkInterfaceId
	if niID == "" || in.PrimaryNetworkInterface.NetworkInterface.PrimaryIp.PrivateIpAddress != in.PrivateIpAddress {
		t.Fatalf("primary interface %+v", in.PrimaryNetworkInterface)
	}
	n, err := c.vpc.DescribeNetworkInterface(vpcapi.NewDescribeNetworkInterfaceRequest(region, niID))
	check(t, err, n.Error, "DescribeNetworkInterface")
	if n.Result.NetworkInterface.InstanceId != ids[0] || n.Result.NetworkInterface.PrimaryIp.PrivateIpAddress != in.PrivateIpAddress || n.Result.NetworkInterface.Az != "cn-east-2a" {
		t.Fatalf("interface %+v", n.Result.NetworkInterface)
	}
	nl, err := c.vpc.DescribeNetworkInterfaces(vpcapi.NewDescribeNetworkInterfacesRequest(region))
	check(t, err, nl.Error, "DescribeNetworkInterfaces")
	if nl.Result.TotalCount != 1 {
		t.Fatalf("interfaces %+v", nl.Result)
	}

	// CreateElasticIps has no az: a body that sends one still gets an
	// all-zone EIP, which binds in any zone.
	otherZone, _ := c.createEIP(t, "cn-east-2b")
	if x := c.waitEIP(t, otherZone, ""); x.Az != "" {
		t.Fatalf("az field not ignored: %+v", x)
	}
	sameZone, addr := c.createEIP(t, "")
	ar := vpcapi.NewAssociateElasticIpRequest(region, niID)
	ar.ElasticIpId = strp(sameZone)
	a, err := c.vpc.AssociateElasticIp(ar)
	check(t, err, a.Error, "AssociateElasticIp (vpc)")
	if x := c.waitEIP(t, sameZone, ids[0]); x.InstanceType != "compute" {
		t.Fatalf("instanceType of a VM holder %q, want compute", x.InstanceType)
	}
	got := c.waitStatus(t, ids[0], "running")
	if got.ElasticIpId != sameZone || got.ElasticIpAddress != addr || got.PrimaryNetworkInterface.NetworkInterface.PrimaryIp.ElasticIpAddress != addr {
		t.Fatalf("instance after associate %+v", got)
	}
	del, err := c.vpc.DeleteElasticIp(vpcapi.NewDeleteElasticIpRequest(region, sameZone))
	wantErr(t, err, del.Error, 400, "FAILED_PRECONDITION", "associated")

	dr := vpcapi.NewDisassociateElasticIpRequest(region, niID)
	dr.ElasticIpId = strp(otherZone)
	d, err := c.vpc.DisassociateElasticIp(dr)
	wantErr(t, err, d.Error, 400, "FAILED_PRECONDITION", "isn't associated")
	dr.ElasticIpId = strp(sameZone)
	d, err = c.vpc.DisassociateElasticIp(dr)
	check(t, err, d.Error, "DisassociateElasticIp (vpc)")
	c.waitEIP(t, sameZone, "")
}

func TestAvailabilityGroups(t *testing.T) {
	c := startEmu(t, Options{Quotas: Quotas{AvailabilityGroups: 2}})
	bad := []struct {
		name string
		azs  []string
		msg  string
	}{
		{"this-name-is-far-too-long-for-an-ag-0123", []string{"cn-east-2a"}, "32"},
		{"bad name!", []string{"cn-east-2a"}, "allowed"},
		{"ok", nil, "azs"},
		{"ok", []string{"cn-north-1a"}, "not found"},
	}
	for _, b := range bad {
		r, err := c.ag.CreateAg(agapi.NewCreateAgRequest(region, b.azs, b.name))
		wantErr(t, err, r.Error, 400, "INVALID_ARGUMENT", b.msg)
	}
	pr := agapi.NewCreateAgRequest(region, []string{"cn-east-2a"}, "ag1")
	pr.PlacementType = strp("rack")
	r, err := c.ag.CreateAg(pr)
	wantErr(t, err, r.Error, 400, "INVALID_ARGUMENT", "placementType")

	id := c.createAg(t, "高可用组_1", "cn-east-2a", "cn-east-2b")
	c.createAg(t, "ag-2", "cn-east-2c")
	r, err = c.ag.CreateAg(agapi.NewCreateAgRequest(region, []string{"cn-east-2a"}, "ag-3"))
	wantErr(t, err, r.Error, 429, "QUOTA_EXCEEDED", "")

	d, err := c.ag.DescribeAg(agapi.NewDescribeAgRequest(region, id))
	check(t, err, d.Error, "DescribeAg")
	g := d.Result.Ag
	if g.Name != "高可用组_1" || g.AgType != "vm" || g.PlacementType != "fd" || len(g.Azs) != 2 || g.Count != 0 {
		t.Fatalf("ag %+v", g)
	}
	ur := agapi.NewUpdateAgRequest(region, id)
	ur.Name, ur.Description = strp("ag-renamed"), strp("pair")
	u, err := c.ag.UpdateAg(ur)
	check(t, err, u.Error, "UpdateAg")
	lr := agapi.NewDescribeAgsRequest(region)
	lr.Filters = []common.Filter{flt("agName", "renamed")}
	l, err := c.ag.DescribeAgs(lr)
	check(t, err, l.Error, "DescribeAgs")
	if l.Result.TotalCount != 1 || l.Result.Ags[0].Id != id || l.Result.Ags[0].Description != "pair" {
		t.Fatalf("ags %+v", l.Result)
	}

	_, subnetID, _ := c.network(t)
	ids := c.createInstances(t, instanceSpec("web-1", "", subnetID, id), 1, "")
	del, err := c.ag.DeleteAg(agapi.NewDeleteAgRequest(region, id))
	wantErr(t, err, del.Error, 400, "FAILED_PRECONDITION", "instance")
	c.waitStatus(t, ids[0], "running")
	di, err := c.vm.DeleteInstance(vmapi.NewDeleteInstanceRequest(region, ids[0]))
	check(t, err, di.Error, "DeleteInstance")
	c.waitStatus(t, ids[0], "gone")
	del, err = c.ag.DeleteAg(agapi.NewDeleteAgRequest(region, id))
	check(t, err, del.Error, "DeleteAg")
}

func TestCreateInstancesValidation(t *testing.T) {
	c := startEmu(t, Options{})
	_, subnetID, _ := c.network(t)
	cases := []struct {
		mut func(s *vmmSpec)
		msg string
	}{
		{func(s *vmmSpec) { s.ImageId = strp("img-nope") }, `Invalid imageId "img-nope"`},
		{func(s *vmmSpec) { s.InstanceType = strp("x.huge") }, `Invalid instanceType "x.huge"`},
		{func(s *vmmSpec) { s.Az = strp("cn-east-2z") }, `Invalid az "cn-east-2z"`},
		{func(s *vmmSpec) { s.Az = nil }, "az is required"},
		{func(s *vmmSpec) { s.PrimaryNetworkInterface.NetworkInterface.SubnetId = "subnet-nope" }, "subnet"},
		{func(s *vmmSpec) { s.PrimaryNetworkInterface.NetworkInterface.PrimaryIpAddress = strp("10.0.2.9") }, "not in the cidr"},
		{func(s *vmmSpec) { s.PrimaryNetworkInterface.NetworkInterface.PrimaryIpAddress = strp("10.0.1.1") }, "reserved"},
		{func(s *vmmSpec) { s.Name = "x" }, "name"},
	}
	for i, tc := range cases {
		spec := instanceSpec("web", "cn-east-2a", subnetID, "")
		tc.mut(spec)
		r, err := c.vm.CreateInstances(vmapi.NewCreateInstancesRequest(region, spec))
		if err != nil {
			t.Fatal(err)
		}
		if r.Error.Code != 400 || r.Error.Status != "INVALID_ARGUMENT" || !contains(r.Error.Message, tc.msg) {
			t.Errorf("case %d: want 400 INVALID_ARGUMENT containing %q, got %+v", i, tc.msg, r.Error)
		}
	}
	req := vmapi.NewCreateInstancesRequest(region, instanceSpec("web", "cn-east-2a", subnetID, ""))
	req.MaxCount = intp(101)
	r, err := c.vm.CreateInstances(req)
	wantErr(t, err, r.Error, 400, "INVALID_ARGUMENT", "maxCount")
	req.MaxCount, req.ClientToken = intp(1), strp(fmt.Sprintf("%065d", 1))
	r, err = c.vm.CreateInstances(req)
	wantErr(t, err, r.Error, 400, "INVALID_ARGUMENT", "clientToken")
	if n := len(c.srv.Emulator.Snapshot().Instances); n != 0 {
		t.Fatalf("refused creates left %d instances", n)
	}

	// Requested IP honoured, then refused as taken.
	spec := instanceSpec("web", "cn-east-2a", subnetID, "")
	spec.PrimaryNetworkInterface.NetworkInterface.PrimaryIpAddress = strp("10.0.1.50")
	ids := c.createInstances(t, spec, 1, "")
	in := c.waitStatus(t, ids[0], "running")
	if in.PrivateIpAddress != "10.0.1.50" {
		t.Fatalf("private ip %s", in.PrivateIpAddress)
	}
	r, err = c.vm.CreateInstances(vmapi.NewCreateInstancesRequest(region, spec))
	wantErr(t, err, r.Error, 400, "FAILED_PRECONDITION", "already in use")
}

func TestClientTokenIdempotency(t *testing.T) {
	c := startEmu(t, Options{})
	_, subnetID, _ := c.network(t)
	spec := instanceSpec("web", "cn-east-2a", subnetID, "")
	first := c.createInstances(t, spec, 2, "retry-token-1")
	again := c.createInstances(t, spec, 2, "retry-token-1")
	if fmt.Sprint(first) != fmt.Sprint(again) || len(first) != 2 {
		t.Fatalf("retry gave %v, first %v", again, first)
	}
	if n := len(c.srv.Emulator.Snapshot().Instances); n != 2 {
		t.Fatalf("%d instances after a retried create, want 2", n)
	}
	other := c.createInstances(t, spec, 1, "retry-token-2")
	if other[0] == first[0] || other[0] == first[1] {
		t.Fatalf("a new token reused ids")
	}
}

func TestFaultDomainSpreadAndFilters(t *testing.T) {
	c := startEmu(t, Options{})
	_, subnetID, _ := c.network(t)
	agID := c.createAg(t, "ag-spread", "cn-east-2a")
	ids := c.createInstances(t, instanceSpec("node", "cn-east-2a", subnetID, agID), 5, "")
	seen := map[string]bool{}
	for _, id := range ids {
		in := c.waitStatus(t, id, "running")
		if in.Ag.Id != agID || in.Ag.Name != "ag-spread" || in.Az != "cn-east-2a" {
			t.Fatalf("instance %s ag %+v az %s", id, in.Ag, in.Az)
		}
		if seen[in.FaultDomain] {
			t.Fatalf("fault domain %s shared while free ones exist", in.FaultDomain)
		}
		seen[in.FaultDomain] = true
	}
	// A sixth member must share: the group has 5 fault domains per zone.
	six := c.createInstances(t, instanceSpec("node", "cn-east-2a", subnetID, agID), 1, "")
	in6 := c.waitStatus(t, six[0], "running")
	if !seen[in6.FaultDomain] {
		t.Fatalf("sixth member got unknown fault domain %s", in6.FaultDomain)
	}

	// Two-zone group: a pair lands in different zones.
	pairAg := c.createAg(t, "ag-pair", "cn-east-2a", "cn-east-2b")
	p := c.createInstances(t, instanceSpec("pair", "", subnetID, pairAg), 2, "")
	a, b := c.waitStatus(t, p[0], "running"), c.waitStatus(t, p[1], "running")
	if a.Az == b.Az || a.FaultDomain == b.FaultDomain {
		t.Fatalf("pair shares zone/fault domain: %s/%s %s/%s", a.Az, a.FaultDomain, b.Az, b.FaultDomain)
	}

	// Filters.
	lr := vmapi.NewDescribeInstancesRequest(region)
	lr.Filters = []common.Filter{flt("agId", agID), flt("faultDomain", in6.FaultDomain)}
	l, err := c.vm.DescribeInstances(lr)
	check(t, err, l.Error, "DescribeInstances")
	if l.Result.TotalCount != 2 {
		t.Fatalf("agId+faultDomain gave %d", l.Result.TotalCount)
	}
	lr.Filters = []common.Filter{flt("az", "cn-east-2b")}
	l, err = c.vm.DescribeInstances(lr)
	check(t, err, l.Error, "DescribeInstances")
	if l.Result.TotalCount != 1 {
		t.Fatalf("az filter gave %d", l.Result.TotalCount)
	}
	lr.Filters = []common.Filter{flt("privateIpAddress", a.PrivateIpAddress), flt("status", "running")}
	l, err = c.vm.DescribeInstances(lr)
	check(t, err, l.Error, "DescribeInstances")
	if l.Result.TotalCount != 1 || l.Result.Instances[0].InstanceId != a.InstanceId {
		t.Fatalf("ip filter %+v", l.Result)
	}
	eipID, addr := c.createEIP(t, "")
	as, err := c.vm.AssociateElasticIp(vmapi.NewAssociateElasticIpRequest(region, b.InstanceId, eipID))
	check(t, err, as.Error, "AssociateElasticIp")
	c.waitEIP(t, eipID, b.InstanceId)
	lr.Filters = []common.Filter{flt("elasticIpAddress", addr)}
	l, err = c.vm.DescribeInstances(lr)
	check(t, err, l.Error, "DescribeInstances")
	if l.Result.TotalCount != 1 || l.Result.Instances[0].InstanceId != b.InstanceId || l.Result.Instances[0].ElasticIpId != eipID {
		t.Fatalf("eip filter %+v", l.Result)
	}

	// Paging over 8 instances with pageSize 10 and 100, and a bad size.
	var all []string
	for pn := 1; ; pn++ {
		pr := vmapi.NewDescribeInstancesRequest(region)
		pr.PageNumber, pr.PageSize = intp(pn), intp(10)
		l, err := c.vm.DescribeInstances(pr)
		check(t, err, l.Error, "DescribeInstances page")
		for _, in := range l.Result.Instances {
			all = append(all, in.InstanceId)
		}
		if len(l.Result.Instances) < 10 {
			if l.Result.TotalCount != 8 {
				t.Fatalf("totalCount %d", l.Result.TotalCount)
			}
			break
		}
	}
	sort.Strings(all)
	if len(all) != 8 {
		t.Fatalf("paged %d instances", len(all))
	}
	pr := vmapi.NewDescribeInstancesRequest(region)
	pr.PageSize = intp(9)
	l, err = c.vm.DescribeInstances(pr)
	wantErr(t, err, l.Error, 400, "INVALID_ARGUMENT", "pageSize")
}

func TestInstanceLifecycleAndElasticIp(t *testing.T) {
	c := startEmu(t, Options{})
	_, subnetID, sgID := c.network(t)
	spec := instanceSpec("web-1", "cn-east-2a", subnetID, "")
	spec.PrimaryNetworkInterface.NetworkInterface.SecurityGroups = []string{sgID}
	ids := c.createInstances(t, spec, 1, "")
	d, err := c.vm.DescribeInstance(vmapi.NewDescribeInstanceRequest(region, ids[0]))
	check(t, err, d.Error, "DescribeInstance")
	if st := d.Result.Instance.Status; st != "pending" && st != "running" {
		t.Fatalf("new instance status %s", st)
	}
	// Deleting a pending instance is refused (only while it is still pending).
	if d.Result.Instance.Status == "pending" {
		del, err := c.vm.DeleteInstance(vmapi.NewDeleteInstanceRequest(region, ids[0]))
		if err != nil {
			t.Fatal(err)
		}
		if del.Error.Code != 0 && del.Error.Status != "FAILED_PRECONDITION" {
			t.Fatalf("delete pending: %+v", del.Error)
		}
		if del.Error.Code == 0 {
			t.Skip("instance became running between describe and delete")
		}
	}
	in := c.waitStatus(t, ids[0], "running")
	if in.InstanceName != "web-1" || in.ImageId != "img-debian12-x64" || in.InstanceType != "g.n2.medium" || in.SubnetId != subnetID ||
		len(in.PrimaryNetworkInterface.NetworkInterface.SecurityGroups) != 1 || in.PrimaryNetworkInterface.NetworkInterface.SecurityGroups[0].GroupId != sgID {
		t.Fatalf("instance %+v", in)
	}
	mr := vmapi.NewModifyInstanceAttributeRequest(region, ids[0])
	mr.Name, mr.Description = strp("web-renamed"), strp("master")
	m, err := c.vm.ModifyInstanceAttribute(mr)
	check(t, err, m.Error, "ModifyInstanceAttribute")

	st, err := c.vm.StartInstance(vmapi.NewStartInstanceRequest(region, ids[0]))
	wantErr(t, err, st.Error, 400, "FAILED_PRECONDITION", "start")
	sp, err := c.vm.StopInstance(vmapi.NewStopInstanceRequest(region, ids[0]))
	check(t, err, sp.Error, "StopInstance")
	stopped := c.waitStatus(t, ids[0], "stopped")
	if stopped.InstanceName != "web-renamed" || stopped.Description != "master" {
		t.Fatalf("attributes not kept: %+v", stopped)
	}
	st, err = c.vm.StartInstance(vmapi.NewStartInstanceRequest(region, ids[0]))
	check(t, err, st.Error, "StartInstance")
	c.waitStatus(t, ids[0], "running")

	eipID, _ := c.createEIP(t, "")
	as, err := c.vm.AssociateElasticIp(vmapi.NewAssociateElasticIpRequest(region, ids[0], eipID))
	check(t, err, as.Error, "AssociateElasticIp")
	second, _ := c.createEIP(t, "")
	as, err = c.vm.AssociateElasticIp(vmapi.NewAssociateElasticIpRequest(region, ids[0], second))
	wantErr(t, err, as.Error, 400, "FAILED_PRECONDITION", "already has elastic ip")

	del, err := c.vm.DeleteInstance(vmapi.NewDeleteInstanceRequest(region, ids[0]))
	check(t, err, del.Error, "DeleteInstance")
	c.waitStatus(t, ids[0], "gone")
	e, err := c.vpc.DescribeElasticIp(vpcapi.NewDescribeElasticIpRequest(region, eipID))
	check(t, err, e.Error, "DescribeElasticIp")
	if e.Result.ElasticIp.Status != "NOT_ASSOCIATED" || e.Result.ElasticIp.InstanceId != "" {
		t.Fatalf("eip still bound after delete: %+v", e.Result.ElasticIp)
	}
	// The private IP is free again.
	s, err := c.vpc.DescribeSubnet(vpcapi.NewDescribeSubnetRequest(region, subnetID))
	check(t, err, s.Error, "DescribeSubnet")
	if s.Result.Subnet.AvailableIpCount != 252 {
		t.Fatalf("available ips %d after delete", s.Result.Subnet.AvailableIpCount)
	}
}

func TestCatalog(t *testing.T) {
	c := startEmu(t, Options{})
	all := vmapi.NewDescribeImagesRequest(region)
	all.SetImageSource("public") // required without ids (vm_fidelity_test.go)
	im, err := c.vm.DescribeImages(all)
	check(t, err, im.Error, "DescribeImages")
	online := 0
	for _, img := range Images {
		if !img.Offline {
			online++
		}
	}
	if im.Result.TotalCount != online || im.Result.Images[0].ImageId != Images[0].ImageId {
		t.Fatalf("images %+v", im.Result)
	}
	if img := c.imageByID(t, "img-ubuntu2204-x64"); img.Platform != "Ubuntu" {
		t.Fatalf("images by id %+v", img)
	}
	tr := vmapi.NewDescribeInstanceTypesRequest("cn-south-1")
	tr.Filters = []common.Filter{flt("instanceTypes", "g.n2.large")}
	it, err := c.vm.DescribeInstanceTypes(tr)
	check(t, err, it.Error, "DescribeInstanceTypes")
	if it.Result.TotalCount != 1 || it.Result.InstanceTypes[0].Cpu != 2 || len(it.Result.InstanceTypes[0].State) != 3 || it.Result.InstanceTypes[0].State[0].Az != "cn-south-1a" {
		t.Fatalf("types %+v", it.Result)
	}
}
