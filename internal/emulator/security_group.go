package emulator

import (
	"net/netip"
)

// ---- Network security groups ----

func (e *Emulator) sgOut(sg *SecurityGroup) map[string]any {
	nis := []string{}
	for _, id := range sortedKeys(e.st.NetworkInterfaces) {
		if matchAny(sg.NetworkSecurityGroupId, e.st.NetworkInterfaces[id].NetworkSecurityGroupIds) {
			nis = append(nis, id)
		}
	}
	rules := sg.Rules
	if rules == nil {
		rules = []SecurityGroupRule{}
	}
	return map[string]any{
		"networkSecurityGroupId": sg.NetworkSecurityGroupId, "networkSecurityGroupName": sg.NetworkSecurityGroupName,
		"description": sg.Description, "vpcId": sg.VpcId, "securityGroupRules": rules, "createdTime": sg.CreatedTime,
		"networkSecurityGroupType": "custom", "networkInterfaceIds": nis,
	}
}

func (e *Emulator) createSG(c *call) (any, *apiError) {
	var b struct {
		VpcId                    string  `json:"vpcId"`
		NetworkSecurityGroupName string  `json:"networkSecurityGroupName"`
		Description              *string `json:"description"`
	}
	if aerr := c.decode(&b); aerr != nil {
		return nil, aerr
	}
	if b.VpcId == "" {
		return nil, invalidArg("vpcId is required")
	}
	if aerr := validName("networkSecurityGroupName", b.NetworkSecurityGroupName, 32); aerr != nil {
		return nil, aerr
	}
	if _, aerr := e.getVpc(c, b.VpcId); aerr != nil {
		return nil, aerr
	}
	if countWhere(e.st.SecurityGroups, func(sg *SecurityGroup) bool { return sg.VpcId == b.VpcId }) >= e.quotas.SecurityGroups {
		return nil, quotaExceeded("Quota exceeded: at most %d network security groups per vpc", e.quotas.SecurityGroups)
	}
	sg := &SecurityGroup{Region: c.region, NetworkSecurityGroupId: e.newID("sg"), NetworkSecurityGroupName: b.NetworkSecurityGroupName,
		Description: strOr(b.Description, ""), VpcId: b.VpcId, CreatedTime: e.timestamp(), Rules: e.defaultSGRules()}
	e.st.SecurityGroups[sg.NetworkSecurityGroupId] = sg
	return map[string]any{"networkSecurityGroupId": sg.NetworkSecurityGroupId}, nil
}

func (e *Emulator) getSG(c *call, id string) (*SecurityGroup, *apiError) {
	sg := e.st.SecurityGroups[id]
	if sg == nil || sg.Region != c.region {
		return nil, notFound("NetworkSecurityGroup %s not found", id)
	}
	return sg, nil
}

func (e *Emulator) describeSG(c *call) (any, *apiError) {
	sg, aerr := e.getSG(c, c.params["networkSecurityGroupId"])
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"networkSecurityGroup": e.sgOut(sg)}, nil
}

func (e *Emulator) describeSGRules(c *call) (any, *apiError) {
	sg, aerr := e.getSG(c, c.params["networkSecurityGroupId"])
	if aerr != nil {
		return nil, aerr
	}
	rules := sg.Rules
	if rules == nil {
		rules = []SecurityGroupRule{}
	}
	return map[string]any{"networkSecurityGroupRules": rules, "totalCount": len(rules)}, nil
}

func (e *Emulator) describeSGs(c *call) (any, *apiError) {
	return list[*SecurityGroup]{key: "networkSecurityGroups", total: "totalCount", minSize: 10, lastPage: true,
		region: func(sg *SecurityGroup) string { return sg.Region },
		filters: []listFilter[*SecurityGroup]{
			exact("networkSecurityGroupIds", func(sg *SecurityGroup) string { return sg.NetworkSecurityGroupId }),
			exact("networkSecurityGroupNames", func(sg *SecurityGroup) string { return sg.NetworkSecurityGroupName }),
			exact("vpcId", func(sg *SecurityGroup) string { return sg.VpcId }),
		},
		out: e.sgOut,
	}.answer(c, sortedValues(e.st.SecurityGroups))
}

