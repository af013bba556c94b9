package jdcloudapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Kind says where a failure came from.
type Kind int

const (
	// KindAPI is an error envelope from the API (resp.Error.Code != 0).
	KindAPI Kind = iota
	// KindTransport is a failure to get any answer (connection refused, reset, timeout).
	KindTransport
	// KindBadBody is an answer that is not the JSON envelope, e.g. a proxy's 502 HTML page.
	KindBadBody
)

// Error is a failed API call, with everything a user needs to report it.
type Error struct {
	Call      string // service.Operation, e.g. "vm.DescribeInstance"
	Kind      Kind
	Code      int    // HTTP-style code from the envelope (KindAPI only)
	Status    string // e.g. "FAILED_PRECONDITION"
	Message   string
	RequestID string
	Attempts  int   // how many times the call was sent
	Err       error // underlying Go error (KindTransport, KindBadBody)
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: ", e.Call)
	switch e.Kind {
	case KindAPI:
		fmt.Fprintf(&b, "%d %s: %s", e.Code, e.Status, e.Message)
	case KindBadBody:
		fmt.Fprintf(&b, "response was not a JSON API envelope: %v", e.Err)
	default:
		fmt.Fprintf(&b, "transport error: %v", e.Err)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request ID %s)", e.RequestID)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether sending the same request again may succeed:
// transport failures, non-JSON bodies, 5xx and rate limiting. QUOTA_EXCEEDED
// is final even though it travels as 429: waiting does not free quota.
func (e *Error) Retryable() bool {
	switch e.Kind {
	case KindTransport, KindBadBody:
		return true
	}
	if e.Status == "QUOTA_EXCEEDED" {
		return false
	}
	return e.Code >= 500 || e.Code == http.StatusTooManyRequests || e.Status == "RATE_LIMIT_EXCEEDED"
}

// NotProcessed reports whether the server certainly did not act on the
// request, so even a non-idempotent call may be sent again.
func (e *Error) NotProcessed() bool {
	return e.Throttled()
}

// Throttled reports whether the API refused the call for its rate limit.
func (e *Error) Throttled() bool {
	return e.Kind == KindAPI && e.Status != "QUOTA_EXCEEDED" && (e.Code == http.StatusTooManyRequests || e.Status == "RATE_LIMIT_EXCEEDED")
}

// AsError returns the *Error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// IsNotFound reports whether err is the API's 404 NOT_FOUND.
func IsNotFound(err error) bool {
	e, ok := AsError(err)
	return ok && e.Kind == KindAPI && (e.Code == http.StatusNotFound || e.Status == "NOT_FOUND")
}

// HasStatus reports whether err is an API error with the given status, e.g. "FAILED_PRECONDITION".
func HasStatus(err error, status string) bool {
	e, ok := AsError(err)
	return ok && e.Kind == KindAPI && e.Status == status
}

func classifyGoError(call string, err error) *Error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syn) || errors.As(err, &typ) {
		return &Error{Call: call, Kind: KindBadBody, Err: err}
	}
	return &Error{Call: call, Kind: KindTransport, Err: err}
}

// IsAlreadyInUse reports the API's refusal because the object is taken:
// associating an EIP another instance holds ("ElasticIp x already in use",
// 400 FAILED_PRECONDITION, 409 on some gateways), or creating an instance
// on a private IP something holds ("The ip x is already in use in subnet y").
func IsAlreadyInUse(err error) bool {
	e, ok := AsError(err)
	return ok && e.Kind == KindAPI && (e.Code == http.StatusConflict || e.Code == http.StatusBadRequest) &&
		strings.Contains(strings.ToLower(e.Message), "in use")
}

// IsNotAssociated reports a disassociation refused because the EIP is not
// on that instance ("Elastic ip isn't associated to this instance's primary
// network interface", 400).
func IsNotAssociated(err error) bool {
	e, ok := AsError(err)
	if !ok || e.Kind != KindAPI || e.Code != http.StatusBadRequest {
		return false
	}
	m := strings.ToLower(e.Message)
	return strings.Contains(m, "isn't associated") || strings.Contains(m, "not associated")
}
