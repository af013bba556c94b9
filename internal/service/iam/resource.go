// Package iam holds jdcloudha_failover_credentials: a JD Cloud IAM sub-user
// whose only right is what the failover agent does — describe one EIP and
// move it between two instances — and its access key, so the nodes never
// carry the account's own key.
package iam

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
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
	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
)

var (
	_ resource.Resource                = (*credentialsResource)(nil)
	_ resource.ResourceWithConfigure   = (*credentialsResource)(nil)
	_ resource.ResourceWithImportState = (*credentialsResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*credentialsResource)(nil)
)

const (
	defaultTimeout = 5 * time.Minute
	// maxAccessKeys is how many keys JD Cloud lets a sub-user hold.
	maxAccessKeys = 2
	// pendingKey names the private-state entry that remembers a key created
	// for a rotation whose clean-up failed, so the retry does not create a
	// third key.
	pendingKey = "pending_rotation"
	// importingKey marks a resource just imported, whose first read must
	// discover the policy, targets and key (a tainted resource from a failed
	// create also lacks them, but must not be "discovered").
	importingKey = "importing"
)

// NewCredentialsResource is the jdcloudha_failover_credentials resource.
func NewCredentialsResource() resource.Resource { return &credentialsResource{} }

type credentialsResource struct{ client *jdcloud.Client }

type credentialsModel struct {
	ID             types.String   `tfsdk:"id"`
	Name           types.String   `tfsdk:"name"`
	ElasticIPID    types.String   `tfsdk:"elastic_ip_id"`
	InstanceIDs    types.Set      `tfsdk:"instance_ids"`
	Rotation       types.String   `tfsdk:"rotation"`
	Description    types.String   `tfsdk:"description"`
	PolicyName     types.String   `tfsdk:"policy_name"`
	PolicyDocument types.String   `tfsdk:"policy_document"`
	AccessKey      types.String   `tfsdk:"access_key"`
	SecretKey      types.String   `tfsdk:"secret_key"`
	Timeouts       timeouts.Value `tfsdk:"timeouts"`
}

func (r *credentialsResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_failover_credentials"
}

func (r *credentialsResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Least-privilege credentials for the failover agent: an IAM sub-user, a policy attached to it that allows " +
			"**only** the three calls the agent makes — `vpc:describeElasticIp` on this elastic IP, and `vm:associateElasticIp` / " +
			"`vm:disassociateElasticIp` on these two instances with this elastic IP — and one access key. Feed `access_key` and " +
			"`secret_key` to `jdcloudha_keepalived_config`, so the nodes never hold the account's own key: whoever gets into a node " +
			"can move this one EIP between these two instances, and do nothing else.\n\n" +
			"Changing `rotation` rotates the key: the new key is created first, then every other key of the sub-user is disabled " +
			"and deleted. Apply, then re-run `install.sh` on both nodes promptly: until then they hold a deleted key and a failover " +
			"would fail. Changing `elastic_ip_id` or `instance_ids` updates the policy in place (same key).\n\n" +
			"The secret key is only returned by the API when the key is created: it is kept in Terraform state (marked sensitive), " +
			"so protect the state (an encrypted remote backend with restricted access).\n\n" +
			"Import by sub-user name. An imported resource has no `secret_key` (the API never shows it again) and no `rotation`; " +
			"set or change `rotation` to get a key whose secret Terraform knows.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The sub-user's name (same as `name`).",
				PlanModifiers:       keep,
			},
			"name": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Name of the IAM sub-user to create: 4 to 20 letters, digits, `-` or `_`, starting with a letter; " +
					"unique in the account. The policy is named `<name>" + policyNameSuffix + "`. Changing it replaces the sub-user, policy and key.",
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
					"created, then the old one is disabled and deleted. A date such as `2026-11` makes a good value.",
			},
			"description": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Description of the sub-user, 1 to 256 characters. Changing it replaces the sub-user " +
					"(and with it the key), because the provider does not update sub-users in place. A description edited " +
					"outside Terraform is read on import only, so it never plans a replacement by itself.",
				Validators:    []validator.String{stringvalidator.LengthBetween(1, 256)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"policy_name": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Name of the IAM policy attached to the sub-user: `<name>" + policyNameSuffix + "`.",
				PlanModifiers:       keep,
			},
			"policy_document": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The policy document (JSON, JD Cloud's `Version` \"3\" format) as the API holds it. A policy " +
					"edited outside Terraform shows as a change here and is set back by the next apply.",
			},
			"access_key": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The sub-user's access key ID (`JDC_…`). Not secret by itself, so plans show it change on rotation. " +
					"A key deleted or disabled outside Terraform is replaced by the next apply.",
				PlanModifiers: keep,
			},
			"secret_key": schema.StringAttribute{
				Computed:  true,
				Sensitive: true,
				MarkdownDescription: "The access key's secret. The API returns it only when the key is created, so it is kept in " +
					"state (sensitive) and is null after import until the next rotation.",
				PlanModifiers: keep,
			},
			"timeouts": describedTimeouts(ctx),
		},
	}
}