func (e *Emulator) modifySG(c *call) (any, *apiError) {
	obj, aerr := e.getSG(c, c.params["networkSecurityGroupId"])
	if aerr != nil {
		return nil, aerr
	}
	return nil, c.applyNameDescription("networkSecurityGroupName", &obj.NetworkSecurityGroupName, &obj.Description)
}

func (e *Emulator) deleteSG(c *call) (any, *apiError) {
	sg, aerr := e.getSG(c, c.params["networkSecurityGroupId"])
	if aerr != nil {
		return nil, aerr
	}
	for _, ni := range e.st.NetworkInterfaces {
		if matchAny(sg.NetworkSecurityGroupId, ni.NetworkSecurityGroupIds) {
			return nil, precondition("NetworkSecurityGroup %s is still bound to network interface %s", sg.NetworkSecurityGroupId, ni.NetworkInterfaceId)
		}
	}
	delete(e.st.SecurityGroups, sg.NetworkSecurityGroupId)
	return nil, nil
}

// Security-group rule vocabulary, as every SDK enumeration gives it
// (vpc/models/AddSecurityGroupRules.go, SecurityGroupRule.go): protocols
// 300 (all), 6 (TCP), 17 (UDP), 1 (ICMP) and nothing else (no 112/VRRP).
const (
	protoAll  = 300
	protoTCP  = 6
	protoUDP  = 17
	protoICMP = 1
)

var validProtocols = map[int]bool{protoAll: true, protoTCP: true, protoUDP: true, protoICMP: true}

// isTransport: only TCP and UDP rules carry ports; for the others the ports
// are "恒为0" (always 0).
func isTransport(protocol int) bool { return protocol == protoTCP || protocol == protoUDP }

// defaultSGRules are the rules a group made by CreateNetworkSecurityGroup
// starts with: "入方向：拒绝所有流量; 出方向：由于内部服务需要，开放TCP 80端口及UDP
// 67、68、161端口" (ingress nothing; egress TCP 80 and UDP 67, 68, 161). The
// destination and priority of these rules are not documented.
func (e *Emulator) defaultSGRules() []SecurityGroupRule {
	rule := func(proto, port int) SecurityGroupRule {
		return SecurityGroupRule{RuleId: e.newID("sgr"), Direction: 1, RuleAction: "ALLOW", Priority: 100, Protocol: proto,
			AddressPrefixType: "CIDR", AddressPrefix: "0.0.0.0/0", IpVersion: 4, FromPort: port, ToPort: port,
			CreatedTime: e.timestamp(), RuleType: "default"}
	}
	return []SecurityGroupRule{rule(protoTCP, 80), rule(protoUDP, 67), rule(protoUDP, 68), rule(protoUDP, 161)}
}

