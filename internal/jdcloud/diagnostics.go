package jdcloud

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloudapi"
)

// IsNotFound reports whether err is the API's 404 NOT_FOUND.
func IsNotFound(err error) bool { return jdcloudapi.IsNotFound(err) }

// IsAlreadyInUse reports a refusal because the object is taken (an EIP
// another instance holds, a private IP something holds).
func IsAlreadyInUse(err error) bool { return jdcloudapi.IsAlreadyInUse(err) }

// IsNotAssociated reports a disassociation refused because the EIP is not on
// that instance.
func IsNotAssociated(err error) bool { return jdcloudapi.IsNotAssociated(err) }

// HasStatus reports whether err is an API error with the given status.
func HasStatus(err error, status string) bool { return jdcloudapi.HasStatus(err, status) }

// IsRetryable reports an API error that may pass if the call is made again
// (a transport failure, 5xx, 429).
func IsRetryable(err error) bool {
	e, ok := jdcloudapi.AsError(err)
	return ok && e.Retryable()
}

// AddError appends one error diagnostic for a failed operation. The summary
// names the operation and resource ("creating instance \"web-master\""); the
// detail names the API call, its status, message and request ID, which is
// what JD Cloud support asks for.
func AddError(diags *diag.Diagnostics, operation string, err error) {
	diags.AddError("Error "+operation, Detail(err))
}

// Detail renders err for a diagnostic.
func Detail(err error) string {
	e, ok := jdcloudapi.AsError(err)
	if !ok {
		return err.Error()
	}
	switch e.Kind {
	case jdcloudapi.KindAPI:
		s := fmt.Sprintf("API call: %s\nStatus: %d %s\nMessage: %s\nRequest ID: %s", e.Call, e.Code, e.Status, e.Message, orNone(e.RequestID))
		if e.Attempts > 1 {
			s += fmt.Sprintf("\nAttempts: %d", e.Attempts)
		}
		// By code, not status: the gateway answers a bad signature with
		// 401 ACCESS_ERROR and other services have used other words.
		switch e.Code {
		case 401:
			s += "\n\nCheck access_key/secret_key (or JDCLOUD_ACCESS_KEY/JDCLOUD_SECRET_KEY, or the jdc profile)."
		case 403:
			s += "\n\nThe credentials are valid but not allowed to make this call on this resource."
		}
		return s
	case jdcloudapi.KindBadBody:
		return fmt.Sprintf("API call: %s\nThe endpoint answered with something that is not a JD Cloud API response (a proxy error page?): %v\nAttempts: %d", e.Call, e.Err, e.Attempts)
	default:
		if errors.Is(e.Err, context.Canceled) {
			return fmt.Sprintf("API call: %s\nCancelled before it completed (interrupted): %v\nAttempts: %d", e.Call, e.Err, e.Attempts)
		}
		return fmt.Sprintf("API call: %s\nCould not reach the API: %v\nAttempts: %d\n\nCheck endpoint, scheme and network access.", e.Call, e.Err, e.Attempts)
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// FromProviderData extracts the client that the provider's Configure stored in
// ProviderData. It returns nil without a diagnostic when the provider is not
// configured yet (Terraform calls resource Configure early during validation).
func FromProviderData(data any, diags *diag.Diagnostics) *Client {
	if data == nil {
		return nil
	}
	c, ok := data.(*Client)
	if !ok {
		diags.AddError("Unexpected provider data", fmt.Sprintf("expected *jdcloud.Client, got %T: this is a bug in the provider", data))
		return nil
	}
	return c
}
