package vm

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vmmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
	agservice "github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/ag"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/network"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/resourcekit"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/validate"
)

var (
	_ resource.ResourceWithImportState      = (*instanceResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*instanceResource)(nil)
	_ resource.ResourceWithConfigValidators = (*instanceResource)(nil)
)

const (
	defaultCreateTimeout = 10 * time.Minute
	defaultUpdateTimeout = 5 * time.Minute
	defaultDeleteTimeout = 10 * time.Minute
	// privateImported marks state that came from an import, where password
	// and user_data are unknown rather than unset.
	privateImported = "imported"
)

// NewInstanceResource is the jdcloudha_instance resource.
func NewInstanceResource() resource.Resource {
	return &instanceResource{Base: resourcekit.NewBase("_instance")}
}

type instanceResource struct{ resourcekit.Base }

func (r *instanceResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A virtual machine in an availability group. The group spreads its instances over fault domains, " +
			"so the two members of a failover pair do not share one (`fault_domain` reports where each landed).\n\n" +
			"Creating waits until the instance is `running`; an instance that ends in status `error` is deleted again and " +
			"the apply fails with the reason, leaving nothing behind. Destroying (and replacing) first stops the instance " +
			"(`shutdown_before_deletion`), so keepalived on it shuts down cleanly and its peer takes over at once, then deletes " +
			"it and waits until it is gone. `name`, `description` and `availability_group_id` change in place; every other " +
			"argument replaces the instance.\n\n" +
			"The group must be `loose` (as `jdcloudha_availability_group` makes them): a `strict` group launches instances only " +
			"from its instance template, which is refused at plan time. Should JD Cloud refuse an instance's own specification in " +
			"a loose group too, the instance is created outside the group in `az` and then moved into it (ModifyInstancePlacement).\n\n" +
			"The plan warns when the instance is not `running` (for example stopped outside Terraform): a stopped member " +
			"of a failover pair cannot take over.\n\n" +
			"Import by ID (`i-…`). `password` and `user_data` cannot be read back from the API: after an import they are " +
			"empty in state, and if the configuration sets them the next plan shows an in-place update that only records " +
			"them in state (no API call, no replacement).",
		Attributes: map[string]schema.Attribute{
			"id": resourcekit.StableAttribute("The instance ID (`i-…`)."),
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Instance name: " + validate.InstanceNameRule + ". Updated in place.",
				Validators:          []validator.String{validate.InstanceName()},
			},
			"availability_group_id": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "ID of the availability group (`ag-…`) that places the instance in a fault domain; it must be a " +
					"`loose` group that spans `az` (both checked at plan time when the group exists). Changing it moves the running " +
					"or stopped instance into the other group in place (ModifyInstancePlacement: same zone and VPC), and " +
					"`fault_domain` is read again.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"az": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Availability zone, e.g. `cn-east-2a`: a zone of the provider's region (cn-east-1 has only `cn-east-1a`) " +
					"and one of the availability group's zones, both checked at plan time (the latter once the group exists). Changing it replaces the instance.",
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: replace,
			},
			"instance_type": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Instance type, e.g. `g.n2.medium`. Changing it replaces the instance.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       replace,
			},
			"image_id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Image ID (`img-…`). Changing it replaces the instance.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       replace,
			},
			"subnet_id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Subnet (`subnet-…`) of the primary network interface. Changing it replaces the instance.",
				PlanModifiers:       replace,
			},
			"private_ip": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Primary private IPv4 address, e.g. `10.0.1.18`. It must be a usable host address inside the subnet " +
					"(not the network, broadcast, gateway or DHCP address): checked at plan time when the subnet already exists, " +
					"otherwise before the instance is created; an address another instance already holds is refused at plan time too. " +
					"Omit it to have one allocated. Changing it replaces the instance.",
				Validators:    []validator.String{validate.IPv4Address()},
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()},
			},
			"security_group_ids": schema.SetAttribute{
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				MarkdownDescription: "Security groups (`sg-…`, at most 5) of the primary network interface. " +
					"Omit it to get the VPC's default group. Changing it replaces the instance.",
				Validators:    []validator.Set{setvalidator.SizeBetween(1, 5), setvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))},
				PlanModifiers: []planmodifier.Set{setplanmodifier.UseStateForUnknown(), setplanmodifier.RequiresReplace()},
			},
			"key_names": schema.ListAttribute{
				ElementType: types.StringType,
				Optional:    true,
				MarkdownDescription: "Name of the SSH key pair to log in with, as a one-element list (JD Cloud accepts a single key, Linux images only). " +
					"Set exactly one of `key_names` and `password`. Changing it replaces the instance.",
				Validators:    []validator.List{listvalidator.SizeBetween(1, 1), listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))},
				PlanModifiers: []planmodifier.List{listplanmodifier.RequiresReplace()},
			},
			"password": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "Login password: 8 to 30 characters with at least three of upper-case letters, " +
					"lower-case letters, digits and the special characters `` " + validate.PasswordSpecials + " `` (no others). Set exactly one of `key_names` and `password`. " +
					"Write-only in practice: the API never returns it, so it is kept as configured. Changing it replaces the instance.",
				Validators:    []validator.String{validate.Password()},
				PlanModifiers: []planmodifier.String{replaceUnlessImportedModifier},
			},
			"user_data": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Launch script in plain text (the provider base64-encodes it into the `launch-script` user data). " +
					"At most 16 KB (16384 bytes) before encoding, checked at plan time. On a Linux image the first line must be " +
					"`#!/bin/bash` or `#!/usr/bin/env python` (checked at plan time once the image is known; a `#!/bin/sh` script is refused). It runs at first boot only, so changing it replaces the instance. " +
					"Not readable from the API: kept as configured.",
				Validators:    []validator.String{validate.UserData()},
				PlanModifiers: []planmodifier.String{replaceUnlessImportedModifier},
			},
			"description": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
				MarkdownDescription: "Free-text description, at most 256 characters. Default empty. Updated in place.",
				Validators:          []validator.String{validate.Description()},
			},
			"fault_domain":                 resourcekit.StableAttribute("The fault domain the availability group placed the instance in."),
			"primary_network_interface_id": resourcekit.StableAttribute("ID of the primary network interface (`port-…`), which holds the private IP and any elastic IP."),
			"status": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Instance status as last read: `running`, `stopped`, `error`, or a transitional state such as `starting`. Any status but `running` gives a warning at plan time.",
			},
			"shutdown_before_deletion": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
				MarkdownDescription: "Stop the instance (and wait until it is stopped) before deleting or replacing it. Default `true`: " +
					"the guest shuts down cleanly, so keepalived sends its priority-0 advert and the peer takes the elastic IP over " +
					"within a second, instead of after the advert timeout of a vanished node. Set `false` to delete at once. " +
					"Best effort: if the stop is refused, the instance is deleted running.",
			},
			"vpc_id": resourcekit.StableAttribute("The VPC of the subnet."),
			"timeouts": resourcekit.TimeoutsAttribute(ctx, timeouts.Opts{}, "Timeouts: create (default 10m, until the instance is running), "+
				"update (default 5m), delete (default 10m, until it is gone), e.g. `create = \"20m\"`."),
		},
	}
}