// checkRule validates a rule as it will be stored (ports already defaulted).
func checkRule(r SecurityGroupRule) *apiError {
	if !validProtocols[r.Protocol] {
		return invalidArg("Invalid protocol %d: supported are 300 (all), 6 (TCP), 17 (UDP), 1 (ICMP)", r.Protocol)
	}
	if r.Direction != 0 && r.Direction != 1 {
		return invalidArg("Invalid direction %d: 0 (ingress) or 1 (egress)", r.Direction)
	}
	if r.RuleAction != "ALLOW" && r.RuleAction != "DENY" {
		return invalidArg("Invalid ruleAction %q: ALLOW or DENY", r.RuleAction)
	}
	if r.Priority < 1 || r.Priority > 100 {
		return invalidArg("Invalid priority %d: must be within [1, 100]", r.Priority)
	}
	switch r.AddressPrefixType {
	case "CIDR":
		if _, err := netip.ParsePrefix(r.AddressPrefix); err != nil {
			if _, err := netip.ParseAddr(r.AddressPrefix); err != nil {
				return invalidArg("Invalid addressPrefix %q: must be an IP or CIDR", r.AddressPrefix)
			}
		}
	case "PREFIXLIST":
		return notFound("Prefix list %s not found", r.AddressPrefix) // prefix lists are not modelled
	default:
		return invalidArg("Invalid addressPrefixType %q: CIDR or PREFIXLIST", r.AddressPrefixType)
	}
	if isTransport(r.Protocol) {
		if r.FromPort < 1 || r.ToPort > 65535 || r.FromPort > r.ToPort {
			return invalidArg("Invalid port range %d-%d: must be within [1, 65535] and fromPort <= toPort", r.FromPort, r.ToPort)
		}
	} else if r.FromPort != 0 || r.ToPort != 0 {
		return invalidArg("Invalid port range %d-%d: protocol %d is not a transport protocol, its ports are always 0", r.FromPort, r.ToPort, r.Protocol)
	}
	return nil
}

// rulePorts defaults the ports: 1-65535 for TCP/UDP, 0 for the others.
func rulePorts(protocol int, from, to *int) (int, int) {
	lo, hi := 1, 65535
	if !isTransport(protocol) {
		lo, hi = 0, 0
	}
	if from != nil {
		lo = *from
	}
	if to != nil {
		hi = *to
	}
	return lo, hi
}

func (e *Emulator) addSGRules(c *call) (any, *apiError) {
	sg, aerr := e.getSG(c, c.params["networkSecurityGroupId"])
	if aerr != nil {
		return nil, aerr
	}
	var b struct {
		Specs []struct {
			Protocol          *int    `json:"protocol"`
			Direction         *int    `json:"direction"`
			RuleAction        *string `json:"ruleAction"`
			Priority          *int    `json:"priority"`
			AddressPrefixType *string `json:"addressPrefixType"`
			AddressPrefix     string  `json:"addressPrefix"`
			FromPort          *int    `json:"fromPort"`
			ToPort            *int    `json:"toPort"`
			Description       *string `json:"description"`
		} `json:"networkSecurityGroupRuleSpecs"`
	}
	if aerr := c.decode(&b); aerr != nil {
		return nil, aerr
	}
	if len(b.Specs) == 0 {
		return nil, invalidArg("networkSecurityGroupRuleSpecs is required")
	}
	if len(sg.Rules)+len(b.Specs) > e.quotas.SecurityGroupRules {
		return nil, quotaExceeded("Quota exceeded: at most %d rules per network security group", e.quotas.SecurityGroupRules)
	}
	var added []SecurityGroupRule
	for _, s := range b.Specs {
		if s.Protocol == nil || s.Direction == nil {
			return nil, invalidArg("protocol and direction are required for each rule")
		}
		from, to := rulePorts(*s.Protocol, s.FromPort, s.ToPort)
		prio := 100
		if s.Priority != nil {
			prio = *s.Priority
		}
		r := SecurityGroupRule{
			RuleId: e.newID("sgr"), Direction: *s.Direction, RuleAction: strOr(s.RuleAction, "ALLOW"), Priority: prio, Protocol: *s.Protocol,
			AddressPrefixType: strOr(s.AddressPrefixType, "CIDR"), AddressPrefix: s.AddressPrefix, IpVersion: 4,
			FromPort: from, ToPort: to, CreatedTime: e.timestamp(), Description: strOr(s.Description, ""), RuleType: "custom",
		}
		if aerr := checkRule(r); aerr != nil {
			return nil, aerr
		}
		for _, old := range append(sg.Rules, added...) {
			// A custom rule equal to a default one is allowed: what the real API
			// does there is not documented, and refusing it would leave the
			// user no way to declare the rule.
			if old.RuleType == "default" {
				continue
			}
			if old.Direction == r.Direction && old.Protocol == r.Protocol && old.AddressPrefix == r.AddressPrefix &&
				old.FromPort == r.FromPort && old.ToPort == r.ToPort && old.RuleAction == r.RuleAction {
				return nil, errf(409, "ALREADY_EXISTS", "A rule with the same direction, protocol, address and ports already exists (%s)", old.RuleId)
			}
		}
		added = append(added, r)
	}
	sg.Rules = append(sg.Rules, added...)
	return map[string]any{"securityGroupRules": added}, nil
}

