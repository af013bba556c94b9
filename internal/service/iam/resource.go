// Package iam holds jdcloudha_failover_credentials: a JD Cloud IAM sub-user
// whose only right is what the failover agent does — describe one EIP and
// move it between two instances — and its access key, so the nodes never
// carry the account's own key.
package iam

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/agent"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/resourcekit"
)

var (
	_ resource.ResourceWithImportState = (*credentialsResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*credentialsResource)(nil)
)

const (
	defaultTimeout = 5 * time.Minute
	// defaultPropagationTimeout bounds the permission self-check's retries:
	// a new key or policy may take a moment to apply on the real cloud.
	defaultPropagationTimeout = 2 * time.Minute
)

// NewCredentialsResource is the jdcloudha_failover_credentials resource.
func NewCredentialsResource() resource.Resource {
	return &credentialsResource{Base: resourcekit.NewBase("_failover_credentials")}
}

type credentialsResource struct{ resourcekit.Base }

func (r *credentialsResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Least-privilege credentials for the failover agent: an IAM sub-user, a policy attached to it that allows " +
			"**only** the three calls the agent makes — `vpc:describeElasticIp` on this elastic IP, and `vm:associateElasticIp` / " +
			"`vm:disassociateElasticIp` on these two instances with this elastic IP — and its access key. Feed `access_key` and " +
			"`secret_key` to `jdcloudha_keepalived_config`, so the nodes never hold the account's own key: whoever gets into a node " +
			"can move this one EIP between these two instances, and do nothing else.\n\n" +
			"When the key is created or rotated, and when the policy changes, the provider runs the agent's own permission " +
			"self-check with the agent's key (describe the EIP; associate and disassociate it on both members, refused by state, " +
			"never moving it) and fails the apply naming the call the cloud refused, so a policy the cloud does not honour shows " +
			"at apply, not at the first failover.\n\n" +
			"Changing `rotation` rotates the key without a dead window: the new key is created and the previous one stays valid " +
			"(`previous_access_key`) until the nodes run the new one. After installing the new bundles on both nodes, set " +
			"`installed_rotation` to the new `rotation` value and apply: that retires the previous key. Without " +
			"`installed_rotation`, the previous key is retired by the next rotation. Changing `elastic_ip_id` or `instance_ids` " +
			"updates the policy in place (same key).\n\n" +
			"The secret key is only returned by the API when the key is created: it is kept in Terraform state (marked sensitive), " +
			"so protect the state (an encrypted remote backend with restricted access).\n\n" +
			"Import by sub-user name. An imported resource has no `secret_key` (the API never shows it again) and no `rotation`; " +
			"set or change `rotation` to get a key whose secret Terraform knows.",
		Attributes: map[string]schema.Attribute{
			"id": resourcekit.StableAttribute("The sub-user's name (same as `name`)."),
			"name": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Name of the IAM sub-user to create: 4 to 20 letters, digits, `-` or `_`, starting with a letter; " +
					"unique in the account. The policy is named `<name>" + policyNameSuffix + "`. Changing it replaces the sub-user, policy and key. " +
					"JD Cloud keeps a deleted sub-user restorable for a while and may refuse its name meanwhile, so a replacement " +
					"that keeps the name (`-replace`, a tainted resource) may fail: pick a new name then.",
				Validators: []validator.String{stringvalidator.RegexMatches(subUserRE,
					"must be 4 to 20 letters, digits, '-' or '_', starting with a letter")},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"elastic_ip_id": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The elastic IP (`fip-…`) the agent may describe and move. Checked against the API at plan time. " +
					"Changing it updates the policy in place.",
				Validators: []validator.String{stringvalidator.RegexMatches(eipIDRE, "must be an elastic IP ID such as fip-b6f37survq (no wildcards)")},
			},
			"instance_ids": schema.SetAttribute{
				Required:    true,
				ElementType: types.StringType,
				MarkdownDescription: "The two instances (`i-…`) of the failover pair, in any order: the EIP may be associated with and " +
					"disassociated from these two only. Checked against the API at plan time. Changing them updates the policy in place.",
				Validators: []validator.Set{
					setvalidator.SizeBetween(2, 2),
					setvalidator.ValueStringsAre(stringvalidator.RegexMatches(instanceIDRE, "must be an instance ID such as i-bszab8pxg0 (no wildcards)")),
				},
			},
			"rotation": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Any string; changing it (including setting or removing it) rotates the access key: a new key is " +
					"created and the current one becomes `previous_access_key`, still valid, so the nodes keep working until they " +
					"run the new bundles. A date such as `2026-11` makes a good value. A sub-user holds at most 2 keys, so a rotation " +
					"retires the key before the current one.",
			},
			"installed_rotation": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The `rotation` value whose key the nodes run now. Set it to the current `rotation` once both nodes " +
					"run the new bundles: the next apply retires `previous_access_key`. Set both at once (a rotation after a " +
					"suspected leak) to retire the old key in the same apply: failovers then fail until the nodes run the new key. " +
					"Must be the current `rotation`, or the one before it while the previous key exists.",
			},
			"propagation_timeout": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "How long the permission self-check keeps retrying a refusal before it fails the apply " +
					"(a duration such as `30s`; default `2m`): JD Cloud may take a moment before a new key or policy takes effect.",
				Validators: []validator.String{durationValidator},
			},
			"account_id": resourcekit.StableAttribute("The main account's id (the sub-user's `account` in the API), which the policy's resource " +
				"names (JRNs) spell out."),
			"previous_access_key": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The key before the last rotation, kept valid until the nodes run the new one (see " +
					"`installed_rotation`); null when there is none.",
			},
			"description": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Description of the sub-user, 1 to 256 characters; updated in place. A description edited " +
					"outside Terraform is read on import only.",
				Validators: []validator.String{stringvalidator.LengthBetween(1, 256)},
			},
			"policy_name": resourcekit.StableAttribute("Name of the IAM policy attached to the sub-user: `<name>" + policyNameSuffix + "` (4 to 64 letters, " +
				"digits, `-` or `_`, starting with a letter, as JD Cloud requires)."),
			"policy_document": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The policy document (JSON, JD Cloud's `Version` \"3\" format) as the API holds it. A policy " +
					"edited outside Terraform shows as a change here and is set back by the next apply.",
			},
			"access_key": resourcekit.StableAttribute("The sub-user's access key ID (`JDC_…`). Not secret by itself, so plans show it change on rotation. " +
				"A key deleted or disabled outside Terraform is replaced by the next apply."),
			"secret_key": schema.StringAttribute{
				Computed:  true,
				Sensitive: true,
				MarkdownDescription: "The access key's secret. The API returns it only when the key is created, so it is kept in " +
					"state (sensitive) and is null after import until the next rotation.",
				PlanModifiers: keep,
			},
			"timeouts": resourcekit.TimeoutsAttribute(ctx, timeouts.Opts{},
				"Timeouts for create, update and delete (each default 5m), e.g. `create = \"10m\"`."),
		},
	}
}