func (r *instanceResource) ConfigValidators(_ context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.ExactlyOneOf(path.MatchRoot("key_names"), path.MatchRoot("password")),
	}
}

// ModifyPlan checks, once the IDs are known and before anything is created,
// what only the API can tell: the private IP lies in the subnet and is free,
// the zone belongs to the region and the group, and the group is loose. API
// failures here are left to apply time. It also warns about an instance that
// is not running, and marks fault_domain unknown when the group changes.
func (r *instanceResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	plan, ok := resourcekit.Get[instanceModel](ctx, req.Plan, &resp.Diagnostics)
	if !ok {
		return
	}
	var state *instanceModel
	if !req.State.Raw.IsNull() {
		state = &instanceModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	changed := func(p, s types.String) bool { return state == nil || !p.Equal(s) }

	if state != nil && state.Status.ValueString() != statusRunning && !state.Status.IsNull() {
		resp.Diagnostics.AddWarning(fmt.Sprintf("Instance %s (%s) is %s", state.ID.ValueString(), state.Name.ValueString(), state.Status.ValueString()),
			fmt.Sprintf("JD Cloud reports instance %s as %q, not running: as a member of a failover pair it cannot serve or take over. "+
				"Start it (console, or `jdc vm start-instance --instance-id %s`), or replace it with "+
				"`terraform apply -replace=<address>`. This plan does not start it.",
				state.ID.ValueString(), state.Status.ValueString(), state.ID.ValueString()))
	}
	if r.Client == nil { // validation before the provider is configured: nothing to ask the API
		return
	}

	ip, subnet := plan.PrivateIP, plan.SubnetID
	if known(ip) && known(subnet) && (state == nil || changed(ip, state.PrivateIP) || changed(subnet, state.SubnetID)) {
		if problem, _ := checkPrivateIP(ctx, r.Client, subnet.ValueString(), ip.ValueString()); problem != nil {
			resp.Diagnostics.AddAttributeError(path.Root("private_ip"), "Private IP outside the subnet", problem.Error())
		} else if holder, err := privateIPHolder(ctx, r.Client, subnet.ValueString(), ip.ValueString(), stateID(state), plan.Name.ValueString()); err == nil && holder != "" {
			resp.Diagnostics.AddAttributeError(path.Root("private_ip"), "Private IP already in use",
				network.PrivateIPTakenMessage(ip.ValueString(), subnet.ValueString(), holder))
		}
	}
	if ud, img := plan.UserData, plan.ImageID; known(ud) && known(img) && (state == nil || changed(ud, state.UserData) || changed(img, state.ImageID)) {
		if image, err := jdcloud.LookupImage(ctx, r.Client, img.ValueString()); err == nil {
			if problem := launchScriptProblem(image.OsType, ud.ValueString()); problem != nil {
				resp.Diagnostics.AddAttributeError(path.Root("user_data"), "Launch script not runnable", problem.Error()+".")
			}
		}
	}
	az, ag := plan.AZ, plan.AvailabilityGroupID
	if known(az) && changed(az, stateAZ(state)) {
		if err := agservice.CheckZone(az.ValueString(), r.Client.Region); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("az"), "Zone not in the provider's region", "az "+err.Error()+".")
			return
		}
	}
	if known(az) && known(ag) && (state == nil || changed(az, state.AZ) || changed(ag, state.AvailabilityGroupID)) {
		if g, err := describeGroup(ctx, r.Client, ag.ValueString()); err == nil {
			strict, zone := groupProblems(g, az.ValueString())
			if strict != nil {
				resp.Diagnostics.AddAttributeError(path.Root("availability_group_id"), "Availability group is strict (template-based)", strict.Error()+".")
			}
			if zone != nil {
				resp.Diagnostics.AddAttributeError(path.Root("az"), "Zone not in the availability group", zone.Error())
			}
		}
	}
	if state != nil && !ag.Equal(state.AvailabilityGroupID) {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("fault_domain"), types.StringUnknown())...)
	}
}

