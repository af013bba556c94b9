package resourcekit

import (
	"fmt"
	"reflect"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// AttrTypes returns the attribute types of a nested object from its model
// struct M (the fields' tfsdk tags), so the object's shape is written once:
// a map written beside the struct drifts from it unnoticed until a value is
// built. Strings, numbers and booleans are read from the field types; a
// collection's type (types.Map, List, Set, Object) is given in collections,
// by attribute name. A field it cannot type is a programming error: it
// panics, at package initialisation where the result is a package variable.
func AttrTypes[M any](collections map[string]attr.Type) map[string]attr.Type {
	t := reflect.TypeFor[M]()
	out := make(map[string]attr.Type, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("tfsdk")
		if name == "" || name == "-" {
			continue
		}
		switch f.Type {
		case reflect.TypeFor[types.String]():
			out[name] = types.StringType
		case reflect.TypeFor[types.Int64]():
			out[name] = types.Int64Type
		case reflect.TypeFor[types.Bool]():
			out[name] = types.BoolType
		case reflect.TypeFor[types.Float64]():
			out[name] = types.Float64Type
		default:
			ct, ok := collections[name]
			if !ok {
				panic(fmt.Sprintf("resourcekit.AttrTypes: %s.%s (%s, tfsdk %q) needs its type in collections", t.Name(), f.Name, f.Type, name))
			}
			out[name] = ct
		}
	}
	for name := range collections {
		if _, ok := out[name]; !ok {
			panic(fmt.Sprintf("resourcekit.AttrTypes: %s has no attribute %q", t.Name(), name)) // a typo
		}
	}
	return out
}
