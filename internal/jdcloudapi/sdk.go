package jdcloudapi

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
	return SDKClients{
		VM:  NewSDKClient(cfg, vmclient.NewVmClient),
		VPC: NewSDKClient(cfg, vpcclient.NewVpcClient),
		AG:  NewSDKClient(cfg, agclient.NewAgClient),
		IAM: NewSDKClient(cfg, iamclient.NewIamClient),
	}
}

// SDKClient is what every jdcloud-sdk-go service client has.
type SDKClient interface {
	SetConfig(*core.Config)
	SetLogger(core.Logger)
}

// NewSDKClient builds the one service client newClient makes
// (vmclient.NewVmClient, …) for cfg.
func NewSDKClient[C SDKClient](cfg SDKConfig, newClient func(*core.Credential) C) C {
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
	c := newClient(core.NewCredentials(cfg.AccessKey, cfg.SecretKey))
	c.SetConfig(conf)
	c.SetLogger(logger)
	return c
}
