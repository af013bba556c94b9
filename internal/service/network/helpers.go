// Package network holds the VPC, subnet and security group resources.
package network

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
)

// defaultDeleteTimeout bounds how long a delete keeps retrying while JD Cloud
// refuses it with FAILED_PRECONDITION: network interfaces of instances that
// were just deleted are released asynchronously, and a VPC, subnet or
// security group cannot go before they do.
const defaultDeleteTimeout = 5 * time.Minute

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

// checkRegion adds a plan-time error when the provider's region is one the
// API does not serve (see jdcloud.Client.CheckRegion).
func checkRegion(ctx context.Context, c *jdcloud.Client, diags *diag.Diagnostics) {
	if c == nil {
		return
	}
	if err := c.CheckRegion(ctx); err != nil {
		diags.AddError("Unknown region", err.Error()+".")
	}
}
