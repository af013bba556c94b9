package jdcloud

import (
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/apicall"
)

func TestAddErrorNamesCallStatusMessageAndRequestID(t *testing.T) {
	var diags diag.Diagnostics
	AddError(&diags, `creating instance "web-master"`, &apicall.Error{Call: "vm.CreateInstances", Kind: apicall.KindAPI, Code: 401, Status: "UNAUTHENTICATED", Message: "signature mismatch", RequestID: "req-42", Attempts: 1})
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

func TestDetailForTransportAndBadBody(t *testing.T) {
	got := Detail(&apicall.Error{Call: "vpc.DescribeVpc", Kind: apicall.KindTransport, Err: errors.New("connection refused"), Attempts: 7})
	if !strings.Contains(got, "connection refused") || !strings.Contains(got, "Attempts: 7") || !strings.Contains(got, "endpoint") {
		t.Errorf("transport detail: %s", got)
	}
	got = Detail(&apicall.Error{Call: "vpc.DescribeVpc", Kind: apicall.KindBadBody, Err: errors.New("invalid character '<'"), Attempts: 7})
	if !strings.Contains(got, "not a JD Cloud API response") {
		t.Errorf("bad body detail: %s", got)
	}
	if Detail(errors.New("plain")) != "plain" {
		t.Error("a non-API error is shown as is")
	}
}
