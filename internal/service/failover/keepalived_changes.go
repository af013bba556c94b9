package failover

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

// planChanges summarises what a change does on the nodes: the changed lines
// of each node's keepalived.conf and agent.json, and a new agent binary.
// Terraform's own plan shows each whole file with the changed lines marked;
// this is the short version to review. "" when nothing rendered changes.
func planChanges(ctx context.Context, old, new keepalivedConfigModel) string {
	oldNodes, newNodes := map[string]renderedNode{}, map[string]renderedNode{}
	if old.Nodes.IsNull() || old.Nodes.IsUnknown() || new.Nodes.IsNull() || new.Nodes.IsUnknown() {
		return ""
	}
	if old.Nodes.ElementsAs(ctx, &oldNodes, false).HasError() || new.Nodes.ElementsAs(ctx, &newNodes, false).HasError() {
		return ""
	}
	names := slices.Sorted(maps.Keys(newNodes))
	var b strings.Builder
	for _, name := range names {
		n, o := newNodes[name], oldNodes[name]
		if _, existed := oldNodes[name]; !existed {
			fmt.Fprintf(&b, "%s: new node\n", name)
			continue
		}
		for _, f := range []struct {
			file     string
			old, new types.String
		}{{bundleKeepalivedConf, o.KeepalivedConf, n.KeepalivedConf}, {bundleAgentConfig, o.AgentConfig, n.AgentConfig}} {
			if d := lineDiff(f.old.ValueString(), f.new.ValueString()); d != "" {
				fmt.Fprintf(&b, "%s %s:\n%s", name, f.file, d)
			}
		}
	}
	for name := range oldNodes {
		if _, ok := newNodes[name]; !ok {
			fmt.Fprintf(&b, "%s: node removed\n", name)
		}
	}
	if old.AgentSHA256.ValueString() != "" && !old.AgentSHA256.Equal(new.AgentSHA256) {
		fmt.Fprintf(&b, "agent binary: sha256 %s -> %s\n", short(old.AgentSHA256.ValueString()), short(new.AgentSHA256.ValueString()))
	}
	return b.String()
}

func short(sum string) string {
	if len(sum) > 12 {
		return sum[:12]
	}
	return sum
}

// lineDiff lists the lines only in a ("-") and only in b ("+"), in order,
// from a longest common subsequence of the lines. The files are small
// (under a hundred lines), so the quadratic table is cheap.
func lineDiff(a, b string) string {
	if a == b {
		return ""
	}
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			i, j = i+1, j+1
		case j < len(y) && (i == len(x) || lcs[i][j+1] > lcs[i+1][j]):
			fmt.Fprintf(&out, "+ %s\n", strings.TrimSpace(y[j]))
			j++
		default:
			fmt.Fprintf(&out, "- %s\n", strings.TrimSpace(x[i]))
			i++
		}
	}
	return out.String()
}
