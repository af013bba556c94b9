package acctest

import (
	"fmt"

	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
	vpcmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil"
)

// WaitEIPHolder polls srv's API until the EIP is out of state PROCESSING and
// held by instanceID ("" = by nobody). With the emulator's default
// eip-association=async an association change shows only after a moment,
// as it may on the real API.
func WaitEIPHolder(srv *emulator.Server, eipID, instanceID string) (vpcmodels.ElasticIp, error) {
	_, vpc, _, _ := SDKClients(srv)
	var x vpcmodels.ElasticIp
	var err error
	held := testutil.Wait(checkTimeout, pollInterval, func() bool {
		var resp *vpcapis.DescribeElasticIpResponse
		resp, err = Call("vpc.DescribeElasticIp", func() (*vpcapis.DescribeElasticIpResponse, error) {
			return vpc.DescribeElasticIp(vpcapis.NewDescribeElasticIpRequest(Region(srv), eipID))
		})
		if err != nil {
			return true
		}
		x = resp.Result.ElasticIp
		return x.State != "PROCESSING" && x.InstanceId == instanceID
	})
	switch {
	case err != nil:
		return vpcmodels.ElasticIp{}, err
	case !held:
		return x, fmt.Errorf("timed out after %s waiting for elastic IP %s to be held by %q (now %q, state %s)", checkTimeout, eipID, instanceID, x.InstanceId, x.State)
	}
	return x, nil
}

// MoveEIP does what the failover agent does, out of band: disassociate the
// EIP from one instance, wait until it is released, associate it with the
// other and wait until the API shows it there.
func MoveEIP(srv *emulator.Server, eipID, from, to string) error {
	vm, _, _, _ := SDKClients(srv)
	region := Region(srv)
	if _, err := Call("vm.DisassociateElasticIp", func() (*vmapis.DisassociateElasticIpResponse, error) {
		return vm.DisassociateElasticIp(vmapis.NewDisassociateElasticIpRequest(region, from, eipID))
	}); err != nil {
		return err
	}
	if _, err := WaitEIPHolder(srv, eipID, ""); err != nil {
		return err
	}
	if _, err := Call("vm.AssociateElasticIp", func() (*vmapis.AssociateElasticIpResponse, error) {
		return vm.AssociateElasticIp(vmapis.NewAssociateElasticIpRequest(region, to, eipID))
	}); err != nil {
		return err
	}
	_, err := WaitEIPHolder(srv, eipID, to)
	return err
}
