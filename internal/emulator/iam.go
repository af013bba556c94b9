package emulator

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
)

func init() {
	const su = "/subUser/{subUser}"
	register("iam", "CreateSubUser", "POST", "/subUser", (*Emulator).createSubUser)
	register("iam", "DescribeSubUser", "GET", su, (*Emulator).describeSubUser).resources = resSubUser
	register("iam", "DescribeSubUsers", "GET", "/subUsers", (*Emulator).describeSubUsers)
	register("iam", "DeleteSubUser", "DELETE", su, (*Emulator).deleteSubUser).resources = resSubUser
	register("iam", "UpdateSubUser", "PUT", su, (*Emulator).updateSubUser).resources = resSubUser
	register("iam", "QueryDeletedSubUsers", "GET", "/subUsers:deleted", (*Emulator).queryDeletedSubUsers)
	register("iam", "RestoreSubUser", "PUT", "/subUser:restore", (*Emulator).restoreSubUser)
	register("iam", "CreatePolicy", "POST", "/policy", (*Emulator).createPolicy)
	register("iam", "DescribePolicy", "GET", "/policy/{policyName}", (*Emulator).describePolicy).resources = resPolicy
	register("iam", "DescribePolicies", "GET", "/policies", (*Emulator).describePolicies)
	register("iam", "UpdatePolicy", "PUT", "/policy/{policyName}", (*Emulator).updatePolicy).resources = resPolicy
	register("iam", "DeletePolicy", "DELETE", "/policy/{policyName}", (*Emulator).deletePolicy).resources = resPolicy
	register("iam", "AttachSubUserPolicy", "POST", su+":attachSubUserPolicy", (*Emulator).attachPolicy).resources = resSubUser
	register("iam", "DetachSubUserPolicy", "DELETE", su+":detachSubUserPolicy", (*Emulator).detachPolicy).resources = resSubUser
	register("iam", "DescribeAttachedSubUserPolicies", "GET", su+"/policies", (*Emulator).attachedPolicies).resources = resSubUser
	register("iam", "CreateSubUserAccessKey", "POST", su+"/accessKey", (*Emulator).createAccessKey).resources = resSubUser
	register("iam", "GetSubUserAccessKeys", "GET", su+"/getSubUserAccessKeys", (*Emulator).getAccessKeys).resources = resSubUser
	register("iam", "EnableSubUserAccessKey", "PUT", su+"/accessKey/{accessKey}:enable", (*Emulator).enableAccessKey).resources = resSubUser
	register("iam", "DisableSubUserAccessKey", "PUT", su+"/accessKey/{accessKey}:disable", (*Emulator).disableAccessKey).resources = resSubUser
	register("iam", "DeleteSubUserAccessKey", "DELETE", su+"/accessKey/{accessKey}", (*Emulator).deleteAccessKey).resources = resSubUser
}

// JRN resource types are the first-level segment of the resource's OpenAPI
// path (JD Cloud's policy docs: "Resource Type 为产品线 Open API 中的一级资源"),
// spelled as the path spells it.
const (
	jrnInstances          = "instances"
	jrnElasticIps         = "elasticIps"
	jrnNetworkInterfaces  = "networkInterfaces"
	jrnAvailabilityGroups = "availabilityGroups"
	jrnSubUser            = "subUser"
	jrnPolicy             = "policy"
)

// resourceJRN names one resource as policies name it:
// jrn:<service>:<region>:<accountId>:<resourceType>/<id>. IAM resources are
// global and have an empty region (jrn:iam::<accountId>:subUser/<name>).
func resourceJRN(service, region, kind, id string) string {
	return fmt.Sprintf("jrn:%s:%s:%s:%s/%s", service, region, AccountID, kind, id)
}

func resSubUser(e *Emulator, c *call) []string {
	return []string{resourceJRN("iam", "", jrnSubUser, c.params["subUser"])}
}
func resPolicy(e *Emulator, c *call) []string {
	return []string{resourceJRN("iam", "", jrnPolicy, c.params["policyName"])}
}

// ---- policy documents ----

// PolicyDocument is JD Cloud's IAM policy format (Version "3").
type PolicyDocument struct {
	Version   string            `json:"Version"`
	Statement []PolicyStatement `json:"Statement"`
}

