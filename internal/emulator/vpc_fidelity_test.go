package emulator

import (
	"time"

	"fmt"
	"testing"

	common "github.com/jdcloud-api/jdcloud-sdk-go/services/common/models"
	vmapi "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vpcapi "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
	vpcm "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"
)

// Conformance tests, through the real SDK, for the vpc rules FIDELITY.md
// lists (security groups, filters, paging, quotas, names, addresses, EIPs).

func TestSecurityGroupRuleVocabulary(t *testing.T) {
	c := startEmu(t, Options{})
	_, _, sgID := c.network(t)
	add := func(specs ...vpcm.AddSecurityGroupRules) *vpcapi.AddNetworkSecurityGroupRulesResponse {
		t.Helper()
		r, err := c.vpc.AddNetworkSecurityGroupRules(vpcapi.NewAddNetworkSecurityGroupRulesRequest(region, sgID, specs))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	// Only the four documented protocols.
	for _, p := range []int{112, 58, 47, 0} {
		r := add(vpcm.AddSecurityGroupRules{Protocol: p, Direction: 0, AddressPrefix: "10.0.1.19/32"})
		wantErr(t, nil, r.Error, 400, "INVALID_ARGUMENT", "protocol")
	}
	bad := []struct {
		spec vpcm.AddSecurityGroupRules
		msg  string
	}{
		{vpcm.AddSecurityGroupRules{Protocol: 300, AddressPrefix: "0.0.0.0/0", FromPort: intp(1), ToPort: intp(65535)}, "always 0"},
		{vpcm.AddSecurityGroupRules{Protocol: 6, AddressPrefix: "0.0.0.0/0", FromPort: intp(0), ToPort: intp(0)}, "port range"},
		{vpcm.AddSecurityGroupRules{Protocol: 6, AddressPrefix: "0.0.0.0/0", Priority: intp(0)}, "priority"},
		{vpcm.AddSecurityGroupRules{Protocol: 6, AddressPrefix: "0.0.0.0/0", Priority: intp(101)}, "priority"},
		{vpcm.AddSecurityGroupRules{Protocol: 6, AddressPrefix: "0.0.0.0/0", RuleAction: strp("allow")}, "ruleAction"},
		{vpcm.AddSecurityGroupRules{Protocol: 6, AddressPrefix: "0.0.0.0/0", AddressPrefixType: strp("ip")}, "addressPrefixType"},
		{vpcm.AddSecurityGroupRules{Protocol: 6, Direction: 2, AddressPrefix: "0.0.0.0/0"}, "direction"},
	}
	for _, b := range bad {
		wantErr(t, nil, add(b.spec).Error, 400, "INVALID_ARGUMENT", b.msg)
	}
	// Accepted: all (with the official provider's 0/0 ports), TCP, UDP, ICMP; ALLOW, DENY; priority 1 and 100.
	r := add(
		vpcm.AddSecurityGroupRules{Protocol: 300, Direction: 0, AddressPrefix: "10.0.1.19/32", FromPort: intp(0), ToPort: intp(0)},
		vpcm.AddSecurityGroupRules{Protocol: 300, Direction: 1, AddressPrefix: "10.0.1.19/32"},
		vpcm.AddSecurityGroupRules{Protocol: 6, Direction: 0, AddressPrefix: "0.0.0.0/0", FromPort: intp(22), ToPort: intp(22), Priority: intp(1)},
		vpcm.AddSecurityGroupRules{Protocol: 17, Direction: 0, AddressPrefix: "10.0.0.0/16", RuleAction: strp("DENY"), Priority: intp(100)},
		vpcm.AddSecurityGroupRules{Protocol: 1, Direction: 0, AddressPrefix: "10.0.0.0/16", AddressPrefixType: strp("CIDR")},
	)
	check(t, nil, r.Error, "AddNetworkSecurityGroupRules")
	g, err := c.vpc.DescribeNetworkSecurityGroup(vpcapi.NewDescribeNetworkSecurityGroupRequest(region, sgID))
	check(t, err, g.Error, "DescribeNetworkSecurityGroup")
	rules := customRules(g.Result.NetworkSecurityGroup.SecurityGroupRules)
	if len(rules) != 5 {
		t.Fatalf("custom rules %+v", rules)
	}
	for _, rl := range rules {
		if rl.RuleType != "custom" || rl.AddressPrefixType != "CIDR" || (rl.RuleAction != "ALLOW" && rl.RuleAction != "DENY") {
			t.Errorf("rule vocabulary %+v", rl)
		}
		if (rl.Protocol == 300 || rl.Protocol == 1) && (rl.FromPort != 0 || rl.ToPort != 0) {
			t.Errorf("non-transport rule with ports %+v", rl)
		}
		if rl.Protocol == 17 && (rl.FromPort != 1 || rl.ToPort != 65535) {
			t.Errorf("UDP without ports should default to 1-65535: %+v", rl)
		}
	}
}

func TestNewSecurityGroupHasDocumentedDefaultRules(t *testing.T) {
	c := startEmu(t, Options{})
	_, _, sgID := c.network(t)
	g, err := c.vpc.DescribeNetworkSecurityGroup(vpcapi.NewDescribeNetworkSecurityGroupRequest(region, sgID))
	check(t, err, g.Error, "DescribeNetworkSecurityGroup")
	got := map[string]bool{}
	for _, r := range g.Result.NetworkSecurityGroup.SecurityGroupRules {
		if r.RuleType != "default" {
			t.Fatalf("a new group has a non-default rule %+v", r)
		}
		if r.Direction != 1 {
			t.Errorf("default ingress rule %+v: ingress is denied by default", r)
		}
		got[fmt.Sprintf("%d/%d-%d", r.Protocol, r.FromPort, r.ToPort)] = true
	}
	for _, want := range []string{"6/80-80", "17/67-67", "17/68-68", "17/161-161"} {
		if !got[want] {
			t.Errorf("default egress rule %s missing: %v", want, got)
		}
	}
	if len(got) != 4 {
		t.Errorf("default rules %v, want exactly TCP 80 and UDP 67, 68, 161", got)
	}
	// A custom rule equal to a default one is the user's own.
	r, err := c.vpc.AddNetworkSecurityGroupRules(vpcapi.NewAddNetworkSecurityGroupRulesRequest(region, sgID,
		[]vpcm.AddSecurityGroupRules{{Protocol: 6, Direction: 1, AddressPrefix: "0.0.0.0/0", FromPort: intp(80), ToPort: intp(80)}}))
	check(t, err, r.Error, "AddNetworkSecurityGroupRules (same as a default rule)")
}

func TestDocumentedFilterNamesAndTheUnknownFiltersSwitch(t *testing.T) {
	for _, mode := range []string{"refuse", "ignore"} {
		t.Run(mode, func(t *testing.T) {
			c := startEmu(t, Options{Unknowns: Unknowns{Filters: mode}})
			vpcID, subnetID, _ := c.network(t)
			lv := vpcapi.NewDescribeVpcsRequest(region)
			lv.Filters = []common.Filter{flt("vpcIds", vpcID), flt("vpcNames", "vpc-ha")}
			v, err := c.vpc.DescribeVpcs(lv)
			check(t, err, v.Error, "DescribeVpcs vpcIds+vpcNames")
			if v.Result.TotalCount != 1 || v.Result.Vpcs[0].VpcId != vpcID {
				t.Fatalf("vpcs %+v", v.Result)
			}
			ls := vpcapi.NewDescribeSubnetsRequest(region)
			ls.Filters = []common.Filter{flt("subnetIds", subnetID), flt("subnetNames", "subnet-ha"), flt("vpcId", vpcID)}
			s, err := c.vpc.DescribeSubnets(ls)
			check(t, err, s.Error, "DescribeSubnets subnetIds+subnetNames")
			if s.Result.TotalCount != 1 {
				t.Fatalf("subnets %+v", s.Result)
			}
			// The undocumented singular names.
			lv.Filters = []common.Filter{flt("vpcName", "no-such-vpc")}
			v, err = c.vpc.DescribeVpcs(lv)
			ls.Filters = []common.Filter{flt("subnetName", "no-such-subnet")}
			s, err2 := c.vpc.DescribeSubnets(ls)
			ln := vpcapi.NewDescribeNetworkInterfacesRequest(region)
			ln.Filters = []common.Filter{flt("instanceId", "i-none")}
			n, err3 := c.vpc.DescribeNetworkInterfaces(ln)
			if mode == "refuse" {
				wantErr(t, err, v.Error, 400, "INVALID_ARGUMENT", "vpcName")
				wantErr(t, err2, s.Error, 400, "INVALID_ARGUMENT", "subnetName")
				wantErr(t, err3, n.Error, 400, "INVALID_ARGUMENT", "instanceId")
				return
			}
			check(t, err, v.Error, "DescribeVpcs vpcName (ignored)")
			check(t, err2, s.Error, "DescribeSubnets subnetName (ignored)")
			check(t, err3, n.Error, "DescribeNetworkInterfaces instanceId (ignored)")
			if v.Result.TotalCount != 1 || s.Result.TotalCount != 1 {
				t.Fatalf("an ignored filter must not filter: %d vpcs, %d subnets", v.Result.TotalCount, s.Result.TotalCount)
			}
		})
	}
}

func TestVpcListsPastTheEndGiveTheLastPage(t *testing.T) {
	c := startEmu(t, Options{})
	vpcID, _, _ := c.network(t)
	for i := 2; i <= 12; i++ { // 12 subnets over two VPCs (10 per VPC)
		target := vpcID
		if i > 10 {
			vr := vpcapi.NewCreateVpcRequest(region, fmt.Sprintf("vpc-%d", i))
			vr.SetAddressPrefix("10.1.0.0/16")
			r, err := c.vpc.CreateVpc(vr)
			check(t, err, r.Error, "CreateVpc")
			target = r.Result.VpcId
		}
		cidr := fmt.Sprintf("10.0.%d.0/24", i)
		if target != vpcID {
			cidr = "10.1.0.0/24"
		}
		s, err := c.vpc.CreateSubnet(vpcapi.NewCreateSubnetRequest(region, target, fmt.Sprintf("s-%d", i), cidr))
		check(t, err, s.Error, "CreateSubnet")
	}
	lr := vpcapi.NewDescribeSubnetsRequest(region)
	lr.PageSize = intp(10)
	lr.PageNumber = intp(2)
	p2, err := c.vpc.DescribeSubnets(lr)
	check(t, err, p2.Error, "DescribeSubnets page 2")
	lr.PageNumber = intp(7)
	p7, err := c.vpc.DescribeSubnets(lr)
	check(t, err, p7.Error, "DescribeSubnets page 7")
	if p2.Result.TotalCount != 12 || len(p2.Result.Subnets) != 2 || len(p7.Result.Subnets) != 2 || p7.Result.Subnets[0].SubnetId != p2.Result.Subnets[0].SubnetId {
		t.Fatalf("page 2 %d items, page 7 %d items (want the last page again), total %d", len(p2.Result.Subnets), len(p7.Result.Subnets), p2.Result.TotalCount)
	}
	vr := vpcapi.NewDescribeVpcsRequest(region)
	vr.PageNumber = intp(5)
	v, err := c.vpc.DescribeVpcs(vr)
	check(t, err, v.Error, "DescribeVpcs page 5")
	if len(v.Result.Vpcs) != v.Result.TotalCount || v.Result.TotalCount != 3 {
		t.Fatalf("vpcs past the end: %d of %d", len(v.Result.Vpcs), v.Result.TotalCount)
	}
}

func TestQuotasPerVpcAndRegion(t *testing.T) {
	c := startEmu(t, Options{})
	vpcID, _, _ := c.network(t) // one subnet and one group already
	for i := 2; i <= 10; i++ {
		s, err := c.vpc.CreateSubnet(vpcapi.NewCreateSubnetRequest(region, vpcID, fmt.Sprintf("s-%d", i), fmt.Sprintf("10.0.%d.0/24", 10+i)))
		check(t, err, s.Error, "CreateSubnet")
	}
	s, err := c.vpc.CreateSubnet(vpcapi.NewCreateSubnetRequest(region, vpcID, "s-11", "10.0.99.0/24"))
	wantErr(t, err, s.Error, 429, "QUOTA_EXCEEDED", "per vpc")
	for i := 2; i <= 50; i++ {
		g, err := c.vpc.CreateNetworkSecurityGroup(vpcapi.NewCreateNetworkSecurityGroupRequest(region, vpcID, fmt.Sprintf("sg-%d", i)))
		check(t, err, g.Error, "CreateNetworkSecurityGroup")
	}
	g, err := c.vpc.CreateNetworkSecurityGroup(vpcapi.NewCreateNetworkSecurityGroupRequest(region, vpcID, "sg-51"))
	wantErr(t, err, g.Error, 429, "QUOTA_EXCEEDED", "per vpc")
	// Another VPC has its own subnet and group quota; VPCs are 10 per region.
	var other string
	for i := 2; i <= 10; i++ {
		r, err := c.vpc.CreateVpc(vpcapi.NewCreateVpcRequest(region, fmt.Sprintf("vpc-%d", i)))
		check(t, err, r.Error, "CreateVpc")
		other = r.Result.VpcId
	}
	r, err := c.vpc.CreateVpc(vpcapi.NewCreateVpcRequest(region, "vpc-11"))
	wantErr(t, err, r.Error, 429, "QUOTA_EXCEEDED", "per region")
	s, err = c.vpc.CreateSubnet(vpcapi.NewCreateSubnetRequest(region, other, "s-other", "10.5.0.0/24"))
	check(t, err, s.Error, "CreateSubnet in another VPC")
	g, err = c.vpc.CreateNetworkSecurityGroup(vpcapi.NewCreateNetworkSecurityGroupRequest(region, other, "sg-other"))
	check(t, err, g.Error, "CreateNetworkSecurityGroup in another VPC")
}

func TestNamesWithoutDots(t *testing.T) {
	c := startEmu(t, Options{})
	vpcID, _, _ := c.network(t)
	r, err := c.vpc.CreateVpc(vpcapi.NewCreateVpcRequest(region, "vpc.ha"))
	wantErr(t, err, r.Error, 400, "INVALID_ARGUMENT", "vpcName")
	s, err := c.vpc.CreateSubnet(vpcapi.NewCreateSubnetRequest(region, vpcID, "web.1", "10.0.9.0/24"))
	wantErr(t, err, s.Error, 400, "INVALID_ARGUMENT", "subnetName")
	g, err := c.vpc.CreateNetworkSecurityGroup(vpcapi.NewCreateNetworkSecurityGroupRequest(region, vpcID, "sg.web"))
	wantErr(t, err, g.Error, 400, "INVALID_ARGUMENT", "networkSecurityGroupName")
	er := vpcapi.NewCreateElasticIpsRequest(region, 1, &vpcm.ElasticIpSpec{BandwidthMbps: 5, Provider: "bgp"})
	er.ElasticIpName = strp("vip.1")
	e, err := c.vpc.CreateElasticIps(er)
	wantErr(t, err, e.Error, 400, "INVALID_ARGUMENT", "elasticIpName")
	r, err = c.vpc.CreateVpc(vpcapi.NewCreateVpcRequest(region, "高可用_vpc-1"))
	check(t, err, r.Error, "CreateVpc with Chinese, _ and -")
}

// Reserved: the network address, .1, .2 and broadcast; .3 is the first usable.
func TestSubnetReservedAddresses(t *testing.T) {
	c := startEmu(t, Options{})
	_, subnetID, _ := c.network(t)
	for _, ip := range []string{"10.0.1.0", "10.0.1.1", "10.0.1.2", "10.0.1.255"} {
		spec := instanceSpec("web", "cn-east-2a", subnetID, "")
		spec.PrimaryNetworkInterface.NetworkInterface.PrimaryIpAddress = strp(ip)
		r, err := c.vm.CreateInstances(vmapi.NewCreateInstancesRequest(region, spec))
		wantErr(t, err, r.Error, 400, "INVALID_ARGUMENT", "reserved")
	}
	spec := instanceSpec("web", "cn-east-2a", subnetID, "")
	spec.PrimaryNetworkInterface.NetworkInterface.PrimaryIpAddress = strp("10.0.1.3")
	in := c.waitStatus(t, c.createInstances(t, spec, 1, "")[0], "running")
	if in.PrivateIpAddress != "10.0.1.3" {
		t.Fatalf("private ip %s", in.PrivateIpAddress)
	}
}

func TestElasticIpLinesAndTheNoBGPSwitch(t *testing.T) {
	create := func(c *clients, r, line string) *vpcapi.CreateElasticIpsResponse {
		t.Helper()
		resp, err := c.vpc.CreateElasticIps(vpcapi.NewCreateElasticIpsRequest(r, 1, &vpcm.ElasticIpSpec{BandwidthMbps: 5, Provider: line}))
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	for _, mode := range []string{"refuse", "accept"} {
		c := startEmu(t, Options{Unknowns: Unknowns{NoBGP: mode}})
		for _, r := range []string{"cn-north-1", "cn-east-2"} {
			wantErr(t, nil, create(c, r, "no_bgp").Error, 400, "INVALID_ARGUMENT", "only bgp")
			check(t, nil, create(c, r, "bgp").Error, "CreateElasticIps bgp in "+r)
		}
		for _, r := range []string{"cn-south-1", "cn-east-1"} {
			if resp := create(c, r, "no_bgp"); mode == "refuse" {
				wantErr(t, nil, resp.Error, 400, "INVALID_ARGUMENT", "only bgp")
			} else {
				check(t, nil, resp.Error, "CreateElasticIps no_bgp in "+r)
			}
		}
	}
}

func TestElasticIpAssociationPassesThroughProcessing(t *testing.T) {
	for _, mode := range []string{"async", "sync"} {
		t.Run(mode, func(t *testing.T) {
			c := startEmu(t, Options{Unknowns: Unknowns{EIPAssociation: mode}})
			running, eipID := c.runningWithEIP(t, "pair", 2)
			a, b := running[0], running[1]

			as, err := c.vm.AssociateElasticIp(vmapi.NewAssociateElasticIpRequest(region, a.InstanceId, eipID))
			check(t, err, as.Error, "AssociateElasticIp")
			d, err := c.vpc.DescribeElasticIp(vpcapi.NewDescribeElasticIpRequest(region, eipID))
			check(t, err, d.Error, "DescribeElasticIp")
			if mode == "sync" {
				if x := d.Result.ElasticIp; x.State != "UP" || x.InstanceId != a.InstanceId || x.Status != "ASSOCIATED" {
					t.Fatalf("sync: right after associate %+v", x)
				}
			} else {
				if x := d.Result.ElasticIp; x.State != "PROCESSING" || x.InstanceId != "" {
					t.Fatalf("async: right after associate %+v, want PROCESSING with no holder yet", x)
				}
				// Meanwhile another associate, a disassociate and a delete are refused.
				r, err := c.vm.AssociateElasticIp(vmapi.NewAssociateElasticIpRequest(region, b.InstanceId, eipID))
				wantErr(t, err, r.Error, 400, "FAILED_PRECONDITION", "PROCESSING")
				dr, err := c.vm.DisassociateElasticIp(vmapi.NewDisassociateElasticIpRequest(region, a.InstanceId, eipID))
				wantErr(t, err, dr.Error, 400, "FAILED_PRECONDITION", "PROCESSING")
				del, err := c.vpc.DeleteElasticIp(vpcapi.NewDeleteElasticIpRequest(region, eipID))
				wantErr(t, err, del.Error, 400, "FAILED_PRECONDITION", "PROCESSING")
				// A second EIP for the same interface is refused while the first is on its way.
				other, _ := c.createEIP(t, "")
				r, err = c.vm.AssociateElasticIp(vmapi.NewAssociateElasticIpRequest(region, a.InstanceId, other))
				wantErr(t, err, r.Error, 400, "FAILED_PRECONDITION", "already has elastic ip")
			}
			if x := c.waitEIP(t, eipID, a.InstanceId); x.InstanceType != "compute" || x.Status != "ASSOCIATED" {
				t.Fatalf("after associate %+v", x)
			}

			// The agent's move: disassociate, then associate at once.
			dr, err := c.vm.DisassociateElasticIp(vmapi.NewDisassociateElasticIpRequest(region, a.InstanceId, eipID))
			check(t, err, dr.Error, "DisassociateElasticIp")
			r, err := c.vm.AssociateElasticIp(vmapi.NewAssociateElasticIpRequest(region, b.InstanceId, eipID))
			if mode == "async" {
				wantErr(t, err, r.Error, 400, "FAILED_PRECONDITION", "PROCESSING")
				c.waitEIP(t, eipID, "")
				r, err = c.vm.AssociateElasticIp(vmapi.NewAssociateElasticIpRequest(region, b.InstanceId, eipID))
			}
			check(t, err, r.Error, "AssociateElasticIp to the backup")
			c.waitEIP(t, eipID, b.InstanceId)
		})
	}
}

// An EIP can be associated only with a running or stopped instance.
func TestElasticIpNeedsARunningOrStoppedInstance(t *testing.T) {
	c := startEmu(t, Options{Latency: "realistic"}) // pending lasts seconds
	_, subnetID, _ := c.network(t)
	ids := c.createInstances(t, instanceSpec("slow", "cn-east-2a", subnetID, ""), 1, "")
	eipID, _ := c.createEIP(t, "")
	r, err := c.vm.AssociateElasticIp(vmapi.NewAssociateElasticIpRequest(region, ids[0], eipID))
	wantErr(t, err, r.Error, 400, "FAILED_PRECONDITION", "running or stopped")
}

// A bad signature is the gateway's 401 ACCESS_ERROR "sign result is not same [gw]".
func TestBadSignatureIsAccessError(t *testing.T) {
	srv := startEmu(t, Options{}).srv
	bad := newClients(srv.Endpoint, srv.AccessKey, "not-the-secret")
	r, err := bad.vpc.DescribeVpcs(vpcapi.NewDescribeVpcsRequest(region))
	wantErr(t, err, r.Error, 401, "ACCESS_ERROR", "sign result is not same [gw]")
	if r.Error.Message != "sign result is not same [gw]" {
		t.Fatalf("message %q", r.Error.Message)
	}
}

// OnChange shows every change when it happens, including the association
// that takes effect after the call returned (async), so tests can time it.
func TestOnChangeShowsTheAssociationTakingEffect(t *testing.T) {
	c := startEmu(t, Options{})
	running, eipID := c.runningWithEIP(t, "pair", 1)
	a := running[0]
	type seen struct{ holder, state string }
	changes := make(chan seen, 16)
	c.srv.Emulator.OnChange(func(st State) {
		if x := st.ElasticIps[eipID]; x != nil {
			state := "UP"
			if x.Processing {
				state = "PROCESSING"
			}
			changes <- seen{x.InstanceId, state}
		}
	})
	as, err := c.vm.AssociateElasticIp(vmapi.NewAssociateElasticIpRequest(region, a.InstanceId, eipID))
	check(t, err, as.Error, "AssociateElasticIp")
	next := func() seen {
		select {
		case s := <-changes:
			return s
		case <-time.After(5 * time.Second):
			t.Fatal("no change reported")
		}
		return seen{}
	}
	if s := next(); s != (seen{"", "PROCESSING"}) {
		t.Fatalf("first change %+v, want the association PROCESSING", s)
	}
	if s := next(); s != (seen{a.InstanceId, "UP"}) {
		t.Fatalf("second change %+v, want the holder once PROCESSING ends", s)
	}
	c.srv.Emulator.OnChange(nil)
}
