// Package network holds the VPC, subnet and security group resources.
package network

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
)

// defaultDeleteTimeout bounds how long a delete keeps retrying while JD Cloud
// refuses it with FAILED_PRECONDITION: network interfaces of instances that
// were just deleted are released asynchronously, and a VPC, subnet or
// security group cannot go before they do.
const defaultDeleteTimeout = 5 * time.Minute

// deleteUntilGone sends del until it succeeds or the object is already gone,
// retrying FAILED_PRECONDITION with the client's poll backoff until timeout.
// When time runs out while still refused, blocked is the API's last refusal
// (the message a user needs: what still uses the object); err is set either
// way.
func deleteUntilGone(ctx context.Context, c *jdcloud.Client, what string, timeout time.Duration, del func(ctx context.Context) error) (blocked, err error) {
	_, err = jdcloud.WaitFor(ctx, c, jdcloud.Wait[struct{}]{
		What:      what + " to be deleted",
		PollFirst: true, // each poll is the delete call itself
		Pending:   []string{"in use"},
		Target:    []string{"deleted"},
		Timeout:   timeout,
		Refresh: func(ctx context.Context) (struct{}, string, error) {
			err := del(ctx)
			switch {
			case err == nil, jdcloud.IsNotFound(err):
				return struct{}{}, "deleted", nil
			case jdcloud.HasStatus(err, "FAILED_PRECONDITION"):
				blocked = err
				return struct{}{}, "in use", nil
			}
			blocked = nil
			return struct{}{}, "", err
		},
	})
	if err == nil {
		blocked = nil
	}
	return blocked, err
}

// deleteFailure renders a failed deleteUntilGone for a diagnostic.
func deleteFailure(blocked, err error, timeout time.Duration) string {
	if blocked != nil {
		return "JD Cloud still refused the deletion after retrying for " + timeout.String() +
			" (set timeouts.delete to wait longer). Something still uses it: delete that first.\n\n" + jdcloud.Detail(blocked)
	}
	return jdcloud.Detail(err)
}

// optionalString maps the API's "" (unset) to null, for optional attributes
// without a default.
func optionalString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// ptr returns a pointer to v, for the SDK's optional request fields.
func ptr[T any](v T) *T { return &v }
