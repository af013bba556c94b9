//go:build livetest

// The live suite: run by `make testacc-live` against the real JD Cloud. It
// is compiled only with -tags livetest and refuses to start without the
// opt-in (see livetest.Check). Every name starts with the run's prefix and
// the suite sweeps that prefix when it ends, whatever happened.
//
// Lines starting with "RESULT" are the answers to the unknowns the emulator
// has switches for; paste them into a report (see the guide "Verifying on
// JD Cloud").
package livetest_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	agapis "github.com/jdcloud-api/jdcloud-sdk-go/services/ag/apis"
	commonmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/common/models"
	iamapis "github.com/jdcloud-api/jdcloud-sdk-go/services/iam/apis"
	iammodels "github.com/jdcloud-api/jdcloud-sdk-go/services/iam/models"
	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vmmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/models"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
	vpcmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/livetest"
)

var (
	live    livetest.Settings
	clients *livetest.Clients
	run     = livetest.RunName()
)

func TestMain(m *testing.M) {
	fmt.Fprintln(os.Stderr, livetest.CostWarning)
	s, err := livetest.Check(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "refusing to start:", err)
		os.Exit(1)
	}
	if clients, err = livetest.NewClients(s); err != nil {
		fmt.Fprintln(os.Stderr, "refusing to start:", err)
		os.Exit(1)
	}
	live = s
	fmt.Fprintf(os.Stderr, "live run %s in %s\n", run, s.Region)
	code := m.Run()
	// Whatever failed or was interrupted above: delete what this run named.
	found, err := livetest.Sweep(context.Background(), clients, livetest.SweepOptions{
		Region: live.Region, Prefix: run,
		Logf: func(f string, a ...any) { fmt.Fprintf(os.Stderr, "sweep: "+f+"\n", a...) },
	})
	fmt.Fprintf(os.Stderr, "sweep after the run: %d leftover resource(s)\n", len(found))
	if err != nil {
		fmt.Fprintln(os.Stderr, "sweep errors (run `go run ./internal/livetest/sweep` again):", err)
		code = 1
	}
	os.Exit(code)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func zones() (string, string) {
	a := live.Region + "a"
	if live.Region == "cn-east-1" { // one zone only
		return a, a
	}
	return a, live.Region + "b"
}

// TestLiveTopology applies the article's topology (network, a loose
// availability group, two instances from a looked-up image, an EIP and the
// failover pair), checks it through the API, probes whether an EIP
// association is synchronous, and destroys it.
func TestLiveTopology(t *testing.T) {
	za, zb := zones()
	password := "Tf-" + strings.TrimPrefix(run, livetest.Prefix) + "9Ax!"
	// The acceptance tests' instances, with the run's names, a looked-up
	// image and the chosen type.
	master := acctest.Instance{Label: "master", Name: run + "-master", AZ: za, PrivateIP: "10.0.1.18",
		Type: envOr("JDHA_LIVE_INSTANCE_TYPE", "g.n2.medium"), Image: "data.jdcloudha_images.os.most_recent_id", Password: password}
	backup := master
	backup.Label, backup.Name, backup.AZ, backup.PrivateIP = "backup", run+"-backup", zb, "10.0.1.19"
	topology := func(backup acctest.Instance) string {
		return fmt.Sprintf(`
provider "jdcloudha" {}

data "jdcloudha_images" "os" {
  name         = %q
  architecture = "x86_64"
}
`, envOr("JDHA_LIVE_IMAGE_NAME", "Ubuntu 22.04")) + acctest.Network("ha", run+"-vpc", run+"-subnet") + fmt.Sprintf(`
resource "jdcloudha_security_group" "web" {
  vpc_id = jdcloudha_vpc.ha.id
  name   = "%[1]s-sg"
  rule {
    direction = "ingress"
    protocol  = "all"
    cidr      = "10.0.1.18/32"
  }
  rule {
    direction = "ingress"
    protocol  = "all"
    cidr      = "10.0.1.19/32"
  }
}
resource "jdcloudha_availability_group" "ha" {
  name = "%[1]s-ag"
  azs  = distinct([%[2]q, %[3]q])
}
resource "jdcloudha_elastic_ip" "vip" {
  name           = "%[1]s-eip"
  bandwidth_mbps = 1
}
`, run, za, zb) + master.HCL() + backup.HCL() + acctest.ArticlePair
	}
	config := topology(backup)

	// Step 2 moves the backup into a second group in place (ModifyInstancePlacement).
	backup.Group = "second"
	moved := topology(backup) + fmt.Sprintf(`
resource "jdcloudha_availability_group" "second" {
  name = "%[1]s-ag2"
  azs  = distinct([%[2]q, %[3]q])
}
`, run, za, zb)
	if !strings.Contains(moved, "availability_group_id = jdcloudha_availability_group.second.id") {
		t.Fatal("the move step did not change the backup's group")
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			found, err := livetest.Sweep(context.Background(), clients, livetest.SweepOptions{Region: live.Region, Prefix: run, DryRun: true})
			if err != nil {
				return err
			}
			if len(found) > 0 {
				return fmt.Errorf("destroy left %v", found)
			}
			return nil
		},
		Steps: []resource.TestStep{{
			Config: config,
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("jdcloudha_instance.master", "status", "running"),
				resource.TestCheckResourceAttr("jdcloudha_instance.backup", "status", "running"),
				acctest.CheckAttrsDiffer("jdcloudha_instance.master", "fault_domain", "jdcloudha_instance.backup", "fault_domain"),
				resource.TestCheckResourceAttrPair("jdcloudha_failover_pair.web", "active_instance_id", "jdcloudha_instance.master", "id"),
				func(s *terraform.State) error {
					t.Logf("RESULT loose-ag-spec: instances created in loose group %s (see TF_LOG=INFO for \"creating it outside the group\" if JD Cloud refused the spec)",
						s.RootModule().Resources["jdcloudha_availability_group.ha"].Primary.ID)
					t.Logf("RESULT fault-domains: master %s, backup %s",
						s.RootModule().Resources["jdcloudha_instance.master"].Primary.Attributes["fault_domain"],
						s.RootModule().Resources["jdcloudha_instance.backup"].Primary.Attributes["fault_domain"])
					return probeAssociation(t, s)
				},
			),
		}, {
			Config: moved,
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttrPair("jdcloudha_instance.backup", "availability_group_id", "jdcloudha_availability_group.second", "id"),
				func(s *terraform.State) error {
					t.Logf("RESULT modify-instance-placement: backup moved in place, fault domain now %q",
						s.RootModule().Resources["jdcloudha_instance.backup"].Primary.Attributes["fault_domain"])
					return nil
				},
			),
		}},
	})
}

