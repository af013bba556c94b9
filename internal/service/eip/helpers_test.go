package eip_test

import (
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
	vpcmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
)

// describe reads one EIP straight from the emulator's API.
func describe(srv *emulator.Server, id string) (vpcmodels.ElasticIp, error) {
	_, vpc, _, _ := acctest.SDKClients(srv)
	return acctest.Get("vpc.DescribeElasticIp", func() (*vpcapis.DescribeElasticIpResponse, error) {
		return vpc.DescribeElasticIp(vpcapis.NewDescribeElasticIpRequest(acctest.Region(srv), id))
	},
		func(r *vpcapis.DescribeElasticIpResponse) vpcmodels.ElasticIp { return r.Result.ElasticIp })
}

// deleteEIP deletes an EIP that nothing holds behind Terraform's back, for
// the _disappears test.
func deleteEIP(srv *emulator.Server) func(id string) error {
	_, vpc, _, _ := acctest.SDKClients(srv)
	return acctest.Deleter(srv, "jdcloudha_elastic_ip",
		"vpc.DeleteElasticIp", func(r, id string) (*vpcapis.DeleteElasticIpResponse, error) {
			return vpc.DeleteElasticIp(vpcapis.NewDeleteElasticIpRequest(r, id))
		},
		"vpc.DescribeElasticIp", func(r, id string) (*vpcapis.DescribeElasticIpResponse, error) {
			return vpc.DescribeElasticIp(vpcapis.NewDescribeElasticIpRequest(r, id))
		})
}

// checkGoneFromAPI is a CheckDestroy that asks the API, through the SDK,
// about every EIP the state held, then that nothing at all is left.
func checkGoneFromAPI(srv *emulator.Server) func(*terraform.State) error {
	return acctest.CheckGone(srv, "jdcloudha_elastic_ip", "elastic IP", func(id string) error { _, err := describe(srv, id); return err })
}
