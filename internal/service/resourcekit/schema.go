package resourcekit

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/validate"
)

// The attributes below are the ones several resources declare alike; each
// takes the words that differ (the noun, the example ID) so that its
// documentation stays the resource's own.

// StableAttribute is a computed string that the API sets once and never
// changes (an "id", a creation time): a plan keeps the state's value instead
// of showing it unknown.
func StableAttribute(description string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: description,
		Computed:            true,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
}

// NameAttribute is the required "name" of a network object ("VPC",
// "subnet"): JD Cloud's 32-character naming rule, updated in place.
func NameAttribute(noun string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: "The " + noun + " name: 1 to 32 characters, letters, digits, Chinese characters, `_` and `-`. Updated in place.",
		Required:            true,
		Validators:          []validator.String{validate.Name(32)},
	}
}

// DescriptionAttribute is the optional "description" of a network object,
// empty by default and updated in place.
func DescriptionAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: "A description, at most 256 characters. Defaults to empty. Updated in place.",
		Optional:            true,
		Computed:            true,
		Default:             stringdefault.StaticString(""),
		Validators:          []validator.String{stringvalidator.UTF8LengthAtMost(256)},
	}
}

// CreatedTimeAttribute is "created_time", the creation time the API reports
// for the noun ("VPC"); it never changes.
func CreatedTimeAttribute(noun string) schema.StringAttribute {
	return StableAttribute("When the " + noun + " was created, as reported by JD Cloud.")
}

// DeleteTimeouts is the "timeouts" attribute of a resource whose only timed
// operation is a delete retried until the object is gone.
func DeleteTimeouts(ctx context.Context, deleteDescription string) schema.Attribute {
	return timeouts.Attributes(ctx, timeouts.Opts{Delete: true, DeleteDescription: deleteDescription})
}

// TimeoutsAttribute is the "timeouts" attribute for create, update and
// delete (opts may describe each), described as a whole for the docs.
func TimeoutsAttribute(ctx context.Context, opts timeouts.Opts, description string) schema.Attribute {
	opts.Create, opts.Update, opts.Delete = true, true, true
	a := timeouts.Attributes(ctx, opts).(schema.SingleNestedAttribute)
	a.MarkdownDescription = description
	return a
}
