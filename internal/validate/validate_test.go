package validate

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// run applies v to value and returns the error diagnostics' details, joined.
func run(t *testing.T, v validator.String, value types.String) string {
	t.Helper()
	req := validator.StringRequest{Path: path.Root("cidr_block"), ConfigValue: value}
	var resp validator.StringResponse
	v.ValidateString(context.Background(), req, &resp)
	var msgs []string
	for _, d := range resp.Diagnostics.Errors() {
		msgs = append(msgs, d.Detail())
	}
	return strings.Join(msgs, "\n")
}

func TestPrivateCIDR(t *testing.T) {
	v := PrivateCIDR(16, 28)
	cases := []struct {
		in   string
		want string // substring of the error; "" means valid
	}{
		{"10.0.0.0/16", ""},
		{"10.0.1.0/24", ""},
		{"172.16.0.0/16", ""},
		{"172.31.255.240/28", ""},
		{"192.168.0.0/16", ""},
		{"10.0.0.0/8", "prefix length /8; JD Cloud allows /16 to /28"},
		{"10.0.0.0/29", "prefix length /29"},
		{"10.0.1.5/24", `write the network address "10.0.1.0/24"`},
		{"11.0.0.0/16", "not inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"},
		{"172.32.0.0/16", "not inside"},
		{"10.0.0.0", "not a CIDR block"},
		{"10.0.0.0/33", "not a CIDR block"},
		{"", "not a CIDR block"},
		{"fd00::/64", "not an IPv4 CIDR block"},
	}
	for _, c := range cases {
		got := run(t, v, types.StringValue(c.in))
		if c.want == "" && got != "" {
			t.Errorf("PrivateCIDR(%q): unexpected error %q", c.in, got)
		}
		if c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("PrivateCIDR(%q) = %q, want it to contain %q", c.in, got, c.want)
		}
		if c.want != "" && !strings.HasPrefix(got, "cidr_block ") {
			t.Errorf("PrivateCIDR(%q) = %q: the message must name the attribute", c.in, got)
		}
	}
	if got := run(t, v, types.StringNull()); got != "" {
		t.Errorf("null: %q", got)
	}
	if got := run(t, v, types.StringUnknown()); got != "" {
		t.Errorf("unknown: %q", got)
	}
}

func TestCIDR(t *testing.T) {
	v := CIDR()
	for _, ok := range []string{"0.0.0.0/0", "10.0.1.18/32", "10.0.1.18/31", "8.8.8.0/24"} {
		if got := run(t, v, types.StringValue(ok)); got != "" {
			t.Errorf("CIDR(%q): unexpected error %q", ok, got)
		}
	}
	for in, want := range map[string]string{
		"10.0.1.18":    "not a CIDR block",
		"10.0.1.19/31": `"10.0.1.18/31"`,
		"::/0":         "IPv4",
		"any":          "not a CIDR block",
	} {
		if got := run(t, v, types.StringValue(in)); !strings.Contains(got, want) {
			t.Errorf("CIDR(%q) = %q, want it to contain %q", in, got, want)
		}
	}
}

func TestContainsCIDR(t *testing.T) {
	cases := []struct {
		outer, inner string
		want         bool
	}{
		{"10.0.0.0/16", "10.0.1.0/24", true},
		{"10.0.0.0/16", "10.0.0.0/16", true},
		{"10.0.0.0/16", "10.1.0.0/24", false},
		{"10.0.0.0/24", "10.0.0.0/16", false}, // wider than the VPC
		{"10.0.0.0/16", "10.0.255.240/28", true},
	}
	for _, c := range cases {
		o, _ := ParseCIDR(c.outer)
		i, _ := ParseCIDR(c.inner)
		if got := ContainsCIDR(o, i); got != c.want {
			t.Errorf("ContainsCIDR(%s, %s) = %v, want %v", c.outer, c.inner, got, c.want)
		}
	}
}

func TestIPInSubnet(t *testing.T) {
	cases := []struct {
		ip, cidr string
		want     string // substring of the error; "" means valid
	}{
		{"10.0.1.18", "10.0.1.0/24", ""},
		{"10.0.1.19", "10.0.1.0/24", ""},
		{"10.0.1.3", "10.0.1.0/24", ""},
		{"10.0.1.254", "10.0.1.0/24", ""},
		{"10.0.2.18", "10.0.1.0/24", "not inside the subnet's CIDR block 10.0.1.0/24"},
		{"10.0.1.0", "10.0.1.0/24", "network address"},
		{"10.0.1.1", "10.0.1.0/24", "gateway and DHCP"},
		{"10.0.1.2", "10.0.1.0/24", "gateway and DHCP"},
		{"10.0.1.255", "10.0.1.0/24", "broadcast"},
		{"10.0.1.15", "10.0.1.0/28", "broadcast"},
		{"10.0.1.300", "10.0.1.0/24", "not an IPv4 address"},
		{"fe80::1", "10.0.1.0/24", "not an IPv4 address"},
	}
	for _, c := range cases {
		err := IPInSubnet(c.ip, c.cidr)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("IPInSubnet(%s, %s): unexpected %v", c.ip, c.cidr, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("IPInSubnet(%s, %s) = %v, want an error containing %q", c.ip, c.cidr, err, c.want)
		}
	}
}

func TestIPv4Address(t *testing.T) {
	v := IPv4Address()
	if got := run(t, v, types.StringValue("10.0.1.18")); got != "" {
		t.Errorf("valid address rejected: %q", got)
	}
	for _, bad := range []string{"10.0.1", "10.0.1.18/32", "::1", "host"} {
		if got := run(t, v, types.StringValue(bad)); !strings.Contains(got, "not an IPv4 address") {
			t.Errorf("IPv4Address(%q) = %q", bad, got)
		}
	}
}

func TestName(t *testing.T) {
	v := Name(32)
	for _, ok := range []string{"web", "web-master_1", "高可用组", "ha-组-01", strings.Repeat("a", 32), strings.Repeat("组", 32)} {
		if got := run(t, v, types.StringValue(ok)); got != "" {
			t.Errorf("Name(%q): unexpected error %q", ok, got)
		}
	}
	cases := map[string]string{
		"":                      "must not be empty",
		strings.Repeat("a", 33): "is 33 characters long; the limit is 32",
		strings.Repeat("组", 33): "is 33 characters long",
		"web master":            `contains ' ' at position 4`,
		"web.master":            `contains '.'`,
		"web“master”":           `contains '“'`,
		"ag/1":                  `contains '/'`,
	}
	for in, want := range cases {
		got := run(t, v, types.StringValue(in))
		if !strings.Contains(got, want) {
			t.Errorf("Name(%q) = %q, want it to contain %q", in, got, want)
		}
		if !strings.Contains(got, "letters, digits, Chinese characters, underscore (_) and hyphen (-)") {
			t.Errorf("Name(%q) = %q: the message must state the rule", in, got)
		}
	}
}
