package iam_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	iamapis "github.com/jdcloud-api/jdcloud-sdk-go/services/iam/apis"
	iamclient "github.com/jdcloud-api/jdcloud-sdk-go/services/iam/client"
	iammodels "github.com/jdcloud-api/jdcloud-sdk-go/services/iam/models"
	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vmclient "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/client"
	vmmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/models"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
	vpcclient "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/client"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/agent"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloudapi"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil"
)

const (
	addr       = "jdcloudha_failover_credentials.agent"
	subUser    = "ha-agent"
	policyName = "ha-agent-eip-failover"
)

func credentialsConfig(srv *emulator.Server, rotation, extra string) string {
	return credentialsConfigFor(srv, rotation, extra, "jdcloudha_instance.backup.id")
}

// credentialsConfigFor lets the second instance vary (the first is the master).
func credentialsConfigFor(srv *emulator.Server, rotation, extra, second string) string {
	return credentialsConfigWith(srv, fmt.Sprintf("rotation = %q", rotation), extra, second)
}

// credentialsConfigWith takes the resource's rotation lines (rotation,
// installed_rotation, propagation_timeout, depends_on) as HCL.
func credentialsConfigWith(srv *emulator.Server, lines, extra, second string) string {
	return acctest.ProviderConfig(srv) + acctest.ArticleTopology + extra + fmt.Sprintf(`
resource "jdcloudha_failover_credentials" "agent" {
  name          = %q
  elastic_ip_id = jdcloudha_elastic_ip.vip.id
  instance_ids  = [jdcloudha_instance.master.id, %s]
  description   = "keepalived EIP failover of web-master and web-backup"
  %s
}
`, subUser, second, lines)
}

// keyClients are SDK clients signing with one access key, as the agent's would.
type keyClients struct {
	vm  *vmclient.VmClient
	vpc *vpcclient.VpcClient
	iam *iamclient.IamClient
}

func clientsFor(srv *emulator.Server, ak, sk string) keyClients {
	return keyClients{vm: testutil.SDKClientAs(srv, ak, sk, vmclient.NewVmClient),
		vpc: testutil.SDKClientAs(srv, ak, sk, vpcclient.NewVpcClient),
		iam: testutil.SDKClientAs(srv, ak, sk, iamclient.NewIamClient)}
}

// expectStatus checks that err is the API answering code/status.
func expectStatus(what string, err error, code int, status string) error {
	e, ok := jdcloudapi.AsError(err)
	if !ok || e.Kind != jdcloudapi.KindAPI || e.Code != code || e.Status != status {
		return fmt.Errorf("%s: want %d %s, got %v", what, code, status, err)
	}
	return nil
}

func attr(s *terraform.State, address, name string) (string, error) {
	rs, ok := s.RootModule().Resources[address]
	if !ok {
		return "", fmt.Errorf("%s not in state", address)
	}
	v, ok := rs.Primary.Attributes[name]
	if !ok {
		return "", fmt.Errorf("%s has no %s in state", address, name)
	}
	return v, nil
}

type keyPair struct{ ak, sk string }

func keyOf(s *terraform.State) (keyPair, error) {
	ak, err := attr(s, addr, "access_key")
	if err != nil {
		return keyPair{}, err
	}
	sk, err := attr(s, addr, "secret_key")
	if err != nil {
		return keyPair{}, err
	}
	if ak == "" || sk == "" {
		return keyPair{}, fmt.Errorf("empty access_key or secret_key in state")
	}
	return keyPair{ak, sk}, nil
}

// checkKeyDescribesTheEIP signs vpc.DescribeElasticIp with the key in state.
func checkKeyDescribesTheEIP(srv *emulator.Server, saved *keyPair) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		k, err := keyOf(s)
		if err != nil {
			return err
		}
		if saved != nil {
			*saved = k
		}
		return checkKeyWorks(srv, &k)(s)
	}
}

// checkKeyWorks: a key (the one in state, or one the nodes still run)
// authenticates and may describe the pair's EIP.
func checkKeyWorks(srv *emulator.Server, k *keyPair) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		eip, err := attr(s, "jdcloudha_elastic_ip.vip", "id")
		if err != nil {
			return err
		}
		c := clientsFor(srv, k.ak, k.sk)
		_, err = acctest.Call("vpc.DescribeElasticIp", func() (*vpcapis.DescribeElasticIpResponse, error) {
			return c.vpc.DescribeElasticIp(vpcapis.NewDescribeElasticIpRequest(acctest.Region(srv), eip))
		})
		if err != nil {
			return fmt.Errorf("key %s cannot describe the pair's EIP: %v", k.ak, err)
		}
		return nil
	}
}

// checkKeyRefused: a key that was rotated out or destroyed no longer authenticates.
func checkKeyRefused(srv *emulator.Server, k *keyPair) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if k.ak == "" {
			return fmt.Errorf("no earlier key recorded")
		}
		c := clientsFor(srv, k.ak, k.sk)
		_, err := acctest.Call("vpc.DescribeElasticIps", func() (*vpcapis.DescribeElasticIpsResponse, error) {
			return c.vpc.DescribeElasticIps(vpcapis.NewDescribeElasticIpsRequest(acctest.Region(srv)))
		})
		if e, ok := jdcloudapi.AsError(err); !ok || e.Kind != jdcloudapi.KindAPI || e.Code != 401 {
			return fmt.Errorf("old key %s: want 401, got %v", k.ak, err)
		}
		return nil
	}
}

