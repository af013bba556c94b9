package ag

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestCheckZone(t *testing.T) {
	ok := [][2]string{{"cn-north-1a", "cn-north-1"}, {"cn-north-1c", "cn-north-1"}, {"cn-east-1a", "cn-east-1"},
		{"cn-west-9d", "cn-west-9"}} // a region this provider does not know yet: only the shape is checked
	for _, c := range ok {
		if err := CheckZone(c[0], c[1]); err != nil {
			t.Errorf("CheckZone(%q, %q): %v", c[0], c[1], err)
		}
	}
	for _, bad := range []string{"cn-east-2a", "cn-north-1", "cn-north-1ab", "cn-north-1A", "a", "cn-north-1d"} {
		err := CheckZone(bad, "cn-north-1")
		if err == nil || !strings.Contains(err.Error(), "is not a zone of region cn-north-1") {
			t.Errorf("CheckZone(%q) = %v", bad, err)
		}
	}
	// Suqian has one zone.
	if err := CheckZone("cn-east-1b", "cn-east-1"); err == nil || !strings.Contains(err.Error(), "which has cn-east-1a") {
		t.Errorf("CheckZone(cn-east-1b) = %v, want the region's one zone named", err)
	}
}

func TestAZListKeepsPriorOrder(t *testing.T) {
	ctx := context.Background()
	prior, _ := types.ListValueFrom(ctx, types.StringType, []string{"cn-north-1b", "cn-north-1a"})
	got, d := azList(ctx, prior, []string{"cn-north-1a", "cn-north-1b"})
	if d.HasError() || !got.Equal(prior) {
		t.Errorf("same zones reordered by the API: got %v, want the prior order %v", got, prior)
	}
	got, _ = azList(ctx, prior, []string{"cn-north-1a", "cn-north-1c"})
	want, _ := types.ListValueFrom(ctx, types.StringType, []string{"cn-north-1a", "cn-north-1c"})
	if !got.Equal(want) {
		t.Errorf("different zones: got %v, want the API's %v", got, want)
	}
	got, _ = azList(ctx, types.ListNull(types.StringType), nil)
	if got.IsNull() || len(got.Elements()) != 0 {
		t.Errorf("import with no zones: got %v, want an empty list", got)
	}
}