func (r *credentialsResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	ctx, cancel, plan, ok := resourcekit.Begin[credentialsModel](ctx, req.Plan, resourcekit.Create, defaultTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}

	name := plan.Name.ValueString()
	what := fmt.Sprintf("creating failover credentials %q", name)
	ids := plan.instanceIDs(ctx, &resp.Diagnostics)
	if err := createSubUser(ctx, r.Client, name, plan.Description.ValueString()); err != nil {
		detail := jdcloud.Detail(err)
		if jdcloud.HasStatus(err, "ALREADY_EXISTS") {
			detail += fmt.Sprintf("\n\nA sub-user named %q exists, or was deleted a moment ago (JD Cloud keeps deleted sub-users "+
				"restorable for a while and may refuse the name meanwhile). Choose another name, or bring an existing one under "+
				"Terraform with `terraform import <address> %s`.", name, name)
		}
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Error "+what, detail)
		return
	}
	// From here on the sub-user exists: record progress in state so any later
	// failure leaves a tainted resource (which destroy cleans up), not a leak.
	// Attributes not done yet stay null; Delete skips what is null.
	progress := plan
	progress.ID = types.StringValue(name)
	progress.AccountID, progress.PolicyName, progress.PolicyDocument = types.StringNull(), types.StringNull(), types.StringNull()
	progress.AccessKey, progress.SecretKey, progress.PreviousAccessKey = types.StringNull(), types.StringNull(), types.StringNull()
	save := func() { resp.Diagnostics.Append(resp.State.Set(ctx, &progress)...) }
	save()

	// The policy's resource names spell out the main account, which the
	// API shows as a sub-user's `account`: the same for every sub-user of
	// the account, so one read serves every pair of the walk.
	account, err := jdcloud.Lookup(r.Client, "iam/account", func() (string, error) {
		user, err := describeSubUser(ctx, r.Client, name)
		return user.Account, err
	})
	if err != nil {
		jdcloud.AddError(&resp.Diagnostics, what, err)
		return
	}
	progress.AccountID = types.StringValue(account)
	save()
	doc, err := buildPolicy(r.Client.Region, account, plan.ElasticIPID.ValueString(), ids)
	if err != nil {
		resp.Diagnostics.AddError("Error "+what, err.Error())
		return
	}

	policyName := policyNameFor(name)
	if err := createPolicy(ctx, r.Client, policyName, policyDescription(name), doc); err != nil {
		detail := jdcloud.Detail(err)
		if jdcloud.HasStatus(err, "ALREADY_EXISTS") {
			detail += fmt.Sprintf("\n\nA policy named %q already exists and was left alone; delete or rename it, or choose another name.", policyName)
		}
		resp.Diagnostics.AddError("Error "+what, detail)
		return
	}
	progress.PolicyName = types.StringValue(policyName)
	save()
	if err := attachPolicy(ctx, r.Client, name, policyName); err != nil {
		jdcloud.AddError(&resp.Diagnostics, what, err)
		return
	}
	progress.PolicyDocument = types.StringValue(doc)
	save()

	key, err := createAccessKey(ctx, r.Client, name, nil) // a new sub-user has no key yet
	if err != nil {
		jdcloud.AddError(&resp.Diagnostics, what, err)
		return
	}
	progress.AccessKey = types.StringValue(key.AccessKey)
	progress.SecretKey = types.StringValue(key.SecretAccessKey)
	save()
	if key.SecretAccessKey == "" {
		resp.Diagnostics.AddError("Error "+what, fmt.Sprintf("The API created access key %s but returned no secret for it.", key.AccessKey))
		return
	}
	r.checkPermissions(ctx, progress, &resp.Diagnostics, what)
}

