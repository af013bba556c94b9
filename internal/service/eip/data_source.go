package eip

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	vpcmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/resourcekit"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/validate"
)

var _ datasource.DataSourceWithConfigValidators = (*elasticIPDataSource)(nil)

// NewDataSource is the jdcloudha_elastic_ip data source.
func NewDataSource() datasource.DataSource {
	return &elasticIPDataSource{DataSourceBase: resourcekit.NewDataSourceBase("_elastic_ip")}
}

type elasticIPDataSource struct{ resourcekit.DataSourceBase }

func (d *elasticIPDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up an existing elastic IP by its ID or by its address (exactly one of the two), " +
			"e.g. the EIP a hand-built keepalived setup already uses.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "The EIP's ID (`fip-…`). Set this or `address`.",
			},
			"address": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "The EIP's public IPv4 address. Set this or `id`.",
				Validators:          []validator.String{validate.IPv4Address()},
			},
			"bandwidth_mbps": schema.Int64Attribute{Computed: true, MarkdownDescription: "Bandwidth cap in Mbps."},
			"line":           schema.StringAttribute{Computed: true, MarkdownDescription: "The IP line (the API's `provider`), e.g. `bgp`."},
			"name":           schema.StringAttribute{Computed: true, MarkdownDescription: "The EIP's name; empty when it has none."},
			"az":             schema.StringAttribute{Computed: true, MarkdownDescription: "The zone of a zonal EIP; empty for an all-zone EIP."},
			"status":         schema.StringAttribute{Computed: true, MarkdownDescription: "`ASSOCIATED` or `NOT_ASSOCIATED`."},
			"instance_id":    schema.StringAttribute{Computed: true, MarkdownDescription: "The instance holding the EIP; empty when none does."},
			"network_interface_id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The network interface holding the EIP; empty when none does.",
			},
		},
	}
}

func (d *elasticIPDataSource) ConfigValidators(_ context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("address")),
	}
}

func (d *elasticIPDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg dataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var e vpcmodels.ElasticIp
	ok := false
	if id := cfg.ID.ValueString(); id != "" {
		e, ok = resourcekit.FindByID(ctx, d.Client, id, jdcloud.FindEIPByID, &resp.Diagnostics, "Elastic IP not found",
			fmt.Sprintf("No elastic IP with ID %q exists in region %s.", id, d.Client.Region), "elastic IP "+id)
	} else {
		address := cfg.Address.ValueString()
		found, err := findByAddress(ctx, d.Client, address)
		if err != nil {
			jdcloud.AddError(&resp.Diagnostics, fmt.Sprintf("looking up elastic IP %s", address), err)
			return
		}
		e, ok = resourcekit.Match[vpcmodels.ElasticIp]{
			Attr:       "address",
			None:       "Elastic IP not found",
			NoneDetail: fmt.Sprintf("No elastic IP with address %s exists in region %s.", address, d.Client.Region),
			Several:    "Several elastic IPs match",
			SeveralDetail: func(n int, ids string) string {
				return fmt.Sprintf("The API reports %d elastic IPs with address %s (%s); look it up by id instead.", n, address, ids)
			},
			Label: func(f vpcmodels.ElasticIp) string { return f.ElasticIpId },
		}.One(found, &resp.Diagnostics)
	}
	if !ok {
		return
	}
	cfg.fill(e)
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
