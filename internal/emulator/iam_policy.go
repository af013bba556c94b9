package emulator

import (
	"fmt"
	"unicode/utf8"
)

// ---- policies ----

func policyOut(p *Policy) map[string]any {
	return map[string]any{"policyId": p.PolicyId, "name": p.Name, "jrn": resourceJRN("iam", "", jrnPolicy, p.Name),
		"description": p.Description, "policyType": 1, "version": "3", "currentDefaultEdition": fmt.Sprint(p.Version),
		"createTime": p.CreateTime, "updateTime": p.UpdateTime, "scopeType": 0}
}

// validPolicyName: "4~64位的字母，数字以及-和_, 以字母开头" (CreatePolicyInfo).
func validPolicyName(v string) *apiError {
	if len(v) < 4 || len(v) > 64 {
		return invalidArg("Invalid policy name %q: 4 to 64 characters", v)
	}
	if !isASCIILetter(rune(v[0])) {
		return invalidArg("Invalid policy name %q: it must start with a letter", v)
	}
	for _, r := range v {
		if !(r == '_' || r == '-' || r >= '0' && r <= '9' || isASCIILetter(r)) {
			return invalidArg("Invalid policy name %q: only letters, digits, '-' and '_' are allowed", v)
		}
	}
	return nil
}

// maxPolicyContent is the longest policy document JD Cloud accepts
// (IAM restrictions: 6,144 characters).
const maxPolicyContent = 6144

func validPolicyContent(content string) *apiError {
	if n := utf8.RuneCountInString(content); n > maxPolicyContent {
		return invalidArg("Invalid policy content: %d characters, at most %d allowed", n, maxPolicyContent)
	}
	_, aerr := parsePolicy(content)
	return aerr
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
	if aerr := validPolicyContent(b.Info.Content); aerr != nil {
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
	return list[*Policy]{key: "policies", total: "total", minSize: 1,
		keep: keyword[*Policy](c, "keyword", func(p *Policy) string { return p.Name }),
		out:  policyOut,
	}.answer(c, sortedValues(e.st.Policies))
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
	if aerr := validPolicyContent(b.Info.Content); aerr != nil {
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
	if len(u.Policies) >= e.quotas.SubUserPolicies {
		return nil, quotaExceeded("Quota exceeded: a sub-user has at most %d policies attached", e.quotas.SubUserPolicies)
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
