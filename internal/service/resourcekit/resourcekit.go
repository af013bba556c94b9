// Package resourcekit holds the steps that every resource and data source of
// the provider takes the same way: bounding an operation by its configured
// timeout, reading an object into state (dropping it when the API no longer
// has it), saving an object after a write, deleting until gone and picking the
// one match of a look-up. Each resource keeps what is its own (the API calls,
// the checks, the messages that differ).
package resourcekit

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
)

// Op is the operation whose timeout applies.
type Op int

const (
	Create Op = iota + 1
	Update
	Delete
)

// Timeout is the timeout that v sets for op, def when it sets none.
func Timeout(ctx context.Context, v timeouts.Value, op Op, def time.Duration) (time.Duration, diag.Diagnostics) {
	switch op {
	case Create:
		return v.Create(ctx, def)
	case Update:
		return v.Update(ctx, def)
	case Delete:
		return v.Delete(ctx, def)
	}
	panic(fmt.Sprintf("resourcekit: unknown operation %d", op))
}

// WithTimeout is ctx bounded by the timeout that v sets for op (def when it
// sets none). cancel is never nil, so it can be deferred before the
// diagnostics are looked at.
func WithTimeout(ctx context.Context, v timeouts.Value, op Op, def time.Duration) (context.Context, context.CancelFunc, diag.Diagnostics) {
	timeout, diags := Timeout(ctx, v, op, def)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	return ctx, cancel, diags
}

// Source is a plan, a state or a config: something a model is read from.
type Source interface {
	Get(ctx context.Context, target any) diag.Diagnostics
}

// TimedSource is a plan or a state of a resource with a "timeouts" attribute.
type TimedSource interface {
	Source
	GetAttribute(ctx context.Context, p path.Path, target any) diag.Diagnostics
}

// Begin starts a Create, Update or Delete: it reads the model from src and
// bounds ctx by the timeout that the model's timeouts attribute sets for op
// (def when it sets none). cancel is never nil; ok is false when reading
// failed (the reason is in diags).
func Begin[M any](ctx context.Context, src TimedSource, op Op, def time.Duration, diags *diag.Diagnostics) (
	_ context.Context, cancel context.CancelFunc, m M, ok bool) {
	var tv timeouts.Value
	diags.Append(src.GetAttribute(ctx, path.Root("timeouts"), &tv)...)
	m, ok = Get[M](ctx, src, diags)
	ctx, cancel, d := WithTimeout(ctx, tv, op, def)
	diags.Append(d...)
	return ctx, cancel, m, ok && !diags.HasError()
}

// BeginUpdate is Begin for an Update, which also needs the prior state.
func BeginUpdate[M any](ctx context.Context, req resource.UpdateRequest, def time.Duration, diags *diag.Diagnostics) (
	_ context.Context, cancel context.CancelFunc, plan, state M, ok bool) {
	ctx, cancel, plan, ok = Begin[M](ctx, req.Plan, Update, def, diags)
	state, stateOK := Get[M](ctx, req.State, diags)
	return ctx, cancel, plan, state, ok && stateOK
}

// Changed is plan's value when it differs from state's, nil otherwise: the
// optional field of a modify request that sends only what changed.
func Changed(plan, state types.String) *string {
	if plan.Equal(state) {
		return nil
	}
	v := plan.ValueString()
	return &v
}

// Get reads src into a new M; ok is false when that failed (the reason is
// in diags).
func Get[M any](ctx context.Context, src Source, diags *diag.Diagnostics) (m M, ok bool) {
	diags.Append(src.Get(ctx, &m)...)
	return m, !diags.HasError()
}

// PlanAndState reads a ModifyPlan's plan and, unless the resource is being
// created, its prior state (nil on create).
func PlanAndState[M any](ctx context.Context, req resource.ModifyPlanRequest, diags *diag.Diagnostics) (plan M, state *M, ok bool) {
	if plan, ok = Get[M](ctx, req.Plan, diags); !ok {
		return plan, nil, false
	}
	if req.State.Raw.IsNull() {
		return plan, nil, true
	}
	prior, ok := Get[M](ctx, req.State, diags)
	return plan, &prior, ok
}

// Quoted names an object by its noun and quoted ID: `VPC "vpc-1"`.
func Quoted(noun string) func(id string) string {
	return func(id string) string { return fmt.Sprintf("%s %q", noun, id) }
}

// Bare names an object by its noun and bare ID: `instance i-1`.
func Bare(noun string) func(id string) string {
	return func(id string) string { return noun + " " + id }
}

// Object is one kind of API object that a resource manages by ID (its "id"
// attribute): M is the resource's model, O the API's object.
type Object[M, O any] struct {
	// Name names the object in diagnostics (Quoted or Bare).
	Name func(id string) string
	// Find reads the object by ID; a missing one is a not-found error.
	Find func(ctx context.Context, c *jdcloud.Client, id string) (O, error)
	// Fill copies the object into the model.
	Fill func(m *M, ctx context.Context, o O) diag.Diagnostics

	// The rest is for Update and Delete, when the resource takes them from
	// here (Managed).

	// Modify sends the in-place changes from state to plan; it may send
	// nothing when nothing it handles changed.
	Modify func(ctx context.Context, c *jdcloud.Client, id string, plan, state *M) error
	// Remove asks once for the object to be deleted.
	Remove func(ctx context.Context, c *jdcloud.Client, id string) error
	// DeleteTimeout bounds Delete unless the configuration sets one.
	DeleteTimeout time.Duration
	// DeleteFailure renders a delete that never went through; nil means
	// jdcloud.DeleteFailure.
	DeleteFailure DeleteFailure
}