// probeAssociation moves the EIP off the master and back at once and
// reports what the API showed in between: the eip-association switch.
func probeAssociation(t *testing.T, s *terraform.State) error {
	eip := s.RootModule().Resources["jdcloudha_elastic_ip.vip"].Primary.ID
	master := s.RootModule().Resources["jdcloudha_instance.master"].Primary.ID
	d, err := clients.VM.DisassociateElasticIp(vmapis.NewDisassociateElasticIpRequest(live.Region, master, eip))
	if err != nil || d.Error.Code != 0 {
		return fmt.Errorf("disassociate: %v %+v", err, d.Error)
	}
	x, err := clients.VPC.DescribeElasticIp(vpcapis.NewDescribeElasticIpRequest(live.Region, eip))
	if err == nil {
		t.Logf("RESULT eip-association: right after DisassociateElasticIp: status %s state %s instanceId %q",
			x.Result.ElasticIp.Status, x.Result.ElasticIp.State, x.Result.ElasticIp.InstanceId)
	}
	a, err := clients.VM.AssociateElasticIp(vmapis.NewAssociateElasticIpRequest(live.Region, master, eip))
	if err == nil {
		t.Logf("RESULT eip-association: AssociateElasticIp at once after: code %d %s %q", a.Error.Code, a.Error.Status, a.Error.Message)
	}
	// Put it back on the master (the pair treats anything else as drift).
	delay := time.Second
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); {
		x, err := clients.VPC.DescribeElasticIp(vpcapis.NewDescribeElasticIpRequest(live.Region, eip))
		if err == nil && x.Result.ElasticIp.InstanceId == master && x.Result.ElasticIp.State != "PROCESSING" {
			return nil
		}
		if err == nil && x.Result.ElasticIp.InstanceId == "" && x.Result.ElasticIp.State != "PROCESSING" {
			_, _ = clients.VM.AssociateElasticIp(vmapis.NewAssociateElasticIpRequest(live.Region, master, eip))
		}
		time.Sleep(delay)
		delay += delay / 2
	}
	return fmt.Errorf("the EIP did not come back to %s", master)
}

