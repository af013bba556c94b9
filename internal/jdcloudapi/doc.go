// Package jdcloudapi is the Terraform-free half of the client layer: how this
// project talks to the JD Cloud API through the SDK. It builds the SDK's
// service clients (NewSDKClients), sends one call with the project's retry
// rules, shared adaptive pacing and an injectable clock (Do), and classifies
// what comes back (Error: retryable, not processed, throttled; not found,
// already in use, not associated). The provider's client (internal/jdcloud,
// which adds finders, waiters, diagnostics and tflog) and the failover agent
// (internal/agent) both build on it, so both read an API answer one way.
//
// The SDK ignores HTTP status codes: a Go error means a transport failure or a
// body that is not JSON, and an API error arrives in resp.Error. Do folds
// both into *Error, decides whether to retry, and backs off with jitter.
package jdcloudapi
