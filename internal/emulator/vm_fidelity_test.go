package emulator

import (
	"encoding/base64"
	"fmt"
	"testing"

	agapi "github.com/jdcloud-api/jdcloud-sdk-go/services/ag/apis"
	common "github.com/jdcloud-api/jdcloud-sdk-go/services/common/models"
	vmapi "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vmm "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/models"
	vpcapi "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
)

// Conformance tests, through the real SDK, for the VM, image and
// availability-group rules FIDELITY.md lists.

func (c *clients) createAgOfType(t testing.TB, name, conf, template string, azs ...string) string {
	t.Helper()
	req := agapi.NewCreateAgRequest(region, azs, name)
	req.SetConfigurationType(conf)
	if template != "" {
		req.SetInstanceTemplateId(template)
	}
	r, err := c.ag.CreateAg(req)
	check(t, err, r.Error, "CreateAg "+conf)
	return r.Result.AgId
}

func createInstancesErr(t testing.TB, c *clients, spec *vmm.InstanceSpec) (*vmapi.CreateInstancesResponse, error) {
	t.Helper()
	return c.vm.CreateInstances(vmapi.NewCreateInstancesRequest(region, spec))
}

func TestAgConfigurationTypes(t *testing.T) {
	c := startEmu(t, Options{})
	_, subnetID, _ := c.network(t)

	// strict (关联模板型) needs a template; omitted configurationType is strict.
	for _, conf := range []*string{strp("strict"), nil} {
		req := agapi.NewCreateAgRequest(region, []string{"cn-east-2a"}, "strict-no-template")
		req.ConfigurationType = conf
		r, err := c.ag.CreateAg(req)
		wantErr(t, err, r.Error, 400, "INVALID_ARGUMENT", "instanceTemplateId is required")
	}
	strict := c.createAgOfType(t, "strict-ag", "strict", "it-template1", "cn-east-2a")
	r, err := createInstancesErr(t, c, instanceSpec("web-1", "", subnetID, strict))
	wantErr(t, err, r.Error, 400, "INVALID_ARGUMENT", "not instanceType, imageId, primaryNetworkInterface.networkInterface.subnetId")
	// Only what a template leaves open: refused here only because templates are not modelled.
	r, err = createInstancesErr(t, c, &vmm.InstanceSpec{Name: "web-1", AgId: strp(strict), Description: strp("from template")})
	wantErr(t, err, r.Error, 400, "INVALID_ARGUMENT", "not modelled")

	// loose (自定义配置型) needs no template and, by default, takes the full spec.
	loose := c.createAgOfType(t, "loose-ag", "loose", "", "cn-east-2a", "cn-east-2b")
	ids := c.createInstances(t, instanceSpec("web-2", "cn-east-2b", subnetID, loose), 1, "")
	in := c.waitStatus(t, ids[0], "running")
	if in.Ag.Id != loose || in.Az != "cn-east-2b" || in.FaultDomain == "" {
		t.Fatalf("instance in loose group: ag %+v az %s fd %q", in.Ag, in.Az, in.FaultDomain)
	}

	// The other reading of the loose group: spec fields refused as for strict.
	c2 := startEmu(t, Options{Unknowns: Unknowns{LooseAgSpec: "refuse"}})
	_, subnet2, _ := c2.network(t)
	loose2 := c2.createAgOfType(t, "loose-ag", "loose", "", "cn-east-2a")
	r, err = createInstancesErr(t, c2, instanceSpec("web-3", "", subnet2, loose2))
	wantErr(t, err, r.Error, 400, "INVALID_ARGUMENT", "configurationType loose")
	// Without an agId the same spec works in that mode: the provider's fallback relies on it.
	ids = c2.createInstances(t, instanceSpec("web-3", "cn-east-2a", subnet2, ""), 1, "")
	c2.waitStatus(t, ids[0], "running")
}

