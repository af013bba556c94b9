package failover

import (
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/types"
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