// checkIAM asks the API (with the account key) what the sub-user holds:
// exactly the policy, attached, with the document in state, and exactly one
// enabled key, the one in state.
func checkIAM(srv *emulator.Server) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		_, _, _, admin := acctest.SDKClients(srv)
		pols, err := acctest.Call("iam.DescribeAttachedSubUserPolicies", func() (*iamapis.DescribeAttachedSubUserPoliciesResponse, error) {
			return admin.DescribeAttachedSubUserPolicies(iamapis.NewDescribeAttachedSubUserPoliciesRequest(subUser))
		})
		if err != nil {
			return err
		}
		if len(pols.Result.Policies) != 1 || pols.Result.Policies[0].Name != policyName {
			return fmt.Errorf("attached policies: %+v, want only %s", pols.Result.Policies, policyName)
		}
		pol, err := acctest.Call("iam.DescribePolicy", func() (*iamapis.DescribePolicyResponse, error) {
			return admin.DescribePolicy(iamapis.NewDescribePolicyRequest(policyName))
		})
		if err != nil {
			return err
		}
		doc, _ := attr(s, addr, "policy_document")
		if pol.Result.DefaultPolicyEdition.PolicyDocument != doc {
			return fmt.Errorf("policy in the API:\n%s\npolicy_document in state:\n%s", pol.Result.DefaultPolicyEdition.PolicyDocument, doc)
		}
		keys, err := acctest.Call("iam.GetSubUserAccessKeys", func() (*iamapis.GetSubUserAccessKeysResponse, error) {
			return admin.GetSubUserAccessKeys(iamapis.NewGetSubUserAccessKeysRequest(subUser))
		})
		if err != nil {
			return err
		}
		// Exactly the current key and, during a rotation, the previous one.
		want := map[string]bool{}
		for _, name := range []string{"access_key", "previous_access_key"} {
			if v, _ := attr(s, addr, name); v != "" {
				want[v] = true
			}
		}
		got := map[string]bool{}
		for _, k := range keys.Result.UserAccessKeys {
			if k.Status != 1 {
				return fmt.Errorf("sub-user key %s is disabled, not retired", k.AccessKey)
			}
			got[k.AccessKey] = true
		}
		if !reflect.DeepEqual(got, want) {
			return fmt.Errorf("sub-user keys %v, want %v (access_key and previous_access_key), enabled", got, want)
		}
		return nil
	}
}

// checkPolicyDocument rebuilds, independently of the provider's code, the
// document the agent needs for the EIP and instances in state.
func checkPolicyDocument(srv *emulator.Server) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		eip, _ := attr(s, "jdcloudha_elastic_ip.vip", "id")
		m, _ := attr(s, "jdcloudha_instance.master", "id")
		b, _ := attr(s, "jdcloudha_instance.backup", "id")
		ids := []string{m, b}
		sort.Strings(ids)
		// JD Cloud's spelling: the OpenAPI path segment and the real account.
		r, acct := acctest.Region(srv), emulator.AccountID
		want := map[string]any{"Version": "3", "Statement": []any{
			map[string]any{"Effect": "Allow", "Action": []any{"vpc:describeElasticIp"}, "Resource": []any{"jrn:vpc:" + r + ":" + acct + ":elasticIps/" + eip}},
			map[string]any{"Effect": "Allow", "Action": []any{"vm:associateElasticIp", "vm:disassociateElasticIp"}, "Resource": []any{
				"jrn:vm:" + r + ":" + acct + ":instances/" + ids[0], "jrn:vm:" + r + ":" + acct + ":instances/" + ids[1], "jrn:vpc:" + r + ":" + acct + ":elasticIps/" + eip}},
		}}
		if got, _ := attr(s, addr, "account_id"); got != acct {
			return fmt.Errorf("account_id = %q, want the sub-user's account %s", got, acct)
		}
		doc, err := attr(s, addr, "policy_document")
		if err != nil {
			return err
		}
		var got any
		if err := json.Unmarshal([]byte(doc), &got); err != nil {
			return fmt.Errorf("policy_document is not JSON: %v", err)
		}
		if !reflect.DeepEqual(got, want) {
			return fmt.Errorf("policy_document:\n%s\nwant the equivalent of %v", doc, want)
		}
		return nil
	}
}

// checkNoIAMLeft: no sub-user, no policy, and the keys handed out are dead.
func checkNoIAMLeft(srv *emulator.Server, keys ...*keyPair) func(*terraform.State) error {
	return func(s *terraform.State) error {
		_, _, _, admin := acctest.SDKClients(srv)
		users, err := acctest.Call("iam.DescribeSubUsers", func() (*iamapis.DescribeSubUsersResponse, error) {
			return admin.DescribeSubUsers(iamapis.NewDescribeSubUsersRequest())
		})
		if err != nil {
			return err
		}
		if users.Result.Total != 0 {
			return fmt.Errorf("sub-users left: %+v", users.Result.SubUsers)
		}
		pols, err := acctest.Call("iam.DescribePolicies", func() (*iamapis.DescribePoliciesResponse, error) {
			return admin.DescribePolicies(iamapis.NewDescribePoliciesRequest())
		})
		if err != nil {
			return err
		}
		if pols.Result.Total != 0 {
			return fmt.Errorf("policies left: %+v", pols.Result.Policies)
		}
		for _, k := range keys {
			if err := checkKeyRefused(srv, k)(s); err != nil {
				return err
			}
		}
		return acctest.CheckNothingLeft(srv)(s)
	}
}

