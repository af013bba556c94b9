package failover

import (
	"context"
	"fmt"

	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vmmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/models"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
	vpcmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
)

// binder reads and moves one EIP between the instances of a pair, through
// the vm API's instance-level association (the primary network interface),
// as the failover agent does.
type binder struct{ c *jdcloud.Client }

func (b binder) describeEIP(ctx context.Context, id string) (vpcmodels.ElasticIp, error) {
	resp, err := jdcloud.Call(ctx, b.c, "vpc.DescribeElasticIp", func() (*vpcapis.DescribeElasticIpResponse, error) {
		return b.c.VPC.DescribeElasticIp(vpcapis.NewDescribeElasticIpRequest(b.c.Region, id))
	})
	if err != nil {
		return vpcmodels.ElasticIp{}, err
	}
	return resp.Result.ElasticIp, nil
}

func (b binder) describeInstance(ctx context.Context, id string) (vmmodels.Instance, error) {
	resp, err := jdcloud.Call(ctx, b.c, "vm.DescribeInstance", func() (*vmapis.DescribeInstanceResponse, error) {
		return b.c.VM.DescribeInstance(vmapis.NewDescribeInstanceRequest(b.c.Region, id))
	})
	if err != nil {
		return vmmodels.Instance{}, err
	}
	return resp.Result.Instance, nil
}

func (b binder) associate(ctx context.Context, eipID, instanceID string) error {
	_, err := jdcloud.Call(ctx, b.c, "vm.AssociateElasticIp", func() (*vmapis.AssociateElasticIpResponse, error) {
		return b.c.VM.AssociateElasticIp(vmapis.NewAssociateElasticIpRequest(b.c.Region, instanceID, eipID))
	})
	return err
}

// disassociate tolerates FAILED_PRECONDITION ("isn't associated to this
// instance"): someone else already moved the EIP, which is what we wanted.
func (b binder) disassociate(ctx context.Context, eipID, instanceID string) error {
	_, err := jdcloud.Call(ctx, b.c, "vm.DisassociateElasticIp", func() (*vmapis.DisassociateElasticIpResponse, error) {
		return b.c.VM.DisassociateElasticIp(vmapis.NewDisassociateElasticIpRequest(b.c.Region, instanceID, eipID))
	})
	if err != nil && jdcloud.HasStatus(err, "FAILED_PRECONDITION") {
		return nil
	}
	return err
}

// bind makes sure the EIP is on a member of the pair and returns its holder.
// An EIP already on either member stays where it is: Terraform never undoes
// a failover. An unassociated EIP goes to the master, or to the backup when
// the master is not running. movable lists non-members the EIP may be taken
// from (members of the pair before an update); any other holder is an error.
func (b binder) bind(ctx context.Context, eipID, master, backup string, movable ...string) (string, error) {
	eip, err := b.describeEIP(ctx, eipID)
	if err != nil {
		return "", err
	}
	holder := eip.InstanceId
	if holder == master || holder == backup {
		return holder, nil
	}
	from := ""
	if holder != "" {
		if !contains(movable, holder) {
			return "", fmt.Errorf("elastic IP %s (%s) is associated with instance %s, which is not a member of this pair; disassociate it first so that no service loses its address by surprise", eipID, eip.ElasticIpAddress, holder)
		}
		from = holder
	}
	target, err := b.runningMember(ctx, master, backup)
	if err != nil {
		return "", err
	}
	if from != "" {
		if err := b.disassociate(ctx, eipID, from); err != nil {
			return "", err
		}
	}
	if err := b.associate(ctx, eipID, target); err != nil {
		return "", err
	}
	eip, err = b.describeEIP(ctx, eipID)
	if err != nil {
		return "", err
	}
	if eip.InstanceId != target {
		return "", fmt.Errorf("associated elastic IP %s with instance %s, but the API now reports it on %q", eipID, target, eip.InstanceId)
	}
	return target, nil
}

// runningMember picks where an unbound EIP goes: never a stopped instance.
func (b binder) runningMember(ctx context.Context, master, backup string) (string, error) {
	var states []string
	for _, id := range []string{master, backup} {
		inst, err := b.describeInstance(ctx, id)
		if err != nil {
			return "", err
		}
		if inst.Status == "running" {
			return id, nil
		}
		states = append(states, fmt.Sprintf("%s is %s", id, inst.Status))
	}
	return "", fmt.Errorf("neither member of the pair is running (%s): the elastic IP is only bound to a running instance", states[0]+", "+states[1])
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s && s != "" {
			return true
		}
	}
	return false
}
