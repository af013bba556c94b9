// Package eip holds the jdcloudha_elastic_ip resource and data source.
package eip

import (
	"context"
	"encoding/json"
	"fmt"

	commonmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/common/models"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
	vpcmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
)

// describe reads one EIP; a missing one is jdcloud.IsNotFound.
func describe(ctx context.Context, c *jdcloud.Client, id string) (vpcmodels.ElasticIp, error) {
	resp, err := jdcloud.Call(ctx, c, "vpc.DescribeElasticIp", func() (*vpcapis.DescribeElasticIpResponse, error) {
		return c.VPC.DescribeElasticIp(vpcapis.NewDescribeElasticIpRequest(c.Region, id))
	})
	if err != nil {
		return vpcmodels.ElasticIp{}, err
	}
	return resp.Result.ElasticIp, nil
}

// findByAddress returns the EIPs that hold address (the filter is an exact
// match, but the result is checked again rather than trusted).
func findByAddress(ctx context.Context, c *jdcloud.Client, address string) ([]vpcmodels.ElasticIp, error) {
	req := vpcapis.NewDescribeElasticIpsRequest(c.Region)
	req.SetFilters([]commonmodels.Filter{{Name: "elasticIpAddress", Values: []string{address}}})
	req.SetPageSize(100)
	resp, err := jdcloud.Call(ctx, c, "vpc.DescribeElasticIps", func() (*vpcapis.DescribeElasticIpsResponse, error) {
		return c.VPC.DescribeElasticIps(req)
	})
	if err != nil {
		return nil, err
	}
	var out []vpcmodels.ElasticIp
	for _, e := range resp.Result.ElasticIps {
		if e.ElasticIpAddress == address {
			out = append(out, e)
		}
	}
	return out, nil
}

// createRequest adds the zone to CreateElasticIps: SDK v1.67.0's request has
// no az field although the API's ElasticIp carries one. It is sent only for
// zonal EIPs (omitempty), so an all-zone create is byte-for-byte the SDK's.
type createRequest struct {
	*vpcapis.CreateElasticIpsRequest
	Az *string `json:"az,omitempty"`
}

// create sends CreateElasticIps once: it has no clientToken, so a retry
// after an ambiguous failure could allocate a second EIP.
func create(ctx context.Context, c *jdcloud.Client, spec createSpec) (string, error) {
	req := vpcapis.NewCreateElasticIpsRequest(c.Region, 1, &vpcmodels.ElasticIpSpec{
		BandwidthMbps: spec.bandwidth,
		Provider:      spec.line,
	})
	if spec.name != "" {
		req.SetElasticIpName(spec.name)
	}
	wrapped := createRequest{CreateElasticIpsRequest: req}
	if spec.az != "" {
		wrapped.Az = &spec.az
	}
	resp, err := jdcloud.CallOnce(ctx, c, "vpc.CreateElasticIps", func() (*vpcapis.CreateElasticIpsResponse, error) {
		body, err := c.VPC.Send(wrapped, c.VPC.ServiceName)
		if err != nil {
			return nil, err
		}
		out := &vpcapis.CreateElasticIpsResponse{}
		if err := json.Unmarshal(body, out); err != nil {
			return nil, err
		}
		return out, nil
	})
	if err != nil {
		return "", err
	}
	if len(resp.Result.ElasticIpIds) != 1 {
		return "", fmt.Errorf("vpc.CreateElasticIps returned %d elastic IP IDs for a request of one (request ID %s)", len(resp.Result.ElasticIpIds), resp.RequestID)
	}
	return resp.Result.ElasticIpIds[0], nil
}

type createSpec struct {
	bandwidth int
	line      string
	name      string
	az        string
}

func modify(ctx context.Context, c *jdcloud.Client, id string, bandwidth *int, name *string) error {
	req := vpcapis.NewModifyElasticIpRequest(c.Region, id)
	if bandwidth != nil {
		req.SetBandwidthMbps(*bandwidth)
	}
	if name != nil {
		req.SetElasticIpName(*name)
	}
	_, err := jdcloud.Call(ctx, c, "vpc.ModifyElasticIp", func() (*vpcapis.ModifyElasticIpResponse, error) {
		return c.VPC.ModifyElasticIp(req)
	})
	return err
}

// remove deletes an EIP; one that is already gone counts as deleted.
func remove(ctx context.Context, c *jdcloud.Client, id string) error {
	_, err := jdcloud.Call(ctx, c, "vpc.DeleteElasticIp", func() (*vpcapis.DeleteElasticIpResponse, error) {
		return c.VPC.DeleteElasticIp(vpcapis.NewDeleteElasticIpRequest(c.Region, id))
	})
	if err != nil && !jdcloud.IsNotFound(err) {
		return err
	}
	return nil
}

// state reduces an EIP to the waiter's vocabulary: PROCESSING while a change
// is in flight, otherwise UP/DOWN (an empty state is treated as UP).
func state(e vpcmodels.ElasticIp) string {
	if e.State == "" {
		return "UP"
	}
	return e.State
}
