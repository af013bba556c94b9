package emulator

import (
	"strings"
	"unicode/utf8"
)

func init() {
	const r = "/regions/{regionId}"
	const in = r + "/instances/{instanceId}"
	register("vm", "CreateInstances", "POST", r+"/instances", (*Emulator).createInstances).resources = resCreateInstances
	register("vm", "DescribeInstance", "GET", in, (*Emulator).describeInstance).resources = resInstance
	register("vm", "DescribeInstances", "GET", r+"/instances", (*Emulator).describeInstances)
	register("vm", "DeleteInstance", "DELETE", in, (*Emulator).deleteInstance).resources = resInstance
	register("vm", "StopInstance", "POST", in+":stopInstance", (*Emulator).stopInstance).resources = resInstance
	register("vm", "StartInstance", "POST", in+":startInstance", (*Emulator).startInstance).resources = resInstance
	register("vm", "ModifyInstanceAttribute", "POST", in+":modifyInstanceAttribute", (*Emulator).modifyInstanceAttribute).resources = resInstance
	register("vm", "AssociateElasticIp", "POST", in+":associateElasticIp", (*Emulator).vmAssociateEIP).resources = resInstanceAndEIP
	register("vm", "DisassociateElasticIp", "POST", in+":disassociateElasticIp", (*Emulator).vmDisassociateEIP).resources = resInstanceAndEIP
	register("vm", "ModifyInstancePlacement", "POST", in+":modifyInstancePlacement", (*Emulator).modifyInstancePlacement).resources = resInstancePlacement
	register("vm", "DescribeImages", "GET", r+"/images", (*Emulator).describeImages)
	register("vm", "DescribeImage", "GET", r+"/images/{imageId}", (*Emulator).describeImage)
	register("vm", "DescribeInstanceTypes", "GET", r+"/instanceTypes", (*Emulator).describeInstanceTypes)
}

func resInstance(e *Emulator, c *call) []string {
	return []string{jrn("vm", c.region, "instances", c.params["instanceId"])}
}

func resInstanceAndEIP(e *Emulator, c *call) []string {
	out := resInstance(e, c)
	var b struct {
		ElasticIpId string `json:"elasticIpId"`
	}
	if c.decode(&b) == nil && b.ElasticIpId != "" {
		out = append(out, jrn("vpc", c.region, "elasticIps", b.ElasticIpId))
	}
	return out
}

func resCreateInstances(e *Emulator, c *call) []string {
	out := []string{jrn("vm", c.region, "instances", "*")}
	var b struct {
		Spec *struct {
			AgId *string `json:"agId"`
		} `json:"instanceSpec"`
	}
	if c.decode(&b) == nil && b.Spec != nil && b.Spec.AgId != nil && *b.Spec.AgId != "" {
		out = append(out, jrn("ag", c.region, "availabilityGroups", *b.Spec.AgId))
	}
	return out
}

func resInstancePlacement(e *Emulator, c *call) []string {
	out := resInstance(e, c)
	var b struct {
		AgId *string `json:"agId"`
	}
	if c.decode(&b) == nil && b.AgId != nil && *b.AgId != "" {
		out = append(out, jrn("ag", c.region, "availabilityGroups", *b.AgId))
	}
	return out
}

// ---- model ----

