package vm_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
)

// words matches a message whatever terraform's line wrapping did to it.
func words(s string) *regexp.Regexp {
	parts := strings.Fields(s)
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile(strings.Join(parts, `\s+`))
}

const validAttrs = `instance_type = "g.n2.medium"
  image_id      = "img-debian12-x64"`

// Invalid configurations fail at plan time, naming the attribute and the
// rule, before any API call.
func TestAccInstance_staticValidation(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	tooBig := strings.Repeat("x", 16*1024+1)
	for _, tc := range []struct {
		name, instanceName, attrs string
		want                      *regexp.Regexp
	}{
		{"user_data over 16 KB", "web", validAttrs + "\n  key_names = [\"ops\"]\n  user_data = \"" + tooBig + "\"",
			words("user_data is 16385 bytes; JD Cloud's limit is 16 KB (16384 bytes) before base64 encoding")},
		{"key and password", "web", validAttrs + "\n  key_names = [\"ops\"]\n  password = \"Ha-pair-2026!\"",
			words("Exactly one of these attributes must be configured: [key_names,password]")},
		{"no login", "web", validAttrs,
			words("Exactly one of these attributes must be configured: [key_names,password]")},
		{"weak password", "web", validAttrs + "\n  password = \"password\"",
			words("password must contain at least three of")},
		{"two keys", "web", validAttrs + "\n  key_names = [\"a\", \"b\"]",
			regexp.MustCompile(`key_names`)},
		{"name with a leading dot", ".web", validAttrs + "\n  key_names = [\"ops\"]",
			words("name must not start or end with a dot")},
		{"one-character name", "w", validAttrs + "\n  key_names = [\"ops\"]",
			words("name is 1 characters long; it must be 2 to 128")},
		{"private_ip not an address", "web", validAttrs + "\n  key_names = [\"ops\"]\n  private_ip = \"10.0.1\"",
			words(`private_ip is invalid: "10.0.1" is not an IPv4 address`)},
		{"description too long", "web", validAttrs + "\n  key_names = [\"ops\"]\n  description = \"" + strings.Repeat("d", 257) + "\"",
			words("description is 257 characters long; the limit is 256")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resource.Test(t, acctest.CaseChecking(t, nil, []resource.TestStep{{
				Config:      acctest.ProviderConfig(srv) + networkConfig(`["cn-east-2a"]`) + instanceConfig("master", tc.instanceName, tc.attrs),
				PlanOnly:    true,
				ExpectError: tc.want,
			}}))
		})
	}
	if st := srv.Emulator.Stats(); st.Total != 0 {
		t.Errorf("invalid configurations reached the API (%d calls): they must fail at plan time", st.Total)
	}
}

// Checks that need the API: once the subnet and the group exist, a private
// IP outside the subnet and a zone outside the group fail at plan time; for
// a subnet created in the same apply, the IP fails before the instance is
// created, and no instance is left.
func TestAccInstance_apiValidation(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	network := acctest.ProviderConfig(srv) + networkConfig(`["cn-east-2a"]`)
	login := validAttrs + "\n  key_names = [\"ops\"]"
	withAZ := func(az, attrs string) string {
		return strings.Replace(instanceConfig("master", "web-master", attrs), `az                    = "cn-east-2a"`, fmt.Sprintf("az = %q", az), 1)
	}
	resource.ParallelTest(t, acctest.Case(t, srv, []resource.TestStep{
		{
			// Subnet unknown at plan time: refused at apply, before CreateInstances.
			Config:      network + instanceConfig("master", "web-master", login+"\n  private_ip = \"10.0.2.5\""),
			ExpectError: words("private_ip 10.0.2.5 is not inside the subnet's CIDR block 10.0.1.0/24"),
		},
		{
			Config: network,
			Check:  acctest.CheckCount(srv, "instance", 0),
		},
		{
			Config:      network + instanceConfig("master", "web-master", login+"\n  private_ip = \"10.0.2.5\""),
			PlanOnly:    true,
			ExpectError: words("Private IP outside the subnet"),
		},
		{
			// The gateway address is reserved.
			Config:      network + instanceConfig("master", "web-master", login+"\n  private_ip = \"10.0.1.1\""),
			PlanOnly:    true,
			ExpectError: words("10.0.1.1 is reserved in 10.0.1.0/24"),
		},
		{
			Config:      network + withAZ("cn-east-2b", login),
			PlanOnly:    true,
			ExpectError: words(`az "cn-east-2b" is not one of availability group`),
		},
	}))
	if n := srv.Emulator.Stats().Calls["vm.CreateInstances"]; n != 0 {
		t.Errorf("vm.CreateInstances was called %d times; every config here is invalid", n)
	}
}
