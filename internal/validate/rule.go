package validate

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// Described, embedded in a validator or a plan modifier, is its Description
// and MarkdownDescription: one plain sentence, the same in both.
type Described string

func (d Described) Description(context.Context) string { return string(d) }

func (d Described) MarkdownDescription(context.Context) string { return string(d) }

// Rule is a string validator made of a check whose error reads after the
// attribute path ("user_data is 17000 bytes; ..."): desc says what a valid
// value is, summary heads the diagnostic.
func Rule(desc, summary string, check func(string) error) validator.String {
	return stringRuleValidator{Described: Described(desc), summary: summary, check: check}
}

type stringRuleValidator struct {
	Described
	summary string
	check   func(string) error
}

func (v stringRuleValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, v.summary, fmt.Sprintf("%s %s.", req.Path, err))
	}
}
