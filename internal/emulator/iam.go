package emulator

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
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

// ---- sub-users ----

func subUserOut(u *SubUser) map[string]any {
	return map[string]any{"pin": u.Pin, "name": u.Name, "phone": u.Phone, "email": u.Email, "description": u.Description,
		"account": AccountID, "createTime": u.CreateTime, "updateTime": u.UpdateTime, "nickName": u.NickName, "createType": "api"}
}

// validSubUserName: "支持4~20位的字母，数字以及-和_，以字母开头" (CreateSubUserInfo).
func validSubUserName(v string) *apiError {
	n := len(v)
	if n < 4 || n > 20 {
		return invalidArg("Invalid sub-user name %q: 4 to 20 characters", v)
	}
	if !isASCIILetter(rune(v[0])) {
		return invalidArg("Invalid sub-user name %q: it must start with a letter", v)
	}
	for _, r := range v {
		if !(r == '_' || r == '-' || r >= '0' && r <= '9' || isASCIILetter(r)) {
			return invalidArg("Invalid sub-user name %q: only letters, digits, '-' and '_' are allowed", v)
		}
	}
	return nil
}

func isASCIILetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

// validPassword enforces JD Cloud's default password policy: 8 to 20
// characters with an upper-case letter, a lower-case letter, a digit and a
// special character ("默认必须包含大、小写字母、数字和特殊字符", IAM docs,
// setting-up-credential-policies; the SDK's field note names only the first
// three, the stricter reading wins).
func validPassword(v string) *apiError {
	if len(v) < 8 || len(v) > 20 {
		return invalidArg("Invalid password: 8 to 20 characters required by the password policy")
	}
	var upper, lower, digit, special bool
	for _, r := range v {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		case r > ' ' && r < 0x7f:
			special = true
		default:
			return invalidArg("Invalid password: only printable ASCII characters are allowed")
		}
	}
	if !upper || !lower || !digit || !special {
		return invalidArg("Invalid password: the password policy requires upper-case and lower-case letters, digits and special characters")
	}
	return nil
}

