package emulator

import (
	"encoding/binary"
	"net/netip"
	"strings"
)

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
