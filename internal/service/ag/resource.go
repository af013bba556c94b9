package ag

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	agapis "github.com/jdcloud-api/jdcloud-sdk-go/services/ag/apis"
	agmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/ag/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/resourcekit"
)

var _ resource.ResourceWithModifyPlan = (*agResource)(nil)

// defaultDeleteTimeout bounds how long Delete retries while the group still
// has instances: ones Terraform just deleted may take a moment to leave it.
const defaultDeleteTimeout = 2 * time.Minute

// configurationType is what this provider creates: instances are launched
// with their own specification (jdcloudha_instance), not from a template.
const configurationType = "loose"

// NewResource is the jdcloudha_availability_group factory.
func NewResource() resource.Resource {
	return &agResource{resourcekit.NewManaged("_availability_group", agObject)}
}

// agResource takes Read, Update, Delete and ImportState from agObject.
type agResource struct {
	resourcekit.Managed[agModel, agmodels.AvailabilityGroup]
}

func (r *agResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A JD Cloud availability group (高可用组): instances launched in it are spread over its zones and, " +
			"within a zone, over separate fault domains (5 per zone by default), so one hardware failure does not take down " +
			"both members of an HA pair. Its zones cannot change after creation; an existing instance in one of its zones can " +
			"move into it (changing a `jdcloudha_instance`'s `availability_group_id` does that in place); it can only be " +
			"deleted once it has no instances. Quota: 20 groups per region.\n\n" +
			"Groups are created with `configurationType` `loose` (自定义配置型): each instance carries its own type, image " +
			"and network. A `strict` group (关联模板型, made elsewhere from an instance template) launches instances only from " +
			"its template, so `jdcloudha_instance` refuses one at plan time.\n\n" +
			"`timeouts` is an attribute: write `timeouts = { delete = \"5m\" }`.",
		Attributes: map[string]schema.Attribute{
			"id":   resourcekit.StableAttribute("The availability group ID, e.g. `ag-7f3c9a2b1d`."),
			"name": resourcekit.NameAttribute("group"),
			"azs": schema.ListAttribute{
				MarkdownDescription: "The availability zones the group spreads instances over: 1 to " + fmt.Sprint(maxZones) + ", each a zone of the provider's " +
					"region (cn-east-1 has only `cn-east-1a`; cn-north-1, cn-east-2 and cn-south-1 have `a`, `b` and `c`), checked at plan time, " +
					"no duplicates. JD Cloud cannot change them after creation: changing them replaces the group.",
				Required:    true,
				ElementType: types.StringType,
				Validators: []validator.List{
					listvalidator.SizeBetween(1, maxZones),
					listvalidator.UniqueValues(),
					listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1)),
				},
				PlanModifiers: []planmodifier.List{listplanmodifier.RequiresReplace()},
			},
			"placement_type": schema.StringAttribute{
				MarkdownDescription: "How instances are kept apart: `fd` (separate fault domains, the default), `switch` (separate " +
					"top-of-rack switches) or `host` (separate physical hosts). Changing it replaces the group.",
				Optional:      true,
				Computed:      true,
				Default:       stringdefault.StaticString("fd"),
				Validators:    []validator.String{stringvalidator.OneOf("fd", "switch", "host")},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"configuration_type": resourcekit.StableAttribute("`loose` (instances carry their own specification) for groups this provider creates; " +
				"an imported group may report `strict` (instances come from a template)."),
			"description":  resourcekit.DescriptionAttribute(),
			"created_time": resourcekit.CreatedTimeAttribute("group"),
			"timeouts": resourcekit.DeleteTimeouts(ctx, "How long to keep retrying the deletion while JD Cloud refuses it because "+
				"instances are still in the group (e.g. still being deleted), e.g. `5m`. Default `2m`."),
		},
	}
}

// ModifyPlan checks at plan time that every zone belongs to the provider's
// region (zones are named after it: cn-north-1 has cn-north-1a, ...).
func (r *agResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.Client == nil {
		return
	}
	var azs types.List
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("azs"), &azs)...)
	if resp.Diagnostics.HasError() || azs.IsUnknown() || azs.IsNull() {
		return
	}
	for i, el := range azs.Elements() {
		s, ok := el.(types.String)
		if !ok || s.IsUnknown() || s.IsNull() {
			continue
		}
		if err := CheckZone(s.ValueString(), r.Client.Region); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("azs").AtListIndex(i), "Zone not in the provider's region",
				fmt.Sprintf("azs[%d] %s.", i, err))
		}
	}
}

// maxZones is the most zones a JD Cloud region has (zones a, b and c), so a
// longer list is a mistake that can be caught at plan time.
const maxZones = 3

// regionZones are the zones of JD Cloud's regions (virtual-machines docs,
// Regions-and-AvailabilityZones). A region not listed here is checked only
// for the "<region><letter>" shape, so a new region still works.
var regionZones = map[string][]string{
	"cn-north-1": {"cn-north-1a", "cn-north-1b", "cn-north-1c"},
	"cn-east-1":  {"cn-east-1a"},
	"cn-east-2":  {"cn-east-2a", "cn-east-2b", "cn-east-2c"},
	"cn-south-1": {"cn-south-1a", "cn-south-1b", "cn-south-1c"},
}

