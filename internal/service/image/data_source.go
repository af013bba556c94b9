// Package image holds the jdcloudha_images data source: image IDs are random
// per region and account (img-…), so configurations look them up by name
// instead of hard-coding one.
package image

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vmmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/resourcekit"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/validate"
)

// Image sources DescribeImages documents for imageSource.
var imageSources = []string{"public", "thirdparty", "private", "shared", "community"}

// pageSize is DescribeImages' largest page.
const pageSize = 100

// NewDataSource is the jdcloudha_images data source.
func NewDataSource() datasource.DataSource {
	return &imagesDataSource{DataSourceBase: resourcekit.NewDataSourceBase("_images")}
}

type imagesDataSource struct{ resourcekit.DataSourceBase }

type imagesModel struct {
	ID           types.String `tfsdk:"id"`
	Name         types.String `tfsdk:"name"`
	NameRegex    types.String `tfsdk:"name_regex"`
	Platform     types.String `tfsdk:"platform"`
	ImageSource  types.String `tfsdk:"image_source"`
	Architecture types.String `tfsdk:"architecture"`
	MostRecentID types.String `tfsdk:"most_recent_id"`
	IDs          types.List   `tfsdk:"ids"`
	Images       types.List   `tfsdk:"images"`
}

var imageAttrTypes = map[string]attr.Type{
	"id":                  types.StringType,
	"name":                types.StringType,
	"platform":            types.StringType,
	"os_version":          types.StringType,
	"os_type":             types.StringType,
	"architecture":        types.StringType,
	"image_source":        types.StringType,
	"status":              types.StringType,
	"created_time":        types.StringType,
	"system_disk_size_gb": types.Int64Type,
	"description":         types.StringType,
}

func (d *imagesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up images (DescribeImages) by name and platform. JD Cloud's image IDs (`img-…`) differ " +
			"between regions and change when an image is republished, so configurations should take the image from this " +
			"data source (or a variable) rather than hard-code an ID. Only images in status `ready` are listed, newest first; " +
			"`most_recent_id` is the first one. The lookup fails when no image matches, naming the filters.",
		Attributes: map[string]schema.Attribute{
			"id": computed("An identifier of this lookup (the filters), for Terraform's bookkeeping."),
			"name": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Part of the image name, matched by JD Cloud (its `imageName` filter is a substring match), " +
					"e.g. `Ubuntu 22.04`.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"name_regex": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "A regular expression (RE2 syntax) the whole image name must match, applied by the provider " +
					"after `name`, e.g. `^Ubuntu 22\\\\.04 LTS 64位$`.",
				Validators: []validator.String{regexValid},
			},
			"platform": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Operating system platform, exactly as JD Cloud reports it: `Ubuntu`, `CentOS`, " +
					"`Windows Server`, `Other Linux` or `Other Windows` per its API documentation (other distributions, such as " +
					"Debian, may report `Other Linux`, so prefer `name`/`name_regex` for them).",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"image_source": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Where the images come from: `public` (JD Cloud's official images, the default), " +
					"`thirdparty` (marketplace), `private` (your own), `shared` (shared with you) or `community`.",
				Validators: []validator.String{stringvalidator.OneOf(imageSources...)},
			},
			"architecture": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "CPU architecture: `x86_64` or `arm64`. Default: any.",
				Validators:          []validator.String{stringvalidator.OneOf("x86_64", "arm64")},
			},
			"most_recent_id": computed("ID of the newest matching image (the first of `images`), ready for `jdcloudha_instance.image_id`."),
			"ids": schema.ListAttribute{
				ElementType:         types.StringType,
				Computed:            true,
				MarkdownDescription: "IDs of the matching images, newest first.",
			},
			"images": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The matching images, newest first.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":           computed("Image ID (`img-…`)."),
					"name":         computed("Image name."),
					"platform":     computed("Operating system platform, e.g. `Ubuntu`."),
					"os_version":   computed("Operating system version, e.g. `22.04`."),
					"os_type":      computed("`linux` or `windows`."),
					"architecture": computed("`x86_64` or `arm64`."),
					"image_source": computed("`public`, `thirdparty`, `private`, `shared` or `community`."),
					"status":       computed("Image status (always `ready` here)."),
					"created_time": computed("When the image was created, as reported by JD Cloud."),
					"system_disk_size_gb": schema.Int64Attribute{
						Computed:            true,
						MarkdownDescription: "Size of the image's system disk in GB (the smallest system disk it fits).",
					},
					"description": computed("Image description."),
				}},
			},
		},
	}
}

