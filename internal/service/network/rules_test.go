package network

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	vpcmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"
)

func TestProtocolCode(t *testing.T) {
	ok := map[string]int{"tcp": 6, "udp": 17, "icmp": 1, "all": 300, "112": 112, "0": 0, "255": 255, "58": 58}
	for in, want := range ok {
		got, err := protocolCode(in)
		if err != nil || got != want {
			t.Errorf("protocolCode(%q) = %d, %v; want %d", in, got, err, want)
		}
		if back := protocolName(got); back != in {
			t.Errorf("protocolName(%d) = %q, want %q (round trip)", got, back, in)
		}
	}
	bad := map[string]string{
		"6":    `written "tcp"`,
		"17":   `written "udp"`,
		"1":    `written "icmp"`,
		"300":  "not tcp, udp, icmp, all",
		"256":  "0 to 255",
		"-1":   "0 to 255",
		"TCP":  "not tcp",
		"vrrp": "not tcp",
		"0112": "not tcp", // leading zero would not round-trip
		"":     "not tcp",
	}
	for in, want := range bad {
		if _, err := protocolCode(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("protocolCode(%q) error = %v, want it to contain %q", in, err, want)
		}
	}
}

func apiRule(id string, dir, proto int, cidr string, from, to int, desc string) vpcmodels.SecurityGroupRule {
	return vpcmodels.SecurityGroupRule{RuleId: id, Direction: dir, Protocol: proto, AddressPrefix: cidr, FromPort: from, ToPort: to, Description: desc, RuleType: "normal"}
}

func TestRuleFromAPIIgnoresPortsOfPortlessProtocols(t *testing.T) {
	// The API reports 0 (JD Cloud) or 1-65535 (the emulator's default) for
	// protocols without ports; either way the schema holds null.
	for _, a := range []vpcmodels.SecurityGroupRule{
		apiRule("r1", 0, 112, "10.0.1.18/31", 0, 0, ""),
		apiRule("r2", 0, 112, "10.0.1.18/31", 1, 65535, ""),
	} {
		m := ruleFromAPI(a).model()
		if !m.FromPort.IsNull() || !m.ToPort.IsNull() {
			t.Errorf("%s: ports = %v-%v, want null", a.RuleId, m.FromPort, m.ToPort)
		}
		if m.Protocol.ValueString() != "112" || m.Direction.ValueString() != "ingress" || !m.Description.IsNull() {
			t.Errorf("%s: got %+v", a.RuleId, m)
		}
	}
	m := ruleFromAPI(apiRule("r3", 1, 6, "0.0.0.0/0", 80, 443, "web")).model()
	if m.FromPort.ValueInt64() != 80 || m.ToPort.ValueInt64() != 443 || m.Direction.ValueString() != "egress" ||
		m.Protocol.ValueString() != "tcp" || m.Description.ValueString() != "web" {
		t.Errorf("tcp rule: got %+v", m)
	}
}

func TestCustomRulesSkipsDefaultRules(t *testing.T) {
	def := apiRule("d1", 1, 6, "0.0.0.0/0", 80, 80, "")
	def.RuleType = "default"
	got := customRules([]vpcmodels.SecurityGroupRule{def, apiRule("r1", 0, 6, "0.0.0.0/0", 22, 22, "")})
	if len(got) != 1 || got[0].ID != "r1" {
		t.Fatalf("customRules = %+v, want only r1", got)
	}
}

func tcp(in bool, from, to int, cidr, desc string) rule {
	return rule{Egress: !in, Protocol: "tcp", FromPort: from, ToPort: to, CIDR: cidr, Description: desc}
}

func TestDiffRules(t *testing.T) {
	current := customRules([]vpcmodels.SecurityGroupRule{
		apiRule("ssh", 0, 6, "0.0.0.0/0", 22, 22, "ssh"),
		apiRule("web", 0, 6, "0.0.0.0/0", 80, 80, "old"),
		apiRule("vrrp", 0, 112, "10.0.1.18/31", 1, 65535, ""),
		apiRule("gone", 1, 300, "0.0.0.0/0", 0, 0, ""),
	})
	wanted := []rule{
		tcp(true, 22, 22, "0.0.0.0/0", "ssh"),                 // unchanged
		tcp(true, 80, 80, "0.0.0.0/0", "new"),                 // description only: modify in place
		{Protocol: "112", CIDR: "10.0.1.18/31"},               // unchanged (ports ignored)
		tcp(true, 443, 443, "0.0.0.0/0", ""),                  // new
		{Egress: true, Protocol: "112", CIDR: "10.0.1.18/31"}, // new
	}
	ch := diffRules(current, wanted)
	if len(ch.Modify) != 1 || ch.Modify[0].RuleId != "web" || *ch.Modify[0].Description != "new" {
		t.Errorf("Modify = %+v, want web's description set to new", ch.Modify)
	}
	if !slices.Equal(ch.Remove, []string{"gone"}) {
		t.Errorf("Remove = %v, want [gone]", ch.Remove)
	}
	if len(ch.Add) != 2 {
		t.Fatalf("Add = %+v, want 2 rules", ch.Add)
	}
	https, vrrpOut := ch.Add[0], ch.Add[1]
	if https.Protocol != 6 || https.Direction != 0 || *https.FromPort != 443 || *https.ToPort != 443 || https.AddressPrefix != "0.0.0.0/0" || https.Description != nil {
		t.Errorf("https spec = %+v", https)
	}
	// Ports of a non-transport protocol are sent as 0, as the API documents them.
	if vrrpOut.Protocol != 112 || vrrpOut.Direction != 1 || vrrpOut.FromPort == nil || *vrrpOut.FromPort != 0 || vrrpOut.ToPort == nil || *vrrpOut.ToPort != 0 || vrrpOut.AddressPrefix != "10.0.1.18/31" {
		t.Errorf("vrrp egress spec = %+v", vrrpOut)
	}

	if ch := diffRules(current, []rule{
		tcp(true, 22, 22, "0.0.0.0/0", "ssh"), tcp(true, 80, 80, "0.0.0.0/0", "old"),
		{Protocol: "112", CIDR: "10.0.1.18/31"}, {Egress: true, Protocol: "all", CIDR: "0.0.0.0/0"},
	}); !ch.empty() {
		t.Errorf("same rules: changes %+v, want none", ch)
	}
	if ch := diffRules(current, nil); len(ch.Remove) != 4 || len(ch.Add)+len(ch.Modify) != 0 {
		t.Errorf("no rules wanted: %+v, want all four removed", ch)
	}
}

