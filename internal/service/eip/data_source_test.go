package eip_test

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
)

func TestAccElasticIPDataSource(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	existing := createExisting(t, srv, existingEIPs["named"])
	provider := acctest.ProviderConfig(srv)
	byID := `data "jdcloudha_elastic_ip" "by_id" {
  id = "` + existing.ElasticIpId + `"
}
`
	byAddress := `data "jdcloudha_elastic_ip" "by_address" {
  address = "` + existing.ElasticIpAddress + `"
}
`
	resource.ParallelTest(t, acctest.CaseChecking(t, nil, []resource.TestStep{
		{
			Config: provider + byID + byAddress,
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("data.jdcloudha_elastic_ip.by_id", "address", existing.ElasticIpAddress),
				resource.TestCheckResourceAttr("data.jdcloudha_elastic_ip.by_id", "name", "article-vip"),
				resource.TestCheckResourceAttr("data.jdcloudha_elastic_ip.by_id", "bandwidth_mbps", "2"),
				resource.TestCheckResourceAttr("data.jdcloudha_elastic_ip.by_id", "line", "bgp"),
				resource.TestCheckResourceAttr("data.jdcloudha_elastic_ip.by_id", "az", ""),
				resource.TestCheckResourceAttr("data.jdcloudha_elastic_ip.by_id", "status", "NOT_ASSOCIATED"),
				resource.TestCheckResourceAttr("data.jdcloudha_elastic_ip.by_address", "id", existing.ElasticIpId),
				resource.TestCheckResourceAttr("data.jdcloudha_elastic_ip.by_address", "name", "article-vip"),
			),
		},
		{
			Config:      provider + `data "jdcloudha_elastic_ip" "x" {}`,
			ExpectError: regexp.MustCompile(`(?s)Exactly one of these attributes must be configured:\s+\[id,address\]`),
		},
		{
			Config: provider + `data "jdcloudha_elastic_ip" "x" {
  id      = "` + existing.ElasticIpId + `"
  address = "` + existing.ElasticIpAddress + `"
}`,
			ExpectError: regexp.MustCompile(`(?s)Exactly one of these attributes must be configured:\s+\[id,address\]`),
		},
		{
			Config:      provider + `data "jdcloudha_elastic_ip" "x" { address = "203.0.113.9" }`,
			ExpectError: regexp.MustCompile(`(?s)No elastic IP with address 203\.0\.113\.9 exists`),
		},
		{
			Config:      provider + `data "jdcloudha_elastic_ip" "x" { id = "fip-missing" }`,
			ExpectError: regexp.MustCompile(`(?s)No elastic IP with ID "fip-missing" exists`),
		},
		{
			Config:      provider + `data "jdcloudha_elastic_ip" "x" { address = "not-an-ip" }`,
			ExpectError: regexp.MustCompile(`(?s)address is invalid`),
		},
		{
			// The post-test destroy runs the last configuration: a valid one.
			Config: provider,
		},
	}))
}
