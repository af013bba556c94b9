package emulator

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
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

// ---- create ----

type instanceSpecBody struct {
	AgId               *string  `json:"agId"`
	InstanceTemplateId *string  `json:"instanceTemplateId"`
	Az                 *string  `json:"az"`
	InstanceType       *string  `json:"instanceType"`
	ImageId            *string  `json:"imageId"`
	Name               string   `json:"name"`
	Hostname           *string  `json:"hostname"`
	Password           *string  `json:"password"`
	KeyNames           []string `json:"keyNames"`
	ElasticIp          *struct {
		BandwidthMbps int    `json:"bandwidthMbps"`
		Provider      string `json:"provider"`
	} `json:"elasticIp"`
	PrimaryNetworkInterface *struct {
		NetworkInterface *struct {
			SubnetId         string   `json:"subnetId"`
			PrimaryIpAddress *string  `json:"primaryIpAddress"`
			SecurityGroups   []string `json:"securityGroups"`
		} `json:"networkInterface"`
	} `json:"primaryNetworkInterface"`
	Userdata []struct {
		Key   *string `json:"key"`
		Value *string `json:"value"`
	} `json:"userdata"`
	Description *string `json:"description"`
}

// validInstanceName: 2–128 characters of Chinese, letters, digits, '_', '-'
// and '.', not starting or ending with '.' (SDK vm/models/InstanceSpec.go).
func validInstanceName(name string) *apiError {
	if name == "" {
		return invalidArg("instanceSpec.name is required")
	}
	n := utf8.RuneCountInString(name)
	if n < 2 || n > 128 {
		return invalidArg("Invalid instanceSpec.name %q: length must be within [2, 128]", name)
	}
	for _, r := range name {
		if !(r == '_' || r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= 0x4e00 && r <= 0x9fff) {
			return invalidArg("Invalid instanceSpec.name %q: only Chinese characters, letters, digits, '_', '-' and '.' are allowed", name)
		}
	}
	if strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") {
		return invalidArg("Invalid instanceSpec.name %q: must not start or end with '.'", name)
	}
	return nil
}

// passwordSpecials are the special characters JD Cloud allows in an instance password.
const passwordSpecials = "()`~!@#$%^&*_-+=|{}[]:\";'<>,.?/"

// validInstancePassword: 8–30 characters, at least three of upper case,
// lower case, digits and the special characters above, nothing else
// (SDK vm/models/InstanceSpec.go password note).
func validInstancePassword(pw string) *apiError {
	n := len(pw)
	if n < 8 || n > 30 {
		return invalidArg("Invalid password: must be 8 to 30 characters")
	}
	var upper, lower, digit, special bool
	for _, r := range pw {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		case strings.ContainsRune(passwordSpecials, r):
			special = true
		default:
			return invalidArg("Invalid password: character %q is not allowed (special characters: %s)", r, passwordSpecials)
		}
	}
	classes := 0
	for _, b := range []bool{upper, lower, digit, special} {
		if b {
			classes++
		}
	}
	if classes < 3 {
		return invalidArg("Invalid password: must contain at least three of upper-case letters, lower-case letters, digits and special characters")
	}
	return nil
}

// templateOnlyFields lists the instanceSpec fields a create from an
// availability group's template may not set: all but name, description and
// the primary IP (SDK vm/models/InstanceSpec.go agId note).
func templateOnlyFields(s *instanceSpecBody) []string {
	var out []string
	add := func(set bool, name string) {
		if set {
			out = append(out, name)
		}
	}
	add(s.InstanceTemplateId != nil && *s.InstanceTemplateId != "", "instanceTemplateId")
	add(s.InstanceType != nil, "instanceType")
	add(s.ImageId != nil, "imageId")
	add(s.Hostname != nil, "hostname")
	add(s.Password != nil, "password")
	add(len(s.KeyNames) > 0, "keyNames")
	add(s.ElasticIp != nil, "elasticIp")
	add(len(s.Userdata) > 0, "userdata")
	if s.PrimaryNetworkInterface != nil && s.PrimaryNetworkInterface.NetworkInterface != nil {
		ni := s.PrimaryNetworkInterface.NetworkInterface
		add(ni.SubnetId != "", "primaryNetworkInterface.networkInterface.subnetId")
		add(len(ni.SecurityGroups) > 0, "primaryNetworkInterface.networkInterface.securityGroups")
	}
	return out
}