func TestAccFailoverCredentials_lifecycleRotationImport(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	var first, second, third keyPair

	resource.ParallelTest(t, acctest.CaseChecking(t, checkNoIAMLeft(srv, &first, &second, &third), []resource.TestStep{
		{
			Config: credentialsConfig(srv, "2026-11", ""),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr(addr, "id", subUser),
				resource.TestCheckResourceAttr(addr, "policy_name", policyName),
				resource.TestMatchResourceAttr(addr, "access_key", regexp.MustCompile(`^JDC_`)),
				resource.TestCheckResourceAttrSet(addr, "secret_key"),
				checkPolicyDocument(srv),
				checkIAM(srv),
				checkKeyDescribesTheEIP(srv, &first),
			),
		},
		{Config: credentialsConfig(srv, "2026-11", ""), PlanOnly: true},
		{
			// Rotation: a new key in place; the old one stays valid (the
			// nodes still run it) and shows as previous_access_key.
			Config: credentialsConfig(srv, "2026-12", ""),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				plancheck.ExpectUnknownValue(addr, tfjsonPath("access_key")),
				plancheck.ExpectUnknownValue(addr, tfjsonPath("secret_key")),
				plancheck.ExpectKnownValue(addr, tfjsonPath("previous_access_key"), knownvalue.NotNull()),
			}},
			Check: resource.ComposeAggregateTestCheckFunc(
				checkKeyDescribesTheEIP(srv, &second),
				func(s *terraform.State) error {
					if second.ak == first.ak || second.sk == first.sk {
						return fmt.Errorf("rotation kept the key %s", first.ak)
					}
					if prev, _ := attr(s, addr, "previous_access_key"); prev != first.ak {
						return fmt.Errorf("previous_access_key = %q, want the rotated-out key %s", prev, first.ak)
					}
					return nil
				},
				checkKeyWorks(srv, &first), // no dead window: the nodes' key still works
				checkIAM(srv),
			),
		},
		{Config: credentialsConfig(srv, "2026-12", ""), PlanOnly: true},
		{
			// The nodes run the new bundles: installed_rotation retires the old key.
			Config: credentialsConfigWith(srv, `rotation = "2026-12"`+"\n"+`installed_rotation = "2026-12"`, "", "jdcloudha_instance.backup.id"),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				plancheck.ExpectKnownValue(addr, tfjsonPath("previous_access_key"), knownvalue.Null()),
				plancheck.ExpectKnownValue(addr, tfjsonPath("access_key"), knownvalue.NotNull()),
			}},
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckNoResourceAttr(addr, "previous_access_key"),
				checkKeyRefused(srv, &first),
				checkKeyDescribesTheEIP(srv, nil),
				checkIAM(srv),
			),
		},
		{
			ResourceName:      addr,
			ImportState:       true,
			ImportStateId:     subUser,
			ImportStateVerify: true,
			// The API never shows a secret again, and rotation is only a
			// trigger in the configuration: neither can be read back.
			ImportStateVerifyIgnore: []string{"secret_key", "rotation", "installed_rotation"},
		},
		{
			// Behind Terraform's back: the key is deleted and the policy
			// detached. Refresh notices; apply makes a new key and re-attaches.
			PreConfig: func() {
				_, _, _, admin := acctest.SDKClients(srv)
				mustCall(t, "iam.DisableSubUserAccessKey", func() (*iamapis.DisableSubUserAccessKeyResponse, error) {
					return admin.DisableSubUserAccessKey(iamapis.NewDisableSubUserAccessKeyRequest(subUser, second.ak))
				})
				mustCall(t, "iam.DeleteSubUserAccessKey", func() (*iamapis.DeleteSubUserAccessKeyResponse, error) {
					return admin.DeleteSubUserAccessKey(iamapis.NewDeleteSubUserAccessKeyRequest(subUser, second.ak))
				})
				mustCall(t, "iam.DetachSubUserPolicy", func() (*iamapis.DetachSubUserPolicyResponse, error) {
					return admin.DetachSubUserPolicy(iamapis.NewDetachSubUserPolicyRequest(subUser, policyName))
				})
			},
			Config: credentialsConfig(srv, "2026-12", ""),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
			}},
			Check: resource.ComposeAggregateTestCheckFunc(
				checkKeyDescribesTheEIP(srv, &third),
				checkIAM(srv),
				checkPolicyDocument(srv),
			),
		},
		{Config: credentialsConfig(srv, "2026-12", ""), PlanOnly: true},
	}))
}

// TestAccFailoverCredentials_disappears: the sub-user deleted in the console
// leaves state on refresh; the re-create with the same name works where JD
// Cloud reuses a deleted name at once, and otherwise fails saying why (a
// deleted sub-user stays restorable for a while).
func TestAccFailoverCredentials_disappears(t *testing.T) {
	acctest.PreCheck(t)
	acctest.EachAlternative(t, []string{"iam-deleted-name"}, func(t *testing.T, opt func(*emulator.Options)) {
		srv := acctest.StartEmulator(t, opt)
		recreate := resource.TestStep{
			// The policy was left behind by the console deletion: the
			// re-create reports the name clash rather than adopting a
			// policy it did not make; deleting it by hand clears the way.
			PreConfig: func() {
				_, _, _, admin := acctest.SDKClients(srv)
				mustCall(t, "iam.DeletePolicy", func() (*iamapis.DeletePolicyResponse, error) {
					return admin.DeletePolicy(iamapis.NewDeletePolicyRequest(policyName))
				})
			},
			Config: credentialsConfig(srv, "a", ""),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
			}},
			Check: resource.ComposeAggregateTestCheckFunc(checkIAM(srv), checkKeyDescribesTheEIP(srv, nil)),
		}
		if srv.Emulator.Unknowns().Get("iam-deleted-name") == "refuse" {
			recreate.Check = nil
			recreate.ExpectError = acctest.ErrorRegexp("ALREADY_EXISTS", "deleted a moment ago", "Choose another name")
		}
		resource.Test(t, acctest.CaseChecking(t, checkNoIAMLeft(srv), []resource.TestStep{
			{
				Config: credentialsConfig(srv, "a", ""),
				Check: func(*terraform.State) error {
					// Deleted in the console: the sub-user (and with it its keys) goes.
					_, _, _, admin := acctest.SDKClients(srv)
					_, err := acctest.Call("iam.DeleteSubUser", func() (*iamapis.DeleteSubUserResponse, error) {
						return admin.DeleteSubUser(iamapis.NewDeleteSubUserRequest(subUser))
					})
					return err
				},
				ExpectNonEmptyPlan: true,
			},
			recreate,
		}))
	})
}