func (e *Emulator) instanceOut(in *Instance) map[string]any {
	ni := e.st.NetworkInterfaces[in.NetworkInterfaceId]
	eipID, eipAddr, primaryIP, mac := "", "", "", ""
	sgs := []map[string]any{}
	if ni != nil {
		primaryIP, mac = ni.PrimaryIp, ni.MacAddress
		if x := e.st.ElasticIps[ni.ElasticIpId]; x != nil {
			eipID, eipAddr = x.ElasticIpId, x.ElasticIpAddress
		}
		for _, id := range ni.NetworkSecurityGroupIds {
			name := ""
			if sg := e.st.SecurityGroups[id]; sg != nil {
				name = sg.NetworkSecurityGroupName
			}
			sgs = append(sgs, map[string]any{"groupId": id, "groupName": name})
		}
	}
	ag := map[string]any{"id": "", "name": ""}
	if in.AgId != "" {
		ag["id"] = in.AgId
		if g := e.st.Ags[in.AgId]; g != nil {
			ag["name"] = g.Name
		}
	}
	img := findImage(in.ImageId)
	osType, platform, osVersion := "linux", "", ""
	if img != nil {
		osType, platform, osVersion = img.OsType, img.Platform, img.OsVersion
	}
	keyNames := in.KeyNames
	if keyNames == nil {
		keyNames = []string{}
	}
	return map[string]any{
		"instanceId": in.InstanceId, "instanceName": in.InstanceName, "hostname": in.Hostname, "instanceType": in.InstanceType,
		"vpcId": in.VpcId, "subnetId": in.SubnetId, "privateIpAddress": primaryIP, "elasticIpId": eipID, "elasticIpAddress": eipAddr,
		"status": in.Status, "description": in.Description, "imageId": in.ImageId,
		"systemDisk": map[string]any{"diskCategory": "cloud", "autoDelete": true, "deviceName": "vda", "status": "attached",
			"cloudDisk": map[string]any{"diskId": "vol-" + strings.TrimPrefix(in.InstanceId, "i-"), "diskSizeGB": 40, "diskType": "ssd.gp1", "az": in.Az}},
		"dataDisks": []any{},
		"primaryNetworkInterface": map[string]any{"deviceIndex": 1, "autoDelete": true, "networkInterface": map[string]any{
			"networkInterfaceId": in.NetworkInterfaceId, "macAddress": mac, "vpcId": in.VpcId, "subnetId": in.SubnetId,
			"securityGroups": sgs, "sanityCheck": 1,
			"primaryIp":    map[string]any{"privateIpAddress": primaryIP, "elasticIpId": eipID, "elasticIpAddress": eipAddr},
			"secondaryIps": []any{}, "ipv6Addresses": []any{},
		}},
		"secondaryNetworkInterfaces": []any{}, "launchTime": in.LaunchTime, "az": in.Az, "keyNames": keyNames,
		"charge": map[string]any{"chargeMode": "postpaid_by_duration", "chargeStatus": "normal", "chargeStartTime": in.LaunchTime},
		"ag":     ag, "faultDomain": in.FaultDomain, "tags": []any{}, "chargeOnStopped": "keepCharging",
		"osType": osType, "platform": platform, "osVersion": osVersion, "architecture": "x86_64", "bootMode": "bios",
	}
}

func (e *Emulator) getInstance(region, id string) (*Instance, *apiError) {
	in := e.st.Instances[id]
	if in == nil || in.Region != region {
		return nil, notFound("Instance %s not found", id)
	}
	return in, nil
}

// ---- describe ----

func (e *Emulator) describeInstance(c *call) (any, *apiError) {
	in, aerr := e.getInstance(c.region, c.params["instanceId"])
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"instance": e.instanceOut(in)}, nil
}

func (e *Emulator) describeInstances(c *call) (any, *apiError) {
	return list[*Instance]{key: "instances", total: "totalCount", minSize: 10,
		region: func(in *Instance) string { return in.Region },
		filters: []listFilter[*Instance]{
			exact("instanceId", func(in *Instance) string { return in.InstanceId }),
			substring("privateIpAddress", func(in *Instance) string { ip, _ := e.instanceAddrs(in); return ip }),
			exact("az", func(in *Instance) string { return in.Az }),
			exact("vpcId", func(in *Instance) string { return in.VpcId }),
			exact("status", func(in *Instance) string { return in.Status }),
			substring("name", func(in *Instance) string { return in.InstanceName }),
			exact("imageId", func(in *Instance) string { return in.ImageId }),
			always[*Instance]("networkInterfaceId"),
			exact("subnetId", func(in *Instance) string { return in.SubnetId }),
			exact("agId", func(in *Instance) string { return in.AgId }),
			exact("faultDomain", func(in *Instance) string { return in.FaultDomain }),
			unmodelled[*Instance]("dedicatedHostId"),
			unmodelled[*Instance]("dedicatedPoolId"),
			exact("instanceType", func(in *Instance) string { return in.InstanceType }),
			always[*Instance]("elasticIpAddress"),
			served[*Instance]("chargeOnStopped", "keepCharging"),
		},
		keep: e.instanceByInterfaceOrEIP,
		out:  e.instanceOut,
	}.answer(c, sortedValues(e.st.Instances))
}

