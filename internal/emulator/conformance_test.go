package emulator

import (
	"testing"

	vmapi "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vpcapi "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
	agapi "github.com/jdcloud-api/jdcloud-sdk-go/services/ag/apis"
)

func TestSmokeHAPair(t *testing.T) {
	c := startEmu(t, Options{})
	_, subnetID, sgID := c.network(t)
	_ = sgID
	agReq := agapi.NewCreateAgRequest(region, []string{"cn-east-2a", "cn-east-2b"}, "ag-ha")
	agReq.PlacementType = strp("fd")
	ag, err := c.ag.CreateAg(agReq)
	check(t, err, ag.Error, "CreateAg")
	ids := append(c.createInstances(t, instanceSpec("web-1", "cn-east-2a", subnetID, ag.Result.AgId), 1, "tok-1"),
		c.createInstances(t, instanceSpec("web-2", "cn-east-2a", subnetID, ag.Result.AgId), 1, "tok-2")...)
	a := c.waitStatus(t, ids[0], "running")
	b := c.waitStatus(t, ids[1], "running")
	if a.FaultDomain == b.FaultDomain || a.FaultDomain == "" {
		t.Fatalf("fault domains %q and %q", a.FaultDomain, b.FaultDomain)
	}
	eipID, addr := c.createEIP(t, "")
	r, err := c.vm.AssociateElasticIp(vmapi.NewAssociateElasticIpRequest(region, ids[0], eipID))
	check(t, err, r.Error, "AssociateElasticIp")
	r, err = c.vm.AssociateElasticIp(vmapi.NewAssociateElasticIpRequest(region, ids[1], eipID))
	wantErr(t, err, r.Error, 400, "FAILED_PRECONDITION", "ElasticIp "+addr+" already in use")
	d, err := c.vm.DisassociateElasticIp(vmapi.NewDisassociateElasticIpRequest(region, ids[1], eipID))
	wantErr(t, err, d.Error, 400, "FAILED_PRECONDITION", "Elastic ip isn't associated to this instance's primary network interface")
	e, err := c.vpc.DescribeElasticIp(vpcapi.NewDescribeElasticIpRequest(region, eipID))
	check(t, err, e.Error, "DescribeElasticIp")
	if e.Result.ElasticIp.InstanceId != ids[0] || e.Result.ElasticIp.Status != "ASSOCIATED" {
		t.Fatalf("eip %+v", e.Result.ElasticIp)
	}
}