func TestAccFailoverCredentials_invalidInputFailsAtPlan(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	cfg := func(body string) string {
		return acctest.ProviderConfig(srv) + "resource \"jdcloudha_failover_credentials\" \"agent\" {\n" + body + "\n}\n"
	}
	resource.ParallelTest(t, acctest.CaseChecking(t, nil, []resource.TestStep{
		{
			Config:      cfg(`name = "1agent"` + "\n" + `elastic_ip_id = "fip-ab"` + "\n" + `instance_ids = ["i-a1", "i-b2"]`),
			PlanOnly:    true,
			ExpectError: acctest.ErrorRegexp("starting with a letter"),
		},
		{
			Config:      cfg(`name = "agent"` + "\n" + `elastic_ip_id = "fip-*"` + "\n" + `instance_ids = ["i-a1", "i-b2"]`),
			PlanOnly:    true,
			ExpectError: acctest.ErrorRegexp("no wildcards"),
		},
		{
			Config:      cfg(`name = "agent"` + "\n" + `elastic_ip_id = "fip-ab"` + "\n" + `instance_ids = ["i-a1", "i-b2", "i-c3"]`),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)instance_ids.*2`),
		},
		{
			// Well-formed IDs that do not exist: refused at plan time by the API check.
			Config:      cfg(`name = "agent"` + "\n" + `elastic_ip_id = "fip-nothere0"` + "\n" + `instance_ids = ["i-a1", "i-b2"]`),
			PlanOnly:    true,
			ExpectError: acctest.ErrorRegexp("Elastic IP not found"),
		},
	}))
	if n := countCalls(t, srv, "iam."); n != 0 {
		t.Errorf("invalid input made %d IAM calls; want none", n)
	}
}

// otherResources adds a third instance and a second EIP next to the pair,
// and binds the pair's EIP to the master.
var otherResources = acctest.ArticleInstance("other", "other", "cn-east-2a", "") + `

resource "jdcloudha_elastic_ip" "other" {
  name           = "other-vip"
  bandwidth_mbps = 5
}

` + acctest.ArticlePair + ``

// TestAccFailoverCredentials_leastPrivilegeOnTheWire signs real SDK requests
// with the created key: the agent's takeover works, and everything else is
// refused with 403 HTTP_FORBIDDEN and changes nothing.
func TestAccFailoverCredentials_leastPrivilegeOnTheWire(t *testing.T) {
	acctest.PreCheck(t)
	// The policy spells out the account, so it works whether or not the
	// cloud would accept '*' there.
	acctest.EachAlternative(t, []string{"iam-account-wildcard"}, func(t *testing.T, opt func(*emulator.Options)) {
		srv := acctest.StartEmulator(t, opt)
		lockDir := t.TempDir()
		var keyBefore keyPair

		resource.Test(t, acctest.CaseChecking(t, checkNoIAMLeft(srv), []resource.TestStep{
			{
				Config: credentialsConfig(srv, "1", otherResources),
				Check: resource.ComposeAggregateTestCheckFunc(
					checkTakeoverWorks(srv, lockDir),
					checkEverythingElseRefused(srv),
					func(s *terraform.State) (err error) { keyBefore, err = keyOf(s); return err },
				),
			},
			// The agent moved the EIP to the backup; the pair treats that as
			// healthy, and nothing plans to undo it.
			{Config: credentialsConfig(srv, "1", otherResources), PlanOnly: true},
			{
				// Swapping a member updates the policy in place: same key, and
				// it loses the backup and gains the other instance at once.
				Config: credentialsConfigFor(srv, "1", otherResources, "jdcloudha_instance.other.id"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(addr, tfjsonPath("access_key"), knownvalue.NotNull()),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkPolicyNames(srv, "jdcloudha_instance.master", "jdcloudha_instance.other"),
					checkMemberSwapOnTheWire(srv, &keyBefore),
				),
			},
			{Config: credentialsConfigFor(srv, "1", otherResources, "jdcloudha_instance.other.id"), PlanOnly: true},
		}))
	})
}

func checkTakeoverWorks(srv *emulator.Server, lockDir string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		k, err := keyOf(s)
		if err != nil {
			return err
		}
		eip, _ := attr(s, "jdcloudha_elastic_ip.vip", "id")
		master, _ := attr(s, "jdcloudha_instance.master", "id")
		backup, _ := attr(s, "jdcloudha_instance.backup", "id")
		if h := holder(srv, eip); h != master {
			return fmt.Errorf("before the takeover the EIP is on %q, want the master %s", h, master)
		}
		cfg := agent.Config{
			Region: acctest.Region(srv), Endpoint: srv.Endpoint, Scheme: "http",
			EIPID: eip, InstanceID: backup, PeerInstanceID: master,
			Deadline: agent.Duration(20 * time.Second), RequestTimeout: agent.Duration(5 * time.Second),
			LockFile: filepath.Join(lockDir, "takeover.lock"),
		}
		eipAgent := &agent.Agent{Config: cfg, Cloud: agent.NewSDKCloud(cfg, agent.Credentials{AccessKey: k.ak, SecretKey: k.sk})}
		if err := eipAgent.Takeover(context.Background()); err != nil {
			return fmt.Errorf("takeover with the least-privilege key: %v", err)
		}
		if h := holder(srv, eip); h != backup {
			return fmt.Errorf("after the takeover the EIP is on %q, want the backup %s", h, backup)
		}
		return nil
	}
}

func holder(srv *emulator.Server, eip string) string {
	_, vpc, _, _ := acctest.SDKClients(srv)
	resp, err := acctest.Call("vpc.DescribeElasticIp", func() (*vpcapis.DescribeElasticIpResponse, error) {
		return vpc.DescribeElasticIp(vpcapis.NewDescribeElasticIpRequest(acctest.Region(srv), eip))
	})
	if err != nil {
		return "error: " + err.Error()
	}
	return resp.Result.ElasticIp.InstanceId
}

func checkEverythingElseRefused(srv *emulator.Server) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		k, err := keyOf(s)
		if err != nil {
			return err
		}
		region := acctest.Region(srv)
		eip, _ := attr(s, "jdcloudha_elastic_ip.vip", "id")
		otherEIP, _ := attr(s, "jdcloudha_elastic_ip.other", "id")
		master, _ := attr(s, "jdcloudha_instance.master", "id")
		other, _ := attr(s, "jdcloudha_instance.other", "id")
		subnet, _ := attr(s, "jdcloudha_subnet.ha", "id")
		c := clientsFor(srv, k.ak, k.sk)
		before := countInstances(srv)

		refusals := []struct {
			what string
			call func() error
		}{
			{"describe another EIP", func() error {
				_, err := acctest.Call("vpc.DescribeElasticIp", func() (*vpcapis.DescribeElasticIpResponse, error) {
					return c.vpc.DescribeElasticIp(vpcapis.NewDescribeElasticIpRequest(region, otherEIP))
				})
				return err
			}},
			{"associate the pair's EIP with another instance", func() error {
				_, err := acctest.Call("vm.AssociateElasticIp", func() (*vmapis.AssociateElasticIpResponse, error) {
					return c.vm.AssociateElasticIp(vmapis.NewAssociateElasticIpRequest(region, other, eip))
				})
				return err
			}},
			{"associate another EIP with a pair member", func() error {
				_, err := acctest.Call("vm.AssociateElasticIp", func() (*vmapis.AssociateElasticIpResponse, error) {
					return c.vm.AssociateElasticIp(vmapis.NewAssociateElasticIpRequest(region, master, otherEIP))
				})
				return err
			}},
			{"describe a pair member", func() error {
				_, err := acctest.Call("vm.DescribeInstance", func() (*vmapis.DescribeInstanceResponse, error) {
					return c.vm.DescribeInstance(vmapis.NewDescribeInstanceRequest(region, master))
				})
				return err
			}},
			{"DeleteInstance on a pair member", func() error {
				_, err := acctest.Call("vm.DeleteInstance", func() (*vmapis.DeleteInstanceResponse, error) {
					return c.vm.DeleteInstance(vmapis.NewDeleteInstanceRequest(region, master))
				})
				return err
			}},
			{"CreateInstances", func() error {
				// A request the account key could make: only the permission is missing.
				name, az, typ, img, pw := "intruder", "cn-east-2a", "g.n2.medium", "img-debian12-x64", "Ha-pair-2026!"
				spec := &vmmodels.InstanceSpec{Name: name, Az: &az, InstanceType: &typ, ImageId: &img, Password: &pw,
					PrimaryNetworkInterface: &vmmodels.InstanceNetworkInterfaceAttachmentSpec{
						NetworkInterface: &vmmodels.NetworkInterfaceSpec{SubnetId: subnet}}}
				_, err := acctest.Call("vm.CreateInstances", func() (*vmapis.CreateInstancesResponse, error) {
					return c.vm.CreateInstances(vmapis.NewCreateInstancesRequest(region, spec))
				})
				return err
			}},
			{"create another access key for itself", func() error {
				_, err := acctest.Call("iam.CreateSubUserAccessKey", func() (*iamapis.CreateSubUserAccessKeyResponse, error) {
					return c.iam.CreateSubUserAccessKey(iamapis.NewCreateSubUserAccessKeyRequest(subUser))
				})
				return err
			}},
		}
		// A list is not refused but shows nothing the key may not list.
		l, err := acctest.Call("vpc.DescribeElasticIps", func() (*vpcapis.DescribeElasticIpsResponse, error) {
			return c.vpc.DescribeElasticIps(vpcapis.NewDescribeElasticIpsRequest(region))
		})
		if err != nil || l.Result.TotalCount != 0 || len(l.Result.ElasticIps) != 0 {
			return fmt.Errorf("list EIPs with the agent's key: %v, %d shown; want an empty list", err, len(l.Result.ElasticIps))
		}
		for _, r := range refusals {
			if err := expectStatus(r.what, r.call(), 403, "HTTP_FORBIDDEN"); err != nil {
				return err
			}
		}
		// Refused means nothing happened.
		if after := countInstances(srv); after != before {
			return fmt.Errorf("instances: %d before the refused calls, %d after", before, after)
		}
		if h := holder(srv, otherEIP); h != "" {
			return fmt.Errorf("the other EIP ended up on %s", h)
		}
		return nil
	}
}

func countInstances(srv *emulator.Server) int {
	vm, _, _, _ := acctest.SDKClients(srv)
	resp, err := acctest.Call("vm.DescribeInstances", func() (*vmapis.DescribeInstancesResponse, error) {
		return vm.DescribeInstances(vmapis.NewDescribeInstancesRequest(acctest.Region(srv)))
	})
	if err != nil {
		return -1
	}
	return resp.Result.TotalCount
}

func mustCall[R any](t *testing.T, name string, send func() (*R, error)) {
	t.Helper()
	if _, err := acctest.Call(name, send); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func tfjsonPath(name string) tfjsonpath.Path { return tfjsonpath.New(name) }

// countCalls counts the API calls srv answered whose name starts with prefix.
func countCalls(t *testing.T, srv *emulator.Server, prefix string) int {
	t.Helper()
	n := 0
	for call, c := range srv.Emulator.Stats().Calls {
		if strings.HasPrefix(call, prefix) {
			n += c
		}
	}
	return n
}

// TestAccFailoverCredentials_rotationFinishesAfterAFailedCleanup: the API
// refuses to delete the old key during a rotation that retires it at once
// (installed_rotation already names the new rotation). The apply fails but
// keeps the new key; the plan still shows the rotation; the next apply only
// removes the old key (no third key is made).
func TestAccFailoverCredentials_rotationFinishesAfterAFailedCleanup(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	target, err := url.Parse(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	var refuseKeyDeletes atomic.Bool
	forward := httputil.NewSingleHostReverseProxy(target) // keeps the Host header the SDK signed
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refuseKeyDeletes.Load() && r.Method == http.MethodDelete && strings.Contains(r.URL.Path, "/accessKey/") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"requestId":"injected","error":{"code":400,"status":"FAILED_PRECONDITION","message":"refused by the test's proxy"}}`))
			return
		}
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	attrs := acctest.ProviderAttrs(srv)
	attrs["endpoint"] = fmt.Sprintf("%q", strings.TrimPrefix(proxy.URL, "http://"))
	config := func(rotation string) string {
		lines := fmt.Sprintf("rotation = %q\n  installed_rotation = %q", rotation, rotation)
		return acctest.ProviderBlock(attrs) + strings.TrimPrefix(credentialsConfigWith(srv, lines, "", "jdcloudha_instance.backup.id"), acctest.ProviderConfig(srv))
	}
	var first keyPair

	resource.ParallelTest(t, acctest.CaseChecking(t, checkNoIAMLeft(srv, &first), []resource.TestStep{
		{Config: config("1"), Check: checkKeyDescribesTheEIP(srv, &first)},
		{
			PreConfig:   func() { refuseKeyDeletes.Store(true) },
			Config:      config("2"),
			ExpectError: acctest.ErrorRegexp("is in state, but retiring the key(s) it replaces failed", "refused by the test's proxy"),
		},
		{
			PreConfig: func() { refuseKeyDeletes.Store(false) },
			Config:    config("2"),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				// The key made by the failed apply is kept, not replaced.
				plancheck.ExpectKnownValue(addr, tfjsonPath("access_key"), knownvalue.NotNull()),
				plancheck.ExpectKnownValue(addr, tfjsonPath("rotation"), knownvalue.StringExact("2")),
			}},
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr(addr, "rotation", "2"),
				checkIAM(srv),
				checkKeyDescribesTheEIP(srv, nil),
				checkKeyRefused(srv, &first),
				func(*terraform.State) error {
					if n := srv.Emulator.Stats().Calls["iam.CreateSubUserAccessKey"]; n != 2 {
						return fmt.Errorf("CreateSubUserAccessKey was called %d times; want 2 (create, one rotation)", n)
					}
					return nil
				},
			),
		},
		{Config: config("2"), PlanOnly: true},
	}))
}

