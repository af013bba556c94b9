package emulator

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
)

func init() {
	const r = "/regions/{regionId}"
	register("vpc", "CreateVpc", "POST", r+"/vpcs/", (*Emulator).createVpc)
	register("vpc", "DescribeVpc", "GET", r+"/vpcs/{vpcId}", (*Emulator).describeVpc).resources = resVpc
	register("vpc", "DescribeVpcs", "GET", r+"/vpcs/", (*Emulator).describeVpcs)
	register("vpc", "ModifyVpc", "PATCH", r+"/vpcs/{vpcId}", (*Emulator).modifyVpc).resources = resVpc
	register("vpc", "DeleteVpc", "DELETE", r+"/vpcs/{vpcId}", (*Emulator).deleteVpc).resources = resVpc

	register("vpc", "CreateSubnet", "POST", r+"/subnets/", (*Emulator).createSubnet)
	register("vpc", "DescribeSubnet", "GET", r+"/subnets/{subnetId}", (*Emulator).describeSubnet).resources = resSubnet
	register("vpc", "DescribeSubnets", "GET", r+"/subnets/", (*Emulator).describeSubnets)
	register("vpc", "ModifySubnet", "PATCH", r+"/subnets/{subnetId}", (*Emulator).modifySubnet).resources = resSubnet
	register("vpc", "DeleteSubnet", "DELETE", r+"/subnets/{subnetId}", (*Emulator).deleteSubnet).resources = resSubnet

	const sg = r + "/networkSecurityGroups/{networkSecurityGroupId}"
	register("vpc", "CreateNetworkSecurityGroup", "POST", r+"/networkSecurityGroups/", (*Emulator).createSG)
	register("vpc", "DescribeNetworkSecurityGroup", "GET", sg, (*Emulator).describeSG).resources = resSG
	register("vpc", "DescribeNetworkSecurityGroups", "GET", r+"/networkSecurityGroups/", (*Emulator).describeSGs)
	register("vpc", "ModifyNetworkSecurityGroup", "PATCH", sg, (*Emulator).modifySG).resources = resSG
	register("vpc", "DeleteNetworkSecurityGroup", "DELETE", sg, (*Emulator).deleteSG).resources = resSG
	register("vpc", "AddNetworkSecurityGroupRules", "POST", sg+":addNetworkSecurityGroupRules", (*Emulator).addSGRules).resources = resSG
	register("vpc", "RemoveNetworkSecurityGroupRules", "POST", sg+":removeNetworkSecurityGroupRules", (*Emulator).removeSGRules).resources = resSG
	register("vpc", "ModifyNetworkSecurityGroupRules", "POST", sg+":modifyNetworkSecurityGroupRules", (*Emulator).modifySGRules).resources = resSG
	register("vpc", "DescribeNetworkSecurityGroupRules", "GET", sg+"/networkSecurityGroupRules", (*Emulator).describeSGRules).resources = resSG

	const eip = r + "/elasticIps/{elasticIpId}"
	register("vpc", "CreateElasticIps", "POST", r+"/elasticIps/", (*Emulator).createEIPs)
	register("vpc", "DescribeElasticIp", "GET", eip, (*Emulator).describeEIP).resources = resEIP
	register("vpc", "DescribeElasticIps", "GET", r+"/elasticIps/", (*Emulator).describeEIPs)
	register("vpc", "ModifyElasticIp", "PATCH", eip, (*Emulator).modifyEIP).resources = resEIP
	register("vpc", "DeleteElasticIp", "DELETE", eip, (*Emulator).deleteEIP).resources = resEIP

	const ni = r + "/networkInterfaces/{networkInterfaceId}"
	register("vpc", "DescribeNetworkInterface", "GET", ni, (*Emulator).describeNI).resources = resNI
	register("vpc", "DescribeNetworkInterfaces", "GET", r+"/networkInterfaces/", (*Emulator).describeNIs)
	register("vpc", "AssociateElasticIp", "POST", ni+":associateElasticIp", (*Emulator).niAssociateEIP).resources = resNIAndEIP
	register("vpc", "DisassociateElasticIp", "POST", ni+":disassociateElasticIp", (*Emulator).niDisassociateEIP).resources = resNIAndEIP
}

func jrn(service, region, kind, id string) string {
	if region == "" {
		region = "*"
	}
	return fmt.Sprintf("jrn:%s:%s:%s:%s/%s", service, region, AccountID, kind, id)
}

