//go:build unix

package failover

import (
	"errors"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// keepalivedAlive: pid exists and its command is keepalived (not a reused pid).
func keepalivedAlive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	comm, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	if err != nil {
		// No /proc (not Linux): the signal check is all we have.
		return !errors.Is(err, fs.ErrNotExist) || !procMounted()
	}
	return strings.TrimSpace(string(comm)) == "keepalived"
}

func procMounted() bool {
	_, err := os.Stat("/proc/self")
	return err == nil
}

// IsKeepalived reports whether pid is a running keepalived process.
func IsKeepalived(pid int) bool { return pid > 0 && keepalivedAlive(pid) }