func TestDescribeAgsDocumentedFilters(t *testing.T) {
	c := startEmu(t, Options{Unknowns: Unknowns{Filters: "refuse"}})
	vpcID, subnetID, _ := c.network(t)
	a := c.createAgOfType(t, "pair-web", "loose", "", "cn-east-2a")
	b := c.createAgOfType(t, "pair-db", "strict", "it-db", "cn-east-2b")
	hostReq := agapi.NewCreateAgRequest(region, []string{"cn-east-2c"}, "other")
	hostReq.SetConfigurationType("loose")
	hostReq.SetPlacementType("host")
	hr, err := c.ag.CreateAg(hostReq)
	check(t, err, hr.Error, "CreateAg host")
	c.waitStatus(t, c.createInstances(t, instanceSpec("web-1", "cn-east-2a", subnetID, a), 1, "")[0], "running")

	list := func(fs ...common.Filter) []string {
		t.Helper()
		req := agapi.NewDescribeAgsRequest(region)
		req.Filters = fs
		r, err := c.ag.DescribeAgs(req)
		check(t, err, r.Error, fmt.Sprintf("DescribeAgs %+v", fs))
		var ids []string
		for _, g := range r.Result.Ags {
			ids = append(ids, g.Id)
		}
		return ids
	}
	cases := []struct {
		f    common.Filter
		want []string
	}{
		{flt("agName", "pair"), []string{a, b}}, // fuzzy
		{flt("agId", b), []string{b}},
		{flt("instanceTemplateId", "it-db"), []string{b}},
		{flt("placementType", "host"), []string{hr.Result.AgId}},
		{flt("vpcId", vpcID), []string{a}}, // the VPC of its members
	}
	for _, tc := range cases {
		got := list(tc.f)
		if fmt.Sprint(sortedCopy(got)) != fmt.Sprint(sortedCopy(tc.want)) {
			t.Errorf("filter %s=%v: got %v, want %v", tc.f.Name, tc.f.Values, got, tc.want)
		}
	}
	for _, name := range []string{"agIds", "agType"} {
		req := agapi.NewDescribeAgsRequest(region)
		req.Filters = []common.Filter{flt(name, "x")}
		r, err := c.ag.DescribeAgs(req)
		wantErr(t, err, r.Error, 400, "INVALID_ARGUMENT", name)
	}
}

