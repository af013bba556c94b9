package eip

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	vpcmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/resourcekit"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/validate"
)

// NewDataSource is the jdcloudha_elastic_ip data source.
func NewDataSource() datasource.DataSource {
	return &elasticIPDataSource{resourcekit.NewLookup("_elastic_ip", "address", findForData,
		func(_ context.Context, _ *jdcloud.Client, cfg *dataModel, e vpcmodels.ElasticIp) diag.Diagnostics {
			cfg.fill(e)
			return nil
		})}
}

type elasticIPDataSource struct {
	resourcekit.Lookup[dataModel, vpcmodels.ElasticIp]
}

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

func findForData(ctx context.Context, c *jdcloud.Client, cfg *dataModel, diags *diag.Diagnostics) (vpcmodels.ElasticIp, bool) {
	if id := cfg.ID.ValueString(); id != "" {
		return resourcekit.FindByID(ctx, c, id, jdcloud.FindEIPByID, diags, "Elastic IP not found",
			fmt.Sprintf("No elastic IP with ID %q exists in region %s.", id, c.Region), "elastic IP "+id)
	}
	address := cfg.Address.ValueString()
	found, err := findByAddress(ctx, c, address)
	return resourcekit.Match[vpcmodels.ElasticIp]{
		Attr:       "address",
		None:       "Elastic IP not found",
		NoneDetail: fmt.Sprintf("No elastic IP with address %s exists in region %s.", address, c.Region),
		Several:    "Several elastic IPs match",
		SeveralDetail: func(n int, ids string) string {
			return fmt.Sprintf("The API reports %d elastic IPs with address %s (%s); look it up by id instead.", n, address, ids)
		},
		Label: func(f vpcmodels.ElasticIp) string { return f.ElasticIpId },
	}.Listed(found, err, diags, "elastic IP "+address)
}
