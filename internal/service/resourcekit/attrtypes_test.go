package resourcekit

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestAttrTypesFollowTheStruct(t *testing.T) {
	got := AttrTypes[attrTypesModel](map[string]attr.Type{"files": types.MapType{ElemType: types.StringType}})
	want := map[string]attr.Type{"name": types.StringType, "port": types.Int64Type, "enabled": types.BoolType,
		"files": types.MapType{ElemType: types.StringType}}
	if len(got) != len(want) {
		t.Fatalf("AttrTypes = %v, want %v", got, want)
	}
	for name, typ := range want {
		if !typ.Equal(got[name]) {
			t.Errorf("%s: %v, want %v", name, got[name], typ)
		}
	}
	_ = attrTypesModel{}.skipped
}

func TestAttrTypesRefusesAnUntypedCollectionAndATypo(t *testing.T) {
	for name, collections := range map[string]map[string]attr.Type{
		"collection without its type":       nil,
		"collections entry naming no field": {"files": types.MapType{ElemType: types.StringType}, "flies": types.StringType},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("AttrTypes did not panic")
				}
			}()
			AttrTypes[attrTypesModel](collections)
		})
	}
}

// attrTypesModel has one field of each kind AttrTypes tells apart.
type attrTypesModel struct {
	Name    types.String `tfsdk:"name"`
	Port    types.Int64  `tfsdk:"port"`
	Enabled types.Bool   `tfsdk:"enabled"`
	Files   types.Map    `tfsdk:"files"`
	skipped string
}
