package agent

import (
	"time"

	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vmclient "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/client"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
	vpcclient "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/client"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloudapi"
)

// Cloud is the part of the JD Cloud API the agent uses, with the SDK's own
// request and response types, so the real clients satisfy it and tests can
// put a fake in their place. Each method is one attempt; retries happen above.
type Cloud interface {
	DescribeElasticIp(*vpcapis.DescribeElasticIpRequest) (*vpcapis.DescribeElasticIpResponse, error)
	AssociateElasticIp(*vmapis.AssociateElasticIpRequest) (*vmapis.AssociateElasticIpResponse, error)
	DisassociateElasticIp(*vmapis.DisassociateElasticIpRequest) (*vmapis.DisassociateElasticIpResponse, error)
}

type sdkCloud struct {
	vpc *vpcclient.VpcClient
	vm  *vmclient.VmClient
}

// NewSDKCloud returns the real API clients for cfg. The SDK's own logger
// (which prints to stdout and would echo request headers) is disabled.
func NewSDKCloud(cfg Config, cred Credentials) Cloud {
	timeout := time.Duration(cfg.RequestTimeout)
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	// Only the two services the agent calls: the ag and iam clients would
	// only grow the binary every node carries.
	sdk := jdcloudapi.SDKConfig{AccessKey: cred.AccessKey, SecretKey: cred.SecretKey,
		Scheme: cfg.Scheme, Endpoint: cfg.Endpoint, Timeout: timeout}
	return &sdkCloud{vpc: jdcloudapi.NewSDKClient(sdk, vpcclient.NewVpcClient), vm: jdcloudapi.NewSDKClient(sdk, vmclient.NewVmClient)}
}

func (c *sdkCloud) DescribeElasticIp(r *vpcapis.DescribeElasticIpRequest) (*vpcapis.DescribeElasticIpResponse, error) {
	return c.vpc.DescribeElasticIp(r)
}

func (c *sdkCloud) AssociateElasticIp(r *vmapis.AssociateElasticIpRequest) (*vmapis.AssociateElasticIpResponse, error) {
	return c.vm.AssociateElasticIp(r)
}

func (c *sdkCloud) DisassociateElasticIp(r *vmapis.DisassociateElasticIpRequest) (*vmapis.DisassociateElasticIpResponse, error) {
	return c.vm.DisassociateElasticIp(r)
}
