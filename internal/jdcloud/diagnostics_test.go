package jdcloud

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloudapi"
)

func TestAddErrorNamesCallStatusMessageAndRequestID(t *testing.T) {
	var diags diag.Diagnostics
	AddError(&diags, `creating instance "web-master"`, &jdcloudapi.Error{Call: "vm.CreateInstances", Kind: jdcloudapi.KindAPI, Code: 401, Status: "UNAUTHENTICATED", Message: "signature mismatch", RequestID: "req-42", Attempts: 1})
	if len(diags) != 1 || diags[0].Severity() != diag.SeverityError {
		t.Fatalf("want one error, got %v", diags)
	}
	d := diags[0]
	for _, want := range []string{"vm.CreateInstances", "401 UNAUTHENTICATED", "signature mismatch", "req-42", "JDCLOUD_ACCESS_KEY"} {
		if !strings.Contains(d.Detail(), want) {
			t.Errorf("detail lacks %q:\n%s", want, d.Detail())
		}
	}
	if d.Summary() != `Error creating instance "web-master"` {
		t.Errorf("summary = %q", d.Summary())
	}
}

// The credentials hint keys on the code: the real gateway's bad-signature
// status is ACCESS_ERROR, other answers have said UNAUTHENTICATED.
func TestDetailCredentialsHintByCode(t *testing.T) {
	for _, status := range []string{"ACCESS_ERROR", "UNAUTHENTICATED"} {
		got := Detail(&jdcloudapi.Error{Call: "vpc.CreateVpc", Kind: jdcloudapi.KindAPI, Code: 401, Status: status, Message: "sign result is not same [gw]", Attempts: 1})
		if !strings.Contains(got, "access_key/secret_key") {
			t.Errorf("401 %s: no credentials hint:\n%s", status, got)
		}
	}
	got := Detail(&jdcloudapi.Error{Call: "vpc.CreateVpc", Kind: jdcloudapi.KindAPI, Code: 403, Status: "HTTP_FORBIDDEN", Message: "no permission", Attempts: 1})
	if !strings.Contains(got, "not allowed") || strings.Contains(got, "access_key/secret_key") {
		t.Errorf("403: %s", got)
	}
	got = Detail(&jdcloudapi.Error{Call: "vpc.CreateVpc", Kind: jdcloudapi.KindAPI, Code: 400, Status: "ACCESS_ERROR", Message: "x", Attempts: 1})
	if strings.Contains(got, "access_key/secret_key") {
		t.Errorf("a 400 got the credentials hint: %s", got)
	}
}

func TestDetailForCancellation(t *testing.T) {
	got := Detail(&jdcloudapi.Error{Call: "vm.DescribeInstance", Kind: jdcloudapi.KindTransport, Err: context.Canceled, Attempts: 1})
	if !strings.Contains(got, "Cancelled") || strings.Contains(got, "Check endpoint") {
		t.Errorf("cancellation detail: %s", got)
	}
}

func TestDetailForTransportAndBadBody(t *testing.T) {
	got := Detail(&jdcloudapi.Error{Call: "vpc.DescribeVpc", Kind: jdcloudapi.KindTransport, Err: errors.New("connection refused"), Attempts: 7})
	if !strings.Contains(got, "connection refused") || !strings.Contains(got, "Attempts: 7") || !strings.Contains(got, "endpoint") {
		t.Errorf("transport detail: %s", got)
	}
	got = Detail(&jdcloudapi.Error{Call: "vpc.DescribeVpc", Kind: jdcloudapi.KindBadBody, Err: errors.New("invalid character '<'"), Attempts: 7})
	if !strings.Contains(got, "not a JD Cloud API response") {
		t.Errorf("bad body detail: %s", got)
	}
	if Detail(errors.New("plain")) != "plain" {
		t.Error("a non-API error is shown as is")
	}
}
