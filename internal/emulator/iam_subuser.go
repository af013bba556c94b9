package emulator

import (
	"strings"
	"unicode/utf8"
)

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
	classes, bad := passwordClasses(v, func(r rune) bool { return r > ' ' && r < 0x7f })
	if bad != 0 {
		return invalidArg("Invalid password: only printable ASCII characters are allowed")
	}
	if classes < 4 {
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
