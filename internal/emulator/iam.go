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

func resSubUser(e *Emulator, c *call) []string {
	return []string{jrn("iam", "", "subuser", c.params["subUser"])}
}
func resPolicy(e *Emulator, c *call) []string {
	return []string{jrn("iam", "", "policy", c.params["policyName"])}
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

// authorize checks a sub-user's attached policies. Callers hold e.mu.
func (e *Emulator) authorize(c *call) *apiError {
	u := e.st.SubUsers[c.principal.SubUser]
	if u == nil {
		return errf(403, "PERMISSION_DENIED", "Sub-user %s no longer exists", c.principal.SubUser)
	}
	action := ActionName(c.route.service, c.route.name)
	var resources []string
	if c.route.resources != nil {
		resources = c.route.resources(e, c)
	} else {
		region := c.region
		if region == "" {
			region = "*"
		}
		resources = []string{fmt.Sprintf("jrn:%s:%s:%s:*", c.route.service, region, AccountID)}
	}
	var docs []PolicyDocument
	for _, name := range u.Policies {
		if p := e.st.Policies[name]; p != nil {
			if d, aerr := parsePolicy(p.Content); aerr == nil {
				docs = append(docs, d)
			}
		}
	}
	for _, res := range resources {
		allowed, denied := false, false
		for _, d := range docs {
			for _, st := range d.Statement {
				if !anyMatch(st.Action, action, true) || !anyMatch(st.Resource, res, false) {
					continue
				}
				if st.Effect == "Deny" {
					denied = true
				} else {
					allowed = true
				}
			}
		}
		if denied || !allowed {
			return errf(403, "PERMISSION_DENIED", "Permission denied: sub-user %s is not authorized to perform %s on resource %s", u.Name, action, res)
		}
	}
	return nil
}

func anyMatch(patterns []string, s string, foldCase bool) bool {
	for _, p := range patterns {
		if foldCase {
			if globMatch(strings.ToLower(p), strings.ToLower(s)) {
				return true
			}
		} else if globMatch(p, s) {
			return true
		}
	}
	return false
}

// ---- sub-users ----

func subUserOut(u *SubUser) map[string]any {
	return map[string]any{"pin": u.Pin, "name": u.Name, "phone": u.Phone, "email": u.Email, "description": u.Description,
		"account": AccountID, "createTime": u.CreateTime, "updateTime": u.UpdateTime, "nickName": u.NickName, "createType": "api"}
}

func validSubUserName(v string) *apiError {
	n := len(v)
	if n < 4 || n > 20 {
		return invalidArg("Invalid sub-user name %q: 4 to 20 characters", v)
	}
	for _, r := range v {
		if !(r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return invalidArg("Invalid sub-user name %q: only letters, digits, '-' and '_' are allowed", v)
		}
	}
	return nil
}

func (e *Emulator) createSubUser(c *call) (any, *apiError) {
	var b struct {
		Info *struct {
			Name        string  `json:"name"`
			Description *string `json:"description"`
			Password    string  `json:"password"`
			Phone       *string `json:"phone"`
			Email       *string `json:"email"`
			NickName    *string `json:"nickName"`
			CreateAk    *bool   `json:"createAk"`
		} `json:"createSubUserInfo"`
	}
	if aerr := c.decode(&b); aerr != nil {
		return nil, aerr
	}
	if b.Info == nil {
		return nil, invalidArg("createSubUserInfo is required")
	}
	if aerr := validSubUserName(b.Info.Name); aerr != nil {
		return nil, aerr
	}
	if e.st.SubUsers[b.Info.Name] != nil {
		return nil, errf(409, "ALREADY_EXISTS", "Sub-user %s already exists", b.Info.Name)
	}
	now := e.timestamp()
	u := &SubUser{Name: b.Info.Name, Pin: AccountID + "_" + b.Info.Name, Description: strOr(b.Info.Description, ""),
		Email: strOr(b.Info.Email, ""), Phone: strOr(b.Info.Phone, ""), NickName: strOr(b.Info.NickName, ""),
		Policies: []string{}, CreateTime: now, UpdateTime: now}
	e.st.SubUsers[u.Name] = u
	out := map[string]any{"name": u.Name, "password": "", "email": u.Email, "phone": u.Phone, "accessKey": "", "secretAccessKey": "",
		"createTime": now, "updateTime": now, "nickName": u.NickName, "pin": u.Pin}
	if b.Info.CreateAk != nil && *b.Info.CreateAk {
		k := e.newAccessKey(u.Name)
		out["accessKey"], out["secretAccessKey"] = k.AccessKey, k.SecretAccessKey
	}
	return map[string]any{"subUser": out}, nil
}

func (e *Emulator) getSubUser(c *call) (*SubUser, *apiError) {
	u := e.st.SubUsers[c.params["subUser"]]
	if u == nil {
		return nil, notFound("Sub-user %s not found", c.params["subUser"])
	}
	return u, nil
}

func (e *Emulator) describeSubUser(c *call) (any, *apiError) {
	u, aerr := e.getSubUser(c)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"subUser": subUserOut(u)}, nil
}

