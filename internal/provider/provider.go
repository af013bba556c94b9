// Package provider is the jdcloudha provider: its configuration schema,
// credential resolution, and the registry of resources and data sources.
package provider

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
)

var _ provider.Provider = (*jdcloudhaProvider)(nil)

type jdcloudhaProvider struct {
	version string
	// env is the process environment; tests replace it.
	env environment
}

// New returns the provider factory for providerserver and tests.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &jdcloudhaProvider{version: version, env: environment{Getenv: os.Getenv, HomeDir: os.UserHomeDir}}
	}
}

// providerModel is the provider block.
type providerModel struct {
	AccessKey       types.String `tfsdk:"access_key"`
	SecretKey       types.String `tfsdk:"secret_key"`
	Region          types.String `tfsdk:"region"`
	Endpoint        types.String `tfsdk:"endpoint"`
	Scheme          types.String `tfsdk:"scheme"`
	Profile         types.String `tfsdk:"profile"`
	SharedConfigDir types.String `tfsdk:"shared_config_dir"`
	PollInterval    types.String `tfsdk:"poll_interval"`
	MaxRetries      types.Int64  `tfsdk:"max_retries"`
	RequestTimeout  types.String `tfsdk:"request_timeout"`
}

func (p *jdcloudhaProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "jdcloudha"
	resp.Version = p.version
}

var durationValidators = []validator.String{
	stringvalidator.RegexMatches(regexp.MustCompile(`^\s*([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+\s*$`),
		`must be a duration with a unit, such as "500ms", "2s" or "1m"`),
}

func (p *jdcloudhaProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The `jdcloudha` provider manages a JD Cloud high-availability pair: VPC, subnet, security group, " +
			"availability group, instances, an elastic IP and the keepalived failover around them.\n\n" +
			"Every setting can come from the provider block, from its `JDCLOUD_*` environment variable, or from a profile of the " +
			"`jdc` CLI (`~/.jdc/config`), in that order of precedence. The access key and secret key are taken as a pair from " +
			"the first of those places that has either of them.",
		Attributes: map[string]schema.Attribute{
			"access_key": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "JD Cloud access key (AccessKey ID). Also read from `" + EnvAccessKey + "`, else from the `jdc` profile's `access_key`. " +
					"Must be set in the same place as `secret_key`.",
			},
			"secret_key": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "JD Cloud secret key (AccessKey Secret). Also read from `" + EnvSecretKey + "`, else from the `jdc` profile's `secret_key`. " +
					"Never logged.",
			},
			"region": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Region to manage resources in, such as `cn-north-1` (Beijing), `cn-east-1` (Suqian), `cn-east-2` (Shanghai) or " +
					"`cn-south-1` (Guangzhou). Also read from `" + EnvRegion + "`, else the profile's `region_id`; defaults to `" + jdcloud.DefaultRegion + "`.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"endpoint": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "API host name with an optional port and no scheme, such as `www.jdcloud-api.com` or, from inside JD Cloud, " +
					"`openapi.internal.cn-north-1.jdcloud-api.com`; point it at an emulator with `127.0.0.1:8000`. Also read from `" + EnvEndpoint +
					"`, else the profile's `endpoint`; defaults to `" + jdcloud.DefaultEndpoint + "`.",
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(1),
					stringvalidator.RegexMatches(regexp.MustCompile(`^[^/?#\s]+$`), "must be a host name with an optional port, without a scheme or path (put http/https in scheme)"),
				},
			},
			"scheme": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "`https` or `http` (`http` is for the internal endpoint or an emulator). Also read from `" + EnvScheme +
					"`, else the profile's `scheme`; defaults to `" + jdcloud.DefaultScheme + "`.",
				Validators: []validator.String{stringvalidator.OneOf("http", "https")},
			},
			"profile": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Name of the `jdc` CLI profile (a section of `<shared_config_dir>/config`) to take credentials, region, endpoint, " +
					"scheme and timeout from. Also read from `" + EnvProfile + "`; defaults to the name in `<shared_config_dir>/current`, else `default`. " +
					"A profile named here or in `" + EnvProfile + "` must exist.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"shared_config_dir": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Directory of the `jdc` CLI's `config` and `current` files. Defaults to `" + defaultSharedConfigDir + "`; a leading `~` is the home directory.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"poll_interval": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "First delay between two reads while waiting for an asynchronous change (it then grows by half per poll, up to 5s). " +
					"A duration such as `\"1s\"` or `\"200ms\"`. Also read from `" + EnvPollInterval + "`; defaults to `\"" + jdcloud.DefaultPollInterval.String() + "\"`.",
				Validators: durationValidators,
			},
			"max_retries": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "A cap on how many times a failed API call is retried (transport errors, 5xx, 429), with capped exponential backoff and jitter. " +
					"Retries always end with the operation's timeout (a resource's `timeouts`, 5m for reads), so by default an API outage shorter than the timeout is ridden out; " +
					"set a number to give up sooner, `0` to disable retries. Also read from `" + EnvMaxRetries + "`; unset by default (no cap but time).",
				Validators: []validator.Int64{int64validator.AtLeast(0)},
			},
			"request_timeout": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Timeout of one HTTP request to the API (each retry gets its own). A duration such as `\"20s\"`. Also read from `" +
					EnvRequestTimeout + "`, else the profile's `timeout` (seconds); defaults to `\"" + jdcloud.DefaultRequestTimeout.String() + "\"`.",
				Validators: durationValidators,
			},
		},
	}
}

