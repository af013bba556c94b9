package resourcekit

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
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

// Lookup, embedded in a data source, is its Metadata, Configure,
// ConfigValidators and Read when it finds one object by "id" or by one
// other attribute (By), exactly one of the two set: M is its model, O the
// API's object.
type Lookup[M, O any] struct {
	DataSourceBase
	// By is the attribute that names the object when id is not set.
	By string
	// Find finds the object cfg names; ok is false, with the reason in
	// diags, when there is none to report.
	Find func(ctx context.Context, c *jdcloud.Client, cfg *M, diags *diag.Diagnostics) (o O, ok bool)
	// Fill copies the object into cfg, which becomes the state.
	Fill func(ctx context.Context, c *jdcloud.Client, cfg *M, o O) diag.Diagnostics
}

// NewLookup is the Lookup of the data source named the provider's name plus
// suffix.
func NewLookup[M, O any](suffix, by string, find func(context.Context, *jdcloud.Client, *M, *diag.Diagnostics) (O, bool),
	fill func(context.Context, *jdcloud.Client, *M, O) diag.Diagnostics) Lookup[M, O] {
	return Lookup[M, O]{DataSourceBase: NewDataSourceBase(suffix), By: by, Find: find, Fill: fill}
}

func (d *Lookup[M, O]) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot(d.By)),
	}
}

func (d *Lookup[M, O]) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	cfg, ok := Get[M](ctx, req.Config, &resp.Diagnostics)
	if !ok {
		return
	}
	o, ok := d.Find(ctx, d.Client, &cfg, &resp.Diagnostics)
	if !ok {
		return
	}
	resp.Diagnostics.Append(d.Fill(ctx, d.Client, &cfg, o)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
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

// Listed is One of what a look-up listed; a failed listing (err) is
// reported as looking up what.
func (m Match[O]) Listed(found []O, err error, diags *diag.Diagnostics, what string) (O, bool) {
	if err != nil {
		jdcloud.AddError(diags, "looking up "+what, err)
		var none O
		return none, false
	}
	return m.One(found, diags)
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