func (e *Emulator) createInstances(c *call) (any, *apiError) {
	var b struct {
		Spec        *instanceSpecBody `json:"instanceSpec"`
		MaxCount    *int              `json:"maxCount"`
		ClientToken *string           `json:"clientToken"`
	}
	if aerr := c.decode(&b); aerr != nil {
		return nil, aerr
	}
	count := 1
	if b.MaxCount != nil {
		count = *b.MaxCount
	}
	if count < 1 || count > 100 {
		return nil, invalidArg("Invalid maxCount %d: must be within [1, 100]", count)
	}
	token := strOr(b.ClientToken, "")
	if len(token) > 64 {
		return nil, invalidArg("Invalid clientToken: at most 64 characters")
	}
	sum := sha256.Sum256(c.body)
	bodyHash := hex.EncodeToString(sum[:])
	if token != "" {
		if rec, ok := e.st.ClientTokens[c.region+"/"+token]; ok {
			// Same token: the same answer, no new instances (even if the body differs, as the real API).
			return map[string]any{"instanceIds": append([]string{}, rec.InstanceIds...)}, nil
		}
	}
	s := b.Spec
	if s == nil {
		return nil, invalidArg("instanceSpec is required")
	}
	if aerr := validInstanceName(s.Name); aerr != nil {
		return nil, aerr
	}

	var ag *AvailabilityGroup
	if id := strOr(s.AgId, ""); id != "" {
		ag = e.st.Ags[id]
		if ag == nil || ag.Region != c.region {
			return nil, invalidArg("Invalid agId %s: availability group not found", id)
		}
	}
	if ag != nil {
		strict := ag.ConfigurationType == "strict"
		if fields := templateOnlyFields(s); len(fields) > 0 && (strict || e.opts.Unknowns.Get("loose-ag-spec") == "refuse") {
			return nil, invalidArg("Invalid instanceSpec: availability group %s (configurationType %s) creates instances from its instance template; only name, description and the primary private IP may be given, not %s",
				ag.Id, ag.ConfigurationType, strings.Join(fields, ", "))
		}
		if strict || e.opts.Unknowns.Get("loose-ag-spec") == "refuse" {
			// A create that leaves everything to the template is valid, but
			// this emulator models no instance templates.
			return nil, invalidArg("Instance templates are not modelled by this emulator: availability group %s cannot launch an instance from its template here", ag.Id)
		}
	}
	az := strOr(s.Az, "")
	if az != "" && !validZone(c.region, az) {
		return nil, invalidArg("Invalid az %q: availability zone not found in region %s", az, c.region)
	}
	if ag != nil && az != "" && !matchAny(az, ag.Azs) {
		return nil, invalidArg("Invalid az %q: availability group %s only spans %s", az, ag.Id, strings.Join(ag.Azs, ", "))
	}
	if ag == nil && az == "" {
		return nil, invalidArg("instanceSpec.az is required when agId is not given")
	}
	itype, imageID := strOr(s.InstanceType, ""), strOr(s.ImageId, "")
	if itype == "" {
		return nil, invalidArg("instanceSpec.instanceType is required")
	}
	if findInstanceType(itype) == nil {
		return nil, invalidArg("Invalid instanceType %q: instance type not found or not on sale in %s", itype, c.region)
	}
	if imageID == "" {
		return nil, invalidArg("instanceSpec.imageId is required")
	}
	if img := findImage(imageID); img == nil {
		return nil, invalidArg("Invalid imageId %q: image not found", imageID)
	} else if img.Offline {
		return nil, invalidArg("Invalid imageId %q: the image is offline and can no longer launch instances", imageID)
	}
	linux := findImage(imageID).OsType == "linux"
	if s.Password != nil && *s.Password != "" {
		if aerr := validInstancePassword(*s.Password); aerr != nil {
			return nil, aerr
		}
	}
	if len(s.KeyNames) > 1 || len(s.KeyNames) == 1 && !linux {
		return nil, invalidArg("Invalid keyNames: only one key pair, and only for Linux images")
	}
	if s.ElasticIp != nil {
		return nil, invalidArg("instanceSpec.elasticIp is not supported by this emulator: create the elastic ip with CreateElasticIps and associate it")
	}
	if s.PrimaryNetworkInterface == nil || s.PrimaryNetworkInterface.NetworkInterface == nil || s.PrimaryNetworkInterface.NetworkInterface.SubnetId == "" {
		return nil, invalidArg("instanceSpec.primaryNetworkInterface.networkInterface.subnetId is required")
	}
	nis := s.PrimaryNetworkInterface.NetworkInterface
	sn := e.st.Subnets[nis.SubnetId]
	if sn == nil || sn.Region != c.region {
		return nil, invalidArg("Invalid subnetId %s: subnet not found", nis.SubnetId)
	}
	requestedIP := strOr(nis.PrimaryIpAddress, "")
	if requestedIP != "" && count > 1 {
		return nil, invalidArg("primaryIpAddress can only be given when maxCount is 1")
	}
	if len(nis.SecurityGroups) > 5 {
		return nil, invalidArg("At most 5 security groups per network interface")
	}
	for _, id := range nis.SecurityGroups {
		sg := e.st.SecurityGroups[id]
		if sg == nil || sg.Region != c.region {
			return nil, invalidArg("Invalid securityGroups: network security group %s not found", id)
		}
		if sg.VpcId != sn.VpcId {
			return nil, invalidArg("Network security group %s is not in vpc %s of subnet %s", id, sn.VpcId, sn.SubnetId)
		}
	}
	userdata := map[string]string{}
	for _, u := range s.Userdata {
		k, v := strOr(u.Key, ""), strOr(u.Value, "")
		if k != "launch-script" {
			return nil, invalidArg("Invalid userdata key %q: only launch-script is supported", k)
		}
		raw, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return nil, invalidArg("Invalid userdata launch-script: value must be base64 encoded")
		}
		if len(raw) > 16*1024 {
			return nil, invalidArg("Invalid userdata launch-script: at most 16KB before base64 encoding, got %d bytes", len(raw))
		}
		if linux && !strings.HasPrefix(string(raw), "#!/bin/bash") && !strings.HasPrefix(string(raw), "#!/usr/bin/env python") {
			return nil, invalidArg("Invalid userdata launch-script: a Linux launch script must start with #!/bin/bash or #!/usr/bin/env python")
		}
		userdata[k] = v
	}
	inRegion := 0
	for _, in := range e.st.Instances {
		if in.Region == c.region {
			inRegion++
		}
	}
	if inRegion+count > e.quotas.Instances {
		return nil, quotaExceeded("Quota exceeded: instance quota of region %s is %d, %d in use, %d requested", c.region, e.quotas.Instances, inRegion, count)
	}
	if availableIPs(sn) < count {
		return nil, quotaExceeded("Subnet %s has only %d available ip addresses", sn.SubnetId, availableIPs(sn))
	}

	ids := []string{}
	var created []*Instance
	for i := 0; i < count; i++ {
		in := &Instance{
			Region: c.region, InstanceId: e.newID("i"), InstanceName: s.Name, InstanceType: itype, ImageId: imageID,
			VpcId: sn.VpcId, SubnetId: sn.SubnetId, Status: "pending", Description: strOr(s.Description, ""),
			KeyNames: s.KeyNames, LaunchTime: e.timestamp(), Task: "create",
		}
		if len(userdata) > 0 {
			in.Userdata = userdata
		}
		in.Az = az
		if ag != nil {
			in.AgId = ag.Id
			in.Az, in.FaultDomain = e.placeInAg(ag, az)
		}
		in.Hostname = strOr(s.Hostname, in.InstanceId)
		ni := &NetworkInterface{Region: c.region, NetworkInterfaceId: e.newID("port"), Az: in.Az, VpcId: sn.VpcId, SubnetId: sn.SubnetId,
			NetworkSecurityGroupIds: append([]string{}, nis.SecurityGroups...), InstanceId: in.InstanceId, DeviceIndex: 1,
			CreatedTime: e.timestamp(), MacAddress: e.newMAC()}
		ip, aerr := e.allocateIP(sn, requestedIP, ni.NetworkInterfaceId)
		if aerr != nil {
			// Roll back what this request made so a refused create leaves nothing behind.
			for _, done := range created {
				e.removeInstance(done)
			}
			return nil, aerr
		}
		ni.PrimaryIp = ip
		in.NetworkInterfaceId = ni.NetworkInterfaceId
		e.st.NetworkInterfaces[ni.NetworkInterfaceId] = ni
		e.st.Instances[in.InstanceId] = in
		created = append(created, in)
		ids = append(ids, in.InstanceId)
	}
	for _, in := range created {
		e.scheduleTransition(in, "instance.create", "running")
	}
	if token != "" {
		e.st.ClientTokens[c.region+"/"+token] = ClientTokenRecord{Region: c.region, InstanceIds: ids, BodyHash: bodyHash}
	}
	return map[string]any{"instanceIds": ids}, nil
}

