package apicall

import (
	"time"

	"github.com/jdcloud-api/jdcloud-sdk-go/core"
	agclient "github.com/jdcloud-api/jdcloud-sdk-go/services/ag/client"
	iamclient "github.com/jdcloud-api/jdcloud-sdk-go/services/iam/client"
	vmclient "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/client"
	vpcclient "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/client"
)

// SDKConfig says how the SDK's clients reach the API.
type SDKConfig struct {
	AccessKey, SecretKey string
	Scheme, Endpoint     string        // empty: the SDK's defaults (https, the public endpoint)
	Timeout              time.Duration // per request; 0: the SDK's default
	// Logger receives the SDK's own log lines; nil drops them (the SDK's
	// default prints to stdout, request headers included).
	Logger core.Logger
}

// SDKClients are the SDK clients of the services this project calls, built
// one way for the provider, the agent and the tests.
type SDKClients struct {
	VM  *vmclient.VmClient
	VPC *vpcclient.VpcClient
	AG  *agclient.AgClient
	IAM *iamclient.IamClient
}

// NewSDKClients builds the clients for cfg.
func NewSDKClients(cfg SDKConfig) SDKClients {
	cred := core.NewCredentials(cfg.AccessKey, cfg.SecretKey)
	conf := core.NewConfig()
	if cfg.Scheme != "" {
		conf.SetScheme(cfg.Scheme)
	}
	if cfg.Endpoint != "" {
		conf.SetEndpoint(cfg.Endpoint)
	}
	if cfg.Timeout > 0 {
		conf.SetTimeout(cfg.Timeout)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = core.NewDummyLogger()
	}
	c := SDKClients{VM: vmclient.NewVmClient(cred), VPC: vpcclient.NewVpcClient(cred), AG: agclient.NewAgClient(cred), IAM: iamclient.NewIamClient(cred)}
	c.VM.SetConfig(conf)
	c.VM.SetLogger(logger)
	c.VPC.SetConfig(conf)
	c.VPC.SetLogger(logger)
	c.AG.SetConfig(conf)
	c.AG.SetLogger(logger)
	c.IAM.SetConfig(conf)
	c.IAM.SetLogger(logger)
	return c
}
