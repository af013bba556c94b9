//go:build linux

package testutil

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// keepalivedComplaints are keepalived messages that mean part of the config
// was silently dropped or a script will never run; `keepalived -t` still
// exits 0 for several of them.
var keepalivedComplaints = []string{"disabling", "ignoring", "unsafe permissions", "security violation", "cannot be accessed"}

// KeepalivedComplaints returns the lines of keepalived's output out that say
// part of the config was dropped or a script will never run.
func KeepalivedComplaints(out string) []string {
	var found []string
	for _, line := range strings.Split(out, "\n") {
		low := strings.ToLower(line)
		for _, bad := range keepalivedComplaints {
			if strings.Contains(low, bad) {
				found = append(found, strings.TrimSpace(line))
				break
			}
		}
	}
	return found
}

// SecureScriptDir makes a directory, with an empty bin/ in it, that
// keepalived's enable_script_security accepts scripts under: root-owned 0755
// with root-owned parents closed to group/others writes (so not /tmp). It
// skips t where /run is not so. prefix names the directory.
func SecureScriptDir(t *testing.T, prefix string) string {
	t.Helper()
	dir, err := os.MkdirTemp("/run", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for p := dir; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st := fi.Sys().(*syscall.Stat_t); st.Uid != 0 || fi.Mode().Perm()&0o022 != 0 {
			t.Skipf("skipping: %s is not root-owned and closed to group/others writes; keepalived would refuse scripts under it", p)
		}
		if p == "/" {
			break
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
