package emulator

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
