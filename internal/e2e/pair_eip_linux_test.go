//go:build linux

package e2e

import "github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"

// Where the pair's EIP is, read from the in-process emulator's state (the
// cloud's truth, not what an agent or Terraform believes). Both labs use it.

func emulatorEIPHolder(srv *emulator.Server, eipID string) string {
	if e := srv.Emulator.Snapshot().ElasticIps[eipID]; e != nil {
		return e.InstanceId
	}
	return ""
}

// emulatorEIPProcessing reports whether a change of the EIP's holder is in flight.
func emulatorEIPProcessing(srv *emulator.Server, eipID string) bool {
	e := srv.Emulator.Snapshot().ElasticIps[eipID]
	return e != nil && e.Processing
}

// roleOf names a holder by its role in the pair (vmID is master, backup).
func roleOf(holder string, vmID [2]string) string {
	switch holder {
	case vmID[0]:
		return "master"
	case vmID[1]:
		return "backup"
	case "":
		return "none"
	default:
		return holder
	}
}
