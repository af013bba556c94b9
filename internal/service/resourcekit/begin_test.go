package resourcekit

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// timedRaw is a value of the schema below: id, and timeouts with update set
// ("" for none).
func timedRaw(t *testing.T, sch schema.Schema, id, update string) tftypes.Value {
	t.Helper()
	typ := sch.Type().TerraformType(context.Background()).(tftypes.Object)
	tt := typ.AttributeTypes["timeouts"].(tftypes.Object)
	ops := map[string]tftypes.Value{}
	for op := range tt.AttributeTypes {
		ops[op] = tftypes.NewValue(tftypes.String, nil)
	}
	if update != "" {
		ops["update"] = tftypes.NewValue(tftypes.String, update)
	}
	return tftypes.NewValue(typ, map[string]tftypes.Value{
		"id":       tftypes.NewValue(tftypes.String, id),
		"timeouts": tftypes.NewValue(tt, ops),
	})
}

func TestBeginUpdateReadsPlanStateAndTimeout(t *testing.T) {
	type timedModel struct {
		ID       types.String   `tfsdk:"id"`
		Timeouts timeouts.Value `tfsdk:"timeouts"`
	}
	ctx := context.Background()
	sch := schema.Schema{Attributes: map[string]schema.Attribute{
		"id":       StableAttribute("The ID."),
		"timeouts": TimeoutsAttribute(ctx, timeouts.Opts{}, "Timeouts."),
	}}
	req := resource.UpdateRequest{
		Plan:  tfsdk.Plan{Schema: sch, Raw: timedRaw(t, sch, "planned", "90s")},
		State: tfsdk.State{Schema: sch, Raw: timedRaw(t, sch, "prior", "")},
	}
	var diags diag.Diagnostics
	start := time.Now()
	bounded, cancel, plan, state, ok := BeginUpdate[timedModel](ctx, req, time.Hour, &diags)
	after := time.Now()
	defer cancel()
	if !ok || diags.HasError() {
		t.Fatalf("BeginUpdate failed: %v", diags)
	}
	if plan.ID.ValueString() != "planned" || state.ID.ValueString() != "prior" {
		t.Errorf("plan id %q, state id %q: want the plan's and the state's", plan.ID.ValueString(), state.ID.ValueString())
	}
	deadline, has := bounded.Deadline()
	if !has || deadline.Before(start.Add(90*time.Second)) || deadline.After(after.Add(90*time.Second)) {
		t.Errorf("deadline %v after the call, want the planned update timeout 90s (not the 1h default)", deadline.Sub(after))
	}

	// A state that does not fit the model is reported, and ok is false.
	req.State = tfsdk.State{Schema: schema.Schema{Attributes: map[string]schema.Attribute{"id": StableAttribute("x")}},
		Raw: tftypes.NewValue(tftypes.Object{AttributeTypes: map[string]tftypes.Type{"id": tftypes.String}},
			map[string]tftypes.Value{"id": tftypes.NewValue(tftypes.String, "prior")})}
	diags = nil
	_, cancel2, _, _, ok := BeginUpdate[timedModel](ctx, req, time.Hour, &diags)
	defer cancel2()
	if ok || !diags.HasError() {
		t.Errorf("BeginUpdate with a mismatched state: ok %v, diags %v; want failure", ok, diags)
	}
}
