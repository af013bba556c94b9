package emulator

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/jdcloud-api/jdcloud-sdk-go/core"
	iamapi "github.com/jdcloud-api/jdcloud-sdk-go/services/iam/apis"
	iamm "github.com/jdcloud-api/jdcloud-sdk-go/services/iam/models"
	vmapi "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vpcapi "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
)

// Conformance of the IAM rules of JD Cloud's documentation (FACTS section 0,
// FIDELITY.md), each driven through the real SDK.

const goodPassword = "Agent-Pass9"

func (c *clients) subUser(t *testing.T, name string) {
	t.Helper()
	r, err := c.iam.CreateSubUser(iamapi.NewCreateSubUserRequest(&iamm.CreateSubUserInfo{Name: name, Password: goodPassword}))
	check(t, err, r.Error, "CreateSubUser "+name)
}

// scopedKey gives a new sub-user name one policy with these statements and
// returns SDK clients signing with its key.
func (c *clients) scopedKey(t *testing.T, name string, statements ...map[string]any) *clients {
	t.Helper()
	c.subUser(t, name)
	doc, _ := json.Marshal(map[string]any{"Version": "3", "Statement": statements})
	p, err := c.iam.CreatePolicy(iamapi.NewCreatePolicyRequest(&iamm.CreatePolicyInfo{Name: name + "-policy", Content: string(doc)}))
	check(t, err, p.Error, "CreatePolicy")
	a, err := c.iam.AttachSubUserPolicy(iamapi.NewAttachSubUserPolicyRequest(name, name+"-policy"))
	check(t, err, a.Error, "AttachSubUserPolicy")
	k, err := c.iam.CreateSubUserAccessKey(iamapi.NewCreateSubUserAccessKeyRequest(name))
	check(t, err, k.Error, "CreateSubUserAccessKey")
	return newClients(c.srv.Endpoint, k.Result.UserAccessKey.AccessKey, k.Result.UserAccessKey.SecretAccessKey)
}

// wantCode checks the code only, where the status spelling is another rule's.
func wantCode(t testing.TB, err error, e core.ErrorResponse, code int, msgPart string) {
	t.Helper()
	if err != nil {
		t.Fatalf("transport error: %v", err)
	}
	if e.Code != code || !contains(e.Message, msgPart) {
		t.Fatalf("want %d (%q), got %d %s: %s", code, msgPart, e.Code, e.Status, e.Message)
	}
}

func allow(actions []string, resources ...string) map[string]any {
	return map[string]any{"Effect": "Allow", "Action": actions, "Resource": resources}
}

func TestIAMSubUserShowsTheRealAccountID(t *testing.T) {
	c := startEmu(t, Options{})
	// The SDK's CreateSubUserRes has no account field: read the raw answer.
	body, err := c.iam.Send(iamapi.NewCreateSubUserRequest(&iamm.CreateSubUserInfo{Name: "agent01", Password: goodPassword}), "iam")
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		Result struct {
			SubUser struct {
				Account string `json:"account"`
			} `json:"subUser"`
		} `json:"result"`
	}
	if err := json.Unmarshal(body, &created); err != nil || created.Result.SubUser.Account != AccountID {
		t.Fatalf("CreateSubUser answer %s: want account %s (%v)", body, AccountID, err)
	}
	d, err := c.iam.DescribeSubUser(iamapi.NewDescribeSubUserRequest("agent01"))
	check(t, err, d.Error, "DescribeSubUser")
	acct := d.Result.SubUser.Account
	if len(acct) != 12 || strings.Trim(acct, "0123456789") != "" || acct != AccountID {
		t.Fatalf("account %q: want the 12-digit main account id %s", acct, AccountID)
	}
}

