// Package network holds the VPC, subnet and security group resources.
package network

import (
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"
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