func (e *Emulator) newMAC() string {
	return fmt.Sprintf("fa:16:3e:%02x:%02x:%02x", e.rnd.Intn(256), e.rnd.Intn(256), e.rnd.Intn(256))
}

// placeInAg picks the zone (unless fixed) and the fault domain with the
// fewest members of the group, lowest index first, so members never share
// a fault domain while a free one exists.
func (e *Emulator) placeInAg(ag *AvailabilityGroup, az string) (string, string) {
	members := map[string]int{}
	perZone := map[string]int{}
	for _, in := range e.st.Instances {
		if in.AgId == ag.Id {
			members[in.FaultDomain]++
			perZone[in.Az]++
		}
	}
	if az == "" {
		best := -1
		for _, z := range ag.Azs {
			if best < 0 || perZone[z] < best {
				az, best = z, perZone[z]
			}
		}
	}
	fd, best := "", -1
	for n := 1; n <= FaultDomainsPerZone; n++ {
		name := faultDomainName(az, n)
		if best < 0 || members[name] < best {
			fd, best = name, members[name]
		}
	}
	return az, fd
}

// scheduleTransition moves in to target after the latency model's delay.
func (e *Emulator) scheduleTransition(in *Instance, kind, target string) {
	id := in.InstanceId
	e.after(e.latency.transition(kind), func() {
		cur := e.st.Instances[id]
		if cur == nil {
			return
		}
		cur.Task = ""
		if target == "" {
			e.removeInstance(cur)
			return
		}
		cur.Status = target
	})
}