func (e *Emulator) removeSGRules(c *call) (any, *apiError) {
	sg, aerr := e.getSG(c, c.params["networkSecurityGroupId"])
	if aerr != nil {
		return nil, aerr
	}
	var b struct {
		RuleIds []string `json:"ruleIds"`
	}
	if aerr := c.decode(&b); aerr != nil {
		return nil, aerr
	}
	if len(b.RuleIds) == 0 {
		return nil, invalidArg("ruleIds is required")
	}
	for _, id := range b.RuleIds {
		found := false
		for _, r := range sg.Rules {
			found = found || r.RuleId == id
		}
		if !found {
			return nil, notFound("Rule %s not found in network security group %s", id, sg.NetworkSecurityGroupId)
		}
	}
	kept := []SecurityGroupRule{}
	for _, r := range sg.Rules {
		if !matchAny(r.RuleId, b.RuleIds) {
			kept = append(kept, r)
		}
	}
	sg.Rules = kept
	return nil, nil
}

func (e *Emulator) modifySGRules(c *call) (any, *apiError) {
	sg, aerr := e.getSG(c, c.params["networkSecurityGroupId"])
	if aerr != nil {
		return nil, aerr
	}
	var b struct {
		Specs []struct {
			RuleId            string  `json:"ruleId"`
			Protocol          *int    `json:"protocol"`
			RuleAction        *string `json:"ruleAction"`
			Priority          *int    `json:"priority"`
			FromPort          *int    `json:"fromPort"`
			ToPort            *int    `json:"toPort"`
			AddressPrefixType *string `json:"addressPrefixType"`
			AddressPrefix     *string `json:"addressPrefix"`
			Description       *string `json:"description"`
		} `json:"modifySecurityGroupRuleSpecs"`
	}
	if aerr := c.decode(&b); aerr != nil {
		return nil, aerr
	}
	rules := append([]SecurityGroupRule(nil), sg.Rules...)
	for _, s := range b.Specs {
		idx := -1
		for i, r := range rules {
			if r.RuleId == s.RuleId {
				idx = i
			}
		}
		if idx < 0 {
			return nil, notFound("Rule %s not found in network security group %s", s.RuleId, sg.NetworkSecurityGroupId)
		}
		r := rules[idx]
		if s.Protocol != nil {
			r.Protocol = *s.Protocol
			if !isTransport(r.Protocol) && s.FromPort == nil && s.ToPort == nil {
				r.FromPort, r.ToPort = 0, 0
			}
		}
		if s.RuleAction != nil {
			r.RuleAction = *s.RuleAction
		}
		if s.Priority != nil {
			r.Priority = *s.Priority
		}
		if s.FromPort != nil {
			r.FromPort = *s.FromPort
		}
		if s.ToPort != nil {
			r.ToPort = *s.ToPort
		}
		if s.AddressPrefixType != nil {
			r.AddressPrefixType = *s.AddressPrefixType
		}
		if s.AddressPrefix != nil {
			r.AddressPrefix = *s.AddressPrefix
		}
		if s.Description != nil {
			r.Description = *s.Description
		}
		if aerr := checkRule(r); aerr != nil {
			return nil, aerr
		}
		rules[idx] = r
	}
	sg.Rules = rules
	return nil, nil
}
