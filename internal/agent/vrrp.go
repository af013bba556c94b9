package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// VRRP states as keepalived names them, plus UNKNOWN (no report yet and no
// other evidence).
const (
	StateMaster  = "MASTER"
	StateBackup  = "BACKUP"
	StateFault   = "FAULT"
	StateStop    = "STOP"
	StateUnknown = "UNKNOWN"
)

// StateRecord is what the keepalived hook (report) leaves for the daemon:
// the last state keepalived announced and which keepalived process said so.
type StateRecord struct {
	State         string    `json:"state"`
	Priority      int       `json:"priority,omitempty"`
	KeepalivedPID int       `json:"keepalived_pid,omitempty"`
	At            time.Time `json:"at"`
}

// Run directory file names.
const (
	stateRecordName = "vrrp-state.json"
	socketName      = "agent.sock"
	statusName      = "status.json"
)

func (c Config) runDir() string {
	if c.RunDir == "" {
		return DefaultRunDir
	}
	return c.RunDir
}

// StateRecordPath, SocketPath and StatusPath are the daemon's files in run_dir.
func (c Config) StateRecordPath() string { return filepath.Join(c.runDir(), stateRecordName) }
func (c Config) SocketPath() string      { return filepath.Join(c.runDir(), socketName) }
func (c Config) StatusPath() string      { return filepath.Join(c.runDir(), statusName) }

// WriteStateRecord replaces the record atomically (rename), so the daemon
// never reads half a record.
func WriteStateRecord(path string, r StateRecord) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return writeAtomic(path, append(b, '\n'), 0o644)
}

func writeAtomic(path string, data []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr, os.Chmod(tmp.Name(), mode)); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// ReadStateRecord reads the record; a missing file is not an error (ok=false).
func ReadStateRecord(path string) (r StateRecord, ok bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return StateRecord{}, false, nil
	}
	if err != nil {
		return StateRecord{}, false, err
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return StateRecord{}, false, fmt.Errorf("%s: %v", path, err)
	}
	return r, true, nil
}

// NormalizeState maps keepalived's state words (any case) to ours.
func NormalizeState(s string) string {
	switch u := strings.ToUpper(s); u {
	case StateMaster, StateBackup, StateFault, StateStop:
		return u
	case "MASTER_RX_LOWER_PRI":
		return StateMaster
	}
	return StateUnknown
}

// LocalState reads this node's VRRP state from what the machine shows,
// every time it is asked (it keeps nothing):
//   - keepalived's VRRP process must be alive (pid file, else the pid that
//     ran the last report); a dead keepalived is STOP, whatever it last said;
//   - with vrrp_address set, the node is MASTER exactly while that address
//     is on one of its interfaces (keepalived adds it on entering MASTER and
//     removes it on leaving), so out-of-order hooks cannot mislead it;
//   - otherwise the last report's state.
type LocalState struct {
	Config Config
	// Addrs lists this node's addresses (default net.InterfaceAddrs); tests replace it.
	Addrs func() ([]net.Addr, error)
	// Alive reports whether pid is a running keepalived (default: /proc).
	Alive func(pid int) bool
	// DefaultPIDFiles are tried when neither keepalived_pid_file nor a
	// report names keepalived's pid (default: keepalived 2.2's own paths).
	DefaultPIDFiles []string
}

// defaultVRRPPIDFiles are where keepalived 2.2 writes its VRRP process's pid
// without -r (the first when /run/keepalived exists).
var defaultVRRPPIDFiles = []string{"/run/keepalived/vrrp.pid", "/run/vrrp.pid"}

// Current returns the state and a short reason.
func (l LocalState) Current() (state, why string) {
	rec, ok, err := ReadStateRecord(l.Config.StateRecordPath())
	if err != nil {
		return StateUnknown, "state record unreadable: " + err.Error()
	}
	pid, pidFrom := 0, ""
	if f := l.Config.KeepalivedPIDFile; f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return StateStop, "keepalived pid file: " + err.Error()
		}
		pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		pidFrom = f
	} else if ok && rec.KeepalivedPID > 0 {
		pid, pidFrom = rec.KeepalivedPID, "the last report"
	} else {
		// No report with a pid yet (e.g. the daemon started after keepalived,
		// which reloads without re-running hooks): keepalived's own defaults.
		files := l.DefaultPIDFiles
		if files == nil {
			files = defaultVRRPPIDFiles
		}
		for _, f := range files {
			if b, err := os.ReadFile(f); err == nil {
				if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && n > 0 {
					pid, pidFrom = n, f
					break
				}
			}
		}
	}
	alive := l.Alive
	if alive == nil {
		alive = keepalivedAlive
	}
	if pid > 0 && !alive(pid) {
		return StateStop, fmt.Sprintf("keepalived (pid %d from %s) is not running", pid, pidFrom)
	}
	if l.Config.VRRPAddress != "" {
		held, err := l.hasAddress()
		if err != nil {
			return StateUnknown, "listing addresses: " + err.Error()
		}
		if held {
			return StateMaster, "vrrp_address " + l.Config.VRRPAddress + " is on this node"
		}
		if ok && rec.State != StateMaster {
			return rec.State, "reported " + rec.State + "; vrrp_address not on this node"
		}
		if pid > 0 {
			return StateBackup, "keepalived runs and vrrp_address is not on this node"
		}
		return StateUnknown, "no report yet and vrrp_address not on this node"
	}
	if !ok {
		return StateUnknown, "no report from keepalived yet"
	}
	return rec.State, "reported by keepalived at " + rec.At.UTC().Format(time.RFC3339Nano)
}

func (l LocalState) hasAddress() (bool, error) {
	want, err := netip.ParsePrefix(l.Config.VRRPAddress)
	var addr netip.Addr
	if err == nil {
		addr = want.Addr()
	} else if addr, err = netip.ParseAddr(l.Config.VRRPAddress); err != nil {
		return false, err
	}
	list := l.Addrs
	if list == nil {
		list = net.InterfaceAddrs
	}
	addrs, err := list()
	if err != nil {
		return false, err
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if got, ok := netip.AddrFromSlice(n.IP); ok && got.Unmap() == addr.Unmap() {
				return true, nil
			}
		}
	}
	return false, nil
}