// TestLiveProbes asks the API about the other unknowns with calls that
// create nothing billable (a VPC, a security group, a group, a sub-user).
func TestLiveProbes(t *testing.T) {
	r := live.Region
	// unknown-filters: a filter name DescribeVpcs does not document.
	vr := vpcapis.NewDescribeVpcsRequest(r)
	vr.SetFilters([]commonmodels.Filter{{Name: "vpcName", Values: []string{run}}})
	if v, err := clients.VPC.DescribeVpcs(vr); err == nil {
		t.Logf("RESULT unknown-filters: DescribeVpcs with filter vpcName: code %d %s %q (0 = ignored, 400 = refused); totalCount %d",
			v.Error.Code, v.Error.Status, v.Error.Message, v.Result.TotalCount)
	}

	// sg-protocol-112: whether a security group takes IP protocol 112 (VRRP).
	cv := vpcapis.NewCreateVpcRequest(r, run+"-probe")
	cv.SetAddressPrefix("10.99.0.0/16")
	v, err := clients.VPC.CreateVpc(cv)
	if err != nil || v.Error.Code != 0 {
		t.Fatalf("CreateVpc: %v %+v", err, v.Error)
	}
	sg, err := clients.VPC.CreateNetworkSecurityGroup(vpcapis.NewCreateNetworkSecurityGroupRequest(r, v.Result.VpcId, run+"-probe"))
	if err != nil || sg.Error.Code != 0 {
		t.Fatalf("CreateNetworkSecurityGroup: %v %+v", err, sg.Error)
	}
	rules := []vpcmodels.AddSecurityGroupRules{{Protocol: 112, Direction: 0, AddressPrefix: "10.99.1.5/32"}}
	if a, err := clients.VPC.AddNetworkSecurityGroupRules(vpcapis.NewAddNetworkSecurityGroupRulesRequest(r, sg.Result.NetworkSecurityGroupId, rules)); err == nil {
		t.Logf("RESULT sg-protocol-112: code %d %s %q (0 = accepted)", a.Error.Code, a.Error.Status, a.Error.Message)
	}

	// loose-ag-spec without billing: a create with an instance type that
	// does not exist. A loose group that takes the spec complains about the
	// type; one that takes nothing but the name complains about the field.
	za, _ := zones()
	ar := agapis.NewCreateAgRequest(r, []string{za}, run+"-probe")
	ar.SetConfigurationType("loose")
	g, err := clients.AG.CreateAg(ar)
	if err != nil || g.Error.Code != 0 {
		t.Fatalf("CreateAg loose without template: %v %+v", err, g.Error)
	}
	t.Logf("RESULT loose-ag-without-template: CreateAg accepted (%s)", g.Result.AgId)
	spec := &vmmodels.InstanceSpec{Name: run + "-probe", AgId: &g.Result.AgId, Az: &za,
		InstanceType: strp("x.probe.none"), ImageId: strp("img-probe-none"),
		PrimaryNetworkInterface: &vmmodels.InstanceNetworkInterfaceAttachmentSpec{NetworkInterface: &vmmodels.NetworkInterfaceSpec{SubnetId: "subnet-probe-none"}}}
	if c, err := clients.VM.CreateInstances(vmapis.NewCreateInstancesRequest(r, spec)); err == nil {
		t.Logf("RESULT loose-ag-spec: CreateInstances(agId of a loose group, bogus type/image/subnet): code %d %s %q", c.Error.Code, c.Error.Status, c.Error.Message)
		for _, id := range c.Result.InstanceIds { // should never happen; never leave one
			_, _ = clients.VM.DeleteInstance(vmapis.NewDeleteInstanceRequest(r, id))
		}
	}

	// iam-deleted-name: re-creating a sub-user right after deleting it.
	name := run + "-u"
	info := &iammodels.CreateSubUserInfo{Name: name, AutoGeneratePassword: boolp(true), ConsoleLogin: boolp(false)}
	if u, err := clients.IAM.CreateSubUser(iamapis.NewCreateSubUserRequest(info)); err == nil && u.Error.Code == 0 {
		if d, err := clients.IAM.DescribeSubUser(iamapis.NewDescribeSubUserRequest(name)); err == nil {
			t.Logf("RESULT iam-account: DescribeSubUser account %q (the 12-digit id JRNs need)", d.Result.SubUser.Account)
		}
		_, _ = clients.IAM.DeleteSubUser(iamapis.NewDeleteSubUserRequest(name))
		again, err := clients.IAM.CreateSubUser(iamapis.NewCreateSubUserRequest(info))
		if err == nil {
			t.Logf("RESULT iam-deleted-name: CreateSubUser of a name deleted a moment ago: code %d %s %q (0 = reuse)", again.Error.Code, again.Error.Status, again.Error.Message)
		}
	} else {
		t.Logf("CreateSubUser failed, IAM probes skipped: %v %+v", err, u)
	}
	// The sweep in TestMain deletes the probe resources.
}

func boolp(b bool) *bool { return &b }