// PolicyStatement is one statement; Action and Resource take a string or a list.
type PolicyStatement struct {
	Effect   string     `json:"Effect"`
	Action   stringList `json:"Action"`
	Resource stringList `json:"Resource"`
}

type stringList []string

func (s *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("must be a string or a list of strings")
	}
	*s = many
	return nil
}

func parsePolicy(content string) (PolicyDocument, *apiError) {
	var d PolicyDocument
	dec := json.NewDecoder(strings.NewReader(content))
	if err := dec.Decode(&d); err != nil {
		return d, invalidArg("Invalid policy content: %v", err)
	}
	if d.Version != "3" {
		return d, invalidArg("Invalid policy content: Version must be \"3\"")
	}
	if len(d.Statement) == 0 {
		return d, invalidArg("Invalid policy content: Statement is required")
	}
	for i, st := range d.Statement {
		if st.Effect != "Allow" && st.Effect != "Deny" {
			return d, invalidArg("Invalid policy content: Statement[%d].Effect must be Allow or Deny", i)
		}
		if len(st.Action) == 0 || len(st.Resource) == 0 {
			return d, invalidArg("Invalid policy content: Statement[%d] needs Action and Resource", i)
		}
		for _, a := range st.Action {
			if a != "*" && !strings.Contains(a, ":") {
				return d, invalidArg("Invalid policy content: action %q must look like service:action", a)
			}
		}
	}
	return d, nil
}