// stateID is the instance being changed or replaced ("" for a new one),
// which may hold its own private IP.
func stateID(state *instanceModel) string {
	if state == nil {
		return ""
	}
	return state.ID.ValueString()
}

func stateAZ(state *instanceModel) types.String {
	if state == nil {
		return types.StringNull()
	}
	return state.AZ
}

func known(v types.String) bool { return !v.IsNull() && !v.IsUnknown() && v.ValueString() != "" }

func (r *instanceResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	ctx, cancel, plan, ok := resourcekit.Begin[instanceModel](ctx, req.Plan, resourcekit.Create, defaultCreateTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	what := fmt.Sprintf("creating instance %q", plan.Name.ValueString())

	// The subnet may have been created in this same apply, so this is the
	// first moment its block can be known.
	if ip := plan.PrivateIP.ValueString(); ip != "" {
		problem, err := checkPrivateIP(ctx, r.Client, plan.SubnetID.ValueString(), ip)
		if err != nil {
			jdcloud.AddError(&resp.Diagnostics, what, err)
			return
		}
		if problem != nil {
			resp.Diagnostics.AddAttributeError(path.Root("private_ip"), "Error "+what, problem.Error())
			return
		}
	}

	spec, diags := plan.spec(ctx)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	// One token for every retry of this create: a retried request after a
	// lost answer returns the first instance instead of making a second.
	id, joinLater, err := r.createInstance(ctx, spec)
	if err != nil && jdcloud.IsAlreadyInUse(err) && plan.PrivateIP.ValueString() != "" {
		// An earlier create whose every answer was lost (an outage past its
		// timeout, an interrupt) may have made this very instance: its
		// private IP is then held by an instance of the same name in the
		// same subnet, which no state knows. Take it over rather than fail
		// on every rerun.
		if orphan := r.leftBehind(ctx, plan); orphan != "" {
			resp.Diagnostics.AddWarning("Took over an instance an earlier create left behind",
				fmt.Sprintf("Instance %s already holds private IP %s in subnet %s under the name %q: an earlier create of this resource made it, "+
					"but its answer never arrived. This resource now manages it instead of creating another.",
					orphan, plan.PrivateIP.ValueString(), plan.SubnetID.ValueString(), plan.Name.ValueString()))
			id, joinLater, err = orphan, "", nil
		}
	}
	if err != nil {
		jdcloud.AddError(&resp.Diagnostics, what, err)
		return
	}
	// Record the ID before waiting: if the wait fails or times out, the
	// instance stays in state (tainted) and is not leaked.
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)

	lastStatus := ""
	inst, err := jdcloud.WaitFor(ctx, r.Client, jdcloud.Wait[vmmodels.Instance]{
		What:    fmt.Sprintf("instance %s to be running", id),
		Pending: []string{"pending", "starting"},
		Target:  []string{statusRunning},
		Refresh: func(ctx context.Context) (vmmodels.Instance, string, error) {
			inst, st, err := r.refresh(id)(ctx)
			if err == nil {
				lastStatus = st
			}
			return inst, st, err
		},
	})
	if err != nil {
		if lastStatus == statusError || lastStatus == jdcloud.StateGone {
			r.cleanUpFailedCreate(ctx, id, lastStatus, resp)
			return
		}
		jdcloud.AddError(&resp.Diagnostics, what, err)
		return
	}
	if joinLater != "" {
		if inst, err = r.moveToGroup(ctx, id, joinLater); err != nil {
			// The instance exists but is outside its group: delete it rather
			// than leave a member without anti-affinity.
			detail := fmt.Sprintf("Instance %s was created outside availability group %s (JD Cloud refused its own specification "+
				"in the group) but could not be moved into it:\n\n%s", id, joinLater, jdcloud.Detail(err))
			if derr := r.deleteAndWait(ctx, id, false); derr != nil {
				detail += "\n\nDeleting it did not complete, so it stays in state and will be replaced on the next apply: " + jdcloud.Detail(derr)
			} else {
				detail += "\n\nThe instance has been deleted again."
				resp.State.RemoveResource(ctx)
			}
			resp.Diagnostics.AddError("Error "+what, detail)
			return
		}
	}
	resp.Diagnostics.Append(plan.fill(ctx, inst)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// cleanUpFailedCreate handles an instance that went to status error (or was
// already removed by the cloud, which removes failed creates): it deletes
// what is left, so nothing is billed or left in state, and explains.
func (r *instanceResource) cleanUpFailedCreate(ctx context.Context, id, status string, resp *resource.CreateResponse) {
	detail := fmt.Sprintf("Instance %s went into status %q instead of running. JD Cloud does not report why; "+
		"common causes are an image that does not fit the instance type, no capacity for the type in the zone, "+
		"or a launch script the image rejects.", id, statusError)
	if status == jdcloud.StateGone {
		detail = fmt.Sprintf("Instance %s disappeared while starting: JD Cloud removes instances whose creation failed. "+
			"Common causes are an image that does not fit the instance type or no capacity for the type in the zone.", id)
	}
	if err := r.deleteAndWait(ctx, id, false); err != nil {
		detail += "\n\nDeleting the failed instance did not complete, so it stays in state and will be replaced on the next apply: " + jdcloud.Detail(err)
	} else {
		detail += "\n\nThe failed instance has been deleted; nothing is left behind."
		resp.State.RemoveResource(ctx)
	}
	resp.Diagnostics.AddError("Error creating instance: status error", detail)
}

func (r *instanceResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	instanceObject.Read(ctx, r.Client, req, resp)
}

// instanceObject reads instances for the resource.
var instanceObject = resourcekit.Object[instanceModel, vmmodels.Instance]{
	Name: resourcekit.Bare("instance"),
	Find: jdcloud.FindInstanceByID,
	Fill: (*instanceModel).fill,
}

func (r *instanceResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	ctx, cancel, plan, state, ok := resourcekit.BeginUpdate[instanceModel](ctx, req, defaultUpdateTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	id := state.ID.ValueString()
	what := fmt.Sprintf("updating instance %s", id)

	// Only name and description reach the API; password and user_data get
	// here only after an import, to be recorded in state.
	modReq := vmapis.NewModifyInstanceAttributeRequest(r.Client.Region, id)
	modify := false
	if !plan.Name.Equal(state.Name) {
		modReq.SetName(plan.Name.ValueString())
		modify = true
	}
	if !plan.Description.Equal(state.Description) {
		modReq.SetDescription(plan.Description.ValueString())
		modify = true
	}
	if modify {
		_, err := jdcloud.Call(ctx, r.Client, "vm.ModifyInstanceAttribute", func() (*vmapis.ModifyInstanceAttributeResponse, error) {
			return r.Client.VM.ModifyInstanceAttribute(modReq)
		})
		if err != nil {
			jdcloud.AddError(&resp.Diagnostics, what, err)
			return
		}
	}
	if agID := plan.AvailabilityGroupID.ValueString(); agID != state.AvailabilityGroupID.ValueString() {
		if _, err := r.moveToGroup(ctx, id, agID); err != nil {
			jdcloud.AddError(&resp.Diagnostics, fmt.Sprintf("moving instance %s into availability group %s", id, agID), err)
			return
		}
	}
	inst, err := jdcloud.FindInstanceByID(ctx, r.Client, id)
	if err != nil {
		jdcloud.AddError(&resp.Diagnostics, what, err)
		return
	}
	resp.Diagnostics.Append(plan.fill(ctx, inst)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *instanceResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	ctx, cancel, state, ok := resourcekit.Begin[instanceModel](ctx, req.State, resourcekit.Delete, defaultDeleteTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	shutdown := state.ShutdownBeforeDeletion.IsNull() || state.ShutdownBeforeDeletion.ValueBool()
	if err := r.deleteAndWait(ctx, state.ID.ValueString(), shutdown); err != nil {
		jdcloud.AddError(&resp.Diagnostics, fmt.Sprintf("deleting instance %s (%s)", state.ID.ValueString(), state.Name.ValueString()), err)
	}
}

// deleteAndWait deletes an instance and waits until it is gone. The API
// refuses to delete an instance with a task in progress, so a transitional
// state is waited out first. With shutdown, a running instance is stopped
// first (see stopBeforeDelete).
func (r *instanceResource) deleteAndWait(ctx context.Context, id string, shutdown bool) error {
	inst, err := jdcloud.WaitFor(ctx, r.Client, jdcloud.Wait[vmmodels.Instance]{
		What:      fmt.Sprintf("instance %s to finish its current task before deletion", id),
		PollFirst: true, // usually idle already
		Pending:   transitional,
		Target:    []string{statusRunning, statusStopped, statusError, statusDeleting, jdcloud.StateGone},
		Refresh:   r.refresh(id),
	})
	if err != nil {
		return err
	}
	if inst.InstanceId == "" { // gone already
		return nil
	}
	if shutdown && inst.Status == statusRunning {
		r.stopBeforeDelete(ctx, id)
	}
	if inst.Status != statusDeleting {
		if err := deleteInstance(ctx, r.Client, id); err != nil {
			return err
		}
	}
	_, err = jdcloud.WaitFor(ctx, r.Client, jdcloud.Wait[vmmodels.Instance]{
		What:    fmt.Sprintf("instance %s to be deleted", id),
		Pending: append([]string{statusDeleting, statusRunning, statusStopped, statusError}, transitional...),
		Target:  []string{jdcloud.StateGone},
		Refresh: r.refresh(id),
	})
	return err
}

func (r *instanceResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateImported, []byte("true"))...)
}

func (r *instanceResource) refresh(id string) func(context.Context) (vmmodels.Instance, string, error) {
	return func(ctx context.Context) (vmmodels.Instance, string, error) {
		inst, err := jdcloud.FindInstanceByID(ctx, r.Client, id)
		if jdcloud.IsNotFound(err) {
			return vmmodels.Instance{}, jdcloud.StateGone, nil
		}
		if err != nil {
			return vmmodels.Instance{}, "", err
		}
		return inst, inst.Status, nil
	}
}

// replaceUnlessImported forces replacement when a create-only secret such as
// password or user_data changes, except when state holds null because the
// instance was imported and the value was never readable: then the new value
// is only recorded.
type replaceUnlessImported struct{ validate.Described }

var replaceUnlessImportedModifier = replaceUnlessImported{"changing the value replaces the instance, except right after an import, when it is only recorded"}

func (replaceUnlessImported) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() || req.PlanValue.Equal(req.StateValue) {
		return
	}
	if req.StateValue.IsNull() && req.Private != nil {
		imported, diags := req.Private.GetKey(ctx, privateImported)
		resp.Diagnostics.Append(diags...)
		if string(imported) == "true" {
			return
		}
	}
	resp.RequiresReplace = true
}