// instanceAddrs: the primary private IP and the EIP address of an instance ("" when none).
func (e *Emulator) instanceAddrs(in *Instance) (primaryIP, eipAddr string) {
	if ni := e.st.NetworkInterfaces[in.NetworkInterfaceId]; ni != nil {
		primaryIP = ni.PrimaryIp
		if x := e.st.ElasticIps[ni.ElasticIpId]; x != nil {
			eipAddr = x.ElasticIpAddress
		}
	}
	return primaryIP, eipAddr
}

// instanceByInterfaceOrEIP: filter elasticIpAddress is translated to an
// interface and ORed with networkInterfaceId, as documented (the last of
// each counts).
func (e *Emulator) instanceByInterfaceOrEIP(in *Instance, fs []filter) bool {
	var niVals, eipVals []string
	for _, f := range fs {
		switch f.Name {
		case "networkInterfaceId":
			niVals = f.Values
		case "elasticIpAddress":
			eipVals = f.Values
		}
	}
	if niVals == nil && eipVals == nil {
		return true
	}
	_, eipAddr := e.instanceAddrs(in)
	return matchAny(in.NetworkInterfaceId, niVals) || (eipAddr != "" && matchAny(eipAddr, eipVals))
}

// ---- lifecycle ----

func (e *Emulator) stopInstance(c *call) (any, *apiError) {
	in, aerr := e.getInstance(c.region, c.params["instanceId"])
	if aerr != nil {
		return nil, aerr
	}
	if in.Status != "running" || in.Task != "" {
		return nil, precondition("Instance %s status %s does not allow stop, it must be running", in.InstanceId, in.Status)
	}
	in.Status, in.Task = "stopping", "stop"
	e.scheduleTransition(in, "instance.stop", "stopped")
	return nil, nil
}

func (e *Emulator) startInstance(c *call) (any, *apiError) {
	in, aerr := e.getInstance(c.region, c.params["instanceId"])
	if aerr != nil {
		return nil, aerr
	}
	if in.Status != "stopped" || in.Task != "" {
		return nil, precondition("Instance %s status %s does not allow start, it must be stopped", in.InstanceId, in.Status)
	}
	in.Status, in.Task = "starting", "start"
	e.scheduleTransition(in, "instance.start", "running")
	return nil, nil
}

func (e *Emulator) deleteInstance(c *call) (any, *apiError) {
	in, aerr := e.getInstance(c.region, c.params["instanceId"])
	if aerr != nil {
		return nil, aerr
	}
	if (in.Status != "running" && in.Status != "stopped" && in.Status != "error") || in.Task != "" {
		return nil, precondition("Instance %s status %s does not allow delete, it must be running, stopped or error with no task in progress", in.InstanceId, in.Status)
	}
	in.Status, in.Task = "deleting", "delete"
	e.scheduleTransition(in, "instance.delete", "")
	return nil, nil
}

func (e *Emulator) modifyInstanceAttribute(c *call) (any, *apiError) {
	in, aerr := e.getInstance(c.region, c.params["instanceId"])
	if aerr != nil {
		return nil, aerr
	}
	var b struct {
		Name        *string `json:"name"`
		Description *string `json:"description"`
		Hostname    *string `json:"hostname"`
	}
	if aerr := c.decode(&b); aerr != nil {
		return nil, aerr
	}
	if in.Status == "deleting" {
		return nil, precondition("Instance %s is being deleted", in.InstanceId)
	}
	if b.Name != nil {
		if aerr := validInstanceName(*b.Name); aerr != nil {
			return nil, aerr
		}
	}
	if b.Description != nil && utf8.RuneCountInString(*b.Description) > 256 {
		return nil, invalidArg("Invalid description: at most 256 characters")
	}
	if b.Name != nil {
		in.InstanceName = *b.Name
	}
	if b.Description != nil {
		in.Description = *b.Description
	}
	if b.Hostname != nil && *b.Hostname != "" {
		in.Hostname = *b.Hostname
	}
	return nil, nil
}