func describedTimeouts(ctx context.Context) schema.Attribute {
	a := timeouts.Attributes(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}).(schema.SingleNestedAttribute)
	a.MarkdownDescription = "Timeouts for create, update and delete (each default 5m), e.g. `create = \"10m\"`."
	return a
}

func (r *credentialsResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = jdcloud.FromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (m *credentialsModel) instanceIDs(ctx context.Context, diags *diag.Diagnostics) []string {
	var ids []string
	diags.Append(m.InstanceIDs.ElementsAs(ctx, &ids, false)...)
	sort.Strings(ids)
	return ids
}

// targetsKnown reports whether the EIP and instances are known (they may
// come from resources created in the same apply).
func (m *credentialsModel) targetsKnown() bool {
	if m.ElasticIPID.IsUnknown() || m.InstanceIDs.IsUnknown() {
		return false
	}
	for _, e := range m.InstanceIDs.Elements() {
		if e.IsUnknown() {
			return false
		}
	}
	return true
}

// ModifyPlan shows the exact policy document in the plan, plans a new key
// when rotation changes or the key is gone, and checks that the EIP and
// instances exist (a policy naming a typo would install credentials that
// fail only at the first failover).
func (r *credentialsResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan credentialsModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var state *credentialsModel
	if !req.State.Raw.IsNull() {
		state = &credentialsModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}

	if !plan.Name.IsUnknown() && (state == nil || state.PolicyName.IsNull()) {
		plan.PolicyName = types.StringValue(policyNameFor(plan.Name.ValueString()))
	}

	switch {
	case plan.targetsKnown() && r.client != nil:
		ids := plan.instanceIDs(ctx, &resp.Diagnostics)
		want, err := buildPolicy(r.client.Region, plan.ElasticIPID.ValueString(), ids)
		if err != nil {
			resp.Diagnostics.AddError("Invalid failover credentials", err.Error())
			return
		}
		if state != nil && samePolicy(state.PolicyDocument.ValueString(), want) {
			plan.PolicyDocument = state.PolicyDocument
		} else {
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

	if state != nil && needsNewKey(plan, *state) && !readPending(ctx, req.Private).isFor(plan.Rotation, state.AccessKey.ValueString()) {
		plan.AccessKey = types.StringUnknown()
		plan.SecretKey = types.StringUnknown()
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// needsNewKey: rotation changed, or the key in state is gone or disabled
// (Read then records it as null).
func needsNewKey(plan, state credentialsModel) bool {
	return !plan.Rotation.Equal(state.Rotation) || state.AccessKey.IsNull() || state.AccessKey.ValueString() == ""
}

func (r *credentialsResource) checkTargets(ctx context.Context, eipID string, instanceIDs []string, diags *diag.Diagnostics) {
	c := r.client
	region := c.Region
	ereq := vpcapis.NewDescribeElasticIpRequest(region, eipID)
	_, err := jdcloud.Call(ctx, c, "vpc.DescribeElasticIp", func() (*vpcapis.DescribeElasticIpResponse, error) { return c.VPC.DescribeElasticIp(ereq) })
	if jdcloud.IsNotFound(err) {
		diags.AddAttributeError(path.Root("elastic_ip_id"), "Elastic IP not found",
			fmt.Sprintf("Elastic IP %s does not exist in region %s: a policy naming it would give the agent nothing to move.", eipID, region))
	} else if err != nil {
		jdcloud.AddError(diags, "checking elastic_ip_id "+eipID, err)
	}
	for _, id := range instanceIDs {
		ireq := vmapis.NewDescribeInstanceRequest(region, id)
		_, err := jdcloud.Call(ctx, c, "vm.DescribeInstance", func() (*vmapis.DescribeInstanceResponse, error) { return c.VM.DescribeInstance(ireq) })
		if jdcloud.IsNotFound(err) {
			diags.AddAttributeError(path.Root("instance_ids"), "Instance not found",
				fmt.Sprintf("Instance %s does not exist in region %s.", id, region))
		} else if err != nil {
			jdcloud.AddError(diags, "checking instance "+id, err)
		}
	}
}

func (r *credentialsResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan credentialsModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	name := plan.Name.ValueString()
	what := fmt.Sprintf("creating failover credentials %q", name)
	doc, err := buildPolicy(r.client.Region, plan.ElasticIPID.ValueString(), plan.instanceIDs(ctx, &resp.Diagnostics))
	if err != nil {
		resp.Diagnostics.AddError("Error "+what, err.Error())
		return
	}

	if err := createSubUser(ctx, r.client, name, plan.Description.ValueString()); err != nil {
		detail := jdcloud.Detail(err)
		if jdcloud.HasStatus(err, "ALREADY_EXISTS") {
			detail += fmt.Sprintf("\n\nA sub-user named %q already exists. Choose another name, or bring it under Terraform with "+
				"`terraform import <address> %s`.", name, name)
		}
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Error "+what, detail)
		return
	}
	// From here on the sub-user exists: record progress in state so any later
	// failure leaves a tainted resource (which destroy cleans up), not a leak.
	// Attributes not done yet stay null; Delete skips what is null.
	progress := credentialsModel{
		ID: types.StringValue(name), Name: plan.Name, ElasticIPID: plan.ElasticIPID, InstanceIDs: plan.InstanceIDs,
		Rotation: plan.Rotation, Description: plan.Description, PolicyName: types.StringNull(),
		PolicyDocument: types.StringNull(), AccessKey: types.StringNull(), SecretKey: types.StringNull(), Timeouts: plan.Timeouts,
	}
	save := func() { resp.Diagnostics.Append(resp.State.Set(ctx, &progress)...) }
	save()

	policyName := policyNameFor(name)
	if err := createPolicy(ctx, r.client, policyName, policyDescription(name), doc); err != nil {
		detail := jdcloud.Detail(err)
		if jdcloud.HasStatus(err, "ALREADY_EXISTS") {
			detail += fmt.Sprintf("\n\nA policy named %q already exists and was left alone; delete or rename it, or choose another name.", policyName)
		}
		resp.Diagnostics.AddError("Error "+what, detail)
		return
	}
	progress.PolicyName = types.StringValue(policyName)
	save()
	if err := attachPolicy(ctx, r.client, name, policyName); err != nil {
		jdcloud.AddError(&resp.Diagnostics, what, err)
		return
	}
	progress.PolicyDocument = types.StringValue(doc)
	save()

	key, err := createAccessKey(ctx, r.client, name)
	if err != nil {
		jdcloud.AddError(&resp.Diagnostics, what, err)
		return
	}
	progress.AccessKey = types.StringValue(key.AccessKey)
	progress.SecretKey = types.StringValue(key.SecretAccessKey)
	save()
	if key.SecretAccessKey == "" {
		resp.Diagnostics.AddError("Error "+what, fmt.Sprintf("The API created access key %s but returned no secret for it.", key.AccessKey))
	}
}

func policyDescription(user string) string {
	return fmt.Sprintf("EIP failover agent of sub-user %s: describe one elastic IP and move it between two instances (managed by Terraform)", user)
}

func (r *credentialsResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state credentialsModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := state.ID.ValueString()
	what := fmt.Sprintf("reading failover credentials %q", name)
	user, err := describeSubUser(ctx, r.client, name)
	if jdcloud.IsNotFound(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		jdcloud.AddError(&resp.Diagnostics, what, err)
		return
	}
	state.Name = types.StringValue(name)
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

	attached, err := attachedPolicies(ctx, r.client, name)
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
	if contains(attached, policyName) {
		doc, err = describePolicy(ctx, r.client, policyName)
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

	keys, err := listAccessKeys(ctx, r.client, name)
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
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// pickPolicy finds, on import, the sub-user's failover policy: the one named
// after it, else its only attached policy.
func pickPolicy(user string, attached []string) (string, string) {
	if contains(attached, policyNameFor(user)) {
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

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// pendingRotation is a key created for a rotation whose clean-up failed.
type pendingRotation struct {
	Rotation  *string `json:"rotation"`
	AccessKey string  `json:"access_key"`
}

func rotationPtr(v types.String) *string {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	s := v.ValueString()
	return &s
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

type privateState interface {
	GetKey(context.Context, string) ([]byte, diag.Diagnostics)
	SetKey(context.Context, string, []byte) diag.Diagnostics
}

func (r *credentialsResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state credentialsModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, defaultTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	name := state.ID.ValueString()
	what := fmt.Sprintf("updating failover credentials %q", name)
	progress := state
	progress.Timeouts = plan.Timeouts
	save := func() { resp.Diagnostics.Append(resp.State.Set(ctx, &progress)...) }

	// The policy first: a rotation then hands out a key that already has the
	// new rights.
	doc, err := buildPolicy(r.client.Region, plan.ElasticIPID.ValueString(), plan.instanceIDs(ctx, &resp.Diagnostics))
	if err != nil {
		resp.Diagnostics.AddError("Error "+what, err.Error())
		return
	}
	if state.PolicyDocument.IsNull() || !samePolicy(state.PolicyDocument.ValueString(), doc) {
		policyName := state.PolicyName.ValueString()
		if policyName == "" {
			policyName = policyNameFor(name)
			progress.PolicyName = types.StringValue(policyName)
		}
		if err := ensurePolicy(ctx, r.client, name, policyName, doc); err != nil {
			jdcloud.AddError(&resp.Diagnostics, what, err)
			return
		}
		progress.PolicyDocument = types.StringValue(doc)
	}
	progress.ElasticIPID, progress.InstanceIDs = plan.ElasticIPID, plan.InstanceIDs
	save()

	if needsNewKey(plan, state) {
		r.rotate(ctx, &progress, plan.Rotation, req.Private, resp.Private, &resp.Diagnostics, what)
		save()
	}
}

// rotate leaves the sub-user with exactly one enabled key, a new one: it
// creates the new key before it retires the others, so valid credentials
// exist at every moment. If retiring fails, the state keeps the new key but
// the old rotation value (the plan still shows the rotation as pending) and
// private state remembers the new key, so the next apply only retires.
func (r *credentialsResource) rotate(ctx context.Context, m *credentialsModel, rotation types.String, priv, newPriv privateState, diags *diag.Diagnostics, what string) {
	name := m.ID.ValueString()
	current := m.AccessKey.ValueString()
	if !readPending(ctx, priv).isFor(rotation, current) {
		keys, err := listAccessKeys(ctx, r.client, name)
		if err != nil {
			jdcloud.AddError(diags, what, err)
			return
		}
		if len(keys) >= maxAccessKeys {
			// Make room. Keys other than the one in state were never handed
			// out by Terraform (leftovers of a failed rotation, or made by hand).
			for _, k := range keys {
				if k.AccessKey != current {
					if err := retireAccessKey(ctx, r.client, name, k.AccessKey); err != nil {
						jdcloud.AddError(diags, what, err)
						return
					}
				}
			}
		}
		key, err := createAccessKey(ctx, r.client, name)
		if err != nil {
			jdcloud.AddError(diags, what, err)
			return
		}
		m.AccessKey, m.SecretKey = types.StringValue(key.AccessKey), types.StringValue(key.SecretAccessKey)
		current = key.AccessKey
		raw, _ := json.Marshal(pendingRotation{Rotation: rotationPtr(rotation), AccessKey: current})
		diags.Append(newPriv.SetKey(ctx, pendingKey, raw)...)
	}

	keys, err := listAccessKeys(ctx, r.client, name)
	if err == nil {
		for _, k := range keys {
			if k.AccessKey == current {
				continue
			}
			if err = retireAccessKey(ctx, r.client, name, k.AccessKey); err != nil {
				break
			}
		}
	}
	if err != nil {
		diags.AddError("Error "+what, fmt.Sprintf("The new access key %s was created and is in state, but removing the old key(s) failed; "+
			"the next apply retries (the plan still shows the rotation).\n\n%s", current, jdcloud.Detail(err)))
		return
	}
	m.Rotation = rotation
	diags.Append(newPriv.SetKey(ctx, pendingKey, nil)...)
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

func (r *credentialsResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state credentialsModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, defaultTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	name := state.ID.ValueString()
	what := fmt.Sprintf("deleting failover credentials %q", name)
	// Keys first, so the credentials stop working before anything else goes.
	keys, err := listAccessKeys(ctx, r.client, name)
	if err != nil && !jdcloud.IsNotFound(err) {
		jdcloud.AddError(&resp.Diagnostics, what, err)
		return
	}
	for _, k := range keys {
		if err := retireAccessKey(ctx, r.client, name, k.AccessKey); err != nil {
			jdcloud.AddError(&resp.Diagnostics, what, err)
			return
		}
	}
	// The policy only if this resource created it (null when create failed
	// before, e.g. because a policy of that name already existed).
	if p := state.PolicyName.ValueString(); p != "" {
		if err := detachPolicy(ctx, r.client, name, p); err != nil {
			jdcloud.AddError(&resp.Diagnostics, what, err)
			return
		}
		if err := deletePolicy(ctx, r.client, p); err != nil {
			jdcloud.AddError(&resp.Diagnostics, what, err)
			return
		}
	}
	if err := deleteSubUser(ctx, r.client, name); err != nil {
		jdcloud.AddError(&resp.Diagnostics, what, err)
	}
}

func (r *credentialsResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !subUserRE.MatchString(req.ID) {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("Import by the sub-user's name (4 to 20 letters, digits, '-' or '_', starting with a letter), got %q.", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), req.ID)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, importingKey, []byte("true"))...)
}
