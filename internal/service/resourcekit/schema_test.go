package resourcekit

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

func TestStableAttributeKeepsState(t *testing.T) {
	a := StableAttribute("The ID.")
	if !a.Computed || a.Optional || a.Required || a.MarkdownDescription != "The ID." {
		t.Fatalf("StableAttribute = %+v, want computed only, with its description", a)
	}
	if len(a.PlanModifiers) != 1 || a.PlanModifiers[0].Description(context.Background()) == "" {
		t.Fatalf("StableAttribute has plan modifiers %v, want UseStateForUnknown", a.PlanModifiers)
	}
	if got := CreatedTimeAttribute("VPC").MarkdownDescription; got != "When the VPC was created, as reported by JD Cloud." {
		t.Errorf("CreatedTimeAttribute description = %q", got)
	}
}

func TestNameAndDescriptionAttributes(t *testing.T) {
	n := NameAttribute("subnet")
	want := "The subnet name: 1 to 32 characters, letters, digits, Chinese characters, `_` and `-`. Updated in place."
	if !n.Required || n.MarkdownDescription != want || len(n.Validators) != 1 {
		t.Errorf("NameAttribute = %+v, want required with the naming rule and %q", n, want)
	}
	d := DescriptionAttribute()
	if !d.Optional || !d.Computed || d.Default == nil || len(d.Validators) != 1 {
		t.Errorf("DescriptionAttribute = %+v, want optional, computed, defaulted and validated", d)
	}
}

func TestTimeoutsAttributes(t *testing.T) {
	ctx := context.Background()
	all := TimeoutsAttribute(ctx, timeouts.Opts{CreateDescription: "c"}, "Time limits.").(schema.SingleNestedAttribute)
	if all.MarkdownDescription != "Time limits." {
		t.Errorf("description = %q", all.MarkdownDescription)
	}
	for _, op := range []string{"create", "update", "delete"} {
		if _, ok := all.Attributes[op]; !ok {
			t.Errorf("TimeoutsAttribute has no %q", op)
		}
	}
	if got := all.Attributes["create"].GetDescription(); got != "c" {
		t.Errorf("create's description = %q, want the one given", got)
	}
	del := DeleteTimeouts(ctx, "d").(schema.SingleNestedAttribute)
	if len(del.Attributes) != 1 || del.Attributes["delete"].GetDescription() != "d" {
		t.Errorf("DeleteTimeouts attributes = %v, want delete alone, described", del.Attributes)
	}
}
