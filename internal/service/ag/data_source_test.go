package ag_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
)

func TestAccAvailabilityGroupDataSource(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	region := acctest.Region(srv)
	groups := agConfig(srv, "web-ag", []string{"a", "b"}, `  placement_type = "switch"
  description    = "nginx pair"`) + fmt.Sprintf(`
# A name that the API's fuzzy agName filter also matches: must not be picked.
resource "jdcloudha_availability_group" "similar" {
  name = "web-ag-2"
  azs  = ["%sa"]
}
`, region)
	lookups := groups + `
data "jdcloudha_availability_group" "by_id" {
  id = jdcloudha_availability_group.test.id
}

data "jdcloudha_availability_group" "by_name" {
  name       = "web-ag"
  depends_on = [jdcloudha_availability_group.test, jdcloudha_availability_group.similar]
}
`
	var checks []statecheck.StateCheck
	for _, ds := range []string{"data.jdcloudha_availability_group.by_id", "data.jdcloudha_availability_group.by_name"} {
		for _, attr := range []string{"id", "name", "azs", "placement_type", "configuration_type", "description", "created_time"} {
			checks = append(checks, statecheck.CompareValuePairs(agAddr, tfjsonpath.New(attr), ds, tfjsonpath.New(attr), compare.ValuesSame()))
		}
		checks = append(checks, statecheck.ExpectKnownValue(ds, tfjsonpath.New("placement_type"), knownvalue.StringExact("switch")))
	}
	resource.ParallelTest(t, acctest.Case(t, srv, []resource.TestStep{
		{
			PlanOnly: true,
			Config: groups + `
data "jdcloudha_availability_group" "both" {
  id   = "ag-x"
  name = "web-ag"
}
`,
			ExpectError: acctest.ErrorRegexp(`Exactly one of these attributes must be configured: [id,name]`),
		},
		{Config: lookups, ConfigStateChecks: checks},
		{
			Config: groups + `
data "jdcloudha_availability_group" "missing" {
  name = "no-such-group"
}
`,
			ExpectError: acctest.ErrorRegexp(`No availability group is named "no-such-group" in region ` + region),
		},
		{
			Config: groups + `
data "jdcloudha_availability_group" "missing" {
  id = "ag-doesnotexist"
}
`,
			ExpectError: acctest.ErrorRegexp(`No availability group "ag-doesnotexist" in region ` + region),
		},
		{Config: lookups, ConfigStateChecks: checks},
	}))
}
