package resourcekit

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
)

func TestLookupRead(t *testing.T) {
	type lookupModel struct {
		ID   types.String `tfsdk:"id"`
		Name types.String `tfsdk:"name"`
	}
	ctx := context.Background()
	sch := schema.Schema{Attributes: map[string]schema.Attribute{
		"id":   schema.StringAttribute{Optional: true, Computed: true},
		"name": schema.StringAttribute{Optional: true, Computed: true},
	}}
	typ := sch.Type().TerraformType(ctx)
	raw := tftypes.NewValue(typ, map[string]tftypes.Value{
		"id": tftypes.NewValue(tftypes.String, nil), "name": tftypes.NewValue(tftypes.String, "web"),
	})
	read := func(found bool) (datasource.ReadResponse, []string) {
		var calls []string
		d := NewLookup("_x", "name",
			func(_ context.Context, _ *jdcloud.Client, cfg *lookupModel, diags *diag.Diagnostics) (string, bool) {
				calls = append(calls, "find "+cfg.Name.ValueString())
				if !found {
					diags.AddError("not found", "no such object")
				}
				return "id-1", found
			},
			func(_ context.Context, _ *jdcloud.Client, cfg *lookupModel, o string) diag.Diagnostics {
				calls = append(calls, "fill "+o)
				cfg.ID = types.StringValue(o)
				return nil
			})
		resp := datasource.ReadResponse{State: tfsdk.State{Schema: sch, Raw: tftypes.NewValue(typ, nil)}}
		d.Read(ctx, datasource.ReadRequest{Config: tfsdk.Config{Schema: sch, Raw: raw}}, &resp)
		return resp, calls
	}

	resp, calls := read(true)
	if resp.Diagnostics.HasError() || strings.Join(calls, ", ") != "find web, fill id-1" {
		t.Fatalf("found: calls %v, diags %v; want find then fill", calls, resp.Diagnostics)
	}
	var got lookupModel
	resp.State.Get(ctx, &got)
	if got.ID.ValueString() != "id-1" || got.Name.ValueString() != "web" {
		t.Errorf("state = %+v, want the config filled in", got)
	}

	resp, calls = read(false)
	if !resp.Diagnostics.HasError() || strings.Join(calls, ", ") != "find web" || !resp.State.Raw.IsNull() {
		t.Errorf("not found: calls %v, diags %v, state %v; want the error, no fill and no state", calls, resp.Diagnostics, resp.State.Raw)
	}

	if v := (&Lookup[lookupModel, string]{By: "address"}).ConfigValidators(ctx); len(v) != 1 ||
		!strings.Contains(v[0].Description(ctx), "address") || !strings.Contains(v[0].Description(ctx), "id") {
		t.Errorf("ConfigValidators = %v, want exactly one of id and address", v)
	}
}

func TestMatchListed(t *testing.T) {
	m := Match[string]{Attr: "name", None: "none", Several: "several",
		SeveralDetail: func(n int, labels string) string { return labels }, Label: func(s string) string { return s }}
	var diags diag.Diagnostics
	if _, ok := m.Listed([]string{"a"}, errors.New("boom"), &diags, `group "web"`); ok ||
		!strings.Contains(diags.Errors()[0].Summary(), `looking up group "web"`) {
		t.Errorf("a failed listing: ok %v, diags %v; want it reported as looking up the object", ok, diags)
	}
	diags = nil
	if o, ok := m.Listed([]string{"a"}, nil, &diags, "x"); !ok || o != "a" || diags.HasError() {
		t.Errorf("one match: %q %v %v", o, ok, diags)
	}
	if _, ok := m.Listed([]string{"a", "b"}, nil, &diags, "x"); ok || diags.Errors()[0].Detail() != "a, b" {
		t.Errorf("two matches: ok %v, diags %v; want several, labelled", ok, diags)
	}
}