func (r *credentialsResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	state, ok := resourcekit.Get[credentialsModel](ctx, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	name := state.ID.ValueString()
	what := fmt.Sprintf("reading failover credentials %q", name)
	user, err := describeSubUser(ctx, r.Client, name)
	if jdcloud.IsNotFound(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		jdcloud.AddError(&resp.Diagnostics, what, err)
		return
	}
	state.Name = types.StringValue(name)
	if user.Account != "" {
		state.AccountID = types.StringValue(user.Account)
	}
	raw, _ := req.Private.GetKey(ctx, importingKey)
	importing := len(raw) > 0
	if importing {
		// The first read after an import fills what the import ID did not.
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, importingKey, nil)...)
		// Only on import: the description cannot be updated in place, so a
		// console edit reported later would plan a replacement of the
		// sub-user and its key for a cosmetic change.
		state.Description = types.StringNull()
		if user.Description != "" {
			state.Description = types.StringValue(user.Description)
		}
	}

	attached, err := attachedPolicies(ctx, r.Client, name)
	if err != nil {
		jdcloud.AddError(&resp.Diagnostics, what, err)
		return
	}
	if importing {
		p, problem := pickPolicy(name, attached)
		if problem != "" {
			resp.Diagnostics.AddError("Error "+what, problem)
			return
		}
		state.PolicyName = types.StringValue(p)
	}
	policyName := state.PolicyName.ValueString()
	// A detached or deleted policy grants nothing: record no document, so the
	// plan shows the policy being put back.
	doc := ""
	if slices.Contains(attached, policyName) {
		doc, err = describePolicy(ctx, r.Client, policyName)
		if jdcloud.IsNotFound(err) {
			doc, err = "", nil
		}
		if err != nil {
			jdcloud.AddError(&resp.Diagnostics, what, err)
			return
		}
	}
	switch {
	case doc == "":
		state.PolicyDocument = types.StringNull()
	case !samePolicy(state.PolicyDocument.ValueString(), doc):
		state.PolicyDocument = types.StringValue(doc)
	}
	if importing {
		eip, ids, err := targetsOf(doc)
		if err != nil {
			resp.Diagnostics.AddError("Error "+what, fmt.Sprintf("Policy %q attached to sub-user %s cannot be read as a failover policy: %v", policyName, name, err))
			return
		}
		state.ElasticIPID = types.StringValue(eip)
		set, d := types.SetValueFrom(ctx, types.StringType, ids)
		resp.Diagnostics.Append(d...)
		state.InstanceIDs = set
	}

	keys, err := listAccessKeys(ctx, r.Client, name)
	if err != nil {
		jdcloud.AddError(&resp.Diagnostics, what, err)
		return
	}
	current := ""
	if importing {
		for _, k := range keys { // newest first
			if k.Status == keyEnabled {
				current = k.AccessKey
				break
			}
		}
	} else {
		for _, k := range keys {
			if k.AccessKey == state.AccessKey.ValueString() && k.Status == keyEnabled {
				current = k.AccessKey
			}
		}
	}
	if current == "" {
		state.AccessKey, state.SecretKey = types.StringNull(), types.StringNull()
	} else if current != state.AccessKey.ValueString() {
		state.AccessKey, state.SecretKey = types.StringValue(current), types.StringNull()
	}
	// The previous key counts only while it still works.
	previous := types.StringNull()
	for _, k := range keys {
		if k.AccessKey == state.PreviousAccessKey.ValueString() && k.Status == keyEnabled && k.AccessKey != current {
			previous = state.PreviousAccessKey
		}
	}
	state.PreviousAccessKey = previous
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *credentialsResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	ctx, cancel, plan, state, ok := resourcekit.BeginUpdate[credentialsModel](ctx, req, defaultTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}

	name := state.ID.ValueString()
	what := fmt.Sprintf("updating failover credentials %q", name)
	progress := state
	progress.Timeouts, progress.PropagationTimeout = plan.Timeouts, plan.PropagationTimeout
	save := func() { resp.Diagnostics.Append(resp.State.Set(ctx, &progress)...) }

	if progress.AccountID.ValueString() == "" {
		user, err := describeSubUser(ctx, r.Client, name)
		if err != nil {
			jdcloud.AddError(&resp.Diagnostics, what, err)
			return
		}
		progress.AccountID = types.StringValue(user.Account)
	}
	if !plan.Description.Equal(state.Description) {
		if err := updateDescription(ctx, r.Client, name, plan.Description.ValueString()); err != nil {
			jdcloud.AddError(&resp.Diagnostics, what, err)
			return
		}
		progress.Description = plan.Description
		save()
	}

	// The policy first: a rotation then hands out a key that already has the
	// new rights.
	doc, err := buildPolicy(r.Client.Region, progress.AccountID.ValueString(), plan.ElasticIPID.ValueString(), plan.instanceIDs(ctx, &resp.Diagnostics))
	if err != nil {
		resp.Diagnostics.AddError("Error "+what, err.Error())
		return
	}
	policyChanged := state.PolicyDocument.IsNull() || !samePolicy(state.PolicyDocument.ValueString(), doc)
	if policyChanged {
		policyName := state.PolicyName.ValueString()
		if policyName == "" {
			policyName = policyNameFor(name)
			progress.PolicyName = types.StringValue(policyName)
		}
		if err := ensurePolicy(ctx, r.Client, name, policyName, doc); err != nil {
			jdcloud.AddError(&resp.Diagnostics, what, err)
			return
		}
		progress.PolicyDocument = types.StringValue(doc)
	}
	save()

	rotating := needsNewKey(plan, state)
	if rotating {
		if !r.newKey(ctx, &progress, plan, state, req.Private, resp.Private, &resp.Diagnostics, what) {
			save()
			return
		}
		save()
	}
	// The targets and the rotation are recorded only once the check passed:
	// a refused check leaves them pending, so the next plan shows the
	// change again and the next apply checks again.
	targetsChanged := !plan.ElasticIPID.Equal(state.ElasticIPID) || !plan.InstanceIDs.Equal(state.InstanceIDs)
	if rotating || policyChanged || targetsChanged {
		checked := progress
		checked.ElasticIPID, checked.InstanceIDs = plan.ElasticIPID, plan.InstanceIDs
		if !r.checkPermissions(ctx, checked, &resp.Diagnostics, what) {
			return
		}
	}
	progress.ElasticIPID, progress.InstanceIDs = plan.ElasticIPID, plan.InstanceIDs
	save()

	keep := []string{progress.AccessKey.ValueString(), plan.PreviousAccessKey.ValueString()}
	if err := retireKeysBut(ctx, r.Client, name, keep); err != nil {
		resp.Diagnostics.AddError("Error "+what, fmt.Sprintf("Access key %s is in state, but retiring the key(s) it replaces failed; "+
			"the next apply retries (the plan still shows the change).\n\n%s", progress.AccessKey.ValueString(), jdcloud.Detail(err)))
		return
	}
	progress.PreviousAccessKey = plan.PreviousAccessKey
	progress.Rotation, progress.InstalledRotation = plan.Rotation, plan.InstalledRotation
	if rotating {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, pendingKey, nil)...)
	}
	if plan.PreviousAccessKey.IsNull() {
		resp.Diagnostics.Append(resp.Private.SetKey(ctx, previousRotationKey, nil)...)
	}
	save()
}

