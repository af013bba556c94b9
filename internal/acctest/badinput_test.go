package acctest_test

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
)

// instanceHCL is a valid instance whose attributes a case can override
// (values are HCL expressions). It refers to an AG and subnet by ID.
func instanceHCL(agID, subnetID string, override map[string]string) string {
	attrs := map[string]string{
		"name":                  `"web-master"`,
		"availability_group_id": agID,
		"az":                    `"cn-east-2a"`,
		"instance_type":         `"g.n2.medium"`,
		"image_id":              `"img-debian12-x64"`,
		"subnet_id":             subnetID,
		"private_ip":            `"10.0.1.18"`,
		"password":              `"Ha-pair-2026!"`,
	}
	for k, v := range override {
		if v == "" {
			delete(attrs, k)
		} else {
			attrs[k] = v
		}
	}
	var b strings.Builder
	b.WriteString("resource \"jdcloudha_instance\" \"bad\" {\n")
	for _, k := range sortedKeys(attrs) {
		fmt.Fprintf(&b, "  %s = %s\n", k, attrs[k])
	}
	b.WriteString("}\n")
	return b.String()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// userDataOfSize is an HCL expression for a script of n bytes that
// terraform evaluates at plan time.
func userDataOfSize(n int) string {
	// A Linux launch script must start with #!/bin/bash (checked at plan time once the image is known).
	const shebang = `#!/bin/bash\n` // 12 bytes once HCL unescapes it
	n -= 12
	return fmt.Sprintf(`"%s${join("", [for i in range(%d) : "0123456789abcdef"])}%s"`, shebang, n/16, strings.Repeat("x", n%16))
}

// Every invalid configuration fails at plan time with a message that names
// the attribute and the rule, before any API call is made.
func TestAccBadInput(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	long33 := strings.Repeat("a", 33)
	inst := func(override map[string]string) string {
		return instanceHCL(`"ag-doesnotexist"`, `"subnet-doesnotexist"`, override)
	}
	// One block of each kind, with the value under test as the argument.
	vpc := func(name, cidr string) string {
		return fmt.Sprintf(`resource "jdcloudha_vpc" "bad" {
  name       = %q
  cidr_block = %q
}`, name, cidr)
	}
	ingress := func(protocol, cidr string) string {
		return fmt.Sprintf(`resource "jdcloudha_security_group" "bad" {
  vpc_id = "vpc-doesnotexist"
  name   = "bad"
  rule {
    direction = "ingress"
    protocol  = %q
    cidr      = %q
  }
}`, protocol, cidr)
	}
	group := func(name, azs string) string { // azs: an HCL list
		return fmt.Sprintf(`resource "jdcloudha_availability_group" "bad" {
  name = %q
  azs  = %s
}`, name, azs)
	}
	cases := []struct {
		name   string
		config string
		want   *regexp.Regexp
	}{
		{"vpc CIDR prefix too long", vpc("bad", "10.0.0.0/33"),
			acctest.ErrorRegexp("Invalid CIDR block", `cidr_block is invalid: "10.0.0.0/33" is not a CIDR block`)},
		{"vpc CIDR public", vpc("bad", "8.8.0.0/16"),
			acctest.ErrorRegexp("cidr_block is invalid", "is not inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16")},
		{"vpc CIDR too large", vpc("bad", "10.0.0.0/8"),
			acctest.ErrorRegexp("cidr_block is invalid", "has prefix length /8; JD Cloud allows /16 to /28")},
		{"subnet CIDR with host bits", `resource "jdcloudha_subnet" "bad" {
  vpc_id     = "vpc-doesnotexist"
  name       = "bad"
  cidr_block = "10.0.1.5/24"
}`, acctest.ErrorRegexp("cidr_block is invalid", `"10.0.1.5/24" has host bits set: write the network address "10.0.1.0/24"`)},
		{"security group rule CIDR", ingress("all", "10.0.1.18"),
			acctest.ErrorRegexp("Invalid CIDR block", "cidr is invalid", `"10.0.1.18" is not a CIDR block`)},
		{"security group rule protocol", ingress("vrrp", "10.0.1.18/32"),
			acctest.ErrorRegexp("Invalid protocol", "protocol is invalid")},
		{"security group tcp rule without ports", ingress("tcp", "0.0.0.0/0"),
			acctest.ErrorRegexp("Missing port", `from_port is required for protocol "tcp"`)},
		{"unknown placement type", `resource "jdcloudha_availability_group" "bad" {
  name           = "bad"
  azs            = ["cn-east-2a", "cn-east-2b"]
  placement_type = "rack"
}`, acctest.ErrorRegexp("placement_type", `value must be one of: ["fd" "switch" "host"], got: "rack"`)},
		{"zero zones", group("bad", `[]`),
			acctest.ErrorRegexp("azs", "list must contain at least 1 elements")},
		{"too many zones", group("bad", `["cn-east-2a", "cn-east-2b", "cn-east-2c", "cn-east-2d"]`),
			acctest.ErrorRegexp("azs", "list must contain at least 1 elements and at most 3 elements")},
		{"duplicate zones", group("bad", `["cn-east-2a", "cn-east-2a"]`),
			acctest.ErrorRegexp("Error: Duplicate List Value", "azs", "duplicate")},
		{"zone of another region", group("bad", `["cn-east-2a", "cn-north-1b"]`),
			acctest.ErrorRegexp("Zone not in the provider's region", `"cn-north-1b" is not a zone of region cn-east-2`)},
		{"vpc name too long", vpc(long33, "10.0.0.0/16"),
			acctest.ErrorRegexp("Invalid name", "name is 33 characters long; the limit is 32")},
		{"availability group name too long", group(long33, `["cn-east-2a"]`),
			acctest.ErrorRegexp("Invalid name", "name is 33 characters long; the limit is 32")},
		{"availability group name charset", group("web pair", `["cn-east-2a"]`),
			acctest.ErrorRegexp("Invalid name", `contains ' ' at position 4`)},
		{"elastic IP name too long", `resource "jdcloudha_elastic_ip" "bad" {
  name           = "` + long33 + `"
  bandwidth_mbps = 5
}`, acctest.ErrorRegexp("name is 33 characters long; the limit is 32")},
		{"instance name too long", inst(map[string]string{"name": `"` + strings.Repeat("a", 129) + `"`}),
			acctest.ErrorRegexp("Invalid instance name", "name is 129 characters long; it must be 2 to 128")},
		{"user data over 16 KB", inst(map[string]string{"user_data": userDataOfSize(16*1024 + 1)}),
			acctest.ErrorRegexp("User data too large", "user_data is 16385 bytes; JD Cloud's limit is 16 KB (16384 bytes) before base64 encoding")},
		{"private IP not an address", inst(map[string]string{"private_ip": `"10.0.1.300"`}),
			acctest.ErrorRegexp("Invalid IP address", `private_ip is invalid: "10.0.1.300" is not an IPv4 address`)},
		{"password and key both", inst(map[string]string{"key_names": `["ops"]`}),
			acctest.ErrorRegexp("Invalid Attribute Combination", "key_names", "password")},
	}
	// One test case with a step per invalid configuration: terraform is
	// initialised once instead of once per case, which keeps the table fast.
	steps := make([]resource.TestStep, 0, len(cases))
	for i, c := range cases {
		steps = append(steps, resource.TestStep{
			PreConfig:   func() { t.Logf("step %d: %s", i+1, c.name) },
			Config:      acctest.ProviderConfig(srv) + "# " + c.name + "\n" + c.config,
			PlanOnly:    true,
			ExpectError: c.want,
		})
	}
	runRefusedAtPlan(t, srv, true, steps, "invalid configurations")
}

// 16 KB of user data exactly is still accepted at plan time.
func TestAccUserDataAtTheLimitPlans(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	resource.ParallelTest(t, acctest.CaseChecking(t, nil, []resource.TestStep{{
		Config:             acctest.ProviderConfig(srv) + instanceHCL(`"ag-x"`, `"subnet-x"`, map[string]string{"user_data": userDataOfSize(16 * 1024)}),
		PlanOnly:           true,
		ExpectNonEmptyPlan: true,
	}}))
}

// What only the API knows is checked at plan time once the objects exist: a
// private IP outside (or reserved in) the subnet, a zone the group does not
// span, a subnet outside its VPC.
func TestAccBadInputAgainstExistingObjects(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	// The instance example's network and group.
	foundation := acctest.ProviderConfig(srv) + acctest.ExampleBlocks("jdcloudha_instance", "jdcloudha_vpc.ha", "jdcloudha_subnet.ha", "jdcloudha_availability_group.ha")
	ag, subnet := "jdcloudha_availability_group.ha.id", "jdcloudha_subnet.ha.id"
	planFails := func(extra string, want *regexp.Regexp) resource.TestStep {
		return resource.TestStep{Config: foundation + extra, PlanOnly: true, ExpectError: want}
	}
	resource.ParallelTest(t, acctest.Case(t, srv, []resource.TestStep{
		{Config: foundation},
		planFails(instanceHCL(ag, subnet, map[string]string{"private_ip": `"10.0.2.18"`}),
			acctest.ErrorRegexp("Private IP outside the subnet", "private_ip 10.0.2.18 is not inside the subnet's CIDR block 10.0.1.0/24")),
		planFails(instanceHCL(ag, subnet, map[string]string{"private_ip": `"10.0.1.1"`}),
			acctest.ErrorRegexp("Private IP outside the subnet", "10.0.1.1 is reserved in 10.0.1.0/24")),
		planFails(instanceHCL(ag, subnet, map[string]string{"az": `"cn-east-2c"`}),
			acctest.ErrorRegexp("Zone not in the availability group", `az "cn-east-2c" is not one of availability group`)),
		planFails(`
resource "jdcloudha_subnet" "outside" {
  vpc_id     = jdcloudha_vpc.ha.id
  name       = "outside"
  cidr_block = "10.1.0.0/24"
}
`, acctest.ErrorRegexp("Subnet outside its VPC", "cidr_block 10.1.0.0/24 is not inside the CIDR block 10.0.0.0/16")),
	}))
}
