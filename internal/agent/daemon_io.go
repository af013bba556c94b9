package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"
	"time"
)

// ListenWake listens on the daemon's unix socket. Every connection (its
// content is ignored: it means "keepalived said something, look again")
// sends on wake without blocking (give it a buffer of one: a pending wake-up
// is enough). The socket is world-writable on purpose: a wake-up only makes
// the daemon re-read the local state, and the hook may run as a non-root
// script_user.
func ListenWake(path string, wake chan<- struct{}) (stop func(), err error) {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o666); err != nil {
		ln.Close()
		return nil, err
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
			select {
			case wake <- struct{}{}:
			default:
			}
		}
	}()
	return func() { ln.Close(); os.Remove(path) }, nil
}

// Poke wakes the daemon listening on path; a daemon not running is not an
// error (it reads the state record when it starts).
func Poke(path string) error {
	c, err := net.DialTimeout("unix", path, time.Second)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || isConnRefused(err) {
			return nil
		}
		return err
	}
	return c.Close()
}

func isConnRefused(err error) bool {
	return strings.Contains(err.Error(), "connection refused")
}

// Report records a state keepalived announced (the hook `report` runs) and
// wakes the daemon. keepalivedPID is the process that ran the hook.
func Report(cfg Config, state string, priority, keepalivedPID int, now time.Time) error {
	rec := StateRecord{State: NormalizeState(state), Priority: priority, KeepalivedPID: keepalivedPID, At: now.UTC()}
	if err := WriteStateRecord(cfg.StateRecordPath(), rec); err != nil {
		return fmt.Errorf("recording VRRP state: %w", err)
	}
	return Poke(cfg.SocketPath())
}

// WriteStatusFiles writes status.json and, when metrics_file is set, the
// Prometheus text-format file (for node_exporter's textfile collector).
func WriteStatusFiles(cfg Config, s DaemonStatus) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	err = writeAtomic(cfg.StatusPath(), append(b, '\n'), 0o644)
	if cfg.MetricsFile != "" {
		err = errors.Join(err, writeAtomic(cfg.MetricsFile, []byte(Metrics(s)), 0o644))
	}
	return err
}

// ReadStatus reads the daemon's status.json.
func ReadStatus(cfg Config) (DaemonStatus, error) {
	var s DaemonStatus
	b, err := os.ReadFile(cfg.StatusPath())
	if err != nil {
		return s, err
	}
	return s, json.Unmarshal(b, &s)
}

// Metrics renders the status in the Prometheus text format. Alert on
// jdcloud_eip_failover_eip_misplaced == 1 for longer than a failover takes
// (e.g. 30 s), and on a stale status_updated timestamp (daemon not running).
func Metrics(s DaemonStatus) string {
	labels := fmt.Sprintf(`{eip_id=%q,instance_id=%q}`, s.EIPID, s.InstanceID)
	b01 := func(v bool) int {
		if v {
			return 1
		}
		return 0
	}
	ts := func(t time.Time) string {
		if t.IsZero() {
			return "0"
		}
		return fmt.Sprintf("%.3f", float64(t.UnixMilli())/1000)
	}
	var b strings.Builder
	metric := func(name, typ, help, value string) {
		fmt.Fprintf(&b, "# HELP jdcloud_eip_failover_%s %s\n# TYPE jdcloud_eip_failover_%s %s\njdcloud_eip_failover_%s%s %s\n", name, help, name, typ, name, labels, value)
	}
	metric("vrrp_master", "gauge", "1 while keepalived has this node MASTER.", fmt.Sprint(b01(s.VRRPState == StateMaster)))
	metric("eip_here", "gauge", "1 when the EIP was last seen on this node.", fmt.Sprint(b01(s.EIPLocation == WhereHere.String())))
	metric("eip_misplaced", "gauge", "1 while this node is MASTER and the EIP is not on it (alert when it lasts).", fmt.Sprint(b01(s.Problem() != "")))
	metric("last_reconcile_timestamp_seconds", "gauge", "When the daemon last checked the EIP (MASTER only).", ts(s.LastReconcile))
	metric("last_error_timestamp_seconds", "gauge", "When the last error happened.", ts(s.LastErrorAt))
	metric("consecutive_failures", "gauge", "Failed passes since the last success.", fmt.Sprint(s.ConsecutiveFails))
	metric("moves_total", "counter", "EIP moves to this node since the daemon started.", fmt.Sprint(s.Moves))
	metric("api_calls_total", "counter", "API calls since the daemon started.", fmt.Sprint(s.APICalls))
	metric("status_updated_timestamp_seconds", "gauge", "When this status was written (stale: the daemon is not running).", ts(s.UpdatedAt))
	return b.String()
}
