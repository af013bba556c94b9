package livetest_test

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	agapis "github.com/jdcloud-api/jdcloud-sdk-go/services/ag/apis"
	iamapis "github.com/jdcloud-api/jdcloud-sdk-go/services/iam/apis"
	iammodels "github.com/jdcloud-api/jdcloud-sdk-go/services/iam/models"
	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vmmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/models"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
	vpcmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/livetest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestCheckRefusesWithoutOptIn(t *testing.T) {
	creds := map[string]string{"JDCLOUD_ACCESS_KEY": "ak", "JDCLOUD_SECRET_KEY": "sk"}
	for _, v := range []string{"", "1", "yes", "true", "i-accept-costs", "I-accept-costs "} {
		m := map[string]string{livetest.OptInEnv: v}
		for k, x := range creds {
			m[k] = x
		}
		if _, err := livetest.Check(env(m)); !errors.Is(err, livetest.ErrNotOptedIn) {
			t.Errorf("%s=%q: got %v, want ErrNotOptedIn", livetest.OptInEnv, v, err)
		}
	}
	_, err := livetest.Check(env(map[string]string{livetest.OptInEnv: livetest.OptInValue, "JDCLOUD_ACCESS_KEY": "ak"}))
	if err == nil || !strings.Contains(err.Error(), "JDCLOUD_SECRET_KEY") {
		t.Errorf("opted in without a secret key: got %v", err)
	}
	s, err := livetest.Check(env(map[string]string{livetest.OptInEnv: livetest.OptInValue, "JDCLOUD_ACCESS_KEY": "ak", "JDCLOUD_SECRET_KEY": "sk"}))
	if err != nil || s.AccessKey != "ak" || s.SecretKey != "sk" || s.Region != "cn-north-1" {
		t.Errorf("opted in: %+v, %v", s, err)
	}
	if !strings.Contains(livetest.CostWarning, livetest.OptInEnv+"="+livetest.OptInValue) {
		t.Error("the cost warning does not say how to opt in")
	}
}

func TestOwnedAndRunName(t *testing.T) {
	cases := []struct {
		name, prefix string
		want         bool
	}{
		{"tfacc-k3x9qa-vpc", livetest.Prefix, true},
		{"tfacc-k3x9qa-vpc", "tfacc-k3x9qa", true},
		{"tfacc-zzzzzz-vpc", "tfacc-k3x9qa", false},
		{"prod-tfacc-vpc", livetest.Prefix, false},
		{"TFACC-k3x9qa", livetest.Prefix, false},
		{"anything", "", false},
	}
	for _, c := range cases {
		if got := livetest.Owned(c.name, c.prefix); got != c.want {
			t.Errorf("Owned(%q, %q) = %v", c.name, c.prefix, got)
		}
	}
	a, b := livetest.RunName(), livetest.RunName()
	if !strings.HasPrefix(a, livetest.Prefix) || len(a) != len(livetest.Prefix)+6 || a == b {
		t.Errorf("RunName: %q, %q", a, b)
	}
}