// globMatch matches s against a pattern with '*' (any run) and '?' (one character).
func globMatch(pattern, s string) bool {
	for len(pattern) > 0 {
		switch pattern[0] {
		case '*':
			for len(pattern) > 0 && pattern[0] == '*' {
				pattern = pattern[1:]
			}
			if pattern == "" {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if globMatch(pattern, s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
			pattern, s = pattern[1:], s[1:]
		default:
			if s == "" || pattern[0] != s[0] {
				return false
			}
			pattern, s = pattern[1:], s[1:]
		}
	}
	return s == ""
}

// ActionName is the IAM action of an API call: service + ":" + the call
// name with a lower-case first letter, e.g. "vm:associateElasticIp".
func ActionName(service, call string) string {
	r := []rune(call)
	if len(r) > 0 {
		r[0] = unicode.ToLower(r[0])
	}
	return service + ":" + string(r)
}

// forbidden is JD Cloud's permission-denied answer (403 HTTP_FORBIDDEN).
func forbidden(format string, args ...any) *apiError {
	return errf(403, "HTTP_FORBIDDEN", format, args...)
}

// scopedList says, for a list call, which resources it lists and how
// policies name each one: a sub-user's list shows only the resources its
// policies allow the list action on (VmClient.DescribeInstances: "如果使用子帐号
// 查询，只会查询到该子帐号有权限的云主机实例"), it is not refused.
type scopedList struct {
	kind   string
	filter func(st *State, keep func(id string) bool)
}

var scopedLists = map[string]scopedList{
	"vm.DescribeInstances":              {jrnInstances, func(st *State, k func(string) bool) { st.Instances = keepOnly(st.Instances, k) }},
	"vpc.DescribeElasticIps":            {jrnElasticIps, func(st *State, k func(string) bool) { st.ElasticIps = keepOnly(st.ElasticIps, k) }},
	"vpc.DescribeNetworkInterfaces":     {jrnNetworkInterfaces, func(st *State, k func(string) bool) { st.NetworkInterfaces = keepOnly(st.NetworkInterfaces, k) }},
	"vpc.DescribeVpcs":                  {"vpcs", func(st *State, k func(string) bool) { st.Vpcs = keepOnly(st.Vpcs, k) }},
	"vpc.DescribeSubnets":               {"subnets", func(st *State, k func(string) bool) { st.Subnets = keepOnly(st.Subnets, k) }},
	"vpc.DescribeNetworkSecurityGroups": {"networkSecurityGroups", func(st *State, k func(string) bool) { st.SecurityGroups = keepOnly(st.SecurityGroups, k) }},
	"ag.DescribeAgs":                    {jrnAvailabilityGroups, func(st *State, k func(string) bool) { st.Ags = keepOnly(st.Ags, k) }},
	"iam.DescribeSubUsers":              {jrnSubUser, func(st *State, k func(string) bool) { st.SubUsers = keepOnly(st.SubUsers, k) }},
	"iam.DescribePolicies":              {jrnPolicy, func(st *State, k func(string) bool) { st.Policies = keepOnly(st.Policies, k) }},
}

func keepOnly[V any](m map[string]V, keep func(id string) bool) map[string]V {
	out := make(map[string]V, len(m))
	for id, v := range m {
		if keep(id) {
			out[id] = v
		}
	}
	return out
}

// handleAuthorized runs the call's handler for its principal: the main
// account as is; a sub-user only when its policies allow the call on every
// resource it names, and a list call over only what the sub-user may see.
// Callers hold e.mu.
func (e *Emulator) handleAuthorized(c *call) (any, *apiError) {
	if c.principal == nil {
		return c.route.handle(e, c)
	}
	u := e.st.SubUsers[c.principal.SubUser]
	if u == nil {
		return nil, forbidden("No permission: sub-user %s no longer exists", c.principal.SubUser)
	}
	docs := e.policiesOf(u)
	action := ActionName(c.route.service, c.route.name)
	if list, ok := scopedLists[c.route.service+"."+c.route.name]; ok {
		full := e.st
		view := *full
		region := c.region
		list.filter(&view, func(id string) bool {
			return e.allowed(docs, action, resourceJRN(c.route.service, region, list.kind, id))
		})
		// The handler reads only the view; the real state is back before
		// anyone else takes the lock, even if the handler panics.
		e.st = &view
		defer func() { e.st = full }()
		return c.route.handle(e, c)
	}
	var resources []string
	if c.route.resources != nil {
		resources = c.route.resources(e, c)
	} else {
		// A create or a catalog call names no existing resource: it needs
		// the action on every resource of the service in the region.
		resources = []string{fmt.Sprintf("jrn:%s:%s:%s:*", c.route.service, c.region, AccountID)}
	}
	for _, res := range resources {
		if !e.allowed(docs, action, res) {
			return nil, forbidden("No permission: sub-user %s is not authorized to perform %s on resource %s", u.Name, action, res)
		}
	}
	return c.route.handle(e, c)
}

func (e *Emulator) policiesOf(u *SubUser) []PolicyDocument {
	var docs []PolicyDocument
	for _, name := range u.Policies {
		if p := e.st.Policies[name]; p != nil {
			if d, aerr := parsePolicy(p.Content); aerr == nil {
				docs = append(docs, d)
			}
		}
	}
	return docs
}

// allowed: some statement allows action on res and none denies it.
func (e *Emulator) allowed(docs []PolicyDocument, action, res string) bool {
	allowed := false
	for _, d := range docs {
		for _, st := range d.Statement {
			if !anyActionMatch(st.Action, action) || !e.anyResourceMatch(st.Resource, res) {
				continue
			}
			if st.Effect == "Deny" {
				return false
			}
			allowed = true
		}
	}
	return allowed
}

// anyResourceMatch matches resource patterns case-sensitively. JD Cloud
// documents '*' for the service, region and resource parts of a JRN but
// never for the account: unless the iam-account-wildcard switch says
// otherwise, a JRN pattern whose account part is not spelled out matches
// nothing.
func (e *Emulator) anyResourceMatch(patterns []string, res string) bool {
	acceptWildcard := e.opts.Unknowns.Get("iam-account-wildcard") == "accept"
	for _, p := range patterns {
		if !acceptWildcard && wildcardAccount(p) {
			continue
		}
		if globMatch(p, res) {
			return true
		}
	}
	return false
}

// wildcardAccount: p is a JRN pattern whose account part (the fourth) is
// missing or holds a wildcard. The bare "*" (every resource) is documented
// and is not a JRN pattern.
func wildcardAccount(p string) bool {
	if !strings.HasPrefix(p, "jrn:") {
		return false
	}
	parts := strings.SplitN(p, ":", 5)
	return len(parts) < 5 || strings.ContainsAny(parts[3], "*?")
}

// anyActionMatch matches action names case-insensitively (JD Cloud's
// action names are case-insensitive; resource names are not).
func anyActionMatch(patterns []string, action string) bool {
	for _, p := range patterns {
		if globMatch(strings.ToLower(p), strings.ToLower(action)) {
			return true
		}
	}
	return false
}
