package acctest_test

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vmmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
)

// lostAnswerConfig is the article's topology with its failover pair and the
// agent's credentials: every mutating call an apply and a destroy make.
var lostAnswerConfig = acctest.ArticleTopology + acctest.ArticlePair + `
resource "jdcloudha_failover_credentials" "agent" {
  name          = "web-agent"
  elastic_ip_id = jdcloudha_elastic_ip.vip.id
  instance_ids  = [jdcloudha_instance.master.id, jdcloudha_instance.backup.id]
  depends_on    = [jdcloudha_failover_pair.web]
}
`

// mutatingCalls are the calls whose answer each subtest loses once.
var mutatingCalls = []string{
	"vpc.CreateVpc",
	"vpc.CreateSubnet",
	"vpc.CreateNetworkSecurityGroup",
	"vpc.AddNetworkSecurityGroupRules",
	"ag.CreateAg",
	"vm.CreateInstances",
	"vpc.CreateElasticIps",
	"vpc.ModifyElasticIp",
	"vm.AssociateElasticIp",
	"iam.CreateSubUser",
	"iam.CreatePolicy",
	"iam.AttachSubUserPolicy",
	"iam.CreateSubUserAccessKey",
	"iam.DisableSubUserAccessKey",
	"iam.DeleteSubUserAccessKey",
	"iam.DetachSubUserPolicy",
	"iam.DeletePolicy",
	"iam.DeleteSubUser",
	"vm.DisassociateElasticIp",
	"vm.StopInstance",
	"vm.DeleteInstance",
	"vpc.DeleteElasticIp",
	"ag.DeleteAg",
	"vpc.DeleteNetworkSecurityGroup",
	"vpc.DeleteSubnet",
	"vpc.DeleteVpc",
}

// Each mutating call has its answer lost once after the emulator acted on
// it: the apply still converges with exactly one of everything, a second
// plan is empty, and one destroy leaves nothing behind.
func TestAccLostAnswerOnEachMutatingCall(t *testing.T) {
	acctest.PreCheck(t)
	for _, call := range mutatingCalls {
		t.Run(call, func(t *testing.T) {
			// The emulator carries the request out, then closes the
			// connection unanswered: the client cannot tell whether it acted.
			srv := acctest.StartEmulator(t, acctest.WithFaults("lose=1@"+call+"#1", 1))
			exactlyOne := checkExactlyOne(srv)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					{Config: acctest.ProviderConfig(srv) + lostAnswerConfig, Check: exactlyOne},
					{
						Config:           acctest.ProviderConfig(srv) + lostAnswerConfig,
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
						Check:            exactlyOne,
					},
				},
				CheckDestroy: func(s *terraform.State) error {
					if err := acctest.CheckNothingLeft(srv)(s); err != nil {
						return err
					}
					st := srv.Emulator.Snapshot()
					if n := len(st.SubUsers) + len(st.Policies) + len(st.AccessKeys); n != 0 {
						return fmt.Errorf("IAM objects left behind: %d sub-users, %d policies, %d access keys", len(st.SubUsers), len(st.Policies), len(st.AccessKeys))
					}
					if n := srv.Emulator.Stats().ByCall[call]["lost"]; n != 1 {
						return fmt.Errorf("%s: %d answers lost, want exactly 1 (the test did not exercise the call)", call, n)
					}
					return nil
				},
			})
		})
	}
}

// checkExactlyOne asserts the emulator holds one of each object the config
// declares: a lost answer made no duplicate.
func checkExactlyOne(srv *emulator.Server) resource.TestCheckFunc {
	return func(*terraform.State) error {
		st := srv.Emulator.Snapshot()
		for what, n := range map[string]int{
			"VPCs": len(st.Vpcs), "subnets": len(st.Subnets), "security groups": len(st.SecurityGroups),
			"availability groups": len(st.Ags), "elastic IPs": len(st.ElasticIps), "sub-users": len(st.SubUsers),
			"policies": len(st.Policies), "access keys": len(st.AccessKeys),
		} {
			if n != 1 {
				return fmt.Errorf("%d %s, want 1", n, what)
			}
		}
		if len(st.Instances) != 2 {
			return fmt.Errorf("%d instances, want 2", len(st.Instances))
		}
		return nil
	}
}