// FillPlain adapts a fill that cannot fail to Object.Fill.
func FillPlain[M, O any](fill func(*M, O)) func(*M, context.Context, O) diag.Diagnostics {
	return func(m *M, _ context.Context, o O) diag.Diagnostics {
		fill(m, o)
		return nil
	}
}

// Read is a resource's Read: it refreshes the state from the API and drops
// the resource from state when the object is gone (deleted outside
// Terraform), so that the next plan creates it again.
func (k Object[M, O]) Read(ctx context.Context, c *jdcloud.Client, req resource.ReadRequest, resp *resource.ReadResponse) {
	state, ok := Get[M](ctx, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	id := stateID(ctx, req.State, &resp.Diagnostics)
	o, err := k.Find(ctx, c, id)
	if jdcloud.IsNotFound(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		jdcloud.AddError(&resp.Diagnostics, "reading "+k.Name(id), err)
		return
	}
	resp.Diagnostics.Append(k.Fill(&state, ctx, o)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// SaveCreated records a newly created object in state: its ID first, so that
// a failed read leaves it tracked (tainted) rather than leaked, then the
// object as the API reads it back.
func (k Object[M, O]) SaveCreated(ctx context.Context, c *jdcloud.Client, resp *resource.CreateResponse, plan *M, id string) {
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	k.save(ctx, c, &resp.State, &resp.Diagnostics, plan, id, "creating")
}

// SaveUpdated records an updated object in state as the API reads it back.
func (k Object[M, O]) SaveUpdated(ctx context.Context, c *jdcloud.Client, resp *resource.UpdateResponse, plan *M, id string) {
	k.save(ctx, c, &resp.State, &resp.Diagnostics, plan, id, "updating")
}

func (k Object[M, O]) save(ctx context.Context, c *jdcloud.Client, state *tfsdk.State, diags *diag.Diagnostics, m *M, id, verb string) {
	o, err := k.Find(ctx, c, id)
	if err != nil {
		jdcloud.AddError(diags, fmt.Sprintf("reading %s after %s it", k.Name(id), verb), err)
		return
	}
	diags.Append(k.Fill(m, ctx, o)...)
	diags.Append(state.Set(ctx, m)...)
}

// Update is a resource's Update for an object whose in-place changes are one
// step: Modify sends them, then the object is read back into state.
func (k Object[M, O]) Update(ctx context.Context, c *jdcloud.Client, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	plan, ok := Get[M](ctx, req.Plan, &resp.Diagnostics)
	state, ok2 := Get[M](ctx, req.State, &resp.Diagnostics)
	if !ok || !ok2 {
		return
	}
	id := stateID(ctx, req.State, &resp.Diagnostics)
	if err := k.Modify(ctx, c, id, &plan, &state); err != nil {
		jdcloud.AddError(&resp.Diagnostics, "updating "+k.Name(id), err)
		return
	}
	k.SaveUpdated(ctx, c, resp, &plan, id)
}

// DeleteFailure renders a failed delete-until-gone for a diagnostic's detail.
type DeleteFailure func(blocked, err error, timeout time.Duration) string

// Delete is a resource's Delete for an object that JD Cloud refuses to
// delete while something still uses it: Remove is retried until the object
// is gone or the delete timeout (DeleteTimeout unless configured) runs out.
func (k Object[M, O]) Delete(ctx context.Context, c *jdcloud.Client, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var tv timeouts.Value
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("timeouts"), &tv)...)
	id := stateID(ctx, req.State, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := Timeout(ctx, tv, Delete, k.DeleteTimeout)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	blocked, err := jdcloud.DeleteUntilGone(ctx, c, k.Name(id), timeout, func(ctx context.Context) error { return k.Remove(ctx, c, id) })
	if err == nil {
		return
	}
	failure := k.DeleteFailure
	if failure == nil {
		failure = jdcloud.DeleteFailure
	}
	resp.Diagnostics.AddError("Error deleting "+k.Name(id), failure(blocked, err, timeout))
}

// Managed, embedded in a resource, is all of its Metadata, Configure, Read,
// Update, Delete and ImportState when Object's steps are the whole of them;
// the resource keeps its Schema, its Create and its plan checks, and may
// still write any of the others itself.
// Its Update needs Object.Modify, its Delete Object.Remove.
type Managed[M, O any] struct {
	Base
	ImportByID
	Object Object[M, O]
}

// NewManaged is the Managed of the resource type named the provider's name
// plus suffix ("_vpc").
func NewManaged[M, O any](suffix string, o Object[M, O]) Managed[M, O] {
	return Managed[M, O]{Base: NewBase(suffix), Object: o}
}

func (r *Managed[M, O]) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	r.Object.Read(ctx, r.Client, req, resp)
}

func (r *Managed[M, O]) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.Object.Update(ctx, r.Client, req, resp)
}

func (r *Managed[M, O]) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	r.Object.Delete(ctx, r.Client, req, resp)
}

// ImportByID, embedded in a resource, is its ImportState when the import ID
// is the resource's ID alone: the Read that follows fills in the rest.
type ImportByID struct{}

func (ImportByID) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}

func stateID(ctx context.Context, state tfsdk.State, diags *diag.Diagnostics) string {
	var id types.String
	diags.Append(state.GetAttribute(ctx, path.Root("id"), &id)...)
	return id.ValueString()
}
