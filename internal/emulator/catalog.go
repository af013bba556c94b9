package emulator

import "strings"

// Regions served. cn-east-1 (Suqian) has the one zone cn-east-1a, the others
// <region>a, b and c (DOC Virtual-Machines/Introduction/Regions-and-AvailabilityZones.md).
var Regions = []string{"cn-north-1", "cn-east-1", "cn-east-2", "cn-south-1"}

func validRegion(r string) bool { return matchAny(r, Regions) }

// Zones returns the availability zones of a region.
func Zones(region string) []string {
	if region == "cn-east-1" {
		return []string{"cn-east-1a"}
	}
	return []string{region + "a", region + "b", region + "c"}
}

func validZone(region, az string) bool { return matchAny(az, Zones(region)) }

// FaultDomainsPerZone is the number of fault domains an availability group gets in each zone.
const FaultDomainsPerZone = 5

// faultDomainName names fault domain n (1-based) of a zone, e.g. "cn-east-2a-fd3".
func faultDomainName(az string, n int) string {
	return az + "-fd" + string(rune('0'+n))
}

// CatalogImage is one image of the built-in catalog (the same in every region).
// Platform uses DescribeImages' documented vocabulary (Ubuntu, CentOS,
// Windows Server, Other Linux, Other Windows). IDs are fixed for tests;
// JD Cloud's are random img-… per region, which is why nothing outside the
// emulator's own tests may hard-code them.
type CatalogImage struct {
	ImageId, Name, Platform, OsVersion, OsType, Architecture, LoginName string
	SystemDiskSizeGB                                                    int
	CreateTime                                                          string
	Offline                                                             bool
}

// Images is the built-in image catalog.
var Images = []CatalogImage{
	{"img-debian12-x64", "Debian 12.5 64位", "Other Linux", "12.5", "linux", "x86_64", "root", 40, "2024-03-20T08:00:00Z", false},
	{"img-ubuntu2204-x64", "Ubuntu 22.04 LTS 64位", "Ubuntu", "22.04", "linux", "x86_64", "root", 40, "2024-01-15T08:00:00Z", false},
	{"img-centos79-x64", "CentOS 7.9 64位", "CentOS", "7.9", "linux", "x86_64", "root", 40, "2023-06-01T08:00:00Z", false},
	{"img-rocky9-x64", "Rocky Linux 9.3 64位", "Other Linux", "9.3", "linux", "x86_64", "root", 40, "2024-02-01T08:00:00Z", false},
	{"img-ws2022-x64", "Windows Server 2022 数据中心版 64位中文版", "Windows Server", "2022", "windows", "x86_64", "Administrator", 50, "2023-11-01T08:00:00Z", false},
	{"img-ubuntu2004-x64", "Ubuntu 20.04 LTS 64位", "Ubuntu", "20.04", "linux", "x86_64", "root", 40, "2022-05-10T08:00:00Z", false},
	{"img-ubuntu2204-arm", "Ubuntu 22.04 LTS 64位 ARM", "Ubuntu", "22.04", "linux", "arm64", "root", 40, "2024-02-20T08:00:00Z", false},
	{"img-centos78-x64", "CentOS 7.8 64位", "CentOS", "7.8", "linux", "x86_64", "root", 40, "2021-01-10T08:00:00Z", true},
}

// CatalogInstanceType is one instance type of the built-in catalog.
type CatalogInstanceType struct {
	InstanceType, Family string
	Cpu, MemoryMB        int
	NicLimit             int
}

// InstanceTypes is the built-in instance-type catalog.
var InstanceTypes = []CatalogInstanceType{
	{"g.n2.medium", "g.n2", 1, 4096, 2},
	{"g.n2.large", "g.n2", 2, 8192, 2},
	{"g.n2.xlarge", "g.n2", 4, 16384, 4},
	{"c.n2.large", "c.n2", 2, 4096, 2},
	{"c.n2.xlarge", "c.n2", 4, 8192, 4},
	{"m.n2.large", "m.n2", 2, 16384, 2},
}

func findImage(id string) *CatalogImage {
	for i := range Images {
		if Images[i].ImageId == id {
			return &Images[i]
		}
	}
	return nil
}

func findInstanceType(t string) *CatalogInstanceType {
	for i := range InstanceTypes {
		if InstanceTypes[i].InstanceType == t {
			return &InstanceTypes[i]
		}
	}
	return nil
}

func imageOut(img CatalogImage) map[string]any {
	return map[string]any{
		"imageId": img.ImageId, "name": img.Name, "platform": img.Platform, "osVersion": img.OsVersion,
		"architecture": img.Architecture, "systemDiskSizeGB": img.SystemDiskSizeGB, "imageSource": "public",
		"osType": img.OsType, "status": "ready", "createTime": img.CreateTime, "sizeMB": img.SystemDiskSizeGB * 1024,
		"desc": img.Name, "loginName": img.LoginName, "launchPermission": "all", "rootDeviceType": "cloudDisk",
		"progress": "100", "offline": img.Offline, "bootMode": "bios",
	}
}

func instanceTypeOut(region string, t CatalogInstanceType) map[string]any {
	var states []map[string]any
	for _, az := range Zones(region) {
		states = append(states, map[string]any{"az": az, "inStock": true, "availableCount": 1000})
	}
	return map[string]any{
		"family": t.Family, "instanceType": t.InstanceType, "cpu": t.Cpu, "architecture": "x86_64",
		"memoryMB": t.MemoryMB, "nicLimit": t.NicLimit, "cloudDiskCountLimit": 8,
		"desc": strings.ToUpper(t.Family[:1]) + t.Family[1:] + " general purpose", "state": states, "generation": 2,
		"cloudDiskTypes": []string{"ssd.gp1", "ssd.io1", "hdd.std1"},
	}
}