func resVpc(e *Emulator, c *call) []string {
	return []string{jrn("vpc", c.region, "vpcs", c.params["vpcId"])}
}
func resSubnet(e *Emulator, c *call) []string {
	return []string{jrn("vpc", c.region, "subnets", c.params["subnetId"])}
}
func resSG(e *Emulator, c *call) []string {
	return []string{jrn("vpc", c.region, "networkSecurityGroups", c.params["networkSecurityGroupId"])}
}
func resEIP(e *Emulator, c *call) []string {
	return []string{jrn("vpc", c.region, "elasticIps", c.params["elasticIpId"])}
}
func resNI(e *Emulator, c *call) []string {
	return []string{jrn("vpc", c.region, "networkInterfaces", c.params["networkInterfaceId"])}
}
func resNIAndEIP(e *Emulator, c *call) []string {
	out := resNI(e, c)
	var b struct {
		ElasticIpId      *string `json:"elasticIpId"`
		ElasticIpAddress *string `json:"elasticIpAddress"`
	}
	if c.decode(&b) == nil {
		if id := eipRef(e, c.region, b.ElasticIpId, b.ElasticIpAddress); id != "" {
			out = append(out, jrn("vpc", c.region, "elasticIps", id))
		}
	}
	return out
}

// eipRef resolves an EIP by id or address (id first) to its id, "" if unknown.
func eipRef(e *Emulator, region string, id, addr *string) string {
	if id != nil && *id != "" {
		return *id
	}
	if addr != nil && *addr != "" {
		for _, x := range e.st.ElasticIps {
			if x.Region == region && x.ElasticIpAddress == *addr {
				return x.ElasticIpId
			}
		}
		return "unknown-" + *addr
	}
	return ""
}

func strOr(p *string, d string) string {
	if p == nil {
		return d
	}
	return *p
}

// ---- CIDR helpers ----

func isPrivatePrefix(p netip.Prefix) bool {
	for _, s := range []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"} {
		pp := netip.MustParsePrefix(s)
		if pp.Bits() <= p.Bits() && pp.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

func parseCIDR(field, v string, minBits, maxBits int) (netip.Prefix, *apiError) {
	p, err := netip.ParsePrefix(v)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, invalidArg("Invalid %s %q: must be an IPv4 CIDR block", field, v)
	}
	if p.Masked() != p {
		return netip.Prefix{}, invalidArg("Invalid %s %q: host bits must be zero (did you mean %s?)", field, v, p.Masked())
	}
	if p.Bits() < minBits || p.Bits() > maxBits {
		return netip.Prefix{}, invalidArg("Invalid %s %q: prefix length must be within [%d, %d]", field, v, minBits, maxBits)
	}
	if !isPrivatePrefix(p) {
		return netip.Prefix{}, invalidArg("Invalid %s %q: must be inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16", field, v)
	}
	return p, nil
}

func prefixContains(outer, inner netip.Prefix) bool {
	return outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}

func ipU32(a netip.Addr) uint32 { b := a.As4(); return binary.BigEndian.Uint32(b[:]) }
func u32IP(u uint32) netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], u)
	return netip.AddrFrom4(b)
}

// subnetRange is the usable range: the network address, .1 and .2 (JD
// Cloud's management addresses) and the broadcast address are reserved, so
// a /24 has 252 usable addresses.
func subnetRange(p netip.Prefix) (first, last uint32) {
	base := ipU32(p.Addr())
	size := uint32(1) << (32 - p.Bits())
	return base + 3, base + size - 2
}

// allocateIP picks requested (validated) or the lowest free address.
func (e *Emulator) allocateIP(sn *Subnet, requested, owner string) (string, *apiError) {
	p := netip.MustParsePrefix(sn.AddressPrefix)
	first, last := subnetRange(p)
	if requested != "" {
		a, err := netip.ParseAddr(requested)
		if err != nil || !a.Is4() {
			return "", invalidArg("Invalid primaryIpAddress %q: not an IPv4 address", requested)
		}
		if !p.Contains(a) {
			return "", invalidArg("The ip %s is not in the cidr %s of subnet %s", requested, sn.AddressPrefix, sn.SubnetId)
		}
		if u := ipU32(a); u < first || u > last {
			return "", invalidArg("The ip %s is reserved in subnet %s", requested, sn.SubnetId)
		}
		if _, taken := sn.UsedIPs[requested]; taken {
			return "", errf(400, "FAILED_PRECONDITION", "The ip %s is already in use in subnet %s", requested, sn.SubnetId)
		}
		sn.UsedIPs[requested] = owner
		return requested, nil
	}
	for u := first; u <= last; u++ {
		ip := u32IP(u).String()
		if _, taken := sn.UsedIPs[ip]; !taken {
			sn.UsedIPs[ip] = owner
			return ip, nil
		}
	}
	return "", quotaExceeded("Subnet %s has no available ip address", sn.SubnetId)
}

func availableIPs(sn *Subnet) int {
	first, last := subnetRange(netip.MustParsePrefix(sn.AddressPrefix))
	n := int(last) - int(first) + 1 - len(sn.UsedIPs)
	if n < 0 {
		return 0
	}
	return n
}

// ---- VPC ----

