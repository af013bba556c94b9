package iam

import (
	"context"
	"crypto/rand"
	"math/big"
	"sort"

	iamapis "github.com/jdcloud-api/jdcloud-sdk-go/services/iam/apis"
	iammodels "github.com/jdcloud-api/jdcloud-sdk-go/services/iam/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
)

// Access key status in GetSubUserAccessKeys: 1 enabled, 0 disabled.
const keyEnabled = 1

// createSubUser makes an API-only sub-user: no console login, no key yet.
// The API requires a password even then; it gets a random one that is never
// stored or shown, since nobody is meant to log in as the agent.
func createSubUser(ctx context.Context, c *jdcloud.Client, name, description string) error {
	password, err := randomPassword()
	if err != nil {
		return err
	}
	no := false
	info := &iammodels.CreateSubUserInfo{Name: name, Password: password, ConsoleLogin: &no, CreateAk: &no}
	if description != "" {
		info.Description = &description
	}
	req := iamapis.NewCreateSubUserRequest(info)
	// No clientToken in this API: after an ambiguous failure the name is
	// looked up before the create is sent again. What existed before is the
	// walk's one listing of sub-users, not a describe per create.
	named := func(u iammodels.SubUser) (string, bool) { return u.Name, u.Name == name }
	users, err := jdcloud.WalkListing(c, "iam/subusers", func() ([]iammodels.SubUser, error) { return jdcloud.ListSubUsers(ctx, c) })
	if err != nil {
		return err
	}
	_, err = jdcloud.ReconciledCreate{
		Existing: users.Match(named),
		Find: func(ctx context.Context) ([]string, error) {
			_, err := describeSubUser(ctx, c, name)
			return existing(name, err)
		},
		Send: func(ctx context.Context) (string, error) {
			_, err := jdcloud.CallOnce(ctx, c, "iam.CreateSubUser", func() (*iamapis.CreateSubUserResponse, error) { return c.IAM.CreateSubUser(req) })
			return name, err
		},
	}.Run(ctx, c)
	if err == nil {
		users.Add(iammodels.SubUser{Name: name})
	}
	return err
}

// existing turns a describe-by-name's outcome into ReconciledCreate's Find
// answer: the name when it exists, nothing when the API says not found.
func existing(name string, err error) ([]string, error) {
	switch {
	case err == nil:
		return []string{name}, nil
	case jdcloud.IsNotFound(err):
		return nil, nil
	}
	return nil, err
}

// randomPassword meets JD Cloud's default password policy: 8 to 20
// characters with an upper-case letter, a lower-case letter, a digit and a
// special character (the docs' default; the SDK's field note names only the
// first three, so this meets both readings).
func randomPassword() (string, error) {
	const lower, upper, digits, special = "abcdefghijkmnopqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789", "!@#%^*()-_=+"
	sets := []string{lower, upper, digits, special}
	all := lower + upper + digits + special
	out := make([]byte, 20)
	for i := range out {
		set := all
		if i < len(sets) {
			set = sets[i]
		}
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		if err != nil {
			return "", err
		}
		out[i] = set[n.Int64()]
	}
	return string(out), nil
}

func describeSubUser(ctx context.Context, c *jdcloud.Client, name string) (iammodels.SubUser, error) {
	req := iamapis.NewDescribeSubUserRequest(name)
	resp, err := jdcloud.Call(ctx, c, "iam.DescribeSubUser", func() (*iamapis.DescribeSubUserResponse, error) { return c.IAM.DescribeSubUser(req) })
	if err != nil {
		return iammodels.SubUser{}, err
	}
	return resp.Result.SubUser, nil
}

// updateDescription changes the sub-user's description in place.
func updateDescription(ctx context.Context, c *jdcloud.Client, name, description string) error {
	req := iamapis.NewUpdateSubUserRequest(name, &iammodels.UpdateSubUserInfo{Description: &description})
	_, err := jdcloud.Call(ctx, c, "iam.UpdateSubUser", func() (*iamapis.UpdateSubUserResponse, error) { return c.IAM.UpdateSubUser(req) })
	return err
}

