package agent

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloudapi"
)

func errorDetail(e *jdcloudapi.Error) string {
	switch e.Kind {
	case jdcloudapi.KindAPI:
		return fmt.Sprintf("%d %s: %s", e.Code, e.Status, e.Message)
	case jdcloudapi.KindBadBody:
		return fmt.Sprintf("response was not a JSON API envelope: %v", e.Err)
	}
	return fmt.Sprintf("transport error: %v", e.Err)
}

// isProcessing: the API refused a change because the EIP is still PROCESSING
// an earlier one (an associate right after a disassociate may be refused for
// a moment). Always worth retrying.
func isProcessing(err error) bool {
	e, ok := jdcloudapi.AsError(err)
	if !ok || e.Kind != jdcloudapi.KindAPI || e.Code != 400 && e.Code != 409 {
		return false
	}
	m := strings.ToLower(e.Message)
	return strings.Contains(m, "processing") || strings.Contains(m, "retry later")
}

func isAuthError(err error) bool {
	e, ok := jdcloudapi.AsError(err)
	if !ok || e.Kind != jdcloudapi.KindAPI {
		return false
	}
	switch e.Status {
	case "UNAUTHENTICATED", "PERMISSION_DENIED", "HTTP_FORBIDDEN":
		return true
	}
	return e.Code == http.StatusUnauthorized || e.Code == http.StatusForbidden
}

// definitelyRejected: the API answered with a client error, so the call did
// not change anything.
func definitelyRejected(err error) bool {
	e, ok := jdcloudapi.AsError(err)
	return ok && e.Kind == jdcloudapi.KindAPI && e.Code >= 400 && e.Code < 500 && !e.Retryable()
}

// notSent: jdcloudapi gave up before sending anything (context already done).
func notSent(err error) bool {
	e, ok := jdcloudapi.AsError(err)
	return ok && e.Attempts == 0
}

// configFailure turns errors that retrying cannot fix into exit code 2.
func (a *Agent) configFailure(err error, what string) error {
	if isAuthError(err) {
		return &ExitError{Code: ExitConfig, Err: fmt.Errorf("credentials rejected (check access_key/secret_key and the key's permissions): %w", err)}
	}
	if jdcloudapi.IsNotFound(err) {
		return &ExitError{Code: ExitConfig, Err: fmt.Errorf("%s not found in region %s (check the config): %w", what, a.Config.Region, err)}
	}
	return nil
}
