// Package eip holds the jdcloudha_elastic_ip resource and data source.
package eip

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
	vpcmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
)

// findByAddress returns the EIPs that hold address (the filter is an exact
// match, but the result is checked again rather than trusted), all pages.
func findByAddress(ctx context.Context, c *jdcloud.Client, address string) ([]vpcmodels.ElasticIp, error) {
	eips, err := jdcloud.ListEIPs(ctx, c, jdcloud.Filter("elasticIpAddress", address))
	return slices.DeleteFunc(eips, func(e vpcmodels.ElasticIp) bool { return e.ElasticIpAddress != address }), err
}

// create allocates one EIP. CreateElasticIps has no clientToken, so it is
// sent under a unique creation name through jdcloud.ReconciledCreate: when
// the outcome is unknown, the EIPs are listed to find one with that name
// before anything is sent again, so a lost answer never allocates a second
// address. The EIP keeps the creation name unless spec.name is set, in which
// case it is renamed. It returns the ID as soon as the EIP exists, with any
// error of the rename.
func create(ctx context.Context, c *jdcloud.Client, spec createSpec) (string, error) {
	token := creationName()
	id, err := jdcloud.ReconciledCreate{
		Find: func(ctx context.Context) ([]string, error) {
			found, err := findByName(ctx, c, token)
			ids := make([]string, len(found))
			for i, e := range found {
				ids[i] = e.ElasticIpId
			}
			return ids, err
		},
		Send:     func(ctx context.Context) (string, error) { return createOnce(ctx, c, spec, token) },
		Existing: []string{}, // a fresh creation name: nothing matches before
	}.Run(ctx, c)
	if err != nil {
		return "", err
	}
	if spec.name != "" {
		name := spec.name
		if err := modify(ctx, c, id, nil, &name); err != nil {
			return id, err
		}
	}
	return id, nil
}

// creationName is unique per create and valid as an EIP name (≤32 chars).
func creationName() string {
	return "tf-" + strings.ReplaceAll(uuid.NewString(), "-", "")[:20]
}

func createOnce(ctx context.Context, c *jdcloud.Client, spec createSpec, name string) (string, error) {
	req := vpcapis.NewCreateElasticIpsRequest(c.Region, 1, &vpcmodels.ElasticIpSpec{
		BandwidthMbps: spec.bandwidth,
		Provider:      spec.line,
	})
	req.SetElasticIpName(name)
	// CreateElasticIps has no zone: standard EIPs are all-zone in every region.
	resp, err := jdcloud.CallOnce(ctx, c, "vpc.CreateElasticIps", func() (*vpcapis.CreateElasticIpsResponse, error) {
		return c.VPC.CreateElasticIps(req)
	})
	if err != nil {
		return "", err
	}
	if len(resp.Result.ElasticIpIds) != 1 {
		return "", fmt.Errorf("vpc.CreateElasticIps returned %d elastic IP IDs for a request of one (request ID %s)", len(resp.Result.ElasticIpIds), resp.RequestID)
	}
	return resp.Result.ElasticIpIds[0], nil
}

// findByName lists every EIP of the region (its name filter is not relied
// on) and returns those named name.
func findByName(ctx context.Context, c *jdcloud.Client, name string) ([]vpcmodels.ElasticIp, error) {
	eips, err := jdcloud.ListEIPs(ctx, c)
	return slices.DeleteFunc(eips, func(e vpcmodels.ElasticIp) bool { return e.ElasticIpName != name }), err
}

type createSpec struct {
	bandwidth int
	line      string
	name      string
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
