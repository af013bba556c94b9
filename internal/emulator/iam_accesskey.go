package emulator

import (
	"strings"
)

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
	if countWhere(e.st.AccessKeys, func(k *AccessKey) bool { return k.SubUser == u.Name }) >= e.quotas.SubUserAccessKeys {
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