func (r *credentialsResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	ctx, cancel, state, ok := resourcekit.Begin[credentialsModel](ctx, req.State, resourcekit.Delete, defaultTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}

	name := state.ID.ValueString()
	what := fmt.Sprintf("deleting failover credentials %q", name)
	// Keys first, so the credentials stop working before anything else goes.
	keys, err := listAccessKeys(ctx, r.Client, name)
	if err != nil && !jdcloud.IsNotFound(err) {
		jdcloud.AddError(&resp.Diagnostics, what, err)
		return
	}
	for _, k := range keys {
		if err := retireAccessKey(ctx, r.Client, name, k.AccessKey); err != nil {
			jdcloud.AddError(&resp.Diagnostics, what, err)
			return
		}
	}
	// The policy only if this resource created it (null when create failed
	// before, e.g. because a policy of that name already existed).
	if p := state.PolicyName.ValueString(); p != "" {
		if err := detachPolicy(ctx, r.Client, name, p); err != nil {
			jdcloud.AddError(&resp.Diagnostics, what, err)
			return
		}
		if err := deletePolicy(ctx, r.Client, p); err != nil {
			jdcloud.AddError(&resp.Diagnostics, what, err)
			return
		}
	}
	if err := deleteSubUser(ctx, r.Client, name); err != nil {
		jdcloud.AddError(&resp.Diagnostics, what, err)
	}
}

