package validate

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// stringRuleValidator adapts a check whose error reads after the attribute path
// ("user_data is 17000 bytes; ...") into a framework validator.
type stringRuleValidator struct {
	desc    string
	summary string
	check   func(string) error
}

func (v stringRuleValidator) Description(_ context.Context) string { return v.desc }

func (v stringRuleValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v stringRuleValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, v.summary, fmt.Sprintf("%s %s.", req.Path, err))
	}
}
