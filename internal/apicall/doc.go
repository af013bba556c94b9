// Package apicall runs one JD Cloud API call through the SDK with the project's
// retry rules. It is shared by the provider's client layer (internal/jdcloud)
// and the failover agent (internal/agent), so it has no Terraform
// dependencies and an injectable clock.
//
// The SDK ignores HTTP status codes: a Go error means a transport failure or a
// body that is not JSON, and an API error arrives in resp.Error. Do folds
// both into *Error, decides whether to retry, and backs off with jitter.
package apicall