func (p *jdcloudhaProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}

	// A value computed from another resource (say, an endpoint) is unknown
	// until apply. Configure again then; erroring now would block the plan.
	if unknown := m.unknownAttributes(); len(unknown) > 0 {
		tflog.Debug(ctx, "provider configuration has unknown values; not configuring the client during this plan", map[string]any{"attributes": unknown})
		if req.ClientCapabilities.DeferralAllowed {
			resp.Deferred = &provider.Deferred{Reason: provider.DeferredReasonProviderConfigUnknown}
		}
		return
	}

	cfg, problems := resolve(m.input(), p.env)
	for _, pr := range problems {
		if pr.Attribute != "" {
			resp.Diagnostics.AddAttributeError(path.Root(pr.Attribute), pr.Summary, pr.Detail)
		} else {
			resp.Diagnostics.AddError(pr.Summary, pr.Detail)
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}

	// Sources name where each value came from; the values logged are not secret.
	tflog.Info(ctx, "configuring JD Cloud client", map[string]any{
		"region":          cfg.Region,
		"endpoint":        cfg.Endpoint,
		"scheme":          cfg.Scheme,
		"poll_interval":   cfg.PollInterval.String(),
		"max_retries":     cfg.MaxRetries,
		"request_timeout": cfg.RequestTimeout.String(),
		"sources":         fmt.Sprint(cfg.Sources),
	})

	client, err := jdcloud.New(ctx, cfg.Config)
	if err != nil {
		resp.Diagnostics.AddError("Cannot configure the JD Cloud client", err.Error())
		return
	}
	resp.ResourceData = client
	resp.DataSourceData = client
}

func (m providerModel) unknownAttributes() []string {
	var names []string
	for name, v := range map[string]attr.Value{
		"access_key": m.AccessKey, "secret_key": m.SecretKey, "region": m.Region, "endpoint": m.Endpoint,
		"scheme": m.Scheme, "profile": m.Profile, "shared_config_dir": m.SharedConfigDir,
		"poll_interval": m.PollInterval, "max_retries": m.MaxRetries, "request_timeout": m.RequestTimeout,
	} {
		if v.IsUnknown() {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

func (m providerModel) input() configInput {
	in := configInput{
		AccessKey:       optString(m.AccessKey),
		SecretKey:       optString(m.SecretKey),
		Region:          optString(m.Region),
		Endpoint:        optString(m.Endpoint),
		Scheme:          optString(m.Scheme),
		Profile:         optString(m.Profile),
		SharedConfigDir: optString(m.SharedConfigDir),
		PollInterval:    optString(m.PollInterval),
		RequestTimeout:  optString(m.RequestTimeout),
	}
	if !m.MaxRetries.IsNull() && !m.MaxRetries.IsUnknown() {
		n := m.MaxRetries.ValueInt64()
		in.MaxRetries = &n
	}
	return in
}

func optString(v types.String) *string {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	s := v.ValueString()
	return &s
}
