package testutil

import (
	"testing"
	"time"

	"github.com/jdcloud-api/jdcloud-sdk-go/core"
	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vmclient "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/client"
	vmmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/models"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
	vpcclient "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/client"
	vpcmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloudapi"
)

// SDKClient returns the service client newClient makes (vmclient.NewVmClient,
// …), talking to srv with its keys over HTTP, its stdout logging off.
func SDKClient[C jdcloudapi.SDKClient](srv *emulator.Server, newClient func(*core.Credential) C) C {
	return SDKClientAs(srv, srv.AccessKey, srv.SecretKey, newClient)
}

// SDKClientAs is SDKClient signing with another access key (a sub-user's,
// a rotated-out one).
func SDKClientAs[C jdcloudapi.SDKClient](srv *emulator.Server, accessKey, secretKey string, newClient func(*core.Credential) C) C {
	return jdcloudapi.NewSDKClient(jdcloudapi.SDKConfig{AccessKey: accessKey, SecretKey: secretKey,
		Scheme: "http", Endpoint: srv.Endpoint, Timeout: 10 * time.Second}, newClient)
}

// APIOK fails t when an SDK call what failed or the API answered an error.
func APIOK(t testing.TB, what string, err error, e core.ErrorResponse) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if e.Code != 0 {
		t.Fatalf("%s: %d %s: %s", what, e.Code, e.Status, e.Message)
	}
}

// Topology is a failover pair's objects, made in an emulator through the SDK
// as a user would make them, for the agent's tests.
type Topology struct {
	VM        *vmclient.VmClient
	VPC       *vpcclient.VpcClient
	Region    string
	Instances []string // one per name given to MakeTopology, running
	EIP       string   // bound to no instance
}

// MakeTopology creates in srv a VPC 10.0.0.0/16 with a subnet 10.0.1.0/24,
// one running instance per name (at private IP ips[i] when ips is given) and
// one EIP.
func MakeTopology(t testing.TB, srv *emulator.Server, names, ips []string) *Topology {
	t.Helper()
	tp := &Topology{VM: SDKClient(srv, vmclient.NewVmClient), VPC: SDKClient(srv, vpcclient.NewVpcClient), Region: srv.Emulator.Region()}
	vr := vpcapis.NewCreateVpcRequest(tp.Region, "vpc-ha")
	prefix := "10.0.0.0/16"
	vr.AddressPrefix = &prefix
	v, err := tp.VPC.CreateVpc(vr)
	APIOK(t, "CreateVpc", err, v.Error)
	s, err := tp.VPC.CreateSubnet(vpcapis.NewCreateSubnetRequest(tp.Region, v.Result.VpcId, "subnet-ha", "10.0.1.0/24"))
	APIOK(t, "CreateSubnet", err, s.Error)

	az, itype, image := emulator.Zones(tp.Region)[0], "g.n2.medium", "img-debian12-x64"
	for i, name := range names {
		nic := &vmmodels.NetworkInterfaceSpec{SubnetId: s.Result.SubnetId}
		if ips != nil {
			nic.PrimaryIpAddress = &ips[i]
		}
		spec := &vmmodels.InstanceSpec{Name: name, Az: &az, InstanceType: &itype, ImageId: &image,
			PrimaryNetworkInterface: &vmmodels.InstanceNetworkInterfaceAttachmentSpec{NetworkInterface: nic}}
		r, err := tp.VM.CreateInstances(vmapis.NewCreateInstancesRequest(tp.Region, spec))
		APIOK(t, "CreateInstances", err, r.Error)
		tp.Instances = append(tp.Instances, r.Result.InstanceIds...)
	}
	for _, id := range tp.Instances { // instance creation is asynchronous
		Eventually(t, 30*time.Second, 200*time.Millisecond, func() (bool, string) {
			r, err := tp.VM.DescribeInstance(vmapis.NewDescribeInstanceRequest(tp.Region, id))
			APIOK(t, "DescribeInstance", err, r.Error)
			return r.Result.Instance.Status == "running", "instance " + id + " is " + r.Result.Instance.Status
		})
	}
	e, err := tp.VPC.CreateElasticIps(vpcapis.NewCreateElasticIpsRequest(tp.Region, 1, &vpcmodels.ElasticIpSpec{BandwidthMbps: 10, Provider: "bgp"}))
	APIOK(t, "CreateElasticIps", err, e.Error)
	tp.EIP = e.Result.ElasticIpIds[0]
	return tp
}

// Holder is the instance the API shows the EIP on ("" for none).
func (tp *Topology) Holder(t testing.TB) string {
	t.Helper()
	r, err := tp.VPC.DescribeElasticIp(vpcapis.NewDescribeElasticIpRequest(tp.Region, tp.EIP))
	APIOK(t, "DescribeElasticIp", err, r.Error)
	return r.Result.ElasticIp.InstanceId
}

// Associate binds the EIP to instance and waits until the change has
// taken effect.
func (tp *Topology) Associate(t testing.TB, instance string) {
	t.Helper()
	r, err := tp.VM.AssociateElasticIp(vmapis.NewAssociateElasticIpRequest(tp.Region, instance, tp.EIP))
	APIOK(t, "AssociateElasticIp", err, r.Error)
	tp.Settle(t)
}

// Settle waits until the EIP is no longer PROCESSING a change (the
// emulator's associations are asynchronous, like the real API's may be).
func (tp *Topology) Settle(t testing.TB) {
	t.Helper()
	Eventually(t, 10*time.Second, 100*time.Millisecond, func() (bool, string) {
		r, err := tp.VPC.DescribeElasticIp(vpcapis.NewDescribeElasticIpRequest(tp.Region, tp.EIP))
		APIOK(t, "DescribeElasticIp", err, r.Error)
		return r.Result.ElasticIp.State != "PROCESSING", "EIP " + tp.EIP + " stayed PROCESSING"
	})
}