func (e *Emulator) vpcOut(v *Vpc) map[string]any {
	subnets := []map[string]any{}
	for _, id := range sortedKeys(e.st.Subnets) {
		if sn := e.st.Subnets[id]; sn.VpcId == v.VpcId {
			subnets = append(subnets, subnetOut(sn))
		}
	}
	return map[string]any{
		"vpcId": v.VpcId, "vpcName": v.VpcName, "addressPrefix": v.AddressPrefix, "description": v.Description,
		"aclIds": []string{}, "routeTableIds": []string{"rtb-" + strings.TrimPrefix(v.VpcId, "vpc-")},
		"subnets": subnets, "createdTime": v.CreatedTime, "tags": []any{},
	}
}

func validName(field, v string, max int) *apiError {
	if v == "" {
		return invalidArg("%s is required", field)
	}
	if len([]rune(v)) > max {
		return invalidArg("Invalid %s %q: at most %d characters", field, v, max)
	}
	for _, r := range v {
		if !(r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= 0x4e00 && r <= 0x9fff) {
			return invalidArg("Invalid %s %q: only Chinese characters, letters, digits, '-' and '_' are allowed", field, v)
		}
	}
	return nil
}

func (e *Emulator) createVpc(c *call) (any, *apiError) {
	var b struct {
		VpcName       string  `json:"vpcName"`
		AddressPrefix *string `json:"addressPrefix"`
		Description   *string `json:"description"`
	}
	if aerr := c.decode(&b); aerr != nil {
		return nil, aerr
	}
	if aerr := validName("vpcName", b.VpcName, 32); aerr != nil {
		return nil, aerr
	}
	prefix := strOr(b.AddressPrefix, "")
	if prefix != "" {
		if _, aerr := parseCIDR("addressPrefix", prefix, 16, 28); aerr != nil {
			return nil, aerr
		}
	}
	n := 0
	for _, v := range e.st.Vpcs {
		if v.Region == c.region {
			n++
		}
	}
	if n >= e.quotas.Vpcs {
		return nil, quotaExceeded("Quota exceeded: at most %d vpcs per region", e.quotas.Vpcs)
	}
	v := &Vpc{Region: c.region, VpcId: e.newID("vpc"), VpcName: b.VpcName, AddressPrefix: prefix,
		Description: strOr(b.Description, ""), CreatedTime: e.timestamp()}
	e.st.Vpcs[v.VpcId] = v
	return map[string]any{"vpcId": v.VpcId}, nil
}

func (e *Emulator) getVpc(c *call, id string) (*Vpc, *apiError) {
	v := e.st.Vpcs[id]
	if v == nil || v.Region != c.region {
		return nil, notFound("Vpc %s not found", id)
	}
	return v, nil
}

func (e *Emulator) describeVpc(c *call) (any, *apiError) {
	v, aerr := e.getVpc(c, c.params["vpcId"])
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"vpc": e.vpcOut(v)}, nil
}

func (e *Emulator) describeVpcs(c *call) (any, *apiError) {
	return list[*Vpc]{key: "vpcs", total: "totalCount", minSize: 10, lastPage: true,
		region: func(v *Vpc) string { return v.Region },
		filters: []listFilter[*Vpc]{
			exact("vpcIds", func(v *Vpc) string { return v.VpcId }),
			// Exact or fuzzy is not documented: substring matches are the
			// broader answer, so clients must compare names themselves.
			substring("vpcNames", func(v *Vpc) string { return v.VpcName }),
			served[*Vpc]("azType", "all", "standard"),
			// Standard VPCs are not zonal; dedicated zones are not modelled.
			unmodelled[*Vpc]("azs"), unmodelled[*Vpc]("resourceTag"),
		},
		out: e.vpcOut,
	}.answer(c, sortedValues(e.st.Vpcs))
}

// applyNameDescription applies the body of a Modify* call that renames an
// object and/or changes its description (both optional; the name is checked
// like at creation).
func (c *call) applyNameDescription(nameKey string, name, description *string) *apiError {
	// Other fields of these bodies (arrays, numbers) are accepted and ignored.
	var b map[string]json.RawMessage
	if aerr := c.decode(&b); aerr != nil {
		return aerr
	}
	field := func(key string) (*string, *apiError) {
		var v *string
		if raw, ok := b[key]; ok {
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, invalidArg("%s must be a string", key)
			}
		}
		return v, nil
	}
	v, aerr := field(nameKey)
	if aerr != nil {
		return aerr
	}
	if v != nil {
		if aerr := validName(nameKey, *v, 32); aerr != nil {
			return aerr
		}
		*name = *v
	}
	if v, aerr = field("description"); aerr != nil {
		return aerr
	}
	if v != nil {
		*description = *v
	}
	return nil
}

func (e *Emulator) modifyVpc(c *call) (any, *apiError) {
	obj, aerr := e.getVpc(c, c.params["vpcId"])
	if aerr != nil {
		return nil, aerr
	}
	return nil, c.applyNameDescription("vpcName", &obj.VpcName, &obj.Description)
}