func sortedCopy(s []string) []string {
	out := append([]string{}, s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestModifyInstancePlacement(t *testing.T) {
	c := startEmu(t, Options{})
	_, subnetID, _ := c.network(t)
	ag1 := c.createAgOfType(t, "ag-a", "loose", "", "cn-east-2a", "cn-east-2b")
	ag2 := c.createAgOfType(t, "ag-b", "loose", "", "cn-east-2a")
	agC := c.createAgOfType(t, "ag-c", "loose", "", "cn-east-2c")
	peer := c.waitStatus(t, c.createInstances(t, instanceSpec("peer", "cn-east-2a", subnetID, ag1), 1, "")[0], "running")
	lone := c.waitStatus(t, c.createInstances(t, instanceSpec("lone", "cn-east-2a", subnetID, ""), 1, "")[0], "running")
	if lone.Ag.Id != "" || lone.FaultDomain != "" {
		t.Fatalf("instance outside a group: ag %+v fd %q", lone.Ag, lone.FaultDomain)
	}
	move := func(id, agID string, balance bool) (*vmapi.ModifyInstancePlacementResponse, error) {
		req := vmapi.NewModifyInstancePlacementRequest(region, id)
		req.SetAgId(agID)
		if balance {
			req.SetBalance(true)
		}
		return c.vm.ModifyInstancePlacement(req)
	}
	// A running instance joins a group in its zone, in a fault domain apart from the peer's.
	r, err := move(lone.InstanceId, ag1, false)
	check(t, err, r.Error, "ModifyInstancePlacement")
	got := c.waitStatus(t, lone.InstanceId, "running")
	if got.Ag.Id != ag1 || got.FaultDomain == "" || got.FaultDomain == peer.FaultDomain || got.Az != "cn-east-2a" {
		t.Fatalf("after joining: ag %+v fd %q (peer %q) az %s", got.Ag, got.FaultDomain, peer.FaultDomain, got.Az)
	}
	// and moves on to another group.
	r, err = move(lone.InstanceId, ag2, false)
	check(t, err, r.Error, "ModifyInstancePlacement to another group")
	if got = c.waitStatus(t, lone.InstanceId, "running"); got.Ag.Id != ag2 {
		t.Fatalf("after moving: ag %+v", got.Ag)
	}
	r, err = move(lone.InstanceId, agC, false)
	wantErr(t, err, r.Error, 400, "FAILED_PRECONDITION", "does not span")
	r, err = move(lone.InstanceId, "", false)
	wantErr(t, err, r.Error, 400, "INVALID_ARGUMENT", "agId is required")
	r, err = move(lone.InstanceId, "ag-missing", false)
	wantErr(t, err, r.Error, 400, "INVALID_ARGUMENT", "not found")
	r, err = move(lone.InstanceId, ag1, true)
	wantErr(t, err, r.Error, 400, "FAILED_PRECONDITION", "must be stopped (balance)")

	// Another VPC than the group's members.
	vr := vpcapi.NewCreateVpcRequest(region, "vpc-other")
	vr.AddressPrefix = strp("10.1.0.0/16")
	v, err := c.vpc.CreateVpc(vr)
	check(t, err, v.Error, "CreateVpc")
	s, err := c.vpc.CreateSubnet(vpcapi.NewCreateSubnetRequest(region, v.Result.VpcId, "subnet-other", "10.1.1.0/24"))
	check(t, err, s.Error, "CreateSubnet")
	far := c.waitStatus(t, c.createInstances(t, instanceSpec("far", "cn-east-2a", s.Result.SubnetId, ""), 1, "")[0], "running")
	r, err = move(far.InstanceId, ag1, false)
	wantErr(t, err, r.Error, 400, "FAILED_PRECONDITION", "vpc")

	// Stopping is neither running nor stopped; stopped with balance works.
	st, err := c.vm.StopInstance(vmapi.NewStopInstanceRequest(region, peer.InstanceId))
	check(t, err, st.Error, "StopInstance")
	c.waitStatus(t, peer.InstanceId, "stopped")
	r, err = move(peer.InstanceId, ag2, true)
	check(t, err, r.Error, "ModifyInstancePlacement balance")
	if got = c.waitStatus(t, peer.InstanceId, "stopped"); got.Ag.Id != ag2 {
		t.Fatalf("stopped instance after moving: ag %+v", got.Ag)
	}
}

func TestZonesAndInstanceQuota(t *testing.T) {
	if z := Zones("cn-east-1"); len(z) != 1 || z[0] != "cn-east-1a" {
		t.Fatalf("cn-east-1 zones %v, want only cn-east-1a", z)
	}
	c := startEmu(t, Options{})
	r, err := c.ag.CreateAg(agapi.NewCreateAgRequest("cn-east-1", []string{"cn-east-1a", "cn-east-1b"}, "two-zones"))
	wantErr(t, err, r.Error, 400, "INVALID_ARGUMENT", `"cn-east-1b" not found`)

	_, subnetID, _ := c.network(t)
	req := vmapi.NewCreateInstancesRequest(region, instanceSpec("many", "cn-east-2a", subnetID, ""))
	req.MaxCount = intp(21)
	cr, err := c.vm.CreateInstances(req)
	wantErr(t, err, cr.Error, 429, "QUOTA_EXCEEDED", "is 20")
	req.MaxCount = intp(20)
	cr, err = c.vm.CreateInstances(req)
	check(t, err, cr.Error, "CreateInstances 20")
}

func TestInstanceFieldRules(t *testing.T) {
	c := startEmu(t, Options{})
	_, subnetID, _ := c.network(t)
	script := func(s string) []vmm.Userdata {
		return []vmm.Userdata{{Key: strp("launch-script"), Value: strp(base64.StdEncoding.EncodeToString([]byte(s)))}}
	}
	bad := []struct {
		what   string
		change func(*vmm.InstanceSpec)
		msg    string
	}{
		{"colon in name", func(s *vmm.InstanceSpec) { s.Name = "web:1" }, "only Chinese"},
		{"slash in name", func(s *vmm.InstanceSpec) { s.Name = "web/1" }, "only Chinese"},
		{"leading dot", func(s *vmm.InstanceSpec) { s.Name = ".web" }, "start or end"},
		{"trailing dot", func(s *vmm.InstanceSpec) { s.Name = "web." }, "start or end"},
		{"short password", func(s *vmm.InstanceSpec) { s.Password = strp("Ab1!") }, "8 to 30"},
		{"two classes", func(s *vmm.InstanceSpec) { s.Password = strp("abcdefgh1234") }, "at least three"},
		{"backslash", func(s *vmm.InstanceSpec) { s.Password = strp(`Abcdef1\x`) }, "not allowed"},
		{"two keys", func(s *vmm.InstanceSpec) { s.KeyNames = []string{"a", "b"} }, "only one key pair"},
		{"key on windows", func(s *vmm.InstanceSpec) { s.ImageId = strp("img-ws2022-x64"); s.KeyNames = []string{"a"} }, "Linux"},
		{"sh script", func(s *vmm.InstanceSpec) { s.Userdata = script("#!/bin/sh\necho hi\n") }, "#!/bin/bash"},
		{"offline image", func(s *vmm.InstanceSpec) { s.ImageId = strp("img-centos78-x64") }, "offline"},
	}
	for _, b := range bad {
		spec := instanceSpec("web-1", "cn-east-2a", subnetID, "")
		b.change(spec)
		r, err := createInstancesErr(t, c, spec)
		if err != nil || r.Error.Code != 400 || !contains(r.Error.Message, b.msg) {
			t.Errorf("%s: want 400 containing %q, got %v %+v", b.what, b.msg, err, r.Error)
		}
	}
	spec := instanceSpec("web.1_中文-x", "cn-east-2a", subnetID, "")
	spec.Password = strp("Ha-pair-2026!")
	spec.Userdata = script("#!/bin/bash\necho hi\n")
	c.waitStatus(t, c.createInstances(t, spec, 1, "")[0], "running")
	spec = instanceSpec("py-1", "cn-east-2a", subnetID, "")
	spec.Password = strp("abcdEFGH1234") // three classes, no special character
	spec.Userdata = script("#!/usr/bin/env python\nprint(1)\n")
	c.waitStatus(t, c.createInstances(t, spec, 1, "")[0], "running")
}

func TestDescribeImagesParameters(t *testing.T) {
	c := startEmu(t, Options{})
	r, err := c.vm.DescribeImages(vmapi.NewDescribeImagesRequest(region))
	wantErr(t, err, r.Error, 400, "INVALID_ARGUMENT", "imageSource is required")
	names := func(mod func(*vmapi.DescribeImagesRequest)) []string {
		t.Helper()
		req := vmapi.NewDescribeImagesRequest(region)
		req.SetImageSource("public")
		mod(req)
		r, err := c.vm.DescribeImages(req)
		check(t, err, r.Error, "DescribeImages")
		var out []string
		for _, img := range r.Result.Images {
			if img.ImageSource != "public" || img.Status != "ready" {
				t.Errorf("image %s: source %q status %q", img.ImageId, img.ImageSource, img.Status)
			}
			out = append(out, img.ImageId)
		}
		if len(out) != r.Result.TotalCount {
			t.Errorf("page of %d, totalCount %d", len(out), r.Result.TotalCount)
		}
		return out
	}
	cases := []struct {
		what string
		mod  func(*vmapi.DescribeImagesRequest)
		want []string
	}{
		{"imageName is a substring", func(r *vmapi.DescribeImagesRequest) { r.SetImageName("22.04") }, []string{"img-ubuntu2204-x64", "img-ubuntu2204-arm"}},
		{"platform", func(r *vmapi.DescribeImagesRequest) { r.SetPlatform("CentOS") }, []string{"img-centos79-x64"}},
		{"architecture", func(r *vmapi.DescribeImagesRequest) { r.SetArchitecture("arm64") }, []string{"img-ubuntu2204-arm"}},
		{"offline", func(r *vmapi.DescribeImagesRequest) { r.SetOffline(true) }, []string{"img-centos78-x64"}},
		{"private images: none", func(r *vmapi.DescribeImagesRequest) { r.SetImageSource("private") }, nil},
	}
	for _, tc := range cases {
		if got := names(tc.mod); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: got %v, want %v", tc.what, got, tc.want)
		}
	}
	// With ids the other parameters are not needed.
	if img := c.imageByID(t, "img-rocky9-x64"); img.Platform != "Other Linux" {
		t.Fatalf("by id: %+v", img)
	}
	req := vmapi.NewDescribeImagesRequest(region)
	req.SetImageSource("mine")
	r, err = c.vm.DescribeImages(req)
	wantErr(t, err, r.Error, 400, "INVALID_ARGUMENT", "imageSource")
}