// ModifyPlan shows the exact policy document in the plan (once the account
// is known, i.e. after create), plans a new key when rotation changes or the
// key is gone, plans which previous key stays valid, and checks that the EIP
// and instances exist (a policy naming a typo would install credentials that
// fail only at the first failover).
func (r *credentialsResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	plan, state, ok := resourcekit.PlanAndState[credentialsModel](ctx, req, &resp.Diagnostics)
	if !ok {
		return
	}

	if !plan.Name.IsUnknown() && (state == nil || state.PolicyName.IsNull()) {
		name := policyNameFor(plan.Name.ValueString())
		if !policyNameRE.MatchString(name) {
			resp.Diagnostics.AddAttributeError(path.Root("name"), "Invalid failover credentials",
				fmt.Sprintf("The policy name %q would not be accepted by JD Cloud (4 to 64 letters, digits, '-' or '_', starting with a letter).", name))
			return
		}
		plan.PolicyName = types.StringValue(name)
	}

	account := ""
	if state != nil {
		account = state.AccountID.ValueString()
	}
	switch {
	case plan.targetsKnown() && r.Client != nil:
		ids := plan.instanceIDs(ctx, &resp.Diagnostics)
		probe := account
		if probe == "" {
			probe = "000000000000" // validates the IDs; the real account is known after create
		}
		want, err := buildPolicy(r.Client.Region, probe, plan.ElasticIPID.ValueString(), ids)
		if err != nil {
			resp.Diagnostics.AddError("Invalid failover credentials", err.Error())
			return
		}
		switch {
		case account == "":
			plan.PolicyDocument = types.StringUnknown()
		case state != nil && samePolicy(state.PolicyDocument.ValueString(), want):
			plan.PolicyDocument = state.PolicyDocument
		default:
			plan.PolicyDocument = types.StringValue(want)
		}
		changed := state == nil || !plan.ElasticIPID.Equal(state.ElasticIPID) || !plan.InstanceIDs.Equal(state.InstanceIDs)
		if changed {
			r.checkTargets(ctx, plan.ElasticIPID.ValueString(), ids, &resp.Diagnostics)
		}
	case state != nil && plan.ElasticIPID.Equal(state.ElasticIPID) && plan.InstanceIDs.Equal(state.InstanceIDs):
		plan.PolicyDocument = state.PolicyDocument
	default:
		plan.PolicyDocument = types.StringUnknown()
	}

	if state == nil {
		plan.PreviousAccessKey = types.StringNull()
	} else if problem := planKeys(ctx, &plan, *state, req.Private); problem != "" {
		resp.Diagnostics.AddAttributeError(path.Root("installed_rotation"), "Invalid installed_rotation", problem)
		return
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

func (r *credentialsResource) checkTargets(ctx context.Context, eipID string, instanceIDs []string, diags *diag.Diagnostics) {
	c := r.Client
	_, err := jdcloud.LookupEIP(ctx, c, eipID)
	if jdcloud.IsNotFound(err) {
		diags.AddAttributeError(path.Root("elastic_ip_id"), "Elastic IP not found",
			fmt.Sprintf("Elastic IP %s does not exist in region %s: a policy naming it would give the agent nothing to move.", eipID, c.Region))
	} else if err != nil {
		jdcloud.AddError(diags, "checking elastic_ip_id "+eipID, err)
	}
	for _, id := range instanceIDs {
		_, err := jdcloud.LookupInstance(ctx, c, id)
		if jdcloud.IsNotFound(err) {
			diags.AddAttributeError(path.Root("instance_ids"), "Instance not found",
				fmt.Sprintf("Instance %s does not exist in region %s.", id, c.Region))
		} else if err != nil {
			jdcloud.AddError(diags, "checking instance "+id, err)
		}
	}
}

func policyDescription(user string) string {
	return fmt.Sprintf("EIP failover agent of sub-user %s: describe one elastic IP and move it between two instances (managed by Terraform)", user)
}

// ensurePolicy sets the policy's document, creating it if it was deleted,
// and makes sure it is attached.
func ensurePolicy(ctx context.Context, c *jdcloud.Client, user, policyName, doc string) error {
	err := updatePolicy(ctx, c, policyName, doc)
	if jdcloud.IsNotFound(err) {
		err = createPolicy(ctx, c, policyName, policyDescription(user), doc)
	}
	if err != nil {
		return err
	}
	return attachPolicy(ctx, c, user, policyName)
}

// checkPermissions runs the failover agent's own permission self-check with
// the agent's key in m: describe the EIP, then associate and disassociate it
// on both members, which the cloud refuses by state when permitted (the EIP
// never moves). A failure is retried for propagation_timeout, since a new key
// or policy may take a moment to take effect; then the apply fails naming the
// refused call.
func (r *credentialsResource) checkPermissions(ctx context.Context, m credentialsModel, diags *diag.Diagnostics, what string) bool {
	ak, sk := m.AccessKey.ValueString(), m.SecretKey.ValueString()
	if ak == "" || sk == "" {
		return true // imported: Terraform has no secret to check with
	}
	ids := m.instanceIDs(ctx, diags)
	window := propagationTimeout(m.PropagationTimeout)
	err := jdcloud.CheckAgentPermissions(ctx, r.Client, ak, sk, window, m.ElasticIPID.ValueString(), ids)
	switch {
	case err == nil:
		return true
	case errors.Is(err, agent.ErrNotProbeable):
		diags.AddWarning(agent.PartlyCheckedWarning(ak, m.ElasticIPID.ValueString()))
		return true
	default:
		reportCheckFailure(m, err, window, diags, what)
		return false
	}
}

func reportCheckFailure(m credentialsModel, err error, window time.Duration, diags *diag.Diagnostics, what string) {
	pe, refused := agent.AsPermissionError(err)
	if !refused {
		diags.AddError("Error "+what, fmt.Sprintf("The failover agent's permission self-check with access key %s could not complete "+
			"(retried for %s): %v", m.AccessKey.ValueString(), window, err))
		return
	}
	diags.AddError("Failover agent permission refused: "+pe.Call,
		fmt.Sprintf("The failover agent's permission self-check, run with its new access key %s, was refused: %s.\n\n"+
			"A failover would fail the same way. It was retried for %s (propagation_timeout) in case the new key or policy "+
			"took a moment to apply. The policy %s attached to sub-user %s says:\n%s",
			m.AccessKey.ValueString(), pe.Error(), window, m.PolicyName.ValueString(), m.ID.ValueString(), m.PolicyDocument.ValueString()))
}