// TestIAMJRNSpellings: a policy names resources as jrn:<svc>:<region>:<account>:
// <first-level OpenAPI path segment>/<id>; the spellings the emulator used
// to accept (elasticip/…, an account of '*') match nothing by default.
func TestIAMJRNSpellings(t *testing.T) {
	for _, sw := range []string{"refuse", "accept"} {
		t.Run("iam-account-wildcard="+sw, func(t *testing.T) {
			u, err := ParseUnknowns("iam-account-wildcard=" + sw)
			if err != nil {
				t.Fatal(err)
			}
			c := startEmu(t, Options{Unknowns: u})
			eip, _ := c.createEIP(t, "")
			describe := []string{"vpc:describeElasticIp"}
			for _, tc := range []struct {
				name, resource string
				ok             bool
			}{
				{"documented", fmt.Sprintf("jrn:vpc:%s:%s:elasticIps/%s", region, AccountID, eip), true},
				{"region wildcard", fmt.Sprintf("jrn:vpc:*:%s:elasticIps/%s", AccountID, eip), true},
				{"resource wildcard", fmt.Sprintf("jrn:vpc:%s:%s:elasticIps/*", region, AccountID), true},
				{"every resource", "*", true},
				{"old kind elasticip", fmt.Sprintf("jrn:vpc:%s:%s:elasticip/%s", region, AccountID, eip), false},
				{"lower-case kind", fmt.Sprintf("jrn:vpc:%s:%s:elasticips/%s", region, AccountID, eip), false},
				{"another account", fmt.Sprintf("jrn:vpc:%s:123456789012:elasticIps/%s", region, eip), false},
				{"account wildcard", fmt.Sprintf("jrn:vpc:%s:*:elasticIps/%s", region, eip), sw == "accept"},
				{"no account part", "jrn:vpc:*", sw == "accept"},
			} {
				name := fmt.Sprintf("u%d", len(tc.name)) + strings.ReplaceAll(tc.name, " ", "")[:4]
				agent := c.scopedKey(t, name, allow(describe, tc.resource))
				d, err := agent.vpc.DescribeElasticIp(vpcapi.NewDescribeElasticIpRequest(region, eip))
				if tc.ok {
					check(t, err, d.Error, tc.name+": DescribeElasticIp with "+tc.resource)
				} else {
					wantErr(t, err, d.Error, 403, "HTTP_FORBIDDEN", "elasticIps/"+eip)
				}
			}
		})
	}
}

// TestIAMResourceKindsOfTheAgentsCalls: associating names the instance as
// instances/i-… and the EIP as elasticIps/fip-…; the vpc call on a network
// interface names networkInterfaces/port-…; a create in an availability
// group names availabilityGroups/ag-….
func TestIAMResourceKindsOfTheAgentsCalls(t *testing.T) {
	c := startEmu(t, Options{})
	running, eip := c.runningWithEIP(t, "web", 1)
	in := running[0]
	acct := func(svc, kind, id string) string {
		return fmt.Sprintf("jrn:%s:%s:%s:%s/%s", svc, region, AccountID, kind, id)
	}
	agent := c.scopedKey(t, "mover", allow([]string{"vm:associateElasticIp", "vm:disassociateElasticIp"},
		acct("vm", "instances", in.InstanceId), acct("vpc", "elasticIps", eip)))
	as, err := agent.vm.AssociateElasticIp(vmapi.NewAssociateElasticIpRequest(region, in.InstanceId, eip))
	check(t, err, as.Error, "AssociateElasticIp with instances/ and elasticIps/")
	c.waitEIP(t, eip, in.InstanceId) // eip-association=async: the association shows after a moment
	ds, err := agent.vm.DisassociateElasticIp(vmapi.NewDisassociateElasticIpRequest(region, in.InstanceId, eip))
	check(t, err, ds.Error, "DisassociateElasticIp")
	c.waitEIP(t, eip, "")

	port := in.PrimaryNetworkInterface.NetworkInterface.NetworkInterfaceId
	ni := c.scopedKey(t, "niuser", allow([]string{"vpc:associateElasticIp"}, acct("vpc", "networkInterfaces", port), acct("vpc", "elasticIps", eip)))
	req := vpcapi.NewAssociateElasticIpRequest(region, port)
	req.ElasticIpId = &eip
	r, err := ni.vpc.AssociateElasticIp(req)
	check(t, err, r.Error, "vpc AssociateElasticIp with networkInterfaces/")

	wrong := c.scopedKey(t, "wrongkind", allow([]string{"vm:associateElasticIp"},
		acct("vm", "instances", in.InstanceId), acct("vpc", "elasticip", eip)))
	as, err = wrong.vm.AssociateElasticIp(vmapi.NewAssociateElasticIpRequest(region, in.InstanceId, eip))
	wantErr(t, err, as.Error, 403, "HTTP_FORBIDDEN", "elasticIps/"+eip)
}

