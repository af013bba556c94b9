package agent

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloudapi"
)

// IAM action names of the three calls the agent makes (JD Cloud spells an
// action as service + ":" + the call with a lower-case first letter).
const (
	ActionDescribeElasticIP     = "vpc:describeElasticIp"
	ActionAssociateElasticIP    = "vm:associateElasticIp"
	ActionDisassociateElasticIP = "vm:disassociateElasticIp"
)

// PermissionError is a call of the permission self-check that the API
// refused: 403 (the key's policy does not allow the action on the resource)
// or 401 (bad signature or unknown key).
type PermissionError struct {
	Call       string // IAM action, e.g. "vm:associateElasticIp"
	InstanceID string // the instance the call named; empty for the describe
	EIPID      string
	Code       int    // 403 or 401
	Status     string // e.g. HTTP_FORBIDDEN, ACCESS_ERROR
	Message    string
	RequestID  string
}

func (e *PermissionError) Error() string {
	var b strings.Builder
	if e.Code == http.StatusUnauthorized {
		b.WriteString("credentials rejected")
	} else {
		b.WriteString("permission denied")
	}
	fmt.Fprintf(&b, ": %s on elastic IP %s", e.Call, e.EIPID)
	if e.InstanceID != "" {
		fmt.Fprintf(&b, " with instance %s", e.InstanceID)
	}
	fmt.Fprintf(&b, " was refused: %d %s: %s", e.Code, e.Status, e.Message)
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request ID %s)", e.RequestID)
	}
	if e.Code == http.StatusUnauthorized {
		b.WriteString("; check the access key and secret key")
	} else {
		b.WriteString("; the key's policy must allow this action on both resources (JRNs jrn:vm:<region>:<account id>:instances/<id> and jrn:vpc:<region>:<account id>:elasticIps/<id>)")
	}
	return b.String()
}

// ErrNotProbeable means the EIP is on no instance, so the associate
// permission cannot be proved without moving it (an associate would succeed).
var ErrNotProbeable = errors.New("the elastic IP is on no instance, so associate cannot be checked without moving it")

// PartlyCheckedWarning words ErrNotProbeable for a Terraform warning, the
// same wherever the provider runs the self-check.
func PartlyCheckedWarning(accessKey, eipID string) (summary, detail string) {
	return "Failover permissions only partly checked",
		fmt.Sprintf("Access key %s may describe elastic IP %s, but the EIP is on no instance, so associating it cannot be "+
			"checked without moving it. Bind it first (elastic_ip_id of jdcloudha_failover_pair); once it is on a member, "+
			"`jdcloud-eip-failover --config <agent.json> check` on a node checks it.", accessKey, eipID)
}

// checkPolicy retries transient failures a few times: the check runs at
// install and apply time, where a clear answer soon beats waiting long.
var checkPolicy = jdcloudapi.Policy{MaxRetries: 4, BaseDelay: 200 * time.Millisecond, MaxDelay: 2 * time.Second}

// CheckPermissions proves, without moving the EIP, that cloud's credentials
// may describe the EIP and associate and disassociate it with every
// instance in instanceIDs (the pair's members). It relies on the API
// checking permission before state:
//   - associate with each member while the EIP is held by an instance (any
//     instance): "already in use" means permitted, 403 means not;
//   - disassociate from each member that does not hold the EIP:
//     "isn't associated" means permitted, 403 means not. The member holding
//     the EIP is not probed for disassociate (that would release it).
//
// It returns nil, a *PermissionError naming the first refused call, or
// another error when the check could not be completed (transport failure,
// unknown EIP or instance, an answer that proves nothing, ErrNotProbeable).
func CheckPermissions(ctx context.Context, cloud Cloud, regionID, elasticIPID string, instanceIDs []string) error {
	return checkPermissions(ctx, checkPolicy, cloud, regionID, elasticIPID, instanceIDs)
}