// checkPolicyNames: the policy names the EIP and exactly these two instances.
func checkPolicyNames(srv *emulator.Server, instanceAddrs ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		doc, err := attr(s, addr, "policy_document")
		if err != nil {
			return err
		}
		found := regexp.MustCompile(`instances/(i-[a-z0-9]+)`).FindAllStringSubmatch(doc, -1)
		got := map[string]bool{}
		for _, m := range found {
			got[m[1]] = true
		}
		want := map[string]bool{}
		for _, a := range instanceAddrs {
			id, err := attr(s, a, "id")
			if err != nil {
				return err
			}
			want[id] = true
		}
		if !reflect.DeepEqual(got, want) {
			return fmt.Errorf("policy names instances %v, want %v:\n%s", got, want, doc)
		}
		return nil
	}
}

// checkMemberSwapOnTheWire: after the policy update the same key still reads
// the EIP, may no longer touch the old backup, and may act on the new member.
func checkMemberSwapOnTheWire(srv *emulator.Server, before *keyPair) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		k, err := keyOf(s)
		if err != nil {
			return err
		}
		if k != *before {
			return fmt.Errorf("the key changed from %s to %s on a policy update", before.ak, k.ak)
		}
		if err := checkKeyDescribesTheEIP(srv, nil)(s); err != nil {
			return err
		}
		region := acctest.Region(srv)
		eip, _ := attr(s, "jdcloudha_elastic_ip.vip", "id")
		backup, _ := attr(s, "jdcloudha_instance.backup", "id")
		other, _ := attr(s, "jdcloudha_instance.other", "id")
		c := clientsFor(srv, k.ak, k.sk)
		// The EIP sits on the old backup (the takeover put it there).
		_, err = acctest.Call("vm.DisassociateElasticIp", func() (*vmapis.DisassociateElasticIpResponse, error) {
			return c.vm.DisassociateElasticIp(vmapis.NewDisassociateElasticIpRequest(region, backup, eip))
		})
		if err := expectStatus("disassociate from the removed member", err, 403, "HTTP_FORBIDDEN"); err != nil {
			return err
		}
		if h := holder(srv, eip); h != backup {
			return fmt.Errorf("a refused disassociate moved the EIP to %q", h)
		}
		// On the new member the call is authorized: the API gets to answer
		// on the merits (the EIP is held elsewhere, so 400, not 403).
		_, err = acctest.Call("vm.AssociateElasticIp", func() (*vmapis.AssociateElasticIpResponse, error) {
			return c.vm.AssociateElasticIp(vmapis.NewAssociateElasticIpRequest(region, other, eip))
		})
		return expectStatus("associate with the new member while the EIP is held elsewhere", err, 400, "FAILED_PRECONDITION")
	}
}

