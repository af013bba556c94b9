package failover

import (
	"context"
	"fmt"
	"time"

	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vpcmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
)

// binder reads and moves one EIP between the instances of a pair, through
// the vm API's instance-level association (the primary network interface),
// as the failover agent does.
type binder struct{ c *jdcloud.Client }

// settleTimeout bounds how long an association change may take to show
// (state PROCESSING, 配置变更中) and how long an associate refused right after
// a disassociate is retried. Whether the real API is synchronous is not
// documented, so the binder never assumes it is.
const settleTimeout = 2 * time.Minute

const (
	eipProcessing = "PROCESSING"
	eipSettled    = "settled"
	eipElsewhere  = "elsewhere"
)

// waitEIP polls until the EIP is out of state PROCESSING and placed as
// placed says, and returns it.
func (b binder) waitEIP(ctx context.Context, eipID, what string, pollFirst bool, placed func(vpcmodels.ElasticIp) bool) (vpcmodels.ElasticIp, error) {
	return jdcloud.WaitFor(ctx, b.c, jdcloud.Wait[vpcmodels.ElasticIp]{
		What:    what,
		Pending: []string{eipProcessing, eipElsewhere},
		Target:  []string{eipSettled},
		Refresh: func(ctx context.Context) (vpcmodels.ElasticIp, string, error) {
			x, err := jdcloud.FindEIPByID(ctx, b.c, eipID)
			switch {
			case err != nil:
				return x, "", err
			case x.State == eipProcessing:
				return x, eipProcessing, nil
			case !placed(x):
				return x, eipElsewhere, nil
			}
			return x, eipSettled, nil
		},
		Timeout:   settleTimeout,
		PollFirst: pollFirst,
	})
}

// waitHolder waits until the EIP shows on holder. Its callers have just
// sent an associate, or read the EIP on its way there, so the first poll
// comes after the poll interval: an immediate one shows PROCESSING when the
// change is asynchronous.
func (b binder) waitHolder(ctx context.Context, eipID, holder string) (vpcmodels.ElasticIp, error) {
	what := fmt.Sprintf("elastic IP %s to show on instance %s", eipID, holder)
	return b.waitEIP(ctx, eipID, what, false, func(x vpcmodels.ElasticIp) bool { return x.InstanceId == holder })
}

// associate binds the EIP to instanceID and returns it once the API shows
// it there. A refusal with FAILED_PRECONDITION is retried with backoff while
// the EIP is in flux (state PROCESSING, or just released and not yet free),
// but not when another instance holds it.
func (b binder) associate(ctx context.Context, eipID, instanceID string) (vpcmodels.ElasticIp, error) {
	delay := b.c.PollInterval()
	deadline := b.c.Clock().Now().Add(settleTimeout)
	for {
		_, err := jdcloud.Call(ctx, b.c, "vm.AssociateElasticIp", func() (*vmapis.AssociateElasticIpResponse, error) {
			return b.c.VM.AssociateElasticIp(vmapis.NewAssociateElasticIpRequest(b.c.Region, instanceID, eipID))
		})
		if err == nil {
			return b.waitHolder(ctx, eipID, instanceID)
		}
		if !jdcloud.HasStatus(err, "FAILED_PRECONDITION") {
			return vpcmodels.ElasticIp{}, err
		}
		x, derr := jdcloud.FindEIPByID(ctx, b.c, eipID)
		switch {
		case derr != nil:
			return vpcmodels.ElasticIp{}, err
		case x.InstanceId == instanceID && x.State != eipProcessing:
			// Already there: a retried call whose first answer was lost.
			return x, nil
		case x.InstanceId == instanceID:
			return b.waitHolder(ctx, eipID, instanceID) // on its way there
		case x.InstanceId != "" && x.State != eipProcessing:
			return vpcmodels.ElasticIp{}, err // held by another instance: not ours to wait out
		}
		if b.c.Clock().Now().After(deadline) {
			return vpcmodels.ElasticIp{}, err
		}
		if b.c.Clock().Sleep(ctx, delay) != nil {
			return vpcmodels.ElasticIp{}, err
		}
		delay = min(2*delay, 5*time.Second)
	}
}