func (e *Emulator) describeSubUsers(c *call) (any, *apiError) {
	num, size, aerr := c.paging(1, 100)
	if aerr != nil {
		return nil, aerr
	}
	kw := c.query.Get("keyword")
	var out []map[string]any
	for _, name := range sortedKeys(e.st.SubUsers) {
		if kw == "" || strings.Contains(name, kw) {
			out = append(out, subUserOut(e.st.SubUsers[name]))
		}
	}
	return map[string]any{"subUsers": page(nonNil(out), num, size), "total": len(out)}, nil
}

func (e *Emulator) deleteSubUser(c *call) (any, *apiError) {
	u, aerr := e.getSubUser(c)
	if aerr != nil {
		return nil, aerr
	}
	for id, k := range e.st.AccessKeys {
		if k.SubUser == u.Name {
			delete(e.st.AccessKeys, id)
		}
	}
	delete(e.st.SubUsers, u.Name)
	return nil, nil
}

// ---- policies ----

func policyOut(p *Policy) map[string]any {
	return map[string]any{"policyId": p.PolicyId, "name": p.Name, "jrn": jrn("iam", "", "policy", p.Name),
		"description": p.Description, "policyType": 1, "version": "3", "currentDefaultEdition": fmt.Sprint(p.Version),
		"createTime": p.CreateTime, "updateTime": p.UpdateTime, "scopeType": 0}
}

func validPolicyName(v string) *apiError {
	if v == "" || len(v) > 64 {
		return invalidArg("Invalid policy name %q: 1 to 64 characters", v)
	}
	for _, r := range v {
		if !(r == '_' || r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return invalidArg("Invalid policy name %q: only letters, digits, '-', '_' and '.' are allowed", v)
		}
	}
	return nil
}

func (e *Emulator) createPolicy(c *call) (any, *apiError) {
	var b struct {
		Info *struct {
			Name        string  `json:"name"`
			Description *string `json:"description"`
			Content     string  `json:"content"`
		} `json:"createPolicyInfo"`
	}
	if aerr := c.decode(&b); aerr != nil {
		return nil, aerr
	}
	if b.Info == nil {
		return nil, invalidArg("createPolicyInfo is required")
	}
	if aerr := validPolicyName(b.Info.Name); aerr != nil {
		return nil, aerr
	}
	if _, aerr := parsePolicy(b.Info.Content); aerr != nil {
		return nil, aerr
	}
	if e.st.Policies[b.Info.Name] != nil {
		return nil, errf(409, "ALREADY_EXISTS", "Policy %s already exists", b.Info.Name)
	}
	now := e.timestamp()
	p := &Policy{PolicyId: e.newID("policy"), Name: b.Info.Name, Description: strOr(b.Info.Description, ""),
		Content: b.Info.Content, Version: 1, CreateTime: now, UpdateTime: now}
	e.st.Policies[p.Name] = p
	return map[string]any{"policy": policyOut(p)}, nil
}