func TestDiffRulesPortChangeIsAddAndRemove(t *testing.T) {
	current := customRules([]vpcmodels.SecurityGroupRule{apiRule("web", 0, 6, "0.0.0.0/0", 80, 80, "")})
	ch := diffRules(current, []rule{tcp(true, 8080, 8080, "0.0.0.0/0", "")})
	if len(ch.Add) != 1 || *ch.Add[0].FromPort != 8080 || !slices.Equal(ch.Remove, []string{"web"}) || len(ch.Modify) != 0 {
		t.Errorf("changes = %+v, want add 8080 and remove web", ch)
	}
}

func TestDiffRulesDuplicatesPairUpOnce(t *testing.T) {
	// Two API rules that differ only in description, one wanted: the exact
	// match is kept, the other removed, nothing modified.
	current := customRules([]vpcmodels.SecurityGroupRule{
		apiRule("a", 0, 6, "0.0.0.0/0", 22, 22, "first"),
		apiRule("b", 0, 6, "0.0.0.0/0", 22, 22, "second"),
	})
	ch := diffRules(current, []rule{tcp(true, 22, 22, "0.0.0.0/0", "second")})
	if len(ch.Modify) != 0 || len(ch.Add) != 0 || !slices.Equal(ch.Remove, []string{"a"}) {
		t.Errorf("changes = %+v, want only a removed", ch)
	}
}

func ruleObject(t *testing.T, proto string, from, to *int64) types.Object {
	t.Helper()
	port := func(p *int64) types.Int64 {
		if p == nil {
			return types.Int64Null()
		}
		return types.Int64Value(*p)
	}
	o, d := types.ObjectValue(ruleAttrTypes, map[string]attr.Value{
		"direction": types.StringValue("ingress"), "protocol": types.StringValue(proto),
		"from_port": port(from), "to_port": port(to), "cidr": types.StringValue("0.0.0.0/0"), "description": types.StringNull(),
	})
	if d.HasError() {
		t.Fatal(d)
	}
	return o
}

func TestRuleValidator(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	cases := []struct {
		name     string
		proto    string
		from, to *int64
		want     []string // substrings, one per expected error
	}{
		{"tcp range", "tcp", n(80), n(443), nil},
		{"udp single", "udp", n(53), n(53), nil},
		{"vrrp no ports", "112", nil, nil, nil},
		{"all no ports", "all", nil, nil, nil},
		{"tcp missing ports", "tcp", nil, nil, []string{"from_port is required for protocol \"tcp\"", "to_port is required"}},
		{"tcp missing to", "tcp", n(22), nil, []string{"to_port is required"}},
		{"icmp with ports", "icmp", n(1), n(2), []string{"from_port is not allowed for protocol \"icmp\"", "to_port is not allowed"}},
		{"reversed", "tcp", n(443), n(80), []string{"to_port (80) is less than from_port (443)"}},
	}
	for _, c := range cases {
		req := validator.ObjectRequest{Path: path.Root("rule"), ConfigValue: ruleObject(t, c.proto, c.from, c.to)}
		var resp validator.ObjectResponse
		validRule.ValidateObject(context.Background(), req, &resp)
		errs := resp.Diagnostics.Errors()
		if len(errs) != len(c.want) {
			t.Errorf("%s: %d errors %v, want %d", c.name, len(errs), errs, len(c.want))
			continue
		}
		for i, w := range c.want {
			if !strings.Contains(errs[i].Detail(), w) {
				t.Errorf("%s: error %q, want it to contain %q", c.name, errs[i].Detail(), w)
			}
		}
	}
}

// A protocol number JD Cloud does not document is allowed with a warning
// (the API might take it); the four documented names pass silently.
func TestProtocolValidatorWarnsOnUndocumented(t *testing.T) {
	for _, tc := range []struct {
		in              string
		errors, warning bool
	}{
		{"all", false, false}, {"tcp", false, false}, {"icmp", false, false},
		{"112", false, true}, {"58", false, true}, {"vrrp", true, false}, {"6", true, false},
	} {
		req := validator.StringRequest{Path: path.Root("protocol"), ConfigValue: types.StringValue(tc.in)}
		var resp validator.StringResponse
		validProtocol.ValidateString(context.Background(), req, &resp)
		if resp.Diagnostics.HasError() != tc.errors || (resp.Diagnostics.WarningsCount() > 0) != tc.warning {
			t.Errorf("%q: errors %v warnings %v, want errors %v warning %v", tc.in, resp.Diagnostics.Errors(), resp.Diagnostics.Warnings(), tc.errors, tc.warning)
		}
		if tc.in == "112" && !strings.Contains(fmt.Sprint(resp.Diagnostics.Warnings()), `"all" from the peer's /32`) {
			t.Errorf("112: the warning should name the VRRP rule shape: %v", resp.Diagnostics.Warnings())
		}
	}
}