// disassociate releases the EIP from instanceID and returns once the API
// shows it released. FAILED_PRECONDITION ("isn't associated to this
// instance") is success when the EIP is indeed not on instanceID: someone
// else already moved it, which is what we wanted.
func (b binder) disassociate(ctx context.Context, eipID, instanceID string) error {
	x, err := b.settle(ctx, eipID)
	if err != nil {
		return err
	}
	if x.InstanceId != instanceID {
		return nil
	}
	_, err = jdcloud.Call(ctx, b.c, "vm.DisassociateElasticIp", func() (*vmapis.DisassociateElasticIpResponse, error) {
		return b.c.VM.DisassociateElasticIp(vmapis.NewDisassociateElasticIpRequest(b.c.Region, instanceID, eipID))
	})
	if err != nil && !jdcloud.IsNotAssociated(err) && !jdcloud.HasStatus(err, "FAILED_PRECONDITION") {
		return err
	}
	_, err = b.waitEIP(ctx, eipID, fmt.Sprintf("elastic IP %s to leave instance %s", eipID, instanceID), true,
		func(x vpcmodels.ElasticIp) bool { return x.InstanceId != instanceID })
	return err
}

// settle returns the EIP once it is out of state PROCESSING (a change in
// flight, e.g. the agent moving it), so decisions rest on where it lands.
func (b binder) settle(ctx context.Context, eipID string) (vpcmodels.ElasticIp, error) {
	return b.waitEIP(ctx, eipID, fmt.Sprintf("elastic IP %s to finish its association change", eipID), true,
		func(vpcmodels.ElasticIp) bool { return true })
}

// bind makes sure the EIP is on a member of the pair and returns the EIP as
// the last read showed it.
// An EIP already on either member stays where it is: Terraform never undoes
// a failover. An unassociated EIP goes to the master, or to the backup when
// the master is not running. movable lists non-members the EIP may be taken
// from (members of the pair before an update); any other holder is an error.
func (b binder) bind(ctx context.Context, eipID, master, backup string, movable ...string) (vpcmodels.ElasticIp, error) {
	// The walk's latest read of the EIP (its own create or refresh) is
	// enough to start from: an associate that finds it held elsewhere is
	// refused and re-describes, and one to its holder is accepted.
	eip, err := jdcloud.LookupEIP(ctx, b.c, eipID)
	if err != nil {
		return eip, err
	}
	if eip.State == eipProcessing {
		if eip, err = b.settle(ctx, eipID); err != nil {
			return eip, err
		}
	}
	holder := eip.InstanceId
	if holder == master || holder == backup {
		return eip, nil
	}
	from := ""
	if holder != "" {
		if !contains(movable, holder) {
			return eip, fmt.Errorf("elastic IP %s (%s) is associated with instance %s, which is not a member of this pair; disassociate it first so that no service loses its address by surprise", eipID, eip.ElasticIpAddress, holder)
		}
		from = holder
	}
	target, err := b.runningMember(ctx, master, backup)
	if err != nil {
		return eip, err
	}
	if from != "" {
		if err := b.disassociate(ctx, eipID, from); err != nil {
			return eip, err
		}
	}
	// associate verifies by polling until the API shows the holder.
	x, err := b.associate(ctx, eipID, target)
	if err != nil && from == "" {
		// Refused because the read above was older than the EIP's place:
		// a member that holds it keeps it, as above (associate's own
		// describe is the walk's latest read now).
		if now, lerr := jdcloud.LookupEIP(ctx, b.c, eipID); lerr == nil && now.State != eipProcessing && contains([]string{master, backup}, now.InstanceId) {
			return now, nil
		}
	}
	return x, err
}

// runningMember picks where an unbound EIP goes: never a stopped instance.
func (b binder) runningMember(ctx context.Context, master, backup string) (string, error) {
	var states []string
	for _, id := range []string{master, backup} {
		// The walk's latest read (the member's own create or refresh): the
		// choice needs no fresher answer than the plan was made on.
		inst, err := jdcloud.LookupInstance(ctx, b.c, id)
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
