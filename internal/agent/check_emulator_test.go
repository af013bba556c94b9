package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	iamapis "github.com/jdcloud-api/jdcloud-sdk-go/services/iam/apis"
	iamclient "github.com/jdcloud-api/jdcloud-sdk-go/services/iam/client"
	iammodels "github.com/jdcloud-api/jdcloud-sdk-go/services/iam/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil"
)

// subUserKey makes a sub-user with one policy (statements as given) and
// returns its access key, through the emulator's IAM API.
func (p *pair) subUserKey(t *testing.T, name string, statements []map[string]any) Credentials {
	t.Helper()
	iam := testutil.SDKClient(p.srv, iamclient.NewIamClient)

	u, err := iam.CreateSubUser(iamapis.NewCreateSubUserRequest(&iammodels.CreateSubUserInfo{Name: name, Password: "Check-pass-1!"}))
	testutil.APIOK(t, "CreateSubUser", err, u.Error)
	doc, _ := json.Marshal(map[string]any{"Version": "3", "Statement": statements})
	pol, err := iam.CreatePolicy(iamapis.NewCreatePolicyRequest(&iammodels.CreatePolicyInfo{Name: name + "-policy", Content: string(doc)}))
	testutil.APIOK(t, "CreatePolicy", err, pol.Error)
	at, err := iam.AttachSubUserPolicy(iamapis.NewAttachSubUserPolicyRequest(name, name+"-policy"))
	testutil.APIOK(t, "AttachSubUserPolicy", err, at.Error)
	k, err := iam.CreateSubUserAccessKey(iamapis.NewCreateSubUserAccessKeyRequest(name))
	testutil.APIOK(t, "CreateSubUserAccessKey", err, k.Error)
	return Credentials{AccessKey: k.Result.UserAccessKey.AccessKey, SecretKey: k.Result.UserAccessKey.SecretAccessKey}
}

// TestCheckPermissionsAgainstEmulatorIAM: the emulator enforces sub-user
// policies, so a policy missing an action or an instance fails the check
// with the call and instance named, and a full one passes; nothing moves.
func TestCheckPermissionsAgainstEmulatorIAM(t *testing.T) {
	p := startPair(t, 7)
	p.place(t, p.a)
	allow := func(actions []string, resources ...string) map[string]any {
		return map[string]any{"Effect": "Allow", "Action": actions, "Resource": resources}
	}
	move := []string{ActionAssociateElasticIP, ActionDisassociateElasticIP}
	describe := allow([]string{ActionDescribeElasticIP}, "*")
	cloudFor := func(cred Credentials) Cloud {
		return NewSDKCloud(Config{Scheme: "http", Endpoint: p.srv.Endpoint}, cred)
	}
	for _, tc := range []struct {
		name       string
		statements []map[string]any
		call       string // "" = passes
		instance   string
	}{
		{"full", []map[string]any{describe, allow(move, "*")}, "", ""},
		{"nodescribe", []map[string]any{allow(move, "*")}, ActionDescribeElasticIP, ""},
		{"noassociate", []map[string]any{describe, allow([]string{ActionDisassociateElasticIP}, "*")}, ActionAssociateElasticIP, p.a},
		{"nodisassoc", []map[string]any{describe, allow([]string{ActionAssociateElasticIP}, "*")}, ActionDisassociateElasticIP, p.b},
		// JD Cloud's JRNs: the OpenAPI path segment and the real account id.
		{"onlyone", []map[string]any{describe, allow(move,
			"jrn:vm:"+emuRegion+":"+emulator.AccountID+":instances/"+p.a,
			"jrn:vpc:"+emuRegion+":"+emulator.AccountID+":elasticIps/"+p.EIP)}, ActionAssociateElasticIP, p.b},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cred := p.subUserKey(t, "chk"+tc.name, tc.statements)
			err := CheckPermissions(context.Background(), cloudFor(cred), emuRegion, p.EIP, []string{p.a, p.b})
			if tc.call == "" {
				if err != nil {
					t.Fatalf("full policy: %v", err)
				}
			} else {
				pe, ok := AsPermissionError(err)
				if !ok {
					t.Fatalf("want a *PermissionError naming %s, got %v", tc.call, err)
				}
				if pe.Call != tc.call || pe.InstanceID != tc.instance || pe.Code != 403 {
					t.Fatalf("got %+v, want call %s instance %s", pe, tc.call, tc.instance)
				}
			}
			if h := p.Holder(t); h != p.a {
				t.Fatalf("the check moved the EIP to %q", h)
			}
		})
	}
	// A bad secret is a 401: also a *PermissionError, saying credentials.
	err := CheckPermissions(context.Background(), cloudFor(Credentials{AccessKey: p.srv.AccessKey, SecretKey: "wrong"}), emuRegion, p.EIP, []string{p.a, p.b})
	if pe, ok := AsPermissionError(err); !ok || pe.Code != 401 {
		t.Fatalf("bad secret: %v", fmt.Sprint(err))
	}
}
