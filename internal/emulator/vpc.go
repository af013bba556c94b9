package emulator

import (
	"encoding/json"
	"fmt"
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
	if countWhere(e.st.Vpcs, func(v *Vpc) bool { return v.Region == c.region }) >= e.quotas.Vpcs {
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
