package emulator

import (
	"fmt"
)

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
	n := countWhere(e.st.ElasticIps, func(x *ElasticIp) bool { return x.Region == c.region })
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

// niEIPCall runs change on the path's interface and the body's EIP.
func (e *Emulator) niEIPCall(c *call, change func(*NetworkInterface, *ElasticIp) *apiError) (any, *apiError) {
	ni, aerr := e.getNI(c.region, c.params["networkInterfaceId"])
	if aerr != nil {
		return nil, aerr
	}
	x, aerr := e.niEIPArg(c)
	if aerr != nil {
		return nil, aerr
	}
	return nil, change(ni, x)
}

func (e *Emulator) niAssociateEIP(c *call) (any, *apiError) { return e.niEIPCall(c, e.associateEIP) }

func (e *Emulator) niDisassociateEIP(c *call) (any, *apiError) {
	return e.niEIPCall(c, func(ni *NetworkInterface, x *ElasticIp) *apiError {
		return e.disassociateEIP(ni, x, "Elastic ip isn't associated to this network interface")
	})
}
