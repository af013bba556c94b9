// Package vm holds the jdcloudha_instance resource and data source.
package vm

import (
	"context"
	"fmt"

	commonmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/common/models"
	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vmmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/validate"
)

// VM states (the SDK's vm models): the transitional ones are worth waiting through.
const (
	statusRunning  = "running"
	statusStopped  = "stopped"
	statusError    = "error"
	statusDeleting = "deleting"
)

var transitional = []string{"pending", "starting", "stopping", "rebooting", "rebuilding", "resizing"}

// findByName pages through DescribeInstances (whose name filter is a fuzzy
// match) and keeps the instances whose name is exactly name.
func findByName(ctx context.Context, c *jdcloud.Client, name, az string) ([]vmmodels.Instance, error) {
	filters := []commonmodels.Filter{{Name: "name", Values: []string{name}}}
	if az != "" {
		filters = append(filters, commonmodels.Filter{Name: "az", Values: []string{az}})
	}
	var out []vmmodels.Instance
	for page := 1; ; page++ {
		req := vmapis.NewDescribeInstancesRequest(c.Region)
		req.SetFilters(filters)
		req.SetPageSize(100)
		req.SetPageNumber(page)
		resp, err := jdcloud.Call(ctx, c, "vm.DescribeInstances", func() (*vmapis.DescribeInstancesResponse, error) {
			return c.VM.DescribeInstances(req)
		})
		if err != nil {
			return nil, err
		}
		for _, inst := range resp.Result.Instances {
			if inst.InstanceName == name && (az == "" || inst.Az == az) {
				out = append(out, inst)
			}
		}
		if len(resp.Result.Instances) == 0 || page*100 >= resp.Result.TotalCount {
			return out, nil
		}
	}
}

func deleteInstance(ctx context.Context, c *jdcloud.Client, id string) error {
	_, err := jdcloud.Call(ctx, c, "vm.DeleteInstance", func() (*vmapis.DeleteInstanceResponse, error) {
		return c.VM.DeleteInstance(vmapis.NewDeleteInstanceRequest(c.Region, id))
	})
	if err != nil && !jdcloud.IsNotFound(err) {
		return err
	}
	return nil
}

// checkPrivateIP asks the API for the subnet's block and checks that ip is a
// usable address in it. It returns a user-facing problem (nil if fine) and
// an API error separately, so plan time can ignore the latter.
func checkPrivateIP(ctx context.Context, c *jdcloud.Client, subnetID, ip string) (problem, apiErr error) {
	subnet, err := jdcloud.LookupSubnet(ctx, c, subnetID)
	if err != nil {
		return nil, err
	}
	cidr := subnet.AddressPrefix
	if err := validate.IPInSubnet(ip, cidr); err != nil {
		return fmt.Errorf("private_ip %s (subnet %s is %s). Pick an address inside the subnet, or omit private_ip to have one allocated", err, subnetID, cidr), nil
	}
	return nil, nil
}
