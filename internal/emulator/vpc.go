package emulator

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net"
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

// subnetRange is the usable range: the network address, the first three
// addresses (gateway and DNS) and the broadcast address are reserved.
func subnetRange(p netip.Prefix) (first, last uint32) {
	base := ipU32(p.Addr())
	size := uint32(1) << (32 - p.Bits())
	return base + 4, base + size - 2
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
		if !(r == '_' || r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= 0x4e00 && r <= 0x9fff) {
			return invalidArg("Invalid %s %q: only Chinese characters, letters, digits, '-', '_' and '.' are allowed", field, v)
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
	num, size, aerr := c.paging(10, 100)
	if aerr != nil {
		return nil, aerr
	}
	fs, aerr := c.filters("vpcId", "vpcName")
	if aerr != nil {
		return nil, aerr
	}
	var out []map[string]any
	for _, id := range sortedKeys(e.st.Vpcs) {
		v := e.st.Vpcs[id]
		if v.Region != c.region {
			continue
		}
		ok := true
		for _, f := range fs {
			switch f.Name {
			case "vpcId":
				ok = ok && matchAny(v.VpcId, f.Values)
			case "vpcName":
				ok = ok && containsAny(v.VpcName, f.Values)
			}
		}
		if ok {
			out = append(out, e.vpcOut(v))
		}
	}
	return map[string]any{"vpcs": page(nonNil(out), num, size), "totalCount": len(out)}, nil
}

func nonNil(v []map[string]any) []map[string]any {
	if v == nil {
		return []map[string]any{}
	}
	return v
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
		if sn.Region == c.region {
			n++
		}
		if sn.VpcId == v.VpcId && netip.MustParsePrefix(sn.AddressPrefix).Overlaps(p) {
			return nil, invalidArg("The subnet cidr %s overlaps subnet %s (%s)", b.AddressPrefix, sn.SubnetId, sn.AddressPrefix)
		}
	}
	if n >= e.quotas.Subnets {
		return nil, quotaExceeded("Quota exceeded: at most %d subnets per region", e.quotas.Subnets)
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
	num, size, aerr := c.paging(10, 100)
	if aerr != nil {
		return nil, aerr
	}
	fs, aerr := c.filters("subnetId", "subnetName", "vpcId", "routeTableId", "aclId", "subnetType")
	if aerr != nil {
		return nil, aerr
	}
	var out []map[string]any
	for _, id := range sortedKeys(e.st.Subnets) {
		sn := e.st.Subnets[id]
		if sn.Region != c.region {
			continue
		}
		ok := true
		for _, f := range fs {
			switch f.Name {
			case "subnetId":
				ok = ok && matchAny(sn.SubnetId, f.Values)
			case "subnetName":
				ok = ok && containsAny(sn.SubnetName, f.Values)
			case "vpcId":
				ok = ok && matchAny(sn.VpcId, f.Values)
			}
		}
		if ok {
			out = append(out, subnetOut(sn))
		}
	}
	return map[string]any{"subnets": page(nonNil(out), num, size), "totalCount": len(out)}, nil
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
		if sg.Region == c.region {
			n++
		}
	}
	if n >= e.quotas.SecurityGroups {
		return nil, quotaExceeded("Quota exceeded: at most %d network security groups per region", e.quotas.SecurityGroups)
	}
	sg := &SecurityGroup{Region: c.region, NetworkSecurityGroupId: e.newID("sg"), NetworkSecurityGroupName: b.NetworkSecurityGroupName,
		Description: strOr(b.Description, ""), VpcId: b.VpcId, CreatedTime: e.timestamp(), Rules: []SecurityGroupRule{}}
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
	num, size, aerr := c.paging(10, 100)
	if aerr != nil {
		return nil, aerr
	}
	fs, aerr := c.filters("networkSecurityGroupIds", "networkSecurityGroupNames", "vpcId")
	if aerr != nil {
		return nil, aerr
	}
	var out []map[string]any
	for _, id := range sortedKeys(e.st.SecurityGroups) {
		sg := e.st.SecurityGroups[id]
		if sg.Region != c.region {
			continue
		}
		ok := true
		for _, f := range fs {
			switch f.Name {
			case "networkSecurityGroupIds":
				ok = ok && matchAny(sg.NetworkSecurityGroupId, f.Values)
			case "networkSecurityGroupNames":
				ok = ok && matchAny(sg.NetworkSecurityGroupName, f.Values)
			case "vpcId":
				ok = ok && matchAny(sg.VpcId, f.Values)
			}
		}
		if ok {
			out = append(out, e.sgOut(sg))
		}
	}
	return map[string]any{"networkSecurityGroups": page(nonNil(out), num, size), "totalCount": len(out)}, nil
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

// validProtocols: 300 = all, 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, 112 VRRP (as JD Cloud documents plus VRRP for keepalived).
var validProtocols = map[int]bool{300: true, 6: true, 17: true, 1: true, 58: true, 112: true}

func checkRuleFields(protocol int, direction *int, action string, prefix string, from, to int) *apiError {
	if !validProtocols[protocol] {
		return invalidArg("Invalid protocol %d: supported are 300 (all), 6 (TCP), 17 (UDP), 1 (ICMP), 58 (ICMPv6), 112 (VRRP)", protocol)
	}
	if direction != nil && *direction != 0 && *direction != 1 {
		return invalidArg("Invalid direction %d: 0 (ingress) or 1 (egress)", *direction)
	}
	if action != "allow" && action != "deny" {
		return invalidArg("Invalid ruleAction %q: allow or deny", action)
	}
	if _, _, err := net.ParseCIDR(prefix); err != nil {
		if net.ParseIP(prefix) == nil {
			return invalidArg("Invalid addressPrefix %q: must be an IP or CIDR", prefix)
		}
	}
	if from < 1 || to > 65535 || from > to {
		return invalidArg("Invalid port range %d-%d: must be within [1, 65535] and fromPort <= toPort", from, to)
	}
	return nil
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
	if len(sg.Rules)+len(b.Specs) > 100 {
		return nil, quotaExceeded("Quota exceeded: at most 100 rules per network security group")
	}
	var added []SecurityGroupRule
	for _, s := range b.Specs {
		if s.Protocol == nil || s.Direction == nil {
			return nil, invalidArg("protocol and direction are required for each rule")
		}
		from, to := 1, 65535
		if s.FromPort != nil {
			from = *s.FromPort
		}
		if s.ToPort != nil {
			to = *s.ToPort
		}
		action := strOr(s.RuleAction, "allow")
		if aerr := checkRuleFields(*s.Protocol, s.Direction, action, s.AddressPrefix, from, to); aerr != nil {
			return nil, aerr
		}
		prio := 100
		if s.Priority != nil {
			prio = *s.Priority
		}
		r := SecurityGroupRule{
			RuleId: e.newID("sgr"), Direction: *s.Direction, RuleAction: action, Priority: prio, Protocol: *s.Protocol,
			AddressPrefixType: strOr(s.AddressPrefixType, "ip"), AddressPrefix: s.AddressPrefix, IpVersion: 4,
			FromPort: from, ToPort: to, CreatedTime: e.timestamp(), Description: strOr(s.Description, ""), RuleType: "normal",
		}
		for _, old := range append(sg.Rules, added...) {
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
		if aerr := checkRuleFields(r.Protocol, nil, r.RuleAction, r.AddressPrefix, r.FromPort, r.ToPort); aerr != nil {
			return nil, aerr
		}
		rules[idx] = r
	}
	sg.Rules = rules
	return nil, nil
}

// ---- Elastic IPs ----

func (e *Emulator) eipOut(x *ElasticIp) map[string]any {
	status := "NOT_ASSOCIATED"
	if x.NetworkInterfaceId != "" {
		status = "ASSOCIATED"
	}
	return map[string]any{
		"elasticIpId": x.ElasticIpId, "elasticIpName": x.ElasticIpName, "elasticIpAddress": x.ElasticIpAddress,
		"bandwidthMbps": x.BandwidthMbps, "provider": x.Provider, "providerNameCN": providerCN(x.Provider),
		"privateIpAddress": x.PrivateIpAddress, "networkInterfaceId": x.NetworkInterfaceId, "instanceId": x.InstanceId,
		"instanceType": x.InstanceType, "charge": map[string]any{"chargeMode": "postpaid_by_duration", "chargeStatus": "normal", "chargeStartTime": x.CreatedTime},
		"createdTime": x.CreatedTime, "az": x.Az, "tags": []any{}, "ipType": "standard", "status": status, "state": "UP",
	}
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
		Az     *string `json:"az"`
		DryRun *bool   `json:"dryRun"`
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
	az := strOr(b.Az, "")
	if az != "" && !validZone(c.region, az) {
		return nil, invalidArg("Invalid az %q: zones of %s are %s", az, c.region, strings.Join(Zones(c.region), ", "))
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
			Provider: prov, Az: az, CreatedTime: e.timestamp()}
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
	num, size, aerr := c.paging(10, 100)
	if aerr != nil {
		return nil, aerr
	}
	fs, aerr := c.filters("elasticIpIds", "elasticIpAddress", "chargeStatus", "ipType", "azs", "status", "bandwidthPackageId")
	if aerr != nil {
		return nil, aerr
	}
	var out []map[string]any
	for _, id := range sortedKeys(e.st.ElasticIps) {
		x := e.st.ElasticIps[id]
		if x.Region != c.region {
			continue
		}
		o := e.eipOut(x)
		ok := true
		for _, f := range fs {
			switch f.Name {
			case "elasticIpIds":
				ok = ok && matchAny(x.ElasticIpId, f.Values)
			case "elasticIpAddress":
				ok = ok && matchAny(x.ElasticIpAddress, f.Values)
			case "azs":
				ok = ok && matchAny(x.Az, f.Values)
			case "status":
				ok = ok && matchAny(o["status"].(string), f.Values)
			case "chargeStatus":
				ok = ok && matchAny("normal", f.Values)
			case "ipType":
				ok = ok && matchAny("standard", f.Values)
			case "bandwidthPackageId":
				ok = false
			}
		}
		if ok {
			out = append(out, o)
		}
	}
	return map[string]any{"elasticIps": page(nonNil(out), num, size), "totalCount": len(out)}, nil
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
	if x.NetworkInterfaceId != "" {
		return nil, precondition("ElasticIp %s is associated with network interface %s, disassociate it before deleting", x.ElasticIpAddress, x.NetworkInterfaceId)
	}
	delete(e.st.ElasticIps, x.ElasticIpId)
	delete(e.st.UsedPublicIPs, x.ElasticIpAddress)
	return nil, nil
}

// associateEIP binds x to ni's primary IP, enforcing 1:1 and zones.
func (e *Emulator) associateEIP(ni *NetworkInterface, x *ElasticIp) *apiError {
	if x.NetworkInterfaceId != "" {
		return precondition("ElasticIp %s already in use", x.ElasticIpAddress)
	}
	if ni.ElasticIpId != "" {
		held := ni.ElasticIpId
		if h := e.st.ElasticIps[held]; h != nil {
			held = h.ElasticIpAddress
		}
		return precondition("The primary ip %s of network interface %s already has elastic ip %s associated", ni.PrimaryIp, ni.NetworkInterfaceId, held)
	}
	if x.Az != "" && ni.Az != "" && x.Az != ni.Az {
		return precondition("ElasticIp %s is in availability zone %s and cannot be associated with a resource in availability zone %s", x.ElasticIpAddress, x.Az, ni.Az)
	}
	if ni.InstanceId != "" {
		if in := e.st.Instances[ni.InstanceId]; in != nil && (in.Status == "pending" || in.Status == "deleting" || in.Status == "error") {
			return precondition("Instance %s is %s, the elastic ip cannot be associated now", in.InstanceId, in.Status)
		}
	}
	x.NetworkInterfaceId = ni.NetworkInterfaceId
	x.PrivateIpAddress = ni.PrimaryIp
	x.InstanceId = ni.InstanceId
	if ni.InstanceId != "" {
		x.InstanceType = "vm"
	}
	ni.ElasticIpId = x.ElasticIpId
	return nil
}

func (e *Emulator) disassociateEIP(ni *NetworkInterface, x *ElasticIp, msg string) *apiError {
	if x.NetworkInterfaceId != ni.NetworkInterfaceId || ni.ElasticIpId != x.ElasticIpId {
		return precondition("%s", msg)
	}
	x.NetworkInterfaceId, x.PrivateIpAddress, x.InstanceId, x.InstanceType = "", "", "", ""
	ni.ElasticIpId = ""
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

func (e *Emulator) niOut(ni *NetworkInterface) map[string]any {
	primary := map[string]any{"privateIpAddress": ni.PrimaryIp, "elasticIpId": "", "elasticIpAddress": "", "subnetId": ni.SubnetId}
	if x := e.st.ElasticIps[ni.ElasticIpId]; x != nil {
		primary["elasticIpId"], primary["elasticIpAddress"] = x.ElasticIpId, x.ElasticIpAddress
	}
	sgs := ni.NetworkSecurityGroupIds
	if sgs == nil {
		sgs = []string{}
	}
	role, attach, itype := "Secondary", "detached", ""
	if ni.InstanceId != "" {
		attach, itype = "attached", "vm"
		if ni.DeviceIndex == 1 {
			role = "Primary"
		}
	}
	return map[string]any{
		"networkInterfaceName": ni.NetworkInterfaceName, "networkInterfaceId": ni.NetworkInterfaceId, "azType": "standard", "az": ni.Az,
		"role": role, "macAddress": ni.MacAddress, "vpcId": ni.VpcId, "subnetId": ni.SubnetId, "networkSecurityGroupIds": sgs,
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
	num, size, aerr := c.paging(10, 100)
	if aerr != nil {
		return nil, aerr
	}
	fs, aerr := c.filters("networkInterfaceIds", "networkInterfaceNames", "vpcId", "subnetId", "role", "azs", "instanceId", "elasticIpIds")
	if aerr != nil {
		return nil, aerr
	}
	var out []map[string]any
	for _, id := range sortedKeys(e.st.NetworkInterfaces) {
		ni := e.st.NetworkInterfaces[id]
		if ni.Region != c.region {
			continue
		}
		o := e.niOut(ni)
		ok := true
		for _, f := range fs {
			switch f.Name {
			case "networkInterfaceIds":
				ok = ok && matchAny(ni.NetworkInterfaceId, f.Values)
			case "networkInterfaceNames":
				ok = ok && matchAny(ni.NetworkInterfaceName, f.Values)
			case "vpcId":
				ok = ok && matchAny(ni.VpcId, f.Values)
			case "subnetId":
				ok = ok && matchAny(ni.SubnetId, f.Values)
			case "role":
				ok = ok && matchAny(o["role"].(string), f.Values)
			case "azs":
				ok = ok && matchAny(ni.Az, f.Values)
			case "instanceId":
				ok = ok && matchAny(ni.InstanceId, f.Values)
			case "elasticIpIds":
				ok = ok && matchAny(ni.ElasticIpId, f.Values)
			}
		}
		if ok {
			out = append(out, o)
		}
	}
	return map[string]any{"networkInterfaces": page(nonNil(out), num, size), "totalCount": len(out)}, nil
}
