package iam

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
)

// The IAM actions the failover agent needs, named as JD Cloud's policies name
// them (service + ":" + API call with a lower-case first letter). These are
// exactly the calls internal/agent makes: vpc DescribeElasticIp, and vm
// AssociateElasticIp / DisassociateElasticIp (which act on the instance's
// primary network interface, so no vpc network-interface right is needed).
const (
	actionDescribeEIP     = "vpc:describeElasticIp"
	actionAssociateEIP    = "vm:associateElasticIp"
	actionDisassociateEIP = "vm:disassociateElasticIp"
)

// policyNameSuffix makes the policy's name from the sub-user's: a sub-user
// name is at most 20 characters, so the result stays well under the API's 64.
const policyNameSuffix = "-eip-failover"

// Resource IDs as the API hands them out. They end up inside policy resource
// names, where '*' and '?' are wildcards: the patterns refuse both, so a typo
// such as "i-*" cannot silently grant every instance of the account.
var (
	instanceIDRE = regexp.MustCompile(`^i-[a-z0-9]+$`)
	eipIDRE      = regexp.MustCompile(`^fip-[a-z0-9]+$`)
	subUserRE    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{3,19}$`)
	// policyNameRE is CreatePolicyInfo's rule: 4 to 64 letters, digits, '-'
	// and '_', starting with a letter.
	policyNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{3,63}$`)
	// accountIDRE: the main account's id, as a sub-user's `account` shows it.
	accountIDRE = regexp.MustCompile(`^[0-9A-Za-z_-]+$`)
)

// maxPolicyContent is the longest document CreatePolicy accepts.
const maxPolicyContent = 6144

// JRN resource types are the first-level segment of the resource's OpenAPI
// path, spelled as the path spells it (JD Cloud's policy docs).
const (
	kindElasticIPs = "elasticIps"
	kindInstances  = "instances"
)

func policyNameFor(subUser string) string { return subUser + policyNameSuffix }

// policyDocument is JD Cloud's policy format, Version "3".
type policyDocument struct {
	Version   string            `json:"Version"`
	Statement []policyStatement `json:"Statement"`
}

type policyStatement struct {
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource []string `json:"Resource"`
}

// jrn names one resource: jrn:<service>:<region>:<accountId>:<type>/<id>.
// The account is spelled out: JD Cloud documents '*' for the service, region
// and resource parts but never for the account.
func jrn(service, region, account, kind, id string) string {
	return fmt.Sprintf("jrn:%s:%s:%s:%s/%s", service, region, account, kind, id)
}

// buildPolicy returns the agent's policy for one EIP and two instances in
// region of account: describe this EIP; associate or disassociate it on
// these two instances only. An API call that touches several resources
// needs every one of them allowed, so the second statement lets the key move
// this EIP between these instances and nothing else (not another EIP onto
// them, not this EIP onto a third instance). Instance IDs are sorted so the
// document does not depend on the order in the configuration.
func buildPolicy(region, account, eipID string, instanceIDs []string) (string, error) {
	if !eipIDRE.MatchString(eipID) {
		return "", fmt.Errorf("elastic IP ID %q does not look like fip-…", eipID)
	}
	if len(instanceIDs) != 2 {
		return "", fmt.Errorf("need exactly 2 instance IDs, got %d", len(instanceIDs))
	}
	ids := append([]string(nil), instanceIDs...)
	sort.Strings(ids)
	if ids[0] == ids[1] {
		return "", fmt.Errorf("the two instance IDs are the same (%s)", ids[0])
	}
	for _, id := range ids {
		if !instanceIDRE.MatchString(id) {
			return "", fmt.Errorf("instance ID %q does not look like i-…", id)
		}
	}
	if region == "" || strings.ContainsAny(region, "*?:") {
		return "", fmt.Errorf("invalid region %q", region)
	}
	if !accountIDRE.MatchString(account) {
		return "", fmt.Errorf("invalid account ID %q (the API's `account` of the sub-user)", account)
	}
	eip := jrn("vpc", region, account, kindElasticIPs, eipID)
	doc := policyDocument{Version: "3", Statement: []policyStatement{
		{Effect: "Allow", Action: []string{actionDescribeEIP}, Resource: []string{eip}},
		{Effect: "Allow", Action: []string{actionAssociateEIP, actionDisassociateEIP}, Resource: []string{
			jrn("vm", region, account, kindInstances, ids[0]), jrn("vm", region, account, kindInstances, ids[1]), eip,
		}},
	}}
	b, err := json.Marshal(doc)
	if err != nil {
		return "", err
	}
	if len(b) > maxPolicyContent {
		return "", fmt.Errorf("the policy would be %d characters, more than the %d JD Cloud accepts", len(b), maxPolicyContent)
	}
	return string(b), nil
}

// samePolicy reports whether two policy texts are the same JSON value, so a
// document the API stores reformatted is not a change.
func samePolicy(a, b string) bool {
	if a == b {
		return true
	}
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

var (
	// Import also reads the spelling earlier versions wrote (elasticip/); the
	// next apply then rewrites the policy with the documented one.
	eipJRN      = regexp.MustCompile(`^jrn:vpc:[^:]*:[^:]*:(?:elasticIps|elasticip)/(fip-[a-z0-9]+)$`)
	instanceJRN = regexp.MustCompile(`^jrn:vm:[^:]*:[^:]*:instances/(i-[a-z0-9]+)$`)
)

// targetsOf reads back, for import, which EIP and instances a policy names.
// Action and Resource may each be a string or a list in JD Cloud's format.
func targetsOf(content string) (eipID string, instanceIDs []string, err error) {
	var doc struct {
		Statement []struct {
			Effect   string          `json:"Effect"`
			Resource json.RawMessage `json:"Resource"`
		} `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(content), &doc); err != nil {
		return "", nil, fmt.Errorf("the policy is not valid JSON: %v", err)
	}
	eips, instances := map[string]bool{}, map[string]bool{}
	for _, st := range doc.Statement {
		if st.Effect != "Allow" {
			continue
		}
		var list []string
		var one string
		if json.Unmarshal(st.Resource, &list) != nil {
			if json.Unmarshal(st.Resource, &one) != nil {
				continue
			}
			list = []string{one}
		}
		for _, r := range list {
			if m := eipJRN.FindStringSubmatch(r); m != nil {
				eips[m[1]] = true
			} else if m := instanceJRN.FindStringSubmatch(r); m != nil {
				instances[m[1]] = true
			}
		}
	}
	if len(eips) != 1 || len(instances) != 2 {
		return "", nil, fmt.Errorf("it names %d elastic IP(s) and %d instance(s); a failover policy names exactly one elastic IP and two instances", len(eips), len(instances))
	}
	for id := range eips {
		eipID = id
	}
	for id := range instances {
		instanceIDs = append(instanceIDs, id)
	}
	sort.Strings(instanceIDs)
	return eipID, instanceIDs, nil
}