func (e *Emulator) getPolicy(name string) (*Policy, *apiError) {
	p := e.st.Policies[name]
	if p == nil {
		return nil, notFound("Policy %s not found", name)
	}
	return p, nil
}

func (e *Emulator) describePolicy(c *call) (any, *apiError) {
	p, aerr := e.getPolicy(c.params["policyName"])
	if aerr != nil {
		return nil, aerr
	}
	d := policyOut(p)
	delete(d, "scopeType")
	d["content"] = p.Content
	return map[string]any{"policy": d, "defaultPolicyEdition": map[string]any{"isDefaultEdition": true,
		"edition": fmt.Sprint(p.Version), "policyDocument": p.Content, "createTime": p.UpdateTime}}, nil
}

func (e *Emulator) describePolicies(c *call) (any, *apiError) {
	num, size, aerr := c.paging(1, 100)
	if aerr != nil {
		return nil, aerr
	}
	kw := c.query.Get("keyword")
	var out []map[string]any
	for _, name := range sortedKeys(e.st.Policies) {
		if kw == "" || strings.Contains(name, kw) {
			out = append(out, policyOut(e.st.Policies[name]))
		}
	}
	return map[string]any{"policies": page(nonNil(out), num, size), "total": len(out)}, nil
}

func (e *Emulator) updatePolicy(c *call) (any, *apiError) {
	p, aerr := e.getPolicy(c.params["policyName"])
	if aerr != nil {
		return nil, aerr
	}
	var b struct {
		Info *struct {
			Content string `json:"content"`
		} `json:"updatePolicyInfo"`
	}
	if aerr := c.decode(&b); aerr != nil {
		return nil, aerr
	}
	if b.Info == nil {
		return nil, invalidArg("updatePolicyInfo is required")
	}
	if _, aerr := parsePolicy(b.Info.Content); aerr != nil {
		return nil, aerr
	}
	p.Content, p.Version, p.UpdateTime = b.Info.Content, p.Version+1, e.timestamp()
	return nil, nil
}

func (e *Emulator) deletePolicy(c *call) (any, *apiError) {
	p, aerr := e.getPolicy(c.params["policyName"])
	if aerr != nil {
		return nil, aerr
	}
	for _, name := range sortedKeys(e.st.SubUsers) {
		if matchAny(p.Name, e.st.SubUsers[name].Policies) {
			return nil, precondition("Policy %s is attached to sub-user %s, detach it first", p.Name, name)
		}
	}
	delete(e.st.Policies, p.Name)
	return nil, nil
}

func (e *Emulator) attachPolicy(c *call) (any, *apiError) {
	u, aerr := e.getSubUser(c)
	if aerr != nil {
		return nil, aerr
	}
	var b struct {
		PolicyName string `json:"policyName"`
	}
	if aerr := c.decode(&b); aerr != nil {
		return nil, aerr
	}
	if _, aerr := e.getPolicy(b.PolicyName); aerr != nil {
		return nil, aerr
	}
	if matchAny(b.PolicyName, u.Policies) {
		return nil, errf(409, "ALREADY_EXISTS", "Policy %s is already attached to sub-user %s", b.PolicyName, u.Name)
	}
	u.Policies = append(u.Policies, b.PolicyName)
	return nil, nil
}

func (e *Emulator) detachPolicy(c *call) (any, *apiError) {
	u, aerr := e.getSubUser(c)
	if aerr != nil {
		return nil, aerr
	}
	name := c.query.Get("policyName")
	if name == "" {
		return nil, invalidArg("policyName is required")
	}
	kept := []string{}
	found := false
	for _, p := range u.Policies {
		if p == name {
			found = true
		} else {
			kept = append(kept, p)
		}
	}
	if !found {
		return nil, notFound("Policy %s is not attached to sub-user %s", name, u.Name)
	}
	u.Policies = kept
	return nil, nil
}