func (e *Emulator) deleteVpc(c *call) (any, *apiError) {
	v, aerr := e.getVpc(c, c.params["vpcId"])
	if aerr != nil {
		return nil, aerr
	}
	for _, sn := range e.st.Subnets {
		if sn.VpcId == v.VpcId {
			return nil, precondition("Vpc %s still has subnet %s, delete it first", v.VpcId, sn.SubnetId)
		}
	}
	for _, sg := range e.st.SecurityGroups {
		if sg.VpcId == v.VpcId {
			return nil, precondition("Vpc %s still has network security group %s, delete it first", v.VpcId, sg.NetworkSecurityGroupId)
		}
	}
	delete(e.st.Vpcs, v.VpcId)
	return nil, nil
}

// ---- Subnet ----

func subnetOut(sn *Subnet) map[string]any {
	p := netip.MustParsePrefix(sn.AddressPrefix)
	first, last := subnetRange(p)
	return map[string]any{
		"subnetId": sn.SubnetId, "subnetName": sn.SubnetName, "vpcId": sn.VpcId, "addressPrefix": sn.AddressPrefix,
		"availableIpCount": availableIPs(sn), "description": sn.Description,
		"routeTableId": "rtb-" + strings.TrimPrefix(sn.VpcId, "vpc-"), "startIp": u32IP(first).String(), "endIp": u32IP(last).String(),
		"createdTime": sn.CreatedTime, "subnetType": "standard", "az": "", "publicSubnet": false, "tags": []any{}, "type": "standard",
	}
}

func (e *Emulator) createSubnet(c *call) (any, *apiError) {
	var b struct {
		VpcId         string  `json:"vpcId"`
		SubnetName    string  `json:"subnetName"`
		AddressPrefix string  `json:"addressPrefix"`
		Description   *string `json:"description"`
		DryRun        *bool   `json:"dryRun"`
	}
	if aerr := c.decode(&b); aerr != nil {
		return nil, aerr
	}
	if b.VpcId == "" {
		return nil, invalidArg("vpcId is required")
	}
	if aerr := validName("subnetName", b.SubnetName, 32); aerr != nil {
		return nil, aerr
	}
	v, aerr := e.getVpc(c, b.VpcId)
	if aerr != nil {
		return nil, aerr
	}
	p, aerr := parseCIDR("addressPrefix", b.AddressPrefix, 16, 28)
	if aerr != nil {
		return nil, aerr
	}
	if v.AddressPrefix != "" && !prefixContains(netip.MustParsePrefix(v.AddressPrefix), p) {
		return nil, invalidArg("The subnet cidr %s is not within the vpc cidr %s", b.AddressPrefix, v.AddressPrefix)
	}
	n := 0
	for _, sn := range e.st.Subnets {
		if sn.VpcId != v.VpcId {
			continue
		}
		n++
		if netip.MustParsePrefix(sn.AddressPrefix).Overlaps(p) {
			return nil, invalidArg("The subnet cidr %s overlaps subnet %s (%s)", b.AddressPrefix, sn.SubnetId, sn.AddressPrefix)
		}
	}
	if n >= e.quotas.Subnets {
		return nil, quotaExceeded("Quota exceeded: at most %d subnets per vpc", e.quotas.Subnets)
	}
	if b.DryRun != nil && *b.DryRun {
		return map[string]any{"subnetId": ""}, nil
	}
	sn := &Subnet{Region: c.region, SubnetId: e.newID("subnet"), SubnetName: b.SubnetName, VpcId: v.VpcId,
		AddressPrefix: p.String(), Description: strOr(b.Description, ""), CreatedTime: e.timestamp(), UsedIPs: map[string]string{}}
	e.st.Subnets[sn.SubnetId] = sn
	return map[string]any{"subnetId": sn.SubnetId}, nil
}

func (e *Emulator) getSubnet(c *call, id string) (*Subnet, *apiError) {
	sn := e.st.Subnets[id]
	if sn == nil || sn.Region != c.region {
		return nil, notFound("Subnet %s not found", id)
	}
	return sn, nil
}

func (e *Emulator) describeSubnet(c *call) (any, *apiError) {
	sn, aerr := e.getSubnet(c, c.params["subnetId"])
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"subnet": subnetOut(sn)}, nil
}

func (e *Emulator) describeSubnets(c *call) (any, *apiError) {
	return list[*Subnet]{key: "subnets", total: "totalCount", minSize: 10, lastPage: true,
		region: func(sn *Subnet) string { return sn.Region },
		// ACLs, edge zones, HPC clusters and sharing are not modelled.
		filters: []listFilter[*Subnet]{
			exact("subnetIds", func(sn *Subnet) string { return sn.SubnetId }),
			// As for vpcNames: exact or fuzzy is undocumented; substring is the broader answer.
			substring("subnetNames", func(sn *Subnet) string { return sn.SubnetName }),
			exact("routeTableId", func(sn *Subnet) string { return "rtb-" + strings.TrimPrefix(sn.VpcId, "vpc-") }),
			unmodelled[*Subnet]("aclId"),
			exact("vpcId", func(sn *Subnet) string { return sn.VpcId }),
			served[*Subnet]("subnetType", "all", "standard"),
			unmodelled[*Subnet]("azs"),
			served[*Subnet]("types", "all", "normal"),
			unmodelled[*Subnet]("hpcClusterIds"),
			served[*Subnet]("azType", "all", "standard"),
			unmodelled[*Subnet]("shareType"),
		},
		out: subnetOut,
	}.answer(c, sortedValues(e.st.Subnets))
}

