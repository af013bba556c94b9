package iam

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// importingKey marks a resource just imported, whose first read must
// discover the policy, targets and key (a tainted resource from a failed
// create also lacks them, but must not be "discovered").
const importingKey = "importing"

func (r *credentialsResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !subUserRE.MatchString(req.ID) {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("Import by the sub-user's name (4 to 20 letters, digits, '-' or '_', starting with a letter), got %q.", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), req.ID)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, importingKey, []byte("true"))...)
}

// pickPolicy finds, on import, the sub-user's failover policy: the one named
// after it, else its only attached policy.
func pickPolicy(user string, attached []string) (string, string) {
	if slices.Contains(attached, policyNameFor(user)) {
		return policyNameFor(user), ""
	}
	if len(attached) == 1 {
		return attached[0], ""
	}
	if len(attached) == 0 {
		return "", fmt.Sprintf("Sub-user %s has no policy attached, so there is no failover policy to import.", user)
	}
	return "", fmt.Sprintf("Sub-user %s has %d policies attached (%s) and none is named %s: cannot tell which one is the failover policy.",
		user, len(attached), strings.Join(attached, ", "), policyNameFor(user))
}