// TestAccFailoverCredentials_policyNameClash: a policy of the same name that
// Terraform did not make stops the create with a clear error, is never
// adopted or deleted, and the tainted sub-user is replaced cleanly once the
// clash is gone.
func TestAccFailoverCredentials_policyNameClash(t *testing.T) {
	acctest.PreCheck(t)
	acctest.EachAlternative(t, []string{"iam-deleted-name"}, func(t *testing.T, opt func(*emulator.Options)) {
		srv := acctest.StartEmulator(t, opt)
		_, _, _, admin := acctest.SDKClients(srv)
		const theirs = `{"Version":"3","Statement":[{"Effect":"Allow","Action":["vm:describeInstances"],"Resource":["*"]}]}`
		mustCall(t, "iam.CreatePolicy", func() (*iamapis.CreatePolicyResponse, error) {
			return admin.CreatePolicy(iamapis.NewCreatePolicyRequest(&iammodels.CreatePolicyInfo{Name: policyName, Content: theirs}))
		})
		replace := resource.TestStep{
			PreConfig: func() {
				pol, err := acctest.Call("iam.DescribePolicy", func() (*iamapis.DescribePolicyResponse, error) {
					return admin.DescribePolicy(iamapis.NewDescribePolicyRequest(policyName))
				})
				if err != nil || pol.Result.DefaultPolicyEdition.PolicyDocument != theirs {
					t.Fatalf("the clashing policy was changed or removed: %v %+v", err, pol)
				}
				mustCall(t, "iam.DeletePolicy", func() (*iamapis.DeletePolicyResponse, error) {
					return admin.DeletePolicy(iamapis.NewDeletePolicyRequest(policyName))
				})
			},
			Config: credentialsConfig(srv, "1", ""),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
			}},
			Check: resource.ComposeAggregateTestCheckFunc(checkIAM(srv), checkPolicyDocument(srv), checkKeyDescribesTheEIP(srv, nil)),
		}
		if srv.Emulator.Unknowns().Get("iam-deleted-name") == "refuse" {
			// The tainted sub-user is deleted, and its name is not free yet.
			replace.Check = nil
			replace.ExpectError = acctest.ErrorRegexp("ALREADY_EXISTS", "deleted a moment ago")
		}
		resource.Test(t, acctest.CaseChecking(t, checkNoIAMLeft(srv), []resource.TestStep{
			{
				Config:      credentialsConfig(srv, "1", ""),
				ExpectError: acctest.ErrorRegexp("ALREADY_EXISTS", "already exists and was left alone"),
			},
			replace,
		}))
	})
}

