package vm

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// A member stopped outside Terraform is refreshed into state as "stopped";
// the next plan must say so (terraform-plugin-testing cannot see warnings,
// so ModifyPlan is called directly, as Terraform would after the refresh).
func TestModifyPlanWarnsWhenNotRunning(t *testing.T) {
	ctx := context.Background()
	r := NewInstanceResource().(*instanceResource)
	var sr resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sr)
	sch := sr.Schema

	model := func(status string) instanceModel {
		to := sch.Attributes["timeouts"].GetType().(attrObjectType)
		return instanceModel{instanceFields: instanceFields{
			ID: types.StringValue("i-abc"), Name: types.StringValue("web-backup"), AvailabilityGroupID: types.StringValue("ag-1"),
			AZ: types.StringValue("cn-east-2a"), InstanceType: types.StringValue("g.n2.medium"), ImageID: types.StringValue("img-x"),
			SubnetID: types.StringValue("subnet-1"), PrivateIP: types.StringValue("10.0.1.19"),
			SecurityGroupIDs: types.SetNull(types.StringType), KeyNames: types.ListNull(types.StringType),
			Description: types.StringValue(""),
			FaultDomain: types.StringValue("fd-1"), PrimaryNetworkInterfaceID: types.StringValue("port-1"),
			Status: types.StringValue(status), VpcID: types.StringValue("vpc-1")},
			Password: types.StringValue("Ha-pair-2026!"), UserData: types.StringNull(), ShutdownBeforeDeletion: types.BoolValue(true),
			Timeouts: timeouts.Value{Object: types.ObjectNull(to.AttributeTypes())},
		}
	}
	plan := func(status string, destroy bool) (tfsdk.Plan, tfsdk.State, diag.Diagnostics) {
		var diags diag.Diagnostics
		empty := tftypes.NewValue(sch.Type().TerraformType(ctx), nil)
		st := tfsdk.State{Schema: sch, Raw: empty}
		diags.Append(st.Set(ctx, model(status))...)
		p := tfsdk.Plan{Schema: sch, Raw: empty}
		if !destroy {
			diags.Append(p.Set(ctx, model(status))...)
		}
		return p, st, diags
	}
	run := func(status string, destroy bool) diag.Diagnostics {
		t.Helper()
		p, st, diags := plan(status, destroy)
		if diags.HasError() {
			t.Fatalf("building the request: %v", diags)
		}
		resp := &resource.ModifyPlanResponse{Plan: p}
		r.ModifyPlan(ctx, resource.ModifyPlanRequest{Plan: p, State: st}, resp)
		return resp.Diagnostics
	}

	d := run("stopped", false)
	if d.HasError() || d.WarningsCount() != 1 {
		t.Fatalf("stopped: want one warning, got %v", d)
	}
	w := d.Warnings()[0]
	if !strings.Contains(w.Summary(), "i-abc (web-backup) is stopped") || !strings.Contains(w.Detail(), "start-instance --instance-id i-abc") {
		t.Errorf("warning does not name the instance and the fix: %q / %q", w.Summary(), w.Detail())
	}
	if d := run("running", false); len(d) != 0 {
		t.Errorf("running: want no diagnostics, got %v", d)
	}
	if d := run("stopped", true); len(d) != 0 {
		t.Errorf("destroying a stopped instance: want no diagnostics, got %v", d)
	}
}

type attrObjectType interface {
	AttributeTypes() map[string]attr.Type
}