func deleteSubUser(ctx context.Context, c *jdcloud.Client, name string) error {
	req := iamapis.NewDeleteSubUserRequest(name)
	_, err := jdcloud.Call(ctx, c, "iam.DeleteSubUser", func() (*iamapis.DeleteSubUserResponse, error) { return c.IAM.DeleteSubUser(req) })
	return ignoreNotFound(err)
}

func createPolicy(ctx context.Context, c *jdcloud.Client, name, description, content string) error {
	req := iamapis.NewCreatePolicyRequest(&iammodels.CreatePolicyInfo{Name: name, Description: &description, Content: content})
	_, err := jdcloud.ReconciledCreate{
		// No look before the first attempt: a policy found after a lost
		// answer is adopted only when it holds this very document, which
		// makes it this create's (or an identical one's) either way.
		Existing: []string{},
		Find: func(ctx context.Context) ([]string, error) {
			doc, err := describePolicy(ctx, c, name)
			if err == nil && !samePolicy(doc, content) {
				return nil, nil
			}
			return existing(name, err)
		},
		Send: func(ctx context.Context) (string, error) {
			_, err := jdcloud.CallOnce(ctx, c, "iam.CreatePolicy", func() (*iamapis.CreatePolicyResponse, error) { return c.IAM.CreatePolicy(req) })
			return name, err
		},
	}.Run(ctx, c)
	return err
}

// describePolicy returns the policy's current document.
func describePolicy(ctx context.Context, c *jdcloud.Client, name string) (string, error) {
	req := iamapis.NewDescribePolicyRequest(name)
	resp, err := jdcloud.Call(ctx, c, "iam.DescribePolicy", func() (*iamapis.DescribePolicyResponse, error) { return c.IAM.DescribePolicy(req) })
	if err != nil {
		return "", err
	}
	// The default edition holds the document; policy.content is deprecated
	// but is all that older answers carry.
	if d := resp.Result.DefaultPolicyEdition.PolicyDocument; d != "" {
		return d, nil
	}
	return resp.Result.Policy.Content, nil
}

func updatePolicy(ctx context.Context, c *jdcloud.Client, name, content string) error {
	req := iamapis.NewUpdatePolicyRequest(name, &iammodels.UpdatePolicyInfo{Content: content})
	_, err := jdcloud.Call(ctx, c, "iam.UpdatePolicy", func() (*iamapis.UpdatePolicyResponse, error) { return c.IAM.UpdatePolicy(req) })
	return err
}

func deletePolicy(ctx context.Context, c *jdcloud.Client, name string) error {
	req := iamapis.NewDeletePolicyRequest(name)
	_, err := jdcloud.Call(ctx, c, "iam.DeletePolicy", func() (*iamapis.DeletePolicyResponse, error) { return c.IAM.DeletePolicy(req) })
	return ignoreNotFound(err)
}

// attachPolicy attaches; "already attached" is success (a retry whose first
// answer was lost, or a re-attach after drift).
func attachPolicy(ctx context.Context, c *jdcloud.Client, user, policy string) error {
	req := iamapis.NewAttachSubUserPolicyRequest(user, policy)
	_, err := jdcloud.Call(ctx, c, "iam.AttachSubUserPolicy", func() (*iamapis.AttachSubUserPolicyResponse, error) {
		return c.IAM.AttachSubUserPolicy(req)
	})
	if jdcloud.HasStatus(err, "ALREADY_EXISTS") {
		return nil
	}
	return err
}

func detachPolicy(ctx context.Context, c *jdcloud.Client, user, policy string) error {
	req := iamapis.NewDetachSubUserPolicyRequest(user, policy)
	_, err := jdcloud.Call(ctx, c, "iam.DetachSubUserPolicy", func() (*iamapis.DetachSubUserPolicyResponse, error) {
		return c.IAM.DetachSubUserPolicy(req)
	})
	return ignoreNotFound(err)
}