// policyTamper sits in front of the emulator and, right after the provider's
// CreatePolicy or UpdatePolicy succeeds, rewrites the stored document with
// tamper (through the API, with the account key): the policy the cloud
// enforces then differs from the one the provider sent, as when the real
// cloud reads a resource name differently. refuseAgentAssociates injects
// 403s into the first associate calls the agent's key makes, as a policy
// that takes a moment to propagate would.
type policyTamper struct {
	srv                   *emulator.Server
	tamper                func(string) string
	refuseAgentAssociates atomic.Int32
	inside                atomic.Bool
}

func (p *policyTamper) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.inside.Load() {
			next.ServeHTTP(w, r)
			return
		}
		byAgent := !strings.Contains(r.Header.Get("Authorization"), "Credential="+p.srv.AccessKey+"/")
		if byAgent && strings.HasSuffix(r.URL.Path, "%3AassociateElasticIp") || byAgent && strings.HasSuffix(r.URL.Path, ":associateElasticIp") {
			if p.refuseAgentAssociates.Add(-1) >= 0 {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusForbidden)
				_, _ = w.Write([]byte(`{"requestId":"injected","error":{"code":403,"status":"HTTP_FORBIDDEN","message":"No permission (not propagated yet)"}}`))
				return
			}
		}
		isPolicyWrite := r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/policy") ||
			r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/policy/")
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		if isPolicyWrite && p.tamper != nil && rec.Code == http.StatusOK {
			p.rewrite()
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

func (p *policyTamper) rewrite() {
	p.inside.Store(true)
	defer p.inside.Store(false)
	_, _, _, admin := acctest.SDKClients(p.srv)
	pol, err := admin.DescribePolicy(iamapis.NewDescribePolicyRequest(policyName))
	if err != nil || pol.Error.Code != 0 {
		return // the test's checks then fail on an untampered policy
	}
	doc := p.tamper(pol.Result.DefaultPolicyEdition.PolicyDocument)
	_, _ = admin.UpdatePolicy(iamapis.NewUpdatePolicyRequest(policyName, &iammodels.UpdatePolicyInfo{Content: doc}))
}

// checkedLines make the EIP sit on the master before the credentials are
// created, so the self-check can probe associate on both members.
const checkedLines = `rotation            = "1"
  propagation_timeout = "1s"
  depends_on          = [jdcloudha_failover_pair.web]`

// TestAccFailoverCredentials_selfCheckNamesTheRefusedCall: when the policy the
// cloud enforces lacks one action, or names one resource wrongly, the apply
// fails with the agent's refused call named, at create and at rotation.
func TestAccFailoverCredentials_selfCheckNamesTheRefusedCall(t *testing.T) {
	acctest.PreCheck(t)
	for _, tc := range []struct {
		name   string
		tamper func(string) string
		want   []string
	}{
		{"missing disassociate", func(d string) string { return strings.Replace(d, `,"vm:disassociateElasticIp"`, "", 1) },
			[]string{"Failover agent permission refused: vm:disassociateElasticIp", "HTTP_FORBIDDEN"}},
		{"EIP named as elasticip", func(d string) string { return strings.ReplaceAll(d, ":elasticIps/", ":elasticip/") },
			[]string{"Failover agent permission refused: vpc:describeElasticIp", "403"}},
		{"one instance named wrongly", func(d string) string { return strings.Replace(d, ":instances/", ":instance/", 1) },
			[]string{"Failover agent permission refused: vm:associateElasticIp", "with instance i-"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &policyTamper{tamper: tc.tamper}
			p.srv = acctest.StartEmulatorWith(t, p.wrap)
			resource.Test(t, acctest.CaseChecking(t, checkNoIAMLeft(p.srv), []resource.TestStep{{
				Config:      credentialsConfigWith(p.srv, checkedLines, otherResources, "jdcloudha_instance.backup.id"),
				ExpectError: acctest.ErrorRegexp(tc.want...),
			}}))
		})
	}
}

// TestAccFailoverCredentials_selfCheckOnRotationAndPropagation: refusals that
// stop within propagation_timeout do not fail the apply; a rotation whose
// check is refused fails, keeps the previous key working and is retried by
// the next apply without making a third key.
func TestAccFailoverCredentials_selfCheckOnRotationAndPropagation(t *testing.T) {
	acctest.PreCheck(t)
	p := &policyTamper{}
	p.srv = acctest.StartEmulatorWith(t, p.wrap)
	srv := p.srv
	lines := func(rotation, timeout string) string {
		return fmt.Sprintf("rotation = %q\n  propagation_timeout = %q\n  depends_on = [jdcloudha_failover_pair.web]", rotation, timeout)
	}
	var first keyPair
	resource.Test(t, acctest.CaseChecking(t, checkNoIAMLeft(srv, &first), []resource.TestStep{
		{
			// Two refusals, then the key works: within the window.
			PreConfig: func() { p.refuseAgentAssociates.Store(2) },
			Config:    credentialsConfigWith(srv, lines("1", "30s"), otherResources, "jdcloudha_instance.backup.id"),
			Check: resource.ComposeAggregateTestCheckFunc(
				checkKeyDescribesTheEIP(srv, &first),
				func(*terraform.State) error {
					if n := p.refuseAgentAssociates.Load(); n >= 0 {
						return fmt.Errorf("the check made %d fewer associate probes than injected refusals", n+1)
					}
					return nil
				},
			),
		},
		{
			// Refused for longer than the window: the rotation fails.
			PreConfig:   func() { p.refuseAgentAssociates.Store(1 << 20) },
			Config:      credentialsConfigWith(srv, lines("2", "1s"), otherResources, "jdcloudha_instance.backup.id"),
			ExpectError: acctest.ErrorRegexp("Failover agent permission refused: vm:associateElasticIp", "not propagated yet", "propagation_timeout"),
		},
		{
			PreConfig: func() { p.refuseAgentAssociates.Store(0) },
			Config:    credentialsConfigWith(srv, lines("2", "1s"), otherResources, "jdcloudha_instance.backup.id"),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				plancheck.ExpectKnownValue(addr, tfjsonPath("rotation"), knownvalue.StringExact("2")),
			}},
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr(addr, "rotation", "2"),
				checkKeyWorks(srv, &first),
				checkIAM(srv),
				func(s *terraform.State) error {
					if prev, _ := attr(s, addr, "previous_access_key"); prev != first.ak {
						return fmt.Errorf("previous_access_key = %q, want %s", prev, first.ak)
					}
					if n := srv.Emulator.Stats().Calls["iam.CreateSubUserAccessKey"]; n != 2 {
						return fmt.Errorf("CreateSubUserAccessKey was called %d times; want 2 (create, one rotation)", n)
					}
					return nil
				},
			),
		},
		{Config: credentialsConfigWith(srv, lines("2", "1s"), otherResources, "jdcloudha_instance.backup.id"), PlanOnly: true},
	}))
}