func TestIAMPasswordPolicy(t *testing.T) {
	c := startEmu(t, Options{})
	for i, tc := range []struct {
		password string
		ok       bool
	}{
		{"Agent-Pass9", true},
		{"aB3$efgh", true},
		{"AgentPass99", false},           // no special character (the SDK's note allows it; the docs' default policy does not)
		{"agent-pass9", false},           // no upper case
		{"AGENT-PASS9", false},           // no lower case
		{"Agent-Passw", false},           // no digit
		{"aB3$efg", false},               // 7 characters
		{"aB3$efghijklmnopqrstu", false}, // 21 characters
		{"", false},
	} {
		name := fmt.Sprintf("pw-user-%d", i)
		r, err := c.iam.CreateSubUser(iamapi.NewCreateSubUserRequest(&iamm.CreateSubUserInfo{Name: name, Password: tc.password}))
		if tc.ok {
			check(t, err, r.Error, "CreateSubUser with password "+tc.password)
		} else {
			wantErr(t, err, r.Error, 400, "INVALID_ARGUMENT", "password")
		}
	}
	yes, no := true, false
	r, err := c.iam.CreateSubUser(iamapi.NewCreateSubUserRequest(&iamm.CreateSubUserInfo{Name: "pw-auto", AutoGeneratePassword: &yes, ConsoleLogin: &no}))
	check(t, err, r.Error, "CreateSubUser with autoGeneratePassword")
	if validPassword(r.Result.SubUser.Password) != nil {
		t.Errorf("generated password %q does not meet the policy", r.Result.SubUser.Password)
	}
}

func TestIAMNames(t *testing.T) {
	c := startEmu(t, Options{})
	for _, tc := range []struct {
		name string
		ok   bool
	}{{"abcd", true}, {"a-b_c9", true}, {"abc", false}, {"9abc", false}, {"-abc", false}, {"abc.d", false}, {strings.Repeat("a", 20), true}, {strings.Repeat("a", 21), false}} {
		r, err := c.iam.CreateSubUser(iamapi.NewCreateSubUserRequest(&iamm.CreateSubUserInfo{Name: tc.name, Password: goodPassword}))
		if tc.ok {
			check(t, err, r.Error, "CreateSubUser "+tc.name)
		} else {
			wantErr(t, err, r.Error, 400, "INVALID_ARGUMENT", "sub-user name")
		}
	}
	const doc = `{"Version":"3","Statement":[{"Effect":"Allow","Action":["vm:describeInstance"],"Resource":["*"]}]}`
	for _, tc := range []struct {
		name string
		ok   bool
	}{{"pol1", true}, {"Pol_1-x", true}, {"pol", false}, {"1pol", false}, {"_pol", false}, {"pol.1", false}, {"p" + strings.Repeat("x", 63), true}, {"p" + strings.Repeat("x", 64), false}} {
		r, err := c.iam.CreatePolicy(iamapi.NewCreatePolicyRequest(&iamm.CreatePolicyInfo{Name: tc.name, Content: doc}))
		if tc.ok {
			check(t, err, r.Error, "CreatePolicy "+tc.name)
		} else {
			wantErr(t, err, r.Error, 400, "INVALID_ARGUMENT", "policy name")
		}
	}
}

// policyOfLength is a valid document of exactly n characters.
func policyOfLength(t *testing.T, n int) string {
	t.Helper()
	base := `{"Version":"3","Statement":[{"Effect":"Allow","Action":["vm:describeInstance"],"Resource":["jrn:vm:*:` + AccountID + `:instances/i-"]}]}`
	pad := n - len(base)
	if pad < 0 {
		t.Fatalf("n=%d is shorter than the base document", n)
	}
	doc := strings.Replace(base, "instances/i-", "instances/i-"+strings.Repeat("x", pad), 1)
	if len(doc) != n {
		t.Fatalf("built %d characters, want %d", len(doc), n)
	}
	return doc
}

func TestIAMPolicyContentLimit(t *testing.T) {
	c := startEmu(t, Options{})
	r, err := c.iam.CreatePolicy(iamapi.NewCreatePolicyRequest(&iamm.CreatePolicyInfo{Name: "at-limit", Content: policyOfLength(t, 6144)}))
	check(t, err, r.Error, "CreatePolicy of 6144 characters")
	r, err = c.iam.CreatePolicy(iamapi.NewCreatePolicyRequest(&iamm.CreatePolicyInfo{Name: "over-limit", Content: policyOfLength(t, 6145)}))
	wantErr(t, err, r.Error, 400, "INVALID_ARGUMENT", "6144")
	u, err := c.iam.UpdatePolicy(iamapi.NewUpdatePolicyRequest("at-limit", &iamm.UpdatePolicyInfo{Content: policyOfLength(t, 6145)}))
	wantErr(t, err, u.Error, 400, "INVALID_ARGUMENT", "6144")
}

