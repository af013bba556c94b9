// Package vm holds the jdcloudha_instance resource and data source.
package vm

import (
	"context"
	"fmt"
	"slices"

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

// findByName lists the instances DescribeInstances' fuzzy name filter
// returns and keeps those whose name is exactly name (and zone az if set).
func findByName(ctx context.Context, c *jdcloud.Client, name, az string) ([]vmmodels.Instance, error) {
	filters := []commonmodels.Filter{jdcloud.Filter("name", name)}
	if az != "" {
		filters = append(filters, jdcloud.Filter("az", az))
	}
	found, err := jdcloud.ListInstances(ctx, c, filters...)
	return slices.DeleteFunc(found, func(inst vmmodels.Instance) bool { return inst.InstanceName != name || (az != "" && inst.Az != az) }), err
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