func checkPermissions(ctx context.Context, checkPolicy jdcloudapi.Policy, cloud Cloud, regionID, elasticIPID string, instanceIDs []string) error {
	if cloud == nil || regionID == "" || elasticIPID == "" || len(instanceIDs) == 0 {
		return errors.New("permission check: cloud, region, elastic IP and at least one instance are required")
	}
	refused := func(call, instance string, err error) error {
		e, ok := jdcloudapi.AsError(err)
		if !ok || e.Kind != jdcloudapi.KindAPI || !isPermissionCode(e) {
			return nil
		}
		return &PermissionError{Call: call, InstanceID: instance, EIPID: elasticIPID, Code: e.Code, Status: e.Status, Message: e.Message, RequestID: e.RequestID}
	}

	dreq := vpcapis.NewDescribeElasticIpRequest(regionID, elasticIPID)
	var dresp *vpcapis.DescribeElasticIpResponse
	for try := 1; ; try++ {
		var err error
		dresp, err = jdcloudapi.Do(ctx, checkPolicy, "vpc.DescribeElasticIp", jdcloudapi.Idempotent,
			func() (*vpcapis.DescribeElasticIpResponse, error) { return cloud.DescribeElasticIp(dreq) })
		if err != nil {
			if pe := refused(ActionDescribeElasticIP, "", err); pe != nil {
				return pe
			}
			return fmt.Errorf("permission check: describing elastic IP %s: %w", elasticIPID, err)
		}
		// While PROCESSING the holder shown may be about to change: wait.
		if !strings.EqualFold(dresp.Result.ElasticIp.State, "PROCESSING") {
			break
		}
		if try >= 20 {
			return fmt.Errorf("permission check: elastic IP %s stayed PROCESSING; try again later", elasticIPID)
		}
		if err := (jdcloudapi.RealClock{}).Sleep(ctx, processingBackoff(try, nil)); err != nil {
			return fmt.Errorf("permission check: %w", err)
		}
	}
	holder := dresp.Result.ElasticIp.InstanceId
	heldByInterface := holder == "" && (dresp.Result.ElasticIp.NetworkInterfaceId != "" || strings.EqualFold(dresp.Result.ElasticIp.Status, "ASSOCIATED"))

	for _, inst := range instanceIDs {
		if holder == "" && !heldByInterface {
			return fmt.Errorf("permission check for instance %s: %w", inst, ErrNotProbeable)
		}
		areq := vmapis.NewAssociateElasticIpRequest(regionID, inst, elasticIPID)
		_, err := jdcloudapi.Do(ctx, checkPolicy, "vm.AssociateElasticIp", jdcloudapi.Idempotent,
			func() (*vmapis.AssociateElasticIpResponse, error) { return cloud.AssociateElasticIp(areq) })
		switch {
		case err == nil:
			if inst == holder {
				// Re-associating to the holder is accepted: permitted, nothing moved.
				break
			}
			return fmt.Errorf("permission check: associate of elastic IP %s with instance %s succeeded although the EIP was on %s: it has moved (permitted, but the check was not meant to move it)", elasticIPID, inst, holder)
		case jdcloudapi.IsAlreadyInUse(err):
		default:
			if pe := refused(ActionAssociateElasticIP, inst, err); pe != nil {
				return pe
			}
			return fmt.Errorf("permission check: probing associate of elastic IP %s with instance %s gave an answer that proves nothing: %w", elasticIPID, inst, err)
		}

		if inst == holder {
			continue
		}
		rreq := vmapis.NewDisassociateElasticIpRequest(regionID, inst, elasticIPID)
		_, err = jdcloudapi.Do(ctx, checkPolicy, "vm.DisassociateElasticIp", jdcloudapi.Idempotent,
			func() (*vmapis.DisassociateElasticIpResponse, error) { return cloud.DisassociateElasticIp(rreq) })
		switch {
		case err == nil:
			return fmt.Errorf("permission check: disassociate of elastic IP %s from instance %s succeeded although the EIP was on %s: it has moved", elasticIPID, inst, orDash(holder))
		case jdcloudapi.IsNotAssociated(err):
		default:
			if pe := refused(ActionDisassociateElasticIP, inst, err); pe != nil {
				return pe
			}
			return fmt.Errorf("permission check: probing disassociate of elastic IP %s from instance %s gave an answer that proves nothing: %w", elasticIPID, inst, err)
		}
	}
	return nil
}

// isPermissionCode classifies by code, not status: the real API says
// 403 HTTP_FORBIDDEN and 401 ACCESS_ERROR, other docs PERMISSION_DENIED and
// UNAUTHENTICATED.
func isPermissionCode(e *jdcloudapi.Error) bool {
	return e.Code == http.StatusForbidden || e.Code == http.StatusUnauthorized
}

// AsPermissionError returns the *PermissionError in err's chain, if any.
func AsPermissionError(err error) (*PermissionError, bool) {
	var pe *PermissionError
	ok := errors.As(err, &pe)
	return pe, ok
}

// CheckPermissionsWithin runs CheckPermissions until it passes or window has
// passed, backing off from 250 ms to 5 s: on the real cloud a new key or
// policy may take a moment to take effect. ErrNotProbeable ends it at once;
// otherwise the last error is returned (a *PermissionError names the call).
// Its calls go through limiter (nil: unpaced), so a provider checking many
// pairs at once keeps to the pace its other calls learned.
func CheckPermissionsWithin(ctx context.Context, clock jdcloudapi.Clock, window time.Duration, limiter *jdcloudapi.AdaptiveLimiter, cloud Cloud, regionID, elasticIPID string, instanceIDs []string) error {
	deadline := clock.Now().Add(window)
	delay := 250 * time.Millisecond
	policy := checkPolicy
	policy.Limiter = limiter
	for {
		err := checkPermissions(ctx, policy, cloud, regionID, elasticIPID, instanceIDs)
		if err == nil || errors.Is(err, ErrNotProbeable) {
			return err
		}
		left := deadline.Sub(clock.Now())
		if left <= 0 || ctx.Err() != nil {
			return err
		}
		if serr := clock.Sleep(ctx, min(delay, left)); serr != nil {
			return err
		}
		delay = min(2*delay, 5*time.Second)
	}
}
