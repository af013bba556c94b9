package resourcekit

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
)

// FindByID finds the object a data source names by ID. An ID the API does
// not know is the user's error, reported on the id attribute under summary
// with detail; any other failure is reported as reading what.
func FindByID[O any](ctx context.Context, c *jdcloud.Client, id string, find func(context.Context, *jdcloud.Client, string) (O, error),
	diags *diag.Diagnostics, summary, detail, what string) (O, bool) {
	o, err := find(ctx, c, id)
	if jdcloud.IsNotFound(err) {
		diags.AddAttributeError(path.Root("id"), summary, detail)
		return o, false
	}
	if err != nil {
		jdcloud.AddError(diags, "reading "+what, err)
		return o, false
	}
	return o, true
}

// Match describes the errors of a look-up that must find exactly one object
// (by name, by address), reported on the attribute Attr.
type Match[O any] struct {
	Attr string
	// None is the summary and NoneDetail the detail when nothing matches.
	None, NoneDetail string
	// Several is the summary when more than one object matches; SeveralDetail
	// renders the detail from how many match and their labels, joined by ", ".
	Several       string
	SeveralDetail func(n int, labels string) string
	// Label names one match in SeveralDetail (its ID, say).
	Label func(O) string
}

// One is the only element of found; ok is false, with an error in diags,
// when found holds none or several.
func (m Match[O]) One(found []O, diags *diag.Diagnostics) (o O, ok bool) {
	switch len(found) {
	case 0:
		diags.AddAttributeError(path.Root(m.Attr), m.None, m.NoneDetail)
		return o, false
	case 1:
		return found[0], true
	}
	labels := make([]string, len(found))
	for i, f := range found {
		labels[i] = m.Label(f)
	}
	diags.AddAttributeError(path.Root(m.Attr), m.Several, m.SeveralDetail(len(found), strings.Join(labels, ", ")))
	return o, false
}
