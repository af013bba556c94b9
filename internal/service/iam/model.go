package iam

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/validate"
)

type credentialsModel struct {
	ID                 types.String   `tfsdk:"id"`
	Name               types.String   `tfsdk:"name"`
	ElasticIPID        types.String   `tfsdk:"elastic_ip_id"`
	InstanceIDs        types.Set      `tfsdk:"instance_ids"`
	Rotation           types.String   `tfsdk:"rotation"`
	InstalledRotation  types.String   `tfsdk:"installed_rotation"`
	Description        types.String   `tfsdk:"description"`
	PropagationTimeout types.String   `tfsdk:"propagation_timeout"`
	AccountID          types.String   `tfsdk:"account_id"`
	PolicyName         types.String   `tfsdk:"policy_name"`
	PolicyDocument     types.String   `tfsdk:"policy_document"`
	AccessKey          types.String   `tfsdk:"access_key"`
	SecretKey          types.String   `tfsdk:"secret_key"`
	PreviousAccessKey  types.String   `tfsdk:"previous_access_key"`
	Timeouts           timeouts.Value `tfsdk:"timeouts"`
}

func (m *credentialsModel) instanceIDs(ctx context.Context, diags *diag.Diagnostics) []string {
	var ids []string
	diags.Append(m.InstanceIDs.ElementsAs(ctx, &ids, false)...)
	sort.Strings(ids)
	return ids
}

// targetsKnown reports whether the EIP and instances are known (they may
// come from resources created in the same apply).
func (m *credentialsModel) targetsKnown() bool {
	if m.ElasticIPID.IsUnknown() || m.InstanceIDs.IsUnknown() {
		return false
	}
	for _, e := range m.InstanceIDs.Elements() {
		if e.IsUnknown() {
			return false
		}
	}
	return true
}

type privateState interface {
	GetKey(context.Context, string) ([]byte, diag.Diagnostics)
	SetKey(context.Context, string, []byte) diag.Diagnostics
}

func propagationTimeout(v types.String) time.Duration {
	if d, err := time.ParseDuration(v.ValueString()); err == nil && d >= 0 {
		return d
	}
	return defaultPropagationTimeout
}

// durationValidator accepts a Go duration that is not negative.
var durationValidator = validate.Rule("a duration such as 30s or 2m", "Invalid duration", func(s string) error {
	if d, err := time.ParseDuration(s); err != nil || d < 0 {
		return fmt.Errorf("%q is not a duration such as 30s or 2m", s)
	}
	return nil
})
