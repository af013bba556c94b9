package emulator

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jdcloud-api/jdcloud-sdk-go/core"
	agc "github.com/jdcloud-api/jdcloud-sdk-go/services/ag/client"
	iamc "github.com/jdcloud-api/jdcloud-sdk-go/services/iam/client"
	vmapi "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vmc "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/client"
	vmm "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/models"
	vpcapi "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
	vpcc "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/client"
	vpcm "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"
)

const region = "cn-east-2"

// clients are the real SDK clients pointed at one emulator.
type clients struct {
	srv *Server
	vm  *vmc.VmClient
	vpc *vpcc.VpcClient
	ag  *agc.AgClient
	iam *iamc.IamClient
}

// sdkClient is what every jdcloud-sdk-go service client has.
type sdkClient interface {
	SetConfig(*core.Config)
	DisableLogger()
}

// sdkClientAt returns the client newClient makes, pointed at endpoint with
// cred, its stdout logging off.
func sdkClientAt[C sdkClient](endpoint string, cred *core.Credential, newClient func(*core.Credential) C) C {
	cfg := core.NewConfig()
	cfg.SetScheme("http")
	cfg.SetEndpoint(endpoint)
	cfg.SetTimeout(20 * time.Second)
	c := newClient(cred)
	c.SetConfig(cfg)
	c.DisableLogger()
	return c
}

func newClients(endpoint, ak, sk string) *clients {
	cred := core.NewCredentials(ak, sk)
	return &clients{
		vm:  sdkClientAt(endpoint, cred, vmc.NewVmClient),
		vpc: sdkClientAt(endpoint, cred, vpcc.NewVpcClient),
		ag:  sdkClientAt(endpoint, cred, agc.NewAgClient),
		iam: sdkClientAt(endpoint, cred, iamc.NewIamClient),
	}
}

func startEmu(t testing.TB, opts Options) *clients {
	t.Helper()
	srv, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	c := newClients(srv.Endpoint, srv.AccessKey, srv.SecretKey)
	c.srv = srv
	return c
}

// apiErr fails unless the call succeeded at the transport level and returns the API error.
func check(t testing.TB, err error, e core.ErrorResponse, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: transport error: %v", what, err)
	}
	if e.Code != 0 {
		t.Fatalf("%s: API error %d %s: %s", what, e.Code, e.Status, e.Message)
	}
}

func wantErr(t testing.TB, err error, e core.ErrorResponse, code int, status, msgPart string) {
	t.Helper()
	if err != nil {
		t.Fatalf("transport error: %v", err)
	}
	if e.Code != code || e.Status != status {
		t.Fatalf("want %d %s, got %d %s: %s", code, status, e.Code, e.Status, e.Message)
	}
	if msgPart != "" && !contains(e.Message, msgPart) {
		t.Fatalf("message %q does not contain %q", e.Message, msgPart)
	}
}

func contains(s, sub string) bool { return len(sub) == 0 || indexOf(s, sub) >= 0 }

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// signed is a hand-made request to path signed with the main key as vpc.
func (c *clients) signed(method, path, body string) *http.Request {
	req, _ := http.NewRequest(method, c.srv.URL()+path, strings.NewReader(body))
	SignRequest(req, []byte(body), c.srv.AccessKey, c.srv.SecretKey, region, "vpc", "nonce-1", time.Now())
	return req
}

// network makes a VPC 10.0.0.0/16 with subnet 10.0.1.0/24 and a security group.
func (c *clients) network(t testing.TB) (vpcID, subnetID, sgID string) {
	t.Helper()
	vr := vpcapi.NewCreateVpcRequest(region, "vpc-ha")
	prefix := "10.0.0.0/16"
	vr.AddressPrefix = &prefix
	v, err := c.vpc.CreateVpc(vr)
	check(t, err, v.Error, "CreateVpc")
	s, err := c.vpc.CreateSubnet(vpcapi.NewCreateSubnetRequest(region, v.Result.VpcId, "subnet-ha", "10.0.1.0/24"))
	check(t, err, s.Error, "CreateSubnet")
	g, err := c.vpc.CreateNetworkSecurityGroup(vpcapi.NewCreateNetworkSecurityGroupRequest(region, v.Result.VpcId, "sg-ha"))
	check(t, err, g.Error, "CreateNetworkSecurityGroup")
	return v.Result.VpcId, s.Result.SubnetId, g.Result.NetworkSecurityGroupId
}

func strp(s string) *string { return &s }
func intp(i int) *int       { return &i }

type vmmSpec = vmm.InstanceSpec

func instanceSpec(name, az, subnetID string, agID string) *vmm.InstanceSpec {
	spec := &vmm.InstanceSpec{
		Name:         name,
		InstanceType: strp("g.n2.medium"),
		ImageId:      strp("img-debian12-x64"),
		PrimaryNetworkInterface: &vmm.InstanceNetworkInterfaceAttachmentSpec{
			NetworkInterface: &vmm.NetworkInterfaceSpec{SubnetId: subnetID},
		},
	}
	if az != "" {
		spec.Az = strp(az)
	}
	if agID != "" {
		spec.AgId = strp(agID)
	}
	return spec
}