func attachedPolicies(ctx context.Context, c *jdcloud.Client, user string) ([]string, error) {
	req := iamapis.NewDescribeAttachedSubUserPoliciesRequest(user)
	resp, err := jdcloud.Call(ctx, c, "iam.DescribeAttachedSubUserPolicies", func() (*iamapis.DescribeAttachedSubUserPoliciesResponse, error) {
		return c.IAM.DescribeAttachedSubUserPolicies(req)
	})
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(resp.Result.Policies))
	for _, p := range resp.Result.Policies {
		names = append(names, p.Name)
	}
	return names, nil
}

// createAccessKey returns a new key pair; known lists the sub-user's keys
// before the call. The secret is only ever in the answer, so a key made by an
// attempt whose answer was lost is useless: it is retired (a sub-user holds
// at most two keys) and the create sent again.
func createAccessKey(ctx context.Context, c *jdcloud.Client, user string, known []string) (iammodels.SubUserAccessKey, error) {
	req := iamapis.NewCreateSubUserAccessKeyRequest(user)
	var key iammodels.SubUserAccessKey
	_, err := jdcloud.ReconciledCreate{
		Existing: append([]string{}, known...),
		Find: func(ctx context.Context) ([]string, error) {
			keys, err := listAccessKeys(ctx, c, user)
			ids := make([]string, 0, len(keys))
			for _, k := range keys {
				ids = append(ids, k.AccessKey)
			}
			return ids, err
		},
		Discard: func(ctx context.Context, ids []string) error {
			for _, id := range ids {
				if err := retireAccessKey(ctx, c, user, id); err != nil {
					return err
				}
			}
			return nil
		},
		Send: func(ctx context.Context) (string, error) {
			resp, err := jdcloud.CallOnce(ctx, c, "iam.CreateSubUserAccessKey", func() (*iamapis.CreateSubUserAccessKeyResponse, error) {
				return c.IAM.CreateSubUserAccessKey(req)
			})
			if err != nil {
				return "", err
			}
			key = resp.Result.UserAccessKey
			return key.AccessKey, nil
		},
	}.Run(ctx, c)
	return key, err
}

// listAccessKeys returns the sub-user's keys, newest first (secrets empty).
func listAccessKeys(ctx context.Context, c *jdcloud.Client, user string) ([]iammodels.SubUserAccessKey, error) {
	req := iamapis.NewGetSubUserAccessKeysRequest(user)
	resp, err := jdcloud.Call(ctx, c, "iam.GetSubUserAccessKeys", func() (*iamapis.GetSubUserAccessKeysResponse, error) {
		return c.IAM.GetSubUserAccessKeys(req)
	})
	if err != nil {
		return nil, err
	}
	keys := resp.Result.UserAccessKeys
	sort.SliceStable(keys, func(i, j int) bool { return keys[i].CreateTime > keys[j].CreateTime })
	return keys, nil
}

// retireAccessKey disables a key, then deletes it (the API deletes only
// disabled keys). A key already gone is fine.
func retireAccessKey(ctx context.Context, c *jdcloud.Client, user, key string) error {
	dis := iamapis.NewDisableSubUserAccessKeyRequest(user, key)
	_, err := jdcloud.Call(ctx, c, "iam.DisableSubUserAccessKey", func() (*iamapis.DisableSubUserAccessKeyResponse, error) {
		return c.IAM.DisableSubUserAccessKey(dis)
	})
	if jdcloud.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	del := iamapis.NewDeleteSubUserAccessKeyRequest(user, key)
	_, err = jdcloud.Call(ctx, c, "iam.DeleteSubUserAccessKey", func() (*iamapis.DeleteSubUserAccessKeyResponse, error) {
		return c.IAM.DeleteSubUserAccessKey(del)
	})
	return ignoreNotFound(err)
}

func ignoreNotFound(err error) error {
	if jdcloud.IsNotFound(err) {
		return nil
	}
	return err
}
