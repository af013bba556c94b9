package failover

import (
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/types"
	vpcmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"
)

// Roles reported in active_role.
const (
	roleMaster = "master"
	roleBackup = "backup"
	roleNone   = "none"  // the EIP is not associated
	roleOther  = "other" // held by an instance outside the pair
)

type pairModel struct {
	ID               types.String   `tfsdk:"id"`
	ElasticIPID      types.String   `tfsdk:"elastic_ip_id"`
	MasterInstanceID types.String   `tfsdk:"master_instance_id"`
	BackupInstanceID types.String   `tfsdk:"backup_instance_id"`
	ElasticIPAddress types.String   `tfsdk:"elastic_ip_address"`
	ActiveInstanceID types.String   `tfsdk:"active_instance_id"`
	ActiveRole       types.String   `tfsdk:"active_role"`
	Timeouts         timeouts.Value `tfsdk:"timeouts"`
}

// fill sets the attributes the API reports from the EIP as last read.
func (m *pairModel) fill(eip vpcmodels.ElasticIp) {
	m.ElasticIPAddress = types.StringValue(eip.ElasticIpAddress)
	m.ActiveInstanceID = types.StringValue(eip.InstanceId)
	m.ActiveRole = types.StringValue(roleOf(eip.InstanceId, m.MasterInstanceID.ValueString(), m.BackupInstanceID.ValueString()))
}

func roleOf(holder, master, backup string) string {
	switch holder {
	case "":
		return roleNone
	case master:
		return roleMaster
	case backup:
		return roleBackup
	}
	return roleOther
}
