package jdcloud

import (
	"context"
	"fmt"
	"slices"
	"strings"

	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloudapi"
)

// KnownRegions are the regions JD Cloud documents for vm, vpc and ag.
var KnownRegions = []string{"cn-north-1", "cn-east-1", "cn-east-2", "cn-south-1"}

// CheckRegion reports, at plan time, a region the API does not serve. A
// documented region passes without a call; any other is asked about once
// per client (a one-item DescribeVpcs), so a region JD Cloud opens later is
// not refused by a stale list. Only the API's refusal (4xx) is an error: a
// transport failure leaves the question to the apply.
func (c *Client) CheckRegion(ctx context.Context) error {
	if slices.Contains(KnownRegions, c.Region) {
		return nil
	}
	c.regionOnce.Do(func() {
		in := vpcapis.NewDescribeVpcsRequest(c.Region)
		in.SetPageSize(10)
		_, err := Call(ctx, c, "vpc.DescribeVpcs", func() (*vpcapis.DescribeVpcsResponse, error) { return c.VPC.DescribeVpcs(in) })
		if e, ok := jdcloudapi.AsError(err); ok && e.Kind == jdcloudapi.KindAPI && e.Code >= 400 && e.Code < 500 && e.Code != 401 && e.Code != 403 && e.Code != 429 {
			c.regionErr = fmt.Errorf("region %q is not served by the API (%s: %d %s: %s). JD Cloud's regions are %s: check the provider's region "+
				"(or JDCLOUD_REGION, or the jdc profile's region_id)", c.Region, e.Call, e.Code, e.Status, e.Message, strings.Join(KnownRegions, ", "))
		}
	})
	return c.regionErr
}
