package network_test

import (
	"context"
	"testing"
	"time"

	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vmmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/models"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/network"
)

// The plan-time helpers ask the API what CreateSubnet and CreateInstances
// would refuse: an overlapping block, a private IP in use.
func TestPlanChecksOverlapAndTakenIP(t *testing.T) {
	srv := acctest.StartEmulator(t)
	region := acctest.Region(srv)
	vm, vpc, _, _ := acctest.SDKClients(srv)
	c, err := jdcloud.New(context.Background(), jdcloud.Config{AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Region: region,
		Endpoint: srv.Endpoint, Scheme: "http", PollInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	vr := vpcapis.NewCreateVpcRequest(region, "plan-vpc")
	vr.SetAddressPrefix("10.0.0.0/16")
	v, err := acctest.Call("vpc.CreateVpc", func() (*vpcapis.CreateVpcResponse, error) { return vpc.CreateVpc(vr) })
	if err != nil {
		t.Fatal(err)
	}
	vpcID := v.Result.VpcId
	s, err := acctest.Call("vpc.CreateSubnet", func() (*vpcapis.CreateSubnetResponse, error) {
		return vpc.CreateSubnet(vpcapis.NewCreateSubnetRequest(region, vpcID, "plan-subnet", "10.0.1.0/24"))
	})
	if err != nil {
		t.Fatal(err)
	}
	subnetID := s.Result.SubnetId

	for _, tc := range []struct {
		cidr, self string
		overlap    bool
	}{
		{"10.0.1.128/25", "", true}, {"10.0.0.0/16", "", true}, {"10.0.2.0/24", "", false}, {"10.0.1.0/24", subnetID, false},
	} {
		other, found, err := network.OverlappingSubnet(ctx, c, vpcID, tc.cidr, tc.self)
		if err != nil {
			t.Fatal(err)
		}
		if found != tc.overlap || (found && other.SubnetId != subnetID) {
			t.Errorf("OverlappingSubnet(%s, self %q) = %v %s, want %v", tc.cidr, tc.self, found, other.SubnetId, tc.overlap)
		}
	}

	spec := &vmmodels.InstanceSpec{Az: ptr(region + "a"), InstanceType: ptr("g.n2.medium"), ImageId: ptr("img-debian12-x64"), Name: "plan-vm",
		PrimaryNetworkInterface: &vmmodels.InstanceNetworkInterfaceAttachmentSpec{NetworkInterface: &vmmodels.NetworkInterfaceSpec{
			SubnetId: subnetID, PrimaryIpAddress: ptr("10.0.1.3")}}}
	in, err := acctest.Call("vm.CreateInstances", func() (*vmapis.CreateInstancesResponse, error) {
		return vm.CreateInstances(vmapis.NewCreateInstancesRequest(region, spec))
	})
	if err != nil {
		t.Fatal(err)
	}
	instanceID := in.Result.InstanceIds[0]
	holder, err := network.PrivateIPHolder(ctx, c, subnetID, "10.0.1.3", "")
	if err != nil || holder != "instance "+instanceID {
		t.Fatalf("10.0.1.3 held by %q (%v), want instance %s", holder, err, instanceID)
	}
	if holder, err := network.PrivateIPHolder(ctx, c, subnetID, "10.0.1.3", instanceID); err != nil || holder != "" {
		t.Fatalf("ignoring the instance itself: %q, %v", holder, err)
	}
	if holder, err := network.PrivateIPHolder(ctx, c, subnetID, "10.0.1.4", ""); err != nil || holder != "" {
		t.Fatalf("a free address: %q, %v", holder, err)
	}
}

func ptr[T any](v T) *T { return &v }
