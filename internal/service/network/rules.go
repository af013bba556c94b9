package network

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	vpcmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/validate"
)

// JD Cloud encodes rule directions and protocols as numbers.
const (
	directionIngress = 0
	directionEgress  = 1
	protocolAll      = 300 // JD Cloud's own code for "every protocol"
)

var protocolCodes = map[string]int{"tcp": 6, "udp": 17, "icmp": 1, "all": protocolAll}

// protocolCode turns the schema's protocol ("tcp", "udp", "icmp", "all" or an
// IP protocol number such as "112") into the API's code.
func protocolCode(p string) (int, error) {
	if c, ok := protocolCodes[p]; ok {
		return c, nil
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 255 || strconv.Itoa(n) != p {
		return 0, fmt.Errorf("%q is not tcp, udp, icmp, all or an IP protocol number from 0 to 255", p)
	}
	for name, c := range protocolCodes {
		if c == n {
			return 0, fmt.Errorf("protocol %d is written %q", n, name)
		}
	}
	return n, nil
}

// protocolName is protocolCode's inverse.
func protocolName(code int) string {
	for name, c := range protocolCodes {
		if c == code {
			return name
		}
	}
	return strconv.Itoa(code)
}

// hasPorts reports whether a protocol takes a port range (transport layer).
func hasPorts(protocol string) bool { return protocol == "tcp" || protocol == "udp" }

// rule is one custom rule in plain Go, the form the diff works on.
type rule struct {
	ID          string // API rule ID; empty for a planned rule
	Egress      bool
	Protocol    string // schema form
	FromPort    int    // 0 when the protocol has no ports
	ToPort      int
	CIDR        string
	Description string
}

// key identifies what a rule lets through; rules with equal keys differ at
// most in description, which ModifyNetworkSecurityGroupRules changes in place.
func (r rule) key() string {
	return fmt.Sprintf("%t|%s|%d|%d|%s", r.Egress, r.Protocol, r.FromPort, r.ToPort, r.CIDR)
}

func ruleFromAPI(a vpcmodels.SecurityGroupRule) rule {
	r := rule{
		ID:          a.RuleId,
		Egress:      a.Direction == directionEgress,
		Protocol:    protocolName(a.Protocol),
		CIDR:        a.AddressPrefix,
		Description: a.Description,
	}
	if hasPorts(r.Protocol) {
		r.FromPort, r.ToPort = a.FromPort, a.ToPort
	}
	return r
}

func ruleFromModel(m ruleModel) rule {
	r := rule{
		Egress:      m.Direction.ValueString() == "egress",
		Protocol:    m.Protocol.ValueString(),
		CIDR:        m.CIDR.ValueString(),
		Description: m.Description.ValueString(),
	}
	if hasPorts(r.Protocol) {
		r.FromPort, r.ToPort = int(m.FromPort.ValueInt64()), int(m.ToPort.ValueInt64())
	}
	return r
}

func (r rule) model() ruleModel {
	m := ruleModel{
		Direction:   types.StringValue("ingress"),
		Protocol:    types.StringValue(r.Protocol),
		FromPort:    types.Int64Null(),
		ToPort:      types.Int64Null(),
		CIDR:        types.StringValue(r.CIDR),
		Description: optionalString(r.Description),
	}
	if r.Egress {
		m.Direction = types.StringValue("egress")
	}
	if hasPorts(r.Protocol) {
		m.FromPort = types.Int64Value(int64(r.FromPort))
		m.ToPort = types.Int64Value(int64(r.ToPort))
	}
	return m
}

func (r rule) addSpec() vpcmodels.AddSecurityGroupRules {
	code, _ := protocolCode(r.Protocol) // validated at plan time
	s := vpcmodels.AddSecurityGroupRules{
		Protocol:      code,
		Direction:     directionIngress,
		AddressPrefix: r.CIDR,
	}
	if r.Egress {
		s.Direction = directionEgress
	}
	if hasPorts(r.Protocol) {
		s.FromPort, s.ToPort = ptr(r.FromPort), ptr(r.ToPort)
	} else {
		// "若protocol不是传输层协议，恒为0": what the official provider sends too.
		s.FromPort, s.ToPort = ptr(0), ptr(0)
	}
	if r.Description != "" {
		s.Description = ptr(r.Description)
	}
	return s
}

// ruleChanges is what an update sends: descriptions changed in place, rules
// added, rules removed (by ID).
type ruleChanges struct {
	Modify []vpcmodels.ModifySecurityGroupRules
	Add    []vpcmodels.AddSecurityGroupRules
	Remove []string
}

func (c ruleChanges) empty() bool { return len(c.Modify)+len(c.Add)+len(c.Remove) == 0 }

// diffRules compares the group's current custom rules with the wanted ones.
// A wanted rule that matches a current one (same direction, protocol, ports
// and CIDR) keeps that rule and at most changes its description; anything
// else is added, and current rules nothing matched are removed. Duplicates on
// either side pair up one to one.
func diffRules(current, wanted []rule) ruleChanges {
	var ch ruleChanges
	claimed := make([]bool, len(current))
	match := func(w rule, sameDescription bool) int {
		for i, c := range current {
			if !claimed[i] && c.key() == w.key() && (!sameDescription || c.Description == w.Description) {
				return i
			}
		}
		return -1
	}
	var rest []rule
	// Exact matches first, so a duplicate's description is not swapped needlessly.
	for _, w := range wanted {
		if i := match(w, true); i >= 0 {
			claimed[i] = true
			continue
		}
		rest = append(rest, w)
	}
	for _, w := range rest {
		if i := match(w, false); i >= 0 {
			claimed[i] = true
			ch.Modify = append(ch.Modify, vpcmodels.ModifySecurityGroupRules{RuleId: current[i].ID, Description: ptr(w.Description)})
			continue
		}
		ch.Add = append(ch.Add, w.addSpec())
	}
	for i, c := range current {
		if !claimed[i] {
			ch.Remove = append(ch.Remove, c.ID)
		}
	}
	return ch
}

// customRules drops the rules JD Cloud manages itself (ruleType "default"):
// they are not the user's to declare, and a plan must not try to remove them.
func customRules(api []vpcmodels.SecurityGroupRule) []rule {
	out := make([]rule, 0, len(api))
	for _, a := range api {
		if a.RuleType == "default" {
			continue
		}
		out = append(out, ruleFromAPI(a))
	}
	return out
}

// documentedProtocols are the only codes JD Cloud documents for a rule
// (every SDK enumeration: 300 all, 6 TCP, 17 UDP, 1 ICMP).
var documentedProtocols = map[string]bool{"tcp": true, "udp": true, "icmp": true, "all": true}

// protocolValidator checks a rule's protocol attribute. A number JD Cloud
// does not document is allowed (the API might accept it) with a warning: the
// API most likely refuses it at apply.
type protocolValidator struct{ validate.Described }

var validProtocol = protocolValidator{"one of tcp, udp, icmp, all, or an IP protocol number from 0 to 255 (JD Cloud documents only the four names)"}

func (protocolValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	p := req.ConfigValue.ValueString()
	if _, err := protocolCode(p); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid protocol", fmt.Sprintf("%s is invalid: %s.", req.Path, err))
		return
	}
	if !documentedProtocols[p] {
		hint := ""
		if p == "112" {
			hint = " For keepalived's VRRP between two peers, allow protocol \"all\" from the peer's /32 instead."
		}
		resp.Diagnostics.AddAttributeWarning(req.Path, "Undocumented protocol",
			fmt.Sprintf("%s is %q: JD Cloud documents only tcp, udp, icmp and all for security group rules, so the API will most likely refuse it.%s", req.Path, p, hint))
	}
}