// A 45 s API outage that strikes right after CreateInstances took effect
// (its answer lost too) is ridden out within the create timeout: the same
// clientToken is sent again until the API is back, so exactly two
// instances exist, the plan is then empty and destroy leaves nothing.
func TestAccOutageAfterCreateInstances(t *testing.T) {
	acctest.PreCheck(t)
	outage := &acctest.OutageAfter{Method: "POST", Path: regexp.MustCompile(`/instances$`), Duration: 45 * time.Second}
	srv := acctest.StartEmulatorWith(t, outage.Wrap)
	exactlyOne := checkExactlyOne(srv)
	// The provider's defaults: retries capped by the create timeout only
	// (the other tests cap them at 8 to fail fast).
	attrs := acctest.ProviderAttrs(srv)
	delete(attrs, "max_retries")
	provider := acctest.ProviderBlock(attrs)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: provider + lostAnswerConfig,
				Check: resource.ComposeAggregateTestCheckFunc(exactlyOne, func(*terraform.State) error {
					if refused, struck := outage.Refused(); !struck || refused == 0 {
						return fmt.Errorf("the outage did not strike (struck %v, %d requests refused)", struck, refused)
					}
					return nil
				}),
			},
			{
				Config:           provider + lostAnswerConfig,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
		CheckDestroy: acctest.CheckNothingLeft(srv),
	})
}

// A create whose every answer was lost (an outage past its timeout) leaves
// an instance no state knows. The rerun takes it over, with a warning,
// instead of failing on "already in use" forever.
func TestAccRerunTakesOverTheInstanceALostCreateMade(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	provider := acctest.ProviderConfig(srv)
	vm, _, _, _ := acctest.SDKClients(srv)
	var orphan string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: provider + acctest.ArticleFoundation},
			{
				// What the lost create made: the master, by name and IP.
				PreConfig: func() {
					st := srv.Emulator.Snapshot()
					var subnet, ag, sg string
					for id := range st.Subnets {
						subnet = id
					}
					for id := range st.Ags {
						ag = id
					}
					for id := range st.SecurityGroups {
						sg = id
					}
					name, ip, pw := "web-master", "10.0.1.18", "Ha-pair-2026!"
					spec := &vmmodels.InstanceSpec{
						Az: strPtr("cn-east-2a"), InstanceType: strPtr("g.n2.medium"), ImageId: strPtr("img-debian12-x64"), Name: name,
						AgId: &ag, Password: &pw,
						PrimaryNetworkInterface: &vmmodels.InstanceNetworkInterfaceAttachmentSpec{NetworkInterface: &vmmodels.NetworkInterfaceSpec{
							SubnetId: subnet, PrimaryIpAddress: &ip, SecurityGroups: []string{sg},
						}},
					}
					resp, err := acctest.Call("vm.CreateInstances", func() (*vmapis.CreateInstancesResponse, error) {
						return vm.CreateInstances(vmapis.NewCreateInstancesRequestWithAllParams(acctest.Region(srv), spec, nil, nil))
					})
					if err != nil || len(resp.Result.InstanceIds) != 1 {
						t.Fatalf("making the left-behind instance: %v", err)
					}
					orphan = resp.Result.InstanceIds[0]
				},
				Config: provider + acctest.ArticleTopology,
				Check: resource.ComposeAggregateTestCheckFunc(
					acctest.CheckCount(srv, "instance", 2),
					func(s *terraform.State) error {
						if got := s.RootModule().Resources["jdcloudha_instance.master"].Primary.ID; got != orphan {
							return fmt.Errorf("the master is %s, want the left-behind %s taken over", got, orphan)
						}
						return nil
					},
				),
			},
		},
		CheckDestroy: acctest.CheckNothingLeft(srv),
	})
}

func strPtr(s string) *string { return &s }
