package jdcloud

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/agent"
)

// CheckAgentPermissions runs the failover agent's permission self-check
// (agent.CheckPermissionsWithin) with the agent's own key against this
// client's endpoint, paced by this client's limiter. A check that passed is
// not run again in the same walk for the same key, EIP and instances: the
// credentials resource checks the key it makes, and the keepalived config
// the key it writes into the bundles, which in one apply is the same key.
func CheckAgentPermissions(ctx context.Context, c *Client, accessKey, secretKey string, window time.Duration, eipID string, instanceIDs []string) error {
	_, err := Lookup(c, agentPermissionsKey(accessKey, eipID, instanceIDs), func() (struct{}, error) {
		cloud := agent.NewSDKCloud(agent.Config{Region: c.Region, Endpoint: c.VM.Config.Endpoint, Scheme: c.VM.Config.Scheme},
			agent.Credentials{AccessKey: accessKey, SecretKey: secretKey})
		return struct{}{}, agent.CheckPermissionsWithin(ctx, c.Clock(), window, c.Limiter(), cloud, c.Region, eipID, instanceIDs)
	})
	return err
}

// agentPermissionsKey names one self-check for Lookup. The check does not
// depend on the members' order, so neither does the key: the credentials
// list them sorted, the keepalived config as master, backup.
func agentPermissionsKey(accessKey, eipID string, instanceIDs []string) string {
	members := slices.Sorted(slices.Values(instanceIDs))
	return "agent-permissions/" + accessKey + "/" + eipID + "/" + strings.Join(members, ",")
}