// generatePassword makes a password that meets the default policy.
func (e *Emulator) generatePassword() string {
	sets := []string{"ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "!@#$%^&*()-_=+"}
	out := make([]byte, 16)
	for i := range out {
		set := sets[i%len(sets)]
		out[i] = set[e.rnd.Intn(len(set))]
	}
	return string(out)
}

func (e *Emulator) createSubUser(c *call) (any, *apiError) {
	var b struct {
		Info *struct {
			Name                 string  `json:"name"`
			Description          *string `json:"description"`
			Password             string  `json:"password"`
			Phone                *string `json:"phone"`
			Email                *string `json:"email"`
			NickName             *string `json:"nickName"`
			CreateAk             *bool   `json:"createAk"`
			AutoGeneratePassword *bool   `json:"autoGeneratePassword"`
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
	password := b.Info.Password
	if b.Info.AutoGeneratePassword != nil && *b.Info.AutoGeneratePassword {
		password = e.generatePassword()
	} else if aerr := validPassword(password); aerr != nil {
		return nil, aerr
	}
	if aerr := validDescription(b.Info.Description); aerr != nil {
		return nil, aerr
	}
	if e.st.SubUsers[b.Info.Name] != nil {
		return nil, errf(409, "ALREADY_EXISTS", "Sub-user %s already exists", b.Info.Name)
	}
	if e.st.DeletedSubUsers[b.Info.Name] != nil {
		if e.opts.Unknowns.Get("iam-deleted-name") != "reuse" {
			return nil, errf(409, "ALREADY_EXISTS", "Sub-user %s was deleted and can still be restored (RestoreSubUser); its name cannot be used again yet", b.Info.Name)
		}
		delete(e.st.DeletedSubUsers, b.Info.Name)
	}
	now := e.timestamp()
	u := &SubUser{Name: b.Info.Name, Pin: AccountID + "_" + b.Info.Name, Description: strOr(b.Info.Description, ""),
		Email: strOr(b.Info.Email, ""), Phone: strOr(b.Info.Phone, ""), NickName: strOr(b.Info.NickName, ""),
		Policies: []string{}, CreateTime: now, UpdateTime: now}
	e.st.SubUsers[u.Name] = u
	// The answer shows a generated password once; a chosen one is not echoed.
	shown := ""
	if password != b.Info.Password {
		shown = password
	}
	out := map[string]any{"name": u.Name, "password": shown, "email": u.Email, "phone": u.Phone, "accessKey": "", "secretAccessKey": "",
		"createTime": now, "updateTime": now, "nickName": u.NickName, "pin": u.Pin, "account": AccountID}
	if b.Info.CreateAk != nil && *b.Info.CreateAk {
		k := e.newAccessKey(u.Name)
		out["accessKey"], out["secretAccessKey"] = k.AccessKey, k.SecretAccessKey
	}
	return map[string]any{"subUser": out}, nil
}

// validDescription: "描述，0~256个字符".
func validDescription(d *string) *apiError {
	if d != nil && utf8.RuneCountInString(*d) > 256 {
		return invalidArg("Invalid description: at most 256 characters")
	}
	return nil
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
	return list[*SubUser]{key: "subUsers", total: "total", minSize: 1,
		keep: keyword[*SubUser](c, "keyword", func(u *SubUser) string { return u.Name }),
		out:  subUserOut,
	}.answer(c, sortedValues(e.st.SubUsers))
}

// keyword selects the items whose name contains the query parameter param (all when it is empty).
func keyword[T any](c *call, param string, name func(T) string) func(T, []filter) bool {
	kw := c.query.Get(param)
	return func(x T, _ []filter) bool { return kw == "" || strings.Contains(name(x), kw) }
}

// DeletedSubUser is a soft-deleted sub-user: QueryDeletedSubUsers lists it
// and RestoreSubUser brings it back with its access keys and policies.
type DeletedSubUser struct {
	SubUser
	AccessKeys []*AccessKey `json:"accessKeys"`
	DeleteTime string       `json:"deleteTime"`
}

// deleteSubUser soft-deletes: the sub-user and its keys stop working at
// once, but stay restorable (the SDK has QueryDeletedSubUsers and
// RestoreSubUser, which restores "accessKeyList" too).
func (e *Emulator) deleteSubUser(c *call) (any, *apiError) {
	u, aerr := e.getSubUser(c)
	if aerr != nil {
		return nil, aerr
	}
	d := &DeletedSubUser{SubUser: *u, DeleteTime: e.timestamp()}
	for _, id := range sortedKeys(e.st.AccessKeys) {
		if k := e.st.AccessKeys[id]; k.SubUser == u.Name {
			d.AccessKeys = append(d.AccessKeys, k)
			delete(e.st.AccessKeys, id)
		}
	}
	if e.st.DeletedSubUsers == nil {
		e.st.DeletedSubUsers = map[string]*DeletedSubUser{}
	}
	e.st.DeletedSubUsers[u.Name] = d
	delete(e.st.SubUsers, u.Name)
	return nil, nil
}

func (e *Emulator) updateSubUser(c *call) (any, *apiError) {
	u, aerr := e.getSubUser(c)
	if aerr != nil {
		return nil, aerr
	}
	var b struct {
		Info *struct {
			Description *string `json:"description"`
			Email       *string `json:"email"`
			Phone       *string `json:"phone"`
			NickName    *string `json:"nickName"`
		} `json:"updateSubUserInfo"`
	}
	if aerr := c.decode(&b); aerr != nil {
		return nil, aerr
	}
	if b.Info == nil {
		return nil, invalidArg("updateSubUserInfo is required")
	}
	if aerr := validDescription(b.Info.Description); aerr != nil {
		return nil, aerr
	}
	u.Description = strOr(b.Info.Description, u.Description)
	u.Email = strOr(b.Info.Email, u.Email)
	u.Phone = strOr(b.Info.Phone, u.Phone)
	u.NickName = strOr(b.Info.NickName, u.NickName)
	u.UpdateTime = e.timestamp()
	return nil, nil
}

func (e *Emulator) queryDeletedSubUsers(c *call) (any, *apiError) {
	byName := keyword[*DeletedSubUser](c, "name", func(d *DeletedSubUser) string { return d.Name })
	ak := c.query.Get("accessKey")
	return list[*DeletedSubUser]{key: "subUsers", total: "total", minSize: 1,
		check: func() *apiError {
			if acct := c.query.Get("account"); acct == "" {
				return invalidArg("account is required")
			} else if acct != AccountID {
				return forbidden("No permission: account %s is not yours", acct)
			}
			return nil
		},
		keep: func(d *DeletedSubUser, fs []filter) bool { return byName(d, fs) && (ak == "" || d.holdsKey(ak)) },
		out:  func(d *DeletedSubUser) map[string]any { return subUserOut(&d.SubUser) },
	}.answer(c, sortedValues(e.st.DeletedSubUsers))
}

func (d *DeletedSubUser) holdsKey(ak string) bool {
	for _, k := range d.AccessKeys {
		if k.AccessKey == ak {
			return true
		}
	}
	return false
}

func (e *Emulator) restoreSubUser(c *call) (any, *apiError) {
	var b struct {
		Account       *string  `json:"account"`
		SubUserPin    *string  `json:"subUserPin"`
		AccessKeyList []string `json:"accessKeyList"`
	}
	if aerr := c.decode(&b); aerr != nil {
		return nil, aerr
	}
	if b.SubUserPin == nil || *b.SubUserPin == "" {
		return nil, invalidArg("subUserPin is required")
	}
	if b.Account != nil && *b.Account != "" && *b.Account != AccountID {
		return nil, forbidden("No permission: account %s is not yours", *b.Account)
	}
	var d *DeletedSubUser
	for _, x := range e.st.DeletedSubUsers {
		if x.Pin == *b.SubUserPin {
			d = x
		}
	}
	if d == nil {
		return nil, notFound("Deleted sub-user with pin %s not found", *b.SubUserPin)
	}
	if e.st.SubUsers[d.Name] != nil {
		return nil, errf(409, "ALREADY_EXISTS", "Sub-user %s already exists", d.Name)
	}
	// With no accessKeyList every key comes back; with one, only those.
	for _, k := range d.AccessKeys {
		if len(b.AccessKeyList) == 0 || matchAny(k.AccessKey, b.AccessKeyList) {
			e.st.AccessKeys[k.AccessKey] = k
		}
	}
	u := d.SubUser
	u.Policies = nonNilStrings(u.Policies)
	e.st.SubUsers[u.Name] = &u
	delete(e.st.DeletedSubUsers, u.Name)
	return map[string]any{"subUser": subUserOut(&u)}, nil
}

func nonNilStrings(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

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

// ---- access keys ----

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
	if n >= e.quotas.SubUserAccessKeys {
		return nil, quotaExceeded("Quota exceeded: a sub-user has at most %d access keys", e.quotas.SubUserAccessKeys)
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
