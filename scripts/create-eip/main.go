// Command create-eip creates an elastic IP directly through the JD Cloud SDK,
// as a user's existing tooling (or the console) would, and prints its ID. The
// demo uses it to show that an EIP made outside Terraform can be imported.
//
// It reads JDCLOUD_ACCESS_KEY, JDCLOUD_SECRET_KEY, JDCLOUD_REGION,
// JDCLOUD_ENDPOINT and JDCLOUD_SCHEME.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/jdcloud-api/jdcloud-sdk-go/core"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
	vpcclient "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/client"
	vpcmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"
)

func main() {
	name := flag.String("name", "existing-eip", "EIP name")
	bandwidth := flag.Int("bandwidth", 10, "bandwidth in Mbps")
	flag.Parse()

	cfg := core.NewConfig()
	cfg.SetScheme(env("JDCLOUD_SCHEME", "https"))
	cfg.SetEndpoint(env("JDCLOUD_ENDPOINT", "www.jdcloud-api.com"))
	client := vpcclient.NewVpcClient(core.NewCredentials(os.Getenv("JDCLOUD_ACCESS_KEY"), os.Getenv("JDCLOUD_SECRET_KEY")))
	client.SetConfig(cfg)
	client.DisableLogger() // stdout carries only the ID

	provider := "bgp"
	req := vpcapis.NewCreateElasticIpsRequest(env("JDCLOUD_REGION", "cn-north-1"), 1, &vpcmodels.ElasticIpSpec{BandwidthMbps: *bandwidth, Provider: provider})
	req.ElasticIpName = name
	resp, err := client.CreateElasticIps(req)
	switch {
	case err != nil:
		fail("CreateElasticIps: %v", err)
	case resp.Error.Code != 0:
		fail("CreateElasticIps: %d %s: %s (request ID %s)", resp.Error.Code, resp.Error.Status, resp.Error.Message, resp.RequestID)
	case len(resp.Result.ElasticIpIds) != 1:
		fail("CreateElasticIps returned %d IDs (request ID %s)", len(resp.Result.ElasticIpIds), resp.RequestID)
	}
	fmt.Println(resp.Result.ElasticIpIds[0])
}

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "create-eip: "+format+"\n", args...)
	os.Exit(1)
}
