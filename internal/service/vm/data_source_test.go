package vm_test

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
)

func TestAccInstanceDataSource(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	attrs := validAttrs + "\n  key_names = [\"ops\"]"
	// "web-master-2" also contains "web-master": the API's name filter is
	// fuzzy, the data source must not be.
	config := acctest.ProviderConfig(srv) + networkConfig(`["cn-east-2a"]`) +
		instanceConfig("master", "web-master", attrs) + instanceConfig("other", "web-master-2", attrs)
	lookups := `
data "jdcloudha_instance" "by_id" {
  id = jdcloudha_instance.master.id
}
data "jdcloudha_instance" "by_name" {
  name       = "web-master"
  depends_on = [jdcloudha_instance.master, jdcloudha_instance.other]
}
`
	ds := "data.jdcloudha_instance.by_id"
	resource.ParallelTest(t, acctest.CaseChecking(t, checkInstancesGone(srv), []resource.TestStep{
		{
			Config: config + lookups,
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttrPair(ds, "name", master, "name"),
				resource.TestCheckResourceAttrPair(ds, "private_ip", master, "private_ip"),
				resource.TestCheckResourceAttrPair(ds, "fault_domain", master, "fault_domain"),
				resource.TestCheckResourceAttrPair(ds, "primary_network_interface_id", master, "primary_network_interface_id"),
				resource.TestCheckResourceAttrPair(ds, "availability_group_id", master, "availability_group_id"),
				resource.TestCheckResourceAttr(ds, "status", "running"),
				resource.TestCheckResourceAttr(ds, "elastic_ip_id", ""),
				resource.TestCheckResourceAttrPair("data.jdcloudha_instance.by_name", "id", master, "id"),
			),
		},
		{
			Config:      config + `data "jdcloudha_instance" "x" { name = "web" }`,
			ExpectError: regexp.MustCompile(`(?s)No instance named "web" exists`),
		},
		{
			Config:      config + `data "jdcloudha_instance" "x" { id = "i-missing" }`,
			ExpectError: regexp.MustCompile(`(?s)No instance with ID "i-missing" exists`),
		},
	}))
}