func (d *imagesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	cfg, ok := resourcekit.Get[imagesModel](ctx, req.Config, &resp.Diagnostics)
	if !ok {
		return
	}
	f := filters{
		Name:         cfg.Name.ValueString(),
		Platform:     cfg.Platform.ValueString(),
		Source:       cfg.ImageSource.ValueString(),
		Architecture: cfg.Architecture.ValueString(),
	}
	if f.Source == "" {
		f.Source = "public"
	}
	var re *regexp.Regexp
	if s := cfg.NameRegex.ValueString(); s != "" {
		var err error
		if re, err = regexp.Compile(s); err != nil { // the validator caught this already; kept for safety
			resp.Diagnostics.AddAttributeError(path.Root("name_regex"), "Invalid regular expression", err.Error())
			return
		}
	}
	all, err := describeImages(ctx, d.Client, f)
	if err != nil {
		jdcloud.AddError(&resp.Diagnostics, "looking up images", err)
		return
	}
	found := Select(all, re)
	if len(found) == 0 {
		resp.Diagnostics.AddError("No image matches",
			fmt.Sprintf("No image in status ready matches %s in region %s (%d image(s) matched before the provider's filters). "+
				"List what exists with `jdc vm describe-images --image-source %s`, or loosen the filters.",
				f.describe(cfg.NameRegex.ValueString()), d.Client.Region, len(all), f.Source))
		return
	}
	ids := make([]string, len(found))
	objs := make([]attr.Value, len(found))
	for i, img := range found {
		ids[i] = img.ImageId
		obj, diags := types.ObjectValue(imageAttrTypes, map[string]attr.Value{
			"id":                  types.StringValue(img.ImageId),
			"name":                types.StringValue(img.Name),
			"platform":            types.StringValue(img.Platform),
			"os_version":          types.StringValue(img.OsVersion),
			"os_type":             types.StringValue(img.OsType),
			"architecture":        types.StringValue(img.Architecture),
			"image_source":        types.StringValue(img.ImageSource),
			"status":              types.StringValue(img.Status),
			"created_time":        types.StringValue(img.CreateTime),
			"system_disk_size_gb": types.Int64Value(int64(img.SystemDiskSizeGB)),
			"description":         types.StringValue(img.Desc),
		})
		resp.Diagnostics.Append(diags...)
		objs[i] = obj
	}
	idList, d1 := types.ListValueFrom(ctx, types.StringType, ids)
	resp.Diagnostics.Append(d1...)
	list, d2 := types.ListValue(types.ObjectType{AttrTypes: imageAttrTypes}, objs)
	resp.Diagnostics.Append(d2...)
	if resp.Diagnostics.HasError() {
		return
	}
	cfg.IDs, cfg.Images = idList, list
	cfg.MostRecentID = types.StringValue(ids[0])
	cfg.ID = types.StringValue(d.Client.Region + "/" + f.describe(cfg.NameRegex.ValueString()))
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}

// filters are what DescribeImages filters on the server side.
type filters struct{ Name, Platform, Source, Architecture string }

func (f filters) describe(nameRegex string) string {
	parts := []string{"image_source=" + f.Source}
	if f.Name != "" {
		parts = append(parts, fmt.Sprintf("name=%q", f.Name))
	}
	if nameRegex != "" {
		parts = append(parts, fmt.Sprintf("name_regex=%q", nameRegex))
	}
	if f.Platform != "" {
		parts = append(parts, fmt.Sprintf("platform=%q", f.Platform))
	}
	if f.Architecture != "" {
		parts = append(parts, "architecture="+f.Architecture)
	}
	return strings.Join(parts, ", ")
}

// describeImages pages through DescribeImages; imageSource is required by the
// API whenever no image IDs are given.
func describeImages(ctx context.Context, c *jdcloud.Client, f filters) ([]vmmodels.Image, error) {
	var out []vmmodels.Image
	for page := 1; ; page++ {
		req := vmapis.NewDescribeImagesRequest(c.Region)
		req.SetImageSource(f.Source)
		if f.Name != "" {
			req.SetImageName(f.Name)
		}
		if f.Platform != "" {
			req.SetPlatform(f.Platform)
		}
		if f.Architecture != "" {
			req.SetArchitecture(f.Architecture)
		}
		req.SetPageNumber(page)
		req.SetPageSize(pageSize)
		resp, err := jdcloud.Call(ctx, c, "vm.DescribeImages", func() (*vmapis.DescribeImagesResponse, error) {
			return c.VM.DescribeImages(req)
		})
		if err != nil {
			return nil, err
		}
		out = append(out, resp.Result.Images...)
		// Stop on totalCount: some JD Cloud list calls answer a page past the
		// end with the last page again, so an empty page may never come.
		if len(resp.Result.Images) == 0 || page*pageSize >= resp.Result.TotalCount {
			return out, nil
		}
	}
}

// Select keeps ready images whose name matches re (nil matches all), drops
// duplicates (a repeated last page), and orders them newest first, then by
// name and ID so the order is stable.
func Select(images []vmmodels.Image, re *regexp.Regexp) []vmmodels.Image {
	seen := map[string]bool{}
	var out []vmmodels.Image
	for _, img := range images {
		if seen[img.ImageId] || img.Status != "ready" || img.Offline {
			continue
		}
		if re != nil && !re.MatchString(img.Name) {
			continue
		}
		seen[img.ImageId] = true
		out = append(out, img)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.CreateTime != b.CreateTime {
			return a.CreateTime > b.CreateTime // RFC 3339 in UTC sorts as text
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.ImageId < b.ImageId
	})
	return out
}

// regexValid refuses a name_regex that does not compile, at validate time.
var regexValid = validate.Rule("must be a valid RE2 regular expression", "Invalid regular expression", func(s string) error {
	if _, err := regexp.Compile(s); err != nil {
		return fmt.Errorf("is not a valid RE2 regular expression: %w", err)
	}
	return nil
})