func TestIAMTenPoliciesPerSubUser(t *testing.T) {
	c := startEmu(t, Options{})
	c.subUser(t, "many")
	const doc = `{"Version":"3","Statement":[{"Effect":"Allow","Action":["vm:describeInstance"],"Resource":["*"]}]}`
	for i := 1; i <= 11; i++ {
		name := fmt.Sprintf("pol-%02d", i)
		p, err := c.iam.CreatePolicy(iamapi.NewCreatePolicyRequest(&iamm.CreatePolicyInfo{Name: name, Content: doc}))
		check(t, err, p.Error, "CreatePolicy "+name)
		a, err := c.iam.AttachSubUserPolicy(iamapi.NewAttachSubUserPolicyRequest("many", name))
		if i <= 10 {
			check(t, err, a.Error, "AttachSubUserPolicy "+name)
		} else {
			wantErr(t, err, a.Error, 429, "QUOTA_EXCEEDED", "10 policies")
		}
	}
}

func TestIAMTwoAccessKeysPerSubUser(t *testing.T) {
	c := startEmu(t, Options{})
	c.subUser(t, "keys")
	for i := 1; i <= 3; i++ {
		k, err := c.iam.CreateSubUserAccessKey(iamapi.NewCreateSubUserAccessKeyRequest("keys"))
		if i <= 2 {
			check(t, err, k.Error, "CreateSubUserAccessKey")
		} else {
			wantErr(t, err, k.Error, 429, "QUOTA_EXCEEDED", "2 access keys")
		}
	}
}

// TestIAMSoftDelete: a deleted sub-user stops working at once, is listed by
// QueryDeletedSubUsers and comes back, keys and policies, with
// RestoreSubUser; its name is refused by CreateSubUser unless the
// iam-deleted-name switch says names are reused.
func TestIAMSoftDelete(t *testing.T) {
	for _, sw := range []string{"refuse", "reuse"} {
		t.Run("iam-deleted-name="+sw, func(t *testing.T) {
			u, _ := ParseUnknowns("iam-deleted-name=" + sw)
			c := startEmu(t, Options{Unknowns: u})
			eip, _ := c.createEIP(t, "")
			agent := c.scopedKey(t, "gone", allow([]string{"vpc:describeElasticIp"}, "*"))
			d, err := agent.vpc.DescribeElasticIp(vpcapi.NewDescribeElasticIpRequest(region, eip))
			check(t, err, d.Error, "DescribeElasticIp before the delete")

			del, err := c.iam.DeleteSubUser(iamapi.NewDeleteSubUserRequest("gone"))
			check(t, err, del.Error, "DeleteSubUser")
			d, err = agent.vpc.DescribeElasticIp(vpcapi.NewDescribeElasticIpRequest(region, eip))
			wantCode(t, err, d.Error, 401, "access key")
			ds, err := c.iam.DescribeSubUser(iamapi.NewDescribeSubUserRequest("gone"))
			wantErr(t, err, ds.Error, 404, "NOT_FOUND", "gone")

			q, err := c.iam.QueryDeletedSubUsers(iamapi.NewQueryDeletedSubUsersRequest(AccountID))
			check(t, err, q.Error, "QueryDeletedSubUsers")
			if q.Result.Total != 1 || len(q.Result.SubUsers) != 1 || q.Result.SubUsers[0].Name != "gone" {
				t.Fatalf("deleted sub-users %+v, want only gone", q.Result)
			}
			pin := q.Result.SubUsers[0].Pin

			cr, err := c.iam.CreateSubUser(iamapi.NewCreateSubUserRequest(&iamm.CreateSubUserInfo{Name: "gone", Password: goodPassword}))
			if sw == "refuse" {
				wantErr(t, err, cr.Error, 409, "ALREADY_EXISTS", "restored")
				rs := iamapi.NewRestoreSubUserRequest()
				rs.Account, rs.SubUserPin = strp(AccountID), &pin
				r, err := c.iam.RestoreSubUser(rs)
				check(t, err, r.Error, "RestoreSubUser")
				d, err = agent.vpc.DescribeElasticIp(vpcapi.NewDescribeElasticIpRequest(region, eip))
				check(t, err, d.Error, "DescribeElasticIp with the restored key and policy")
				q, err = c.iam.QueryDeletedSubUsers(iamapi.NewQueryDeletedSubUsersRequest(AccountID))
				check(t, err, q.Error, "QueryDeletedSubUsers")
				if q.Result.Total != 0 {
					t.Fatalf("a restored sub-user is still listed as deleted: %+v", q.Result)
				}
			} else {
				check(t, err, cr.Error, "CreateSubUser with a deleted name")
				rs := iamapi.NewRestoreSubUserRequest()
				rs.Account, rs.SubUserPin = strp(AccountID), &pin
				r, err := c.iam.RestoreSubUser(rs)
				wantErr(t, err, r.Error, 404, "NOT_FOUND", pin)
				d, err = agent.vpc.DescribeElasticIp(vpcapi.NewDescribeElasticIpRequest(region, eip))
				wantCode(t, err, d.Error, 401, "access key")
			}
		})
	}
}