func (e *Emulator) modifySubnet(c *call) (any, *apiError) {
	obj, aerr := e.getSubnet(c, c.params["subnetId"])
	if aerr != nil {
		return nil, aerr
	}
	return nil, c.applyNameDescription("subnetName", &obj.SubnetName, &obj.Description)
}

func (e *Emulator) deleteSubnet(c *call) (any, *apiError) {
	sn, aerr := e.getSubnet(c, c.params["subnetId"])
	if aerr != nil {
		return nil, aerr
	}
	if len(sn.UsedIPs) > 0 {
		return nil, precondition("Subnet %s still has %d network interface(s) in use", sn.SubnetId, len(sn.UsedIPs))
	}
	delete(e.st.Subnets, sn.SubnetId)
	return nil, nil
}

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
	n := 0
	for _, sg := range e.st.SecurityGroups {
		if sg.VpcId == b.VpcId {
			n++
		}
	}
	if n >= e.quotas.SecurityGroups {
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

// ---- Elastic IPs ----

// eipStatus is an EIP's association status.
func eipStatus(x *ElasticIp) string {
	if x.NetworkInterfaceId != "" {
		return "ASSOCIATED"
	}
	return "NOT_ASSOCIATED"
}

func (e *Emulator) eipOut(x *ElasticIp) map[string]any {
	return map[string]any{
		"elasticIpId": x.ElasticIpId, "elasticIpName": x.ElasticIpName, "elasticIpAddress": x.ElasticIpAddress,
		"bandwidthMbps": x.BandwidthMbps, "provider": x.Provider, "providerNameCN": providerCN(x.Provider),
		"privateIpAddress": x.PrivateIpAddress, "networkInterfaceId": x.NetworkInterfaceId, "instanceId": x.InstanceId,
		"instanceType": x.InstanceType, "charge": map[string]any{"chargeMode": "postpaid_by_duration", "chargeStatus": "normal", "chargeStartTime": x.CreatedTime},
		"createdTime": x.CreatedTime, "az": x.Az, "tags": []any{}, "ipType": "standard", "status": eipStatus(x), "state": eipState(x),
	}
}

func eipState(x *ElasticIp) string {
	if x.Processing {
		return "PROCESSING"
	}
	return "UP"
}

func providerCN(p string) string {
	switch p {
	case "bgp":
		return "BGP"
	case "no_bgp":
		return "非BGP"
	}
	return p
}

func (e *Emulator) newPublicIP() string {
	for {
		ip := fmt.Sprintf("114.67.%d.%d", 64+e.rnd.Intn(192), 2+e.rnd.Intn(252))
		if _, used := e.st.UsedPublicIPs[ip]; !used {
			return ip
		}
	}
}

func (e *Emulator) createEIPs(c *call) (any, *apiError) {
	var b struct {
		MaxCount      *int    `json:"maxCount"`
		ElasticIpName *string `json:"elasticIpName"`
		ElasticIpSpec *struct {
			BandwidthMbps int    `json:"bandwidthMbps"`
			Provider      string `json:"provider"`
		} `json:"elasticIpSpec"`
		// No az: CreateElasticIps has no such field and standard EIPs are
		// all-zone in every region; a body that sends one has it ignored,
		// like any other field the API does not know.
		DryRun *bool `json:"dryRun"`
	}
	if aerr := c.decode(&b); aerr != nil {
		return nil, aerr
	}
	if b.MaxCount == nil {
		return nil, invalidArg("maxCount is required")
	}
	if *b.MaxCount < 1 || *b.MaxCount > 100 {
		return nil, invalidArg("Invalid maxCount %d: must be within [1, 100]", *b.MaxCount)
	}
	if b.ElasticIpSpec == nil {
		return nil, invalidArg("elasticIpSpec is required")
	}
	if bw := b.ElasticIpSpec.BandwidthMbps; bw < 1 || bw > 200 {
		return nil, invalidArg("Invalid bandwidthMbps %d: must be within [1, 200]", bw)
	}
	prov := b.ElasticIpSpec.Provider
	if prov == "" {
		prov = "bgp"
	}
	if prov != "bgp" && prov != "no_bgp" {
		return nil, invalidArg("Invalid provider %q: bgp or no_bgp", prov)
	}
	if prov == "no_bgp" && !e.noBGPServed(c.region) {
		return nil, invalidArg("Invalid provider %q: region %s offers only bgp", prov, c.region)
	}
	name := strOr(b.ElasticIpName, "")
	if name != "" {
		if aerr := validName("elasticIpName", name, 32); aerr != nil {
			return nil, aerr
		}
	}
	n := 0
	for _, x := range e.st.ElasticIps {
		if x.Region == c.region {
			n++
		}
	}
	if n+*b.MaxCount > e.quotas.ElasticIps {
		return nil, quotaExceeded("Quota exceeded: elastic ip quota of region %s is %d, %d in use, %d requested", c.region, e.quotas.ElasticIps, n, *b.MaxCount)
	}
	if b.DryRun != nil && *b.DryRun {
		return map[string]any{"elasticIpIds": []string{}, "requestId": c.requestID}, nil
	}
	ids := []string{}
	for i := 0; i < *b.MaxCount; i++ {
		x := &ElasticIp{Region: c.region, ElasticIpId: e.newID("fip"), ElasticIpName: name, BandwidthMbps: b.ElasticIpSpec.BandwidthMbps,
			Provider: prov, CreatedTime: e.timestamp()}
		x.ElasticIpAddress = e.newPublicIP()
		e.st.UsedPublicIPs[x.ElasticIpAddress] = x.ElasticIpId
		e.st.ElasticIps[x.ElasticIpId] = x
		ids = append(ids, x.ElasticIpId)
	}
	return map[string]any{"elasticIpIds": ids, "requestId": c.requestID}, nil
}

func (e *Emulator) getEIP(region, id string) (*ElasticIp, *apiError) {
	x := e.st.ElasticIps[id]
	if x == nil || x.Region != region {
		return nil, notFound("ElasticIp %s not found", id)
	}
	return x, nil
}

func (e *Emulator) describeEIP(c *call) (any, *apiError) {
	x, aerr := e.getEIP(c.region, c.params["elasticIpId"])
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"elasticIp": e.eipOut(x)}, nil
}