// CheckZone reports a zone that does not belong to region: not named
// "<region><letter>", or not one of the region's known zones.
func CheckZone(zone, region string) error {
	rest, ok := strings.CutPrefix(zone, region)
	if !ok || len(rest) != 1 || rest[0] < 'a' || rest[0] > 'z' {
		return fmt.Errorf("%q is not a zone of region %s (zones are named like %sa)", zone, region, region)
	}
	if known, ok := regionZones[region]; ok && !slices.Contains(known, zone) {
		return fmt.Errorf("%q is not a zone of region %s, which has %s", zone, region, strings.Join(known, ", "))
	}
	return nil
}

func (r *agResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan agModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	var azs []string
	resp.Diagnostics.Append(plan.AZs.ElementsAs(ctx, &azs, false)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c := r.Client
	name := plan.Name.ValueString()
	in := agapis.NewCreateAgRequestWithoutParam()
	in.SetRegionId(c.Region)
	in.SetAzs(azs)
	in.SetAgName(name)
	in.SetAgType("vm")
	in.SetConfigurationType(configurationType)
	in.SetPlacementType(plan.PlacementType.ValueString())
	in.SetDescription(plan.Description.ValueString())
	// CreateAg takes no clientToken: reconcile looks before it creates again.
	placement := plan.PlacementType.ValueString()
	sameGroup := func(g agmodels.AvailabilityGroup) (string, bool) {
		return g.Id, g.Name == name && sameSet(g.Azs, azs) && g.PlacementType == placement
	}
	existing, err := jdcloud.WalkListing(c, "ag", func() ([]agmodels.AvailabilityGroup, error) { return jdcloud.ListAgs(ctx, c) })
	if err != nil {
		jdcloud.AddError(&resp.Diagnostics, fmt.Sprintf("creating availability group %q", name), err)
		return
	}
	id, err := jdcloud.ReconciledCreate{
		Existing: existing.Match(sameGroup),
		Find: func(ctx context.Context) ([]string, error) {
			found, err := findAgsByName(ctx, c, name)
			return jdcloud.MatchIDs(found, sameGroup), err
		},
		Send: jdcloud.SendOnce(c, "ag.CreateAg", func() (*agapis.CreateAgResponse, error) { return c.AG.CreateAg(in) },
			func(out *agapis.CreateAgResponse) string { return out.Result.AgId }),
	}.Run(ctx, c)
	if err != nil {
		jdcloud.AddError(&resp.Diagnostics, fmt.Sprintf("creating availability group %q", name), err)
		return
	}
	existing.Add(agmodels.AvailabilityGroup{Id: id, Name: name, Azs: azs, PlacementType: placement})
	r.Object.SaveCreated(ctx, c, resp, &plan, id)
}

// agDeleteFailure says what still blocks the group: its instances.
func agDeleteFailure(blocked, err error, timeout time.Duration) string {
	if blocked == nil {
		return jdcloud.Detail(err)
	}
	return fmt.Sprintf("JD Cloud refuses to delete an availability group that still has instances, and it still did after "+
		"retrying for %s. Delete the group's instances first (or raise timeouts.delete if they are still being deleted).\n\n%s",
		timeout, jdcloud.Detail(blocked))
}

// agObject reads, saves, changes and deletes availability groups for the
// resource.
var agObject = resourcekit.Object[agModel, agmodels.AvailabilityGroup]{
	Name:          resourcekit.Quoted("availability group"),
	Find:          jdcloud.FindAgByID,
	Fill:          (*agModel).fill,
	Modify:        updateAg,
	Remove:        deleteAg,
	DeleteTimeout: defaultDeleteTimeout,
	DeleteFailure: agDeleteFailure,
}

// updateAg renames the group or changes its description.
func updateAg(ctx context.Context, c *jdcloud.Client, id string, plan, state *agModel) error {
	in := agapis.NewUpdateAgRequestWithoutParam()
	in.SetRegionId(c.Region)
	in.SetAgId(id)
	in.Name = resourcekit.Changed(plan.Name, state.Name)
	in.Description = resourcekit.Changed(plan.Description, state.Description)
	if in.Name == nil && in.Description == nil {
		return nil
	}
	_, err := jdcloud.Call(ctx, c, "ag.UpdateAg", func() (*agapis.UpdateAgResponse, error) { return c.AG.UpdateAg(in) })
	return err
}

func deleteAg(ctx context.Context, c *jdcloud.Client, id string) error {
	_, err := jdcloud.Call(ctx, c, "ag.DeleteAg", func() (*agapis.DeleteAgResponse, error) {
		return c.AG.DeleteAg(agapis.NewDeleteAgRequest(c.Region, id))
	})
	return err
}