// TestIAMScopedListsAreFiltered: a list call by a sub-user shows only what
// its policies allow the list action on; it is not refused.
func TestIAMScopedListsAreFiltered(t *testing.T) {
	c := startEmu(t, Options{})
	mine, _ := c.createEIP(t, "")
	c.createEIP(t, "")
	c.createEIP(t, "")
	_, subnetID, _ := c.network(t)
	c.createInstances(t, instanceSpec("web", "cn-east-2a", subnetID, ""), 2, "")
	agent := c.scopedKey(t, "lister", allow([]string{"vpc:describeElasticIps"},
		fmt.Sprintf("jrn:vpc:%s:%s:elasticIps/%s", region, AccountID, mine)))

	l, err := agent.vpc.DescribeElasticIps(vpcapi.NewDescribeElasticIpsRequest(region))
	check(t, err, l.Error, "DescribeElasticIps by a scoped sub-user")
	if l.Result.TotalCount != 1 || len(l.Result.ElasticIps) != 1 || l.Result.ElasticIps[0].ElasticIpId != mine {
		t.Fatalf("scoped list: %d of %+v; want only %s", l.Result.TotalCount, l.Result.ElasticIps, mine)
	}
	all, err := c.vpc.DescribeElasticIps(vpcapi.NewDescribeElasticIpsRequest(region))
	check(t, err, all.Error, "DescribeElasticIps by the account")
	if all.Result.TotalCount != 3 {
		t.Fatalf("the account sees %d EIPs after a scoped list, want 3 (the view must not leak into the state)", all.Result.TotalCount)
	}
	in, err := agent.vm.DescribeInstances(vmapi.NewDescribeInstancesRequest(region))
	check(t, err, in.Error, "DescribeInstances with no right on any instance")
	if in.Result.TotalCount != 0 || len(in.Result.Instances) != 0 {
		t.Fatalf("DescribeInstances shows %d instances to a sub-user without rights on them", in.Result.TotalCount)
	}
	su, err := agent.iam.DescribeSubUsers(iamapi.NewDescribeSubUsersRequest())
	check(t, err, su.Error, "DescribeSubUsers")
	if su.Result.Total != 0 {
		t.Fatalf("DescribeSubUsers shows %d sub-users to a sub-user without IAM rights", su.Result.Total)
	}
	// A call on one resource is still refused, not filtered.
	d, err := agent.vpc.DescribeElasticIp(vpcapi.NewDescribeElasticIpRequest(region, mine))
	wantErr(t, err, d.Error, 403, "HTTP_FORBIDDEN", "vpc:describeElasticIp")
}

func TestIAMUpdateSubUserDescription(t *testing.T) {
	c := startEmu(t, Options{})
	c.subUser(t, "described")
	u, err := c.iam.UpdateSubUser(iamapi.NewUpdateSubUserRequest("described", &iamm.UpdateSubUserInfo{Description: strp("new words")}))
	check(t, err, u.Error, "UpdateSubUser")
	d, err := c.iam.DescribeSubUser(iamapi.NewDescribeSubUserRequest("described"))
	check(t, err, d.Error, "DescribeSubUser")
	if d.Result.SubUser.Description != "new words" {
		t.Fatalf("description %q after UpdateSubUser", d.Result.SubUser.Description)
	}
	u, err = c.iam.UpdateSubUser(iamapi.NewUpdateSubUserRequest("described", &iamm.UpdateSubUserInfo{Description: strp(strings.Repeat("x", 257))}))
	wantErr(t, err, u.Error, 400, "INVALID_ARGUMENT", "256")
}
