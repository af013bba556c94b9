package iam

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
)

const (
	// maxAccessKeys is how many keys JD Cloud lets a sub-user hold.
	maxAccessKeys = 2
	// pendingKey names the private-state entry that remembers a key created
	// for a rotation whose clean-up failed, so the retry does not create a
	// third key.
	pendingKey = "pending_rotation"
	// previousRotationKey remembers the rotation value of previous_access_key,
	// so installed_rotation can name it.
	previousRotationKey = "previous_rotation"
)

// planKeys plans the key for an existing resource: unknown when a new one
// will be made, and which previous key stays valid. A problem is an
// installed_rotation that would let the apply delete the key the nodes run.
func planKeys(ctx context.Context, plan *credentialsModel, state credentialsModel, priv privateState) (problem string) {
	rotating := needsNewKey(*plan, state) && !readPending(ctx, priv).isFor(plan.Rotation, state.AccessKey.ValueString())
	if rotating {
		plan.AccessKey = types.StringUnknown()
		plan.SecretKey = types.StringUnknown()
	}
	prev, problem := plannedPrevious(*plan, state, rotating, readPreviousRotation(ctx, priv))
	if problem != "" {
		return problem
	}
	plan.PreviousAccessKey = prev
	return ""
}

// needsNewKey: rotation changed, or the key in state is gone or disabled
// (Read then records it as null).
func needsNewKey(plan, state credentialsModel) bool {
	return !plan.Rotation.Equal(state.Rotation) || state.AccessKey.IsNull() || state.AccessKey.ValueString() == ""
}

// plannedPrevious decides which key besides the current one stays valid
// after the apply. The nodes run the key of installed_rotation; unset, they
// are taken to run the current key (they were installed after the last
// rotation). A rotation keeps the current key as the previous one, unless
// installed_rotation already names the new rotation (retire at once); without
// a rotation, installed_rotation reaching the current rotation retires the
// previous key.
func plannedPrevious(plan, state credentialsModel, rotating bool, previousRotation *string) (types.String, string) {
	if plan.InstalledRotation.IsUnknown() || plan.Rotation.IsUnknown() {
		return types.StringUnknown(), ""
	}
	installed := rotationPtr(plan.InstalledRotation)
	is := func(r *string) bool { return installed != nil && r != nil && *installed == *r }
	current, before := rotationPtr(plan.Rotation), rotationPtr(state.Rotation)
	if current == nil {
		current = new(string) // an unset rotation is a rotation too ("")
	}
	if before == nil {
		before = new(string)
	}
	hasPrevious := !state.PreviousAccessKey.IsNull() && state.PreviousAccessKey.ValueString() != ""
	if rotating {
		switch {
		case installed == nil || is(before):
			if state.AccessKey.IsNull() || state.AccessKey.ValueString() == "" {
				return state.PreviousAccessKey, "" // the current key is gone: the nodes can only be on the previous one
			}
			return state.AccessKey, ""
		case is(current):
			return types.StringNull(), ""
		case hasPrevious && is(previousRotation):
			return types.String{}, fmt.Sprintf("The nodes still run the key of rotation %q (installed_rotation), two rotations back: "+
				"install the current bundles on both nodes and set installed_rotation = %q before rotating again, "+
				"or the key they run would be deleted.", *installed, *before)
		default:
			return types.String{}, fmt.Sprintf("installed_rotation %q is neither the new rotation %q nor the current one %q.", *installed, *current, *before)
		}
	}
	switch {
	case installed == nil:
		return state.PreviousAccessKey, ""
	case is(current):
		return types.StringNull(), ""
	case hasPrevious && is(previousRotation):
		return state.PreviousAccessKey, ""
	default:
		return types.String{}, fmt.Sprintf("installed_rotation %q is neither the current rotation %q nor the previous one (whose key still exists).", *installed, *current)
	}
}

