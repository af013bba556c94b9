// Package network holds the VPC, subnet and security group resources.
package network

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
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

// vpcStableAttribute is the "vpc_id" of an object that lives in one VPC for
// good: noun names the object, short names it again in "replaces the ...".
func vpcStableAttribute(noun, short string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: "The ID of the VPC the " + noun + " belongs to. Changing it replaces the " + short + ".",
		Required:            true,
		Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
		PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
	}
}