func (e *Emulator) describeEIPs(c *call) (any, *apiError) {
	return list[*ElasticIp]{key: "elasticIps", total: "totalCount", minSize: 10, lastPage: true,
		region: func(x *ElasticIp) string { return x.Region },
		// EIP pools, bandwidth packages and dedicated zones are not modelled.
		filters: []listFilter[*ElasticIp]{
			exact("elasticIpIds", func(x *ElasticIp) string { return x.ElasticIpId }),
			exact("elasticIpNames", func(x *ElasticIp) string { return x.ElasticIpName }),
			exact("elasticIpAddress", func(x *ElasticIp) string { return x.ElasticIpAddress }),
			unmodelled[*ElasticIp]("elasticIpPoolId"),
			served[*ElasticIp]("chargeStatus", "normal"),
			served[*ElasticIp]("ipType", "all", "standard"),
			exact("azs", func(x *ElasticIp) string { return x.Az }),
			unmodelled[*ElasticIp]("bandwidthPackageId"),
			{"status", func(x *ElasticIp, vs []string) bool { return matchAny("ALL", vs) || matchAny(eipStatus(x), vs) }},
			exact("providers", func(x *ElasticIp) string { return x.Provider }),
			unmodelled[*ElasticIp]("resourceTag"),
		},
		out: e.eipOut,
	}.answer(c, sortedValues(e.st.ElasticIps))
}

func (e *Emulator) modifyEIP(c *call) (any, *apiError) {
	x, aerr := e.getEIP(c.region, c.params["elasticIpId"])
	if aerr != nil {
		return nil, aerr
	}
	var b struct {
		BandwidthMbps *int    `json:"bandwidthMbps"`
		ElasticIpName *string `json:"elasticIpName"`
	}
	if aerr := c.decode(&b); aerr != nil {
		return nil, aerr
	}
	if b.BandwidthMbps != nil {
		if *b.BandwidthMbps < 1 || *b.BandwidthMbps > 200 {
			return nil, invalidArg("Invalid bandwidthMbps %d: must be within [1, 200]", *b.BandwidthMbps)
		}
		x.BandwidthMbps = *b.BandwidthMbps
	}
	if b.ElasticIpName != nil {
		if *b.ElasticIpName != "" {
			if aerr := validName("elasticIpName", *b.ElasticIpName, 32); aerr != nil {
				return nil, aerr
			}
		}
		x.ElasticIpName = *b.ElasticIpName
	}
	return nil, nil
}

func (e *Emulator) deleteEIP(c *call) (any, *apiError) {
	x, aerr := e.getEIP(c.region, c.params["elasticIpId"])
	if aerr != nil {
		return nil, aerr
	}
	if x.Processing {
		return nil, eipProcessing(x)
	}
	if x.NetworkInterfaceId != "" {
		return nil, precondition("ElasticIp %s is associated with network interface %s, disassociate it before deleting", x.ElasticIpAddress, x.NetworkInterfaceId)
	}
	delete(e.st.ElasticIps, x.ElasticIpId)
	delete(e.st.UsedPublicIPs, x.ElasticIpAddress)
	return nil, nil
}