// modifyInstancePlacement moves an existing instance into an availability
// group (or from one group to another): vm 1.3.9, SDK client notes. The
// instance must be running or stopped (stopped for balance=true), in one of
// the group's zones, and in the group's VPC.
func (e *Emulator) modifyInstancePlacement(c *call) (any, *apiError) {
	in, aerr := e.getInstance(c.region, c.params["instanceId"])
	if aerr != nil {
		return nil, aerr
	}
	var b struct {
		AgId    *string `json:"agId"`
		Balance *bool   `json:"balance"`
	}
	if aerr := c.decode(&b); aerr != nil {
		return nil, aerr
	}
	agID := strOr(b.AgId, "")
	if agID == "" {
		return nil, invalidArg("agId is required")
	}
	ag := e.st.Ags[agID]
	if ag == nil || ag.Region != c.region {
		return nil, invalidArg("Invalid agId %s: availability group not found", agID)
	}
	balance := b.Balance != nil && *b.Balance
	if in.Task != "" || balance && in.Status != "stopped" || in.Status != "running" && in.Status != "stopped" {
		want := "running or stopped"
		if balance {
			want = "stopped (balance)"
		}
		return nil, precondition("Instance %s status %s does not allow changing its availability group, it must be %s", in.InstanceId, in.Status, want)
	}
	if !matchAny(in.Az, ag.Azs) {
		return nil, precondition("Instance %s is in zone %s, which availability group %s does not span (%s)", in.InstanceId, in.Az, ag.Id, strings.Join(ag.Azs, ", "))
	}
	for _, m := range e.agMembers(ag.Id) {
		if m.VpcId != in.VpcId {
			return nil, precondition("Instance %s is in vpc %s, availability group %s in vpc %s", in.InstanceId, in.VpcId, ag.Id, m.VpcId)
		}
	}
	if in.AgId == ag.Id {
		return nil, nil
	}
	in.AgId = ""
	in.Az, in.FaultDomain = e.placeInAg(ag, in.Az)
	in.AgId = ag.Id
	return nil, nil
}

// ---- elastic IPs on the primary interface ----

func (e *Emulator) vmEIPArgs(c *call) (*Instance, *NetworkInterface, *ElasticIp, *apiError) {
	in, aerr := e.getInstance(c.region, c.params["instanceId"])
	if aerr != nil {
		return nil, nil, nil, aerr
	}
	var b struct {
		ElasticIpId string `json:"elasticIpId"`
	}
	if aerr := c.decode(&b); aerr != nil {
		return nil, nil, nil, aerr
	}
	if b.ElasticIpId == "" {
		return nil, nil, nil, invalidArg("elasticIpId is required")
	}
	x, aerr := e.getEIP(c.region, b.ElasticIpId)
	if aerr != nil {
		return nil, nil, nil, aerr
	}
	ni := e.st.NetworkInterfaces[in.NetworkInterfaceId]
	if ni == nil {
		return nil, nil, nil, errf(500, "INTERNAL", "instance %s has no primary network interface", in.InstanceId)
	}
	return in, ni, x, nil
}

func (e *Emulator) vmAssociateEIP(c *call) (any, *apiError) {
	_, ni, x, aerr := e.vmEIPArgs(c)
	if aerr != nil {
		return nil, aerr
	}
	return nil, e.associateEIP(ni, x)
}

func (e *Emulator) vmDisassociateEIP(c *call) (any, *apiError) {
	_, ni, x, aerr := e.vmEIPArgs(c)
	if aerr != nil {
		return nil, aerr
	}
	return nil, e.disassociateEIP(ni, x, "Elastic ip isn't associated to this instance's primary network interface")
}