// newKey creates the rotation's new key, unless an earlier apply of the same
// rotation did (private state remembers it), and records in m the key it
// keeps valid for the nodes (the plan's previous_access_key) before anything
// is retired. A sub-user holds at most 2 keys: the one before the current is
// retired first to make room, unless the plan keeps it.
func (r *credentialsResource) newKey(ctx context.Context, m *credentialsModel, plan, state credentialsModel, priv, newPriv privateState, diags *diag.Diagnostics, what string) bool {
	name := m.ID.ValueString()
	if readPending(ctx, priv).isFor(plan.Rotation, m.AccessKey.ValueString()) {
		return true
	}
	keys, err := listAccessKeys(ctx, r.Client, name)
	if err != nil {
		jdcloud.AddError(diags, what, err)
		return false
	}
	known := make([]string, 0, len(keys))
	for _, k := range keys {
		known = append(known, k.AccessKey)
	}
	if len(keys) >= maxAccessKeys {
		keep := plan.PreviousAccessKey.ValueString()
		if keep == "" {
			keep = m.AccessKey.ValueString() // retired after the new key exists, not before
		}
		if err := retireKeysBut(ctx, r.Client, name, []string{keep}); err != nil {
			jdcloud.AddError(diags, what, err)
			return false
		}
		known = []string{keep}
	}
	key, err := createAccessKey(ctx, r.Client, name, known)
	if err != nil {
		jdcloud.AddError(diags, what, err)
		return false
	}
	if plan.PreviousAccessKey.ValueString() == state.AccessKey.ValueString() && !plan.PreviousAccessKey.IsNull() {
		raw, _ := json.Marshal(rotationPtr(state.Rotation))
		if state.Rotation.IsNull() {
			raw, _ = json.Marshal("")
		}
		diags.Append(newPriv.SetKey(ctx, previousRotationKey, raw)...)
	}
	m.AccessKey, m.SecretKey = types.StringValue(key.AccessKey), types.StringValue(key.SecretAccessKey)
	if !plan.PreviousAccessKey.IsNull() {
		m.PreviousAccessKey = plan.PreviousAccessKey
	}
	raw, _ := json.Marshal(pendingRotation{Rotation: rotationPtr(plan.Rotation), AccessKey: key.AccessKey})
	diags.Append(newPriv.SetKey(ctx, pendingKey, raw)...)
	return true
}

// retireKeysBut disables and deletes every key of the sub-user not in keep.
func retireKeysBut(ctx context.Context, c *jdcloud.Client, user string, keep []string) error {
	keys, err := listAccessKeys(ctx, c, user)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if !slices.Contains(keep, k.AccessKey) {
			if err := retireAccessKey(ctx, c, user, k.AccessKey); err != nil {
				return err
			}
		}
	}
	return nil
}

// pendingRotation is a key created for a rotation whose clean-up failed.
type pendingRotation struct {
	Rotation  *string `json:"rotation"`
	AccessKey string  `json:"access_key"`
}

func (p pendingRotation) isFor(rotation types.String, accessKey string) bool {
	want := rotationPtr(rotation)
	sameRotation := (p.Rotation == nil) == (want == nil) && (want == nil || *p.Rotation == *want)
	return sameRotation && p.AccessKey != "" && p.AccessKey == accessKey
}

// readPending returns the pending rotation recorded in private state, if any.
func readPending(ctx context.Context, priv privateState) pendingRotation {
	var p pendingRotation
	if priv == nil {
		return p
	}
	if raw, d := priv.GetKey(ctx, pendingKey); !d.HasError() && len(raw) > 0 {
		_ = json.Unmarshal(raw, &p) // unreadable means none
	}
	return p
}

func rotationPtr(v types.String) *string {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	s := v.ValueString()
	return &s
}

// readPreviousRotation is the rotation value of previous_access_key.
func readPreviousRotation(ctx context.Context, priv privateState) *string {
	if priv == nil {
		return nil
	}
	raw, d := priv.GetKey(ctx, previousRotationKey)
	if d.HasError() || len(raw) == 0 {
		return nil
	}
	var r *string
	_ = json.Unmarshal(raw, &r) // unreadable means unknown
	return r
}