// TestAccFailoverCredentials_rotationWindow: the emergency rotation (both
// attributes at once) retires the old key in the same apply; rotating while
// the nodes still run the key two rotations back is refused at plan time.
func TestAccFailoverCredentials_rotationWindow(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	var first, second keyPair
	cfg := func(rotation, installed string) string {
		l := fmt.Sprintf("rotation = %q", rotation)
		if installed != "" {
			l += fmt.Sprintf("\n  installed_rotation = %q", installed)
		}
		return credentialsConfigWith(srv, l, "", "jdcloudha_instance.backup.id")
	}
	resource.Test(t, acctest.CaseChecking(t, checkNoIAMLeft(srv, &first, &second), []resource.TestStep{
		{Config: cfg("1", "1"), Check: checkKeyDescribesTheEIP(srv, &first)},
		{
			Config: cfg("2", "1"),
			Check:  resource.ComposeAggregateTestCheckFunc(checkKeyDescribesTheEIP(srv, &second), checkKeyWorks(srv, &first), checkIAM(srv)),
		},
		{
			Config:      cfg("3", "1"),
			PlanOnly:    true,
			ExpectError: acctest.ErrorRegexp("still run the key of rotation \"1\"", "installed_rotation = \"2\""),
		},
		{
			Config:      cfg("3", "nothing"),
			PlanOnly:    true,
			ExpectError: acctest.ErrorRegexp("installed_rotation \"nothing\" is neither"),
		},
		{
			// After a suspected leak: new key, every old one retired now.
			Config: cfg("3", "3"),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckNoResourceAttr(addr, "previous_access_key"),
				checkKeyRefused(srv, &first), checkKeyRefused(srv, &second), checkIAM(srv), checkKeyDescribesTheEIP(srv, nil)),
		},
		{Config: cfg("3", "3"), PlanOnly: true},
	}))
}