func (e *Emulator) attachedPolicies(c *call) (any, *apiError) {
	u, aerr := e.getSubUser(c)
	if aerr != nil {
		return nil, aerr
	}
	out := []map[string]any{}
	for _, name := range u.Policies {
		if p := e.st.Policies[name]; p != nil {
			out = append(out, policyOut(p))
		}
	}
	return map[string]any{"total": len(out), "policies": out}, nil
}

// ---- access keys ----

const maxAccessKeysPerSubUser = 2

func (e *Emulator) newAccessKey(user string) *AccessKey {
	const upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 24)
	for i := range b {
		b[i] = upper[e.rnd.Intn(len(upper))]
	}
	s := make([]byte, 32)
	for i := range s {
		s[i] = upper[e.rnd.Intn(len(upper))]
	}
	k := &AccessKey{SubUser: user, AccessKey: "JDC_" + string(b), SecretAccessKey: strings.ToLower(string(s)), Status: 1, CreateTime: e.timestamp()}
	e.st.AccessKeys[k.AccessKey] = k
	return k
}

func (e *Emulator) createAccessKey(c *call) (any, *apiError) {
	u, aerr := e.getSubUser(c)
	if aerr != nil {
		return nil, aerr
	}
	n := 0
	for _, k := range e.st.AccessKeys {
		if k.SubUser == u.Name {
			n++
		}
	}
	if n >= maxAccessKeysPerSubUser {
		return nil, quotaExceeded("Quota exceeded: a sub-user has at most %d access keys", maxAccessKeysPerSubUser)
	}
	k := e.newAccessKey(u.Name)
	return map[string]any{"userAccessKey": map[string]any{"accessKey": k.AccessKey, "secretAccessKey": k.SecretAccessKey,
		"createTime": k.CreateTime, "lastVisitTime": "", "lastVisitEvent": "", "status": k.Status, "remark": ""}}, nil
}

func (e *Emulator) getAccessKeys(c *call) (any, *apiError) {
	u, aerr := e.getSubUser(c)
	if aerr != nil {
		return nil, aerr
	}
	out := []map[string]any{}
	for _, id := range sortedKeys(e.st.AccessKeys) {
		k := e.st.AccessKeys[id]
		if k.SubUser == u.Name {
			// The secret is shown only once, at creation.
			out = append(out, map[string]any{"accessKey": k.AccessKey, "secretAccessKey": "", "createTime": k.CreateTime,
				"lastVisitTime": "", "lastVisitEvent": "", "status": k.Status, "remark": ""})
		}
	}
	return map[string]any{"userAccessKeys": out}, nil
}

func (e *Emulator) getAccessKey(c *call) (*AccessKey, *apiError) {
	u, aerr := e.getSubUser(c)
	if aerr != nil {
		return nil, aerr
	}
	k := e.st.AccessKeys[c.params["accessKey"]]
	if k == nil || k.SubUser != u.Name {
		return nil, notFound("Access key %s of sub-user %s not found", c.params["accessKey"], u.Name)
	}
	return k, nil
}

func (e *Emulator) enableAccessKey(c *call) (any, *apiError) {
	k, aerr := e.getAccessKey(c)
	if aerr != nil {
		return nil, aerr
	}
	k.Status = 1
	return nil, nil
}

func (e *Emulator) disableAccessKey(c *call) (any, *apiError) {
	k, aerr := e.getAccessKey(c)
	if aerr != nil {
		return nil, aerr
	}
	k.Status = 0
	return nil, nil
}

func (e *Emulator) deleteAccessKey(c *call) (any, *apiError) {
	k, aerr := e.getAccessKey(c)
	if aerr != nil {
		return nil, aerr
	}
	if k.Status != 0 {
		return nil, precondition("Access key %s must be disabled before it is deleted", k.AccessKey)
	}
	delete(e.st.AccessKeys, k.AccessKey)
	return nil, nil
}