// The sweeper, against the emulator: it deletes every prefixed resource of
// every kind (an EIP still on its instance, an instance in a group, the
// network under it, IAM) and nothing else.
func TestSweepDeletesOnlyPrefixed(t *testing.T) {
	srv := acctest.StartEmulator(t)
	region := acctest.Region(srv)
	c, err := livetest.NewClients(livetest.Settings{AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Endpoint: srv.Endpoint, Scheme: "http"})
	if err != nil {
		t.Fatal(err)
	}
	must := func(what string, err error, code int, msg string) {
		t.Helper()
		if err != nil || code != 0 {
			t.Fatalf("%s: %v %d %s", what, err, code, msg)
		}
	}
	run := livetest.RunName()
	world := func(prefix, cidr string) {
		vr := vpcapis.NewCreateVpcRequest(region, prefix+"vpc")
		vr.SetAddressPrefix(cidr + ".0.0/16")
		v, err := c.VPC.CreateVpc(vr)
		must("CreateVpc", err, v.Error.Code, v.Error.Message)
		sn, err := c.VPC.CreateSubnet(vpcapis.NewCreateSubnetRequest(region, v.Result.VpcId, prefix+"subnet", cidr+".1.0/24"))
		must("CreateSubnet", err, sn.Error.Code, sn.Error.Message)
		sg, err := c.VPC.CreateNetworkSecurityGroup(vpcapis.NewCreateNetworkSecurityGroupRequest(region, v.Result.VpcId, prefix+"sg"))
		must("CreateNetworkSecurityGroup", err, sg.Error.Code, sg.Error.Message)
		ar := agapis.NewCreateAgRequest(region, []string{region + "a"}, prefix+"ag")
		ar.SetConfigurationType("loose")
		ag, err := c.AG.CreateAg(ar)
		must("CreateAg", err, ag.Error.Code, ag.Error.Message)
		spec := &vmmodels.InstanceSpec{Name: prefix + "web", AgId: &ag.Result.AgId, Az: strp(region + "a"),
			InstanceType: strp("g.n2.medium"), ImageId: strp("img-debian12-x64"), Password: strp("Live-test-2026!"),
			PrimaryNetworkInterface: &vmmodels.InstanceNetworkInterfaceAttachmentSpec{NetworkInterface: &vmmodels.NetworkInterfaceSpec{
				SubnetId: sn.Result.SubnetId, SecurityGroups: []string{sg.Result.NetworkSecurityGroupId}}}}
		in, err := c.VM.CreateInstances(vmapis.NewCreateInstancesRequest(region, spec))
		must("CreateInstances", err, in.Error.Code, in.Error.Message)
		er := vpcapis.NewCreateElasticIpsRequest(region, 1, &vpcmodels.ElasticIpSpec{BandwidthMbps: 1, Provider: "bgp"})
		er.SetElasticIpName(prefix + "eip")
		eip, err := c.VPC.CreateElasticIps(er)
		must("CreateElasticIps", err, eip.Error.Code, eip.Error.Message)
		waitRunning(t, c, region, in.Result.InstanceIds[0])
		as, err := c.VM.AssociateElasticIp(vmapis.NewAssociateElasticIpRequest(region, in.Result.InstanceIds[0], eip.Result.ElasticIpIds[0]))
		must("AssociateElasticIp", err, as.Error.Code, as.Error.Message)
		user := prefix + "agent"
		u, err := c.IAM.CreateSubUser(iamapis.NewCreateSubUserRequest(&iammodels.CreateSubUserInfo{Name: user, Password: "Agent-Pass9!x"}))
		must("CreateSubUser", err, u.Error.Code, u.Error.Message)
		p, err := c.IAM.CreatePolicy(iamapis.NewCreatePolicyRequest(&iammodels.CreatePolicyInfo{Name: prefix + "policy",
			Content: `{"Version":"3","Statement":[{"Effect":"Allow","Action":["vm:describeInstance"],"Resource":["*"]}]}`}))
		must("CreatePolicy", err, p.Error.Code, p.Error.Message)
	}
	world(run+"-", "10.8")
	world("prod-", "10.9")

	if _, err := livetest.Sweep(context.Background(), c, livetest.SweepOptions{Region: region, Prefix: "prod-"}); err == nil {
		t.Fatal("a sweep with a prefix other than the live suite's must be refused")
	}
	before := names(t, srv)
	found, err := livetest.Sweep(context.Background(), c, livetest.SweepOptions{Region: region, Prefix: run, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 8 {
		t.Fatalf("dry run matched %d: %v", len(found), found)
	}
	for _, f := range found {
		if !strings.HasPrefix(f.Name, run) {
			t.Errorf("dry run matched %s", f)
		}
	}
	if after := names(t, srv); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Fatalf("a dry run deleted something: before %v, after %v", before, after)
	}

	found, err = livetest.Sweep(context.Background(), c, livetest.SweepOptions{Region: region, Prefix: run, Poll: 10 * time.Millisecond})
	if err != nil {
		t.Fatalf("sweep: %v", err)
	}
	if len(found) != 8 {
		t.Errorf("sweep matched %d: %v", len(found), found)
	}
	for _, n := range names(t, srv) {
		if strings.HasPrefix(n, run) {
			t.Errorf("%s survived the sweep", n)
		}
	}
	for _, want := range []string{"prod-vpc", "prod-subnet", "prod-sg", "prod-ag", "prod-web", "prod-eip", "prod-agent", "prod-policy"} {
		if !contains(names(t, srv), want) {
			t.Errorf("%s was deleted by a sweep of %s", want, run)
		}
	}
}

func strp(s string) *string { return &s }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// names lists the names of everything in the emulator, sorted.
func names(t *testing.T, srv *emulator.Server) []string {
	t.Helper()
	st := srv.Emulator.Snapshot()
	out := slices.Concat(
		namesOf(st.Vpcs, func(v *emulator.Vpc) string { return v.VpcName }),
		namesOf(st.Subnets, func(v *emulator.Subnet) string { return v.SubnetName }),
		namesOf(st.SecurityGroups, func(v *emulator.SecurityGroup) string { return v.NetworkSecurityGroupName }),
		namesOf(st.Ags, func(v *emulator.AvailabilityGroup) string { return v.Name }),
		namesOf(st.Instances, func(v *emulator.Instance) string { return v.InstanceName }),
		namesOf(st.ElasticIps, func(v *emulator.ElasticIp) string { return v.ElasticIpName }),
		namesOf(st.SubUsers, func(v *emulator.SubUser) string { return v.Name }),
		namesOf(st.Policies, func(v *emulator.Policy) string { return v.Name }),
	)
	sort.Strings(out)
	return out
}

// namesOf is the name of each object of one kind.
func namesOf[T any](objects map[string]T, name func(T) string) []string {
	var out []string
	for _, v := range objects {
		out = append(out, name(v))
	}
	return out
}

func waitRunning(t *testing.T, c *livetest.Clients, region, id string) {
	t.Helper()
	if !testutil.Wait(20*time.Second, 100*time.Millisecond, func() bool {
		r, err := c.VM.DescribeInstance(vmapis.NewDescribeInstanceRequest(region, id))
		return err == nil && r.Result.Instance.Status == "running"
	}) {
		t.Fatalf("instance %s did not start", id)
	}
}