func (c *clients) createInstances(t testing.TB, spec *vmm.InstanceSpec, n int, token string) []string {
	t.Helper()
	req := vmapi.NewCreateInstancesRequest(region, spec)
	req.MaxCount = intp(n)
	if token != "" {
		req.ClientToken = strp(token)
	}
	r, err := c.vm.CreateInstances(req)
	check(t, err, r.Error, "CreateInstances")
	return r.Result.InstanceIds
}

// waitStatus polls DescribeInstance with backoff until status (or "gone").
func (c *clients) waitStatus(t testing.TB, id, status string) vmm.Instance {
	t.Helper()
	delay := time.Millisecond
	deadline := time.Now().Add(20 * time.Second)
	for {
		r, err := c.vm.DescribeInstance(vmapi.NewDescribeInstanceRequest(region, id))
		if err != nil {
			t.Fatalf("DescribeInstance: %v", err)
		}
		if status == "gone" && r.Error.Code == 404 {
			return vmm.Instance{}
		}
		if r.Error.Code == 0 && r.Result.Instance.Status == status {
			return r.Result.Instance
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance %s did not reach %s (last %+v / %s)", id, status, r.Error, r.Result.Instance.Status)
		}
		time.Sleep(delay)
		if delay < 100*time.Millisecond {
			delay *= 2
		}
	}
}

// runningWithEIP is an EIP test's usual start: n instances named name,
// running in cn-east-2a of the article's network, and an unassociated EIP.
func (c *clients) runningWithEIP(t testing.TB, name string, n int) ([]vmm.Instance, string) {
	t.Helper()
	_, subnetID, _ := c.network(t)
	var running []vmm.Instance
	for _, id := range c.createInstances(t, instanceSpec(name, "cn-east-2a", subnetID, ""), n, "") {
		running = append(running, c.waitStatus(t, id, "running"))
	}
	eipID, _ := c.createEIP(t, "")
	return running, eipID
}

// imageByID describes one image by id alone (no imageSource needed) and
// fails t unless the answer is that one image.
func (c *clients) imageByID(t testing.TB, id string) vmm.Image {
	t.Helper()
	req := vmapi.NewDescribeImagesRequest(region)
	req.Ids = []string{id}
	r, err := c.vm.DescribeImages(req)
	check(t, err, r.Error, "DescribeImages ids")
	if r.Result.TotalCount != 1 || len(r.Result.Images) != 1 {
		t.Fatalf("images by id %s: %+v", id, r.Result)
	}
	return r.Result.Images[0]
}

func (c *clients) createEIP(t testing.TB, az string) (string, string) {
	t.Helper()
	req := vpcapi.NewCreateElasticIpsRequest(region, 1, &vpcm.ElasticIpSpec{BandwidthMbps: 5, Provider: "bgp"})
	var r *vpcapi.CreateElasticIpsResponse
	if az == "" {
		var err error
		r, err = c.vpc.CreateElasticIps(req)
		check(t, err, r.Error, "CreateElasticIps")
	} else {
		// SDK v1.67.0 has no az field: send the same request with "az" added, through the SDK's signer.
		body, err := c.vpc.Send(&createEIPWithAz{*req, strp(az)}, "vpc")
		if err != nil {
			t.Fatal(err)
		}
		r = &vpcapi.CreateElasticIpsResponse{}
		if err := json.Unmarshal(body, r); err != nil {
			t.Fatal(err)
		}
		check(t, nil, r.Error, "CreateElasticIps(az)")
	}
	d, err := c.vpc.DescribeElasticIp(vpcapi.NewDescribeElasticIpRequest(region, r.Result.ElasticIpIds[0]))
	check(t, err, d.Error, "DescribeElasticIp")
	return d.Result.ElasticIp.ElasticIpId, d.Result.ElasticIp.ElasticIpAddress
}

// waitEIP polls until the EIP is out of state PROCESSING and held by
// instanceID ("" = by nobody): with eip-association=async an association
// shows only after a moment.
func (c *clients) waitEIP(t testing.TB, id, instanceID string) vpcm.ElasticIp {
	t.Helper()
	delay := 2 * time.Millisecond
	for deadline := time.Now().Add(10 * time.Second); ; {
		d, err := c.vpc.DescribeElasticIp(vpcapi.NewDescribeElasticIpRequest(region, id))
		check(t, err, d.Error, "DescribeElasticIp")
		if x := d.Result.ElasticIp; x.State != "PROCESSING" && x.InstanceId == instanceID {
			return x
		}
		if time.Now().After(deadline) {
			t.Fatalf("EIP %s: still %+v, want holder %q", id, d.Result.ElasticIp, instanceID)
		}
		time.Sleep(delay)
		if delay < 50*time.Millisecond {
			delay *= 2
		}
	}
}

// customRules drops the rules every new group starts with.
func customRules(rules []vpcm.SecurityGroupRule) []vpcm.SecurityGroupRule {
	var out []vpcm.SecurityGroupRule
	for _, r := range rules {
		if r.RuleType != "default" {
			out = append(out, r)
		}
	}
	return out
}

// createEIPWithAz is CreateElasticIps plus an "az" field, which the real
// API does not have (the emulator must ignore it).
type createEIPWithAz struct {
	vpcapi.CreateElasticIpsRequest
	Az *string `json:"az"`
}