// noBGPServed: the vpc model (ElasticIpSpec) lists only bgp in all four
// regions; an older console page offered non-BGP lines in cn-south-1 and
// cn-east-1. Both agree there is none in cn-north-1 and cn-east-2.
func (e *Emulator) noBGPServed(region string) bool {
	switch region {
	case "cn-south-1", "cn-east-1":
		return e.opts.Unknowns.NoBGP == "accept"
	}
	return false
}

func eipProcessing(x *ElasticIp) *apiError {
	return precondition("ElasticIp %s is processing (state PROCESSING), retry later", x.ElasticIpAddress)
}

// eipAsync follows the eip-association switch.
func (e *Emulator) eipAsync() bool { return e.opts.Unknowns.EIPAssociation != "sync" }

// associateEIP binds x to ni's primary IP, enforcing 1:1, zones and the
// holder's state. With eip-association=async the EIP shows PROCESSING for a
// moment and the holder appears only when that ends.
func (e *Emulator) associateEIP(ni *NetworkInterface, x *ElasticIp) *apiError {
	if x.Processing {
		return eipProcessing(x)
	}
	if x.NetworkInterfaceId != "" {
		return precondition("ElasticIp %s already in use", x.ElasticIpAddress)
	}
	held := ni.ElasticIpId
	for _, other := range e.st.ElasticIps {
		if other.Processing && other.PendingNetworkInterfaceId == ni.NetworkInterfaceId {
			held = other.ElasticIpId
		}
	}
	if held != "" {
		if h := e.st.ElasticIps[held]; h != nil {
			held = h.ElasticIpAddress
		}
		return precondition("The primary ip %s of network interface %s already has elastic ip %s associated", ni.PrimaryIp, ni.NetworkInterfaceId, held)
	}
	if x.Az != "" && ni.Az != "" && x.Az != ni.Az {
		return precondition("ElasticIp %s is in availability zone %s and cannot be associated with a resource in availability zone %s", x.ElasticIpAddress, x.Az, ni.Az)
	}
	if ni.InstanceId != "" {
		// Documented: the instance must be running or stopped.
		if in := e.st.Instances[ni.InstanceId]; in != nil && in.Status != "running" && in.Status != "stopped" {
			return precondition("Instance %s is %s, an elastic ip can be associated only with a running or stopped instance", in.InstanceId, in.Status)
		}
	}
	if !e.eipAsync() {
		bindEIP(ni, x)
		return nil
	}
	x.Processing, x.PendingNetworkInterfaceId = true, ni.NetworkInterfaceId
	e.after(e.latency.transition("eip.processing"), func() { e.finishEIPChange(x.ElasticIpId) })
	return nil
}

func bindEIP(ni *NetworkInterface, x *ElasticIp) {
	x.NetworkInterfaceId = ni.NetworkInterfaceId
	x.PrivateIpAddress = ni.PrimaryIp
	x.InstanceId = ni.InstanceId
	if ni.InstanceId != "" {
		x.InstanceType = "compute" // the vpc model's value for a VM
	}
	ni.ElasticIpId = x.ElasticIpId
}

func (e *Emulator) unbindEIP(x *ElasticIp) {
	if ni := e.st.NetworkInterfaces[x.NetworkInterfaceId]; ni != nil && ni.ElasticIpId == x.ElasticIpId {
		ni.ElasticIpId = ""
	}
	x.NetworkInterfaceId, x.PrivateIpAddress, x.InstanceId, x.InstanceType = "", "", "", ""
}

// finishEIPChange ends PROCESSING: the pending association takes effect
// (unless its interface went away meanwhile), or the release does.
func (e *Emulator) finishEIPChange(id string) {
	x := e.st.ElasticIps[id]
	if x == nil || !x.Processing {
		return
	}
	target := x.PendingNetworkInterfaceId
	x.Processing, x.PendingNetworkInterfaceId = false, ""
	if target == "" {
		e.unbindEIP(x)
		return
	}
	if ni := e.st.NetworkInterfaces[target]; ni != nil && ni.ElasticIpId == "" && x.NetworkInterfaceId == "" {
		bindEIP(ni, x)
	}
}

// finishPendingEIPs completes changes in flight when a saved state is loaded
// (their timers did not survive).
func (e *Emulator) finishPendingEIPs() {
	for _, id := range sortedKeys(e.st.ElasticIps) {
		e.finishEIPChange(id)
	}
}

func (e *Emulator) disassociateEIP(ni *NetworkInterface, x *ElasticIp, msg string) *apiError {
	if x.Processing {
		return eipProcessing(x)
	}
	if x.NetworkInterfaceId != ni.NetworkInterfaceId || ni.ElasticIpId != x.ElasticIpId {
		return precondition("%s", msg)
	}
	if !e.eipAsync() {
		e.unbindEIP(x)
		return nil
	}
	x.Processing, x.PendingNetworkInterfaceId = true, ""
	e.after(e.latency.transition("eip.processing"), func() { e.finishEIPChange(x.ElasticIpId) })
	return nil
}

