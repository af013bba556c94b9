package emulator

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"
)

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

// passwordClasses counts the classes pw uses (upper case, lower case,
// digits, special characters as isSpecial says); bad is the first character
// in none of them (0 when there is none).
func passwordClasses(pw string, isSpecial func(rune) bool) (classes int, bad rune) {
	var seen [4]bool
	for _, r := range pw {
		switch {
		case r >= 'A' && r <= 'Z':
			seen[0] = true
		case r >= 'a' && r <= 'z':
			seen[1] = true
		case r >= '0' && r <= '9':
			seen[2] = true
		case isSpecial(r):
			seen[3] = true
		default:
			return 0, r
		}
	}
	for _, s := range seen {
		if s {
			classes++
		}
	}
	return classes, 0
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
	classes, bad := passwordClasses(pw, func(r rune) bool { return strings.ContainsRune(passwordSpecials, r) })
	if bad != 0 {
		return invalidArg("Invalid password: character %q is not allowed (special characters: %s)", bad, passwordSpecials)
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
	inRegion := countWhere(e.st.Instances, func(in *Instance) bool { return in.Region == c.region })
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
