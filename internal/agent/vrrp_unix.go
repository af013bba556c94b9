//go:build unix

package agent

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
	if strings.TrimSpace(string(comm)) != "keepalived" {
		return false
	}
	return !isZombie(pid)
}

// isZombie: a killed keepalived whose parent died too can stay a zombie for
// a while (an init that reaps late, as in containers): it still answers
// signal 0 and keeps its comm, but it is dead.
func isZombie(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	if i := strings.LastIndexByte(string(stat), ')'); i >= 0 && i+2 < len(stat) {
		switch stat[i+2] {
		case 'Z', 'X', 'x':
			return true
		}
	}
	return false
}

func procMounted() bool {
	_, err := os.Stat("/proc/self")
	return err == nil
}

// IsKeepalived reports whether pid is a running keepalived process.
func IsKeepalived(pid int) bool { return pid > 0 && keepalivedAlive(pid) }