// resumeTransitions restarts transitions of a loaded state. Callers hold e.mu.
func (e *Emulator) resumeTransitions() {
	for _, id := range sortedKeys(e.st.Instances) {
		in := e.st.Instances[id]
		switch in.Status {
		case "pending":
			e.scheduleTransition(in, "instance.create", "running")
		case "starting":
			e.scheduleTransition(in, "instance.start", "running")
		case "stopping":
			e.scheduleTransition(in, "instance.stop", "stopped")
		case "deleting":
			e.scheduleTransition(in, "instance.delete", "")
		}
	}
}

// removeInstance drops an instance with its primary interface, private IP and EIP association.
func (e *Emulator) removeInstance(in *Instance) {
	if ni := e.st.NetworkInterfaces[in.NetworkInterfaceId]; ni != nil {
		if x := e.st.ElasticIps[ni.ElasticIpId]; x != nil {
			x.NetworkInterfaceId, x.PrivateIpAddress, x.InstanceId, x.InstanceType = "", "", "", ""
		}
		if sn := e.st.Subnets[ni.SubnetId]; sn != nil {
			delete(sn.UsedIPs, ni.PrimaryIp)
		}
		delete(e.st.NetworkInterfaces, ni.NetworkInterfaceId)
	}
	delete(e.st.Instances, in.InstanceId)
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

// ---- catalog ----

// describeImages follows DescribeImages' documented parameters: imageSource
// is required unless ids are given (and with ids the others are ignored),
// imageName is a substring match, platform and architecture exact, and
// offline images are listed only with offline=true.
func (e *Emulator) describeImages(c *call) (any, *apiError) {
	ids := c.listParam("ids")
	q := c.query.Get
	src := q("imageSource")
	return list[CatalogImage]{key: "images", total: "totalCount", minSize: 10,
		check: func() *apiError {
			if len(ids) == 0 {
				if src == "" {
					return invalidArg("imageSource is required when ids is not given: public, thirdparty, private, shared or community")
				}
				if !matchAny(src, []string{"public", "thirdparty", "private", "shared", "community"}) {
					return invalidArg("Invalid imageSource %q: public, thirdparty, private, shared or community", src)
				}
			}
			if a := q("architecture"); a != "" && a != "x86_64" && a != "arm64" {
				return invalidArg("Invalid architecture %q: x86_64 or arm64", a)
			}
			return nil
		},
		keep: func(img CatalogImage, _ []filter) bool {
			if len(ids) > 0 {
				return matchAny(img.ImageId, ids)
			}
			return src == "public" && // the catalog holds official images only
				(q("platform") == "" || img.Platform == q("platform")) &&
				(q("imageName") == "" || strings.Contains(img.Name, q("imageName"))) &&
				(q("architecture") == "" || img.Architecture == q("architecture")) &&
				(q("status") == "" || q("status") == "ready") &&
				img.Offline == (q("offline") == "true")
		},
		out: imageOut,
	}.answer(c, Images)
}

func (e *Emulator) describeImage(c *call) (any, *apiError) {
	img := findImage(c.params["imageId"])
	if img == nil {
		return nil, notFound("Image %s not found", c.params["imageId"])
	}
	return map[string]any{"image": imageOut(*img)}, nil
}

func (e *Emulator) describeInstanceTypes(c *call) (any, *apiError) {
	out, aerr := list[CatalogInstanceType]{
		filters: []listFilter[CatalogInstanceType]{
			exact("instanceTypes", func(t CatalogInstanceType) string { return t.InstanceType }),
			{"az", func(_ CatalogInstanceType, vs []string) bool {
				return slices.ContainsFunc(vs, func(v string) bool { return validZone(c.region, v) })
			}},
			served[CatalogInstanceType]("architecture", "x86_64"),
		},
		out: func(t CatalogInstanceType) map[string]any { return instanceTypeOut(c.region, t) },
	}.selection(c, InstanceTypes)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"instanceTypes": out, "specificInstanceTypes": []any{}, "totalCount": len(out)}, nil
}