func (e *Emulator) getNI(region, id string) (*NetworkInterface, *apiError) {
	ni := e.st.NetworkInterfaces[id]
	if ni == nil || ni.Region != region {
		return nil, notFound("NetworkInterface %s not found", id)
	}
	return ni, nil
}

func (e *Emulator) niEIPArg(c *call) (*ElasticIp, *apiError) {
	var b struct {
		ElasticIpId      *string `json:"elasticIpId"`
		ElasticIpAddress *string `json:"elasticIpAddress"`
		PrivateIpAddress *string `json:"privateIpAddress"`
	}
	if aerr := c.decode(&b); aerr != nil {
		return nil, aerr
	}
	if strOr(b.ElasticIpId, "") == "" && strOr(b.ElasticIpAddress, "") == "" {
		return nil, invalidArg("elasticIpId or elasticIpAddress is required")
	}
	id := eipRef(e, c.region, b.ElasticIpId, b.ElasticIpAddress)
	return e.getEIP(c.region, id)
}

func (e *Emulator) niAssociateEIP(c *call) (any, *apiError) {
	ni, aerr := e.getNI(c.region, c.params["networkInterfaceId"])
	if aerr != nil {
		return nil, aerr
	}
	x, aerr := e.niEIPArg(c)
	if aerr != nil {
		return nil, aerr
	}
	return nil, e.associateEIP(ni, x)
}

func (e *Emulator) niDisassociateEIP(c *call) (any, *apiError) {
	ni, aerr := e.getNI(c.region, c.params["networkInterfaceId"])
	if aerr != nil {
		return nil, aerr
	}
	x, aerr := e.niEIPArg(c)
	if aerr != nil {
		return nil, aerr
	}
	return nil, e.disassociateEIP(ni, x, "Elastic ip isn't associated to this network interface")
}

// ---- Network interfaces ----

// niRole: the primary interface of an instance (device 1), else secondary.
func niRole(ni *NetworkInterface) string {
	if ni.InstanceId != "" && ni.DeviceIndex == 1 {
		return "Primary"
	}
	return "Secondary"
}

func (e *Emulator) niOut(ni *NetworkInterface) map[string]any {
	primary := map[string]any{"privateIpAddress": ni.PrimaryIp, "elasticIpId": "", "elasticIpAddress": "", "subnetId": ni.SubnetId}
	if x := e.st.ElasticIps[ni.ElasticIpId]; x != nil {
		primary["elasticIpId"], primary["elasticIpAddress"] = x.ElasticIpId, x.ElasticIpAddress
	}
	sgs := ni.NetworkSecurityGroupIds
	if sgs == nil {
		sgs = []string{}
	}
	attach, itype := "detached", ""
	if ni.InstanceId != "" {
		attach, itype = "attached", "compute"
	}
	return map[string]any{
		"networkInterfaceName": ni.NetworkInterfaceName, "networkInterfaceId": ni.NetworkInterfaceId, "azType": "standard", "az": ni.Az,
		"role": niRole(ni), "macAddress": ni.MacAddress, "vpcId": ni.VpcId, "subnetId": ni.SubnetId, "networkSecurityGroupIds": sgs,
		"sanityCheck": 1, "primaryIp": primary, "secondaryIps": []any{}, "secondaryCidrs": []string{}, "instanceType": itype,
		"instanceId": ni.InstanceId, "instanceOwnerId": "", "deviceIndex": ni.DeviceIndex, "description": "",
		"attachmentStatus": attach, "networkInterfaceStatus": "enabled", "createdTime": ni.CreatedTime, "tags": []any{},
	}
}

func (e *Emulator) describeNI(c *call) (any, *apiError) {
	ni, aerr := e.getNI(c.region, c.params["networkInterfaceId"])
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"networkInterface": e.niOut(ni)}, nil
}

func (e *Emulator) describeNIs(c *call) (any, *apiError) {
	return list[*NetworkInterface]{key: "networkInterfaces", total: "totalCount", minSize: 10, lastPage: true,
		region: func(ni *NetworkInterface) string { return ni.Region },
		filters: []listFilter[*NetworkInterface]{
			exact("networkInterfaceIds", func(ni *NetworkInterface) string { return ni.NetworkInterfaceId }),
			exact("networkInterfaceNames", func(ni *NetworkInterface) string { return ni.NetworkInterfaceName }),
			exact("vpcId", func(ni *NetworkInterface) string { return ni.VpcId }),
			exact("subnetId", func(ni *NetworkInterface) string { return ni.SubnetId }),
			exact("role", niRole),
			served[*NetworkInterface]("azType", "all", "standard"),
			exact("azs", func(ni *NetworkInterface) string { return ni.Az }),
		},
		out: e.niOut,
	}.answer(c, sortedValues(e.st.NetworkInterfaces))
}
