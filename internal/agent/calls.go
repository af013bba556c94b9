package agent

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
	vpcmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloudapi"
)

// Where says who holds the EIP, from this node's point of view.
type Where int

const (
	WhereNone Where = iota
	WhereHere
	WherePeer
	WhereOther
)

func (w Where) String() string {
	return [...]string{"none", "here", "peer", "other"}[w]
}

// Placement is the EIP as the API describes it.
type Placement struct {
	Where              Where
	Address            string
	InstanceID         string
	InstanceType       string
	NetworkInterfaceID string
	State              string
}

// deadlineClock ends every wait at a fixed instant of the injected clock, so
// jdcloudapi's retries stop at the agent's deadline with a fake clock too.
type deadlineClock struct {
	jdcloudapi.Clock
	at time.Time
}

var errDeadline = errors.New("deadline reached")

func (d deadlineClock) Sleep(ctx context.Context, dur time.Duration) error {
	left := d.at.Sub(d.Now())
	if left <= 0 {
		return errDeadline
	}
	if dur >= left {
		if err := d.Clock.Sleep(ctx, left); err != nil {
			return err
		}
		return errDeadline
	}
	return d.Clock.Sleep(ctx, dur)
}

// policy retries until the clock's deadline rather than for a fixed count.
func (a *Agent) policy(clock jdcloudapi.Clock, step, instance string) jdcloudapi.Policy {
	return jdcloudapi.Policy{
		MaxRetries: jdcloudapi.Unlimited,
		BaseDelay:  100 * time.Millisecond,
		MaxDelay:   2 * time.Second,
		Clock:      clock,
		Jitter:     a.jitter,
		Observe: func(at jdcloudapi.Attempt) {
			e := Event{Step: step, Call: at.Call, Instance: instance, RequestID: at.RequestID, Attempt: at.Number, Duration: at.Duration, Outcome: "ok"}
			if at.Err != nil {
				e.RequestID = at.Err.RequestID
				e.Detail = errorDetail(at.Err)
				e.Outcome = "error"
				if at.Retry {
					e.Outcome = "retry"
					e.Detail += fmt.Sprintf("; retrying in %s", at.Delay.Round(time.Millisecond))
				}
			}
			a.event(e)
		},
	}
}

func (a *Agent) describe(ctx context.Context, clock jdcloudapi.Clock, step string) (Placement, error) {
	req := vpcapis.NewDescribeElasticIpRequest(a.Config.Region, a.Config.EIPID)
	resp, err := jdcloudapi.Do(ctx, a.policy(clock, step, ""), "vpc.DescribeElasticIp", jdcloudapi.Idempotent,
		func() (*vpcapis.DescribeElasticIpResponse, error) { return a.Cloud.DescribeElasticIp(req) })
	if err != nil {
		return Placement{}, err
	}
	return a.classify(resp.Result.ElasticIp), nil
}

func (a *Agent) classify(eip vpcmodels.ElasticIp) Placement {
	p := Placement{Address: eip.ElasticIpAddress, InstanceID: eip.InstanceId, InstanceType: eip.InstanceType,
		NetworkInterfaceID: eip.NetworkInterfaceId, State: eip.State}
	switch {
	case eip.InstanceId == a.Config.InstanceID:
		p.Where = WhereHere
	case eip.InstanceId == a.Config.PeerInstanceID:
		p.Where = WherePeer
	case eip.InstanceId != "":
		p.Where = WhereOther
	case eip.NetworkInterfaceId != "" || strings.EqualFold(eip.Status, "ASSOCIATED"):
		// Held by something that is not a VM of this pair (e.g. a load balancer's interface).
		p.Where = WhereOther
	default:
		p.Where = WhereNone
	}
	return p
}

func (p Placement) holder() string {
	switch {
	case p.InstanceID != "":
		return p.InstanceID
	case p.NetworkInterfaceID != "":
		return "network interface " + p.NetworkInterfaceID
	}
	return "nothing"
}

func (a *Agent) associate(ctx context.Context, clock jdcloudapi.Clock, instance string) error {
	req := vmapis.NewAssociateElasticIpRequest(a.Config.Region, instance, a.Config.EIPID)
	_, err := jdcloudapi.Do(ctx, a.policy(clock, "associate", instance), "vm.AssociateElasticIp", jdcloudapi.Idempotent,
		func() (*vmapis.AssociateElasticIpResponse, error) { return a.Cloud.AssociateElasticIp(req) })
	return err
}

func (a *Agent) disassociate(ctx context.Context, clock jdcloudapi.Clock, instance string) error {
	req := vmapis.NewDisassociateElasticIpRequest(a.Config.Region, instance, a.Config.EIPID)
	_, err := jdcloudapi.Do(ctx, a.policy(clock, "disassociate", instance), "vm.DisassociateElasticIp", jdcloudapi.Idempotent,
		func() (*vmapis.DisassociateElasticIpResponse, error) { return a.Cloud.DisassociateElasticIp(req) })
	return err
}
