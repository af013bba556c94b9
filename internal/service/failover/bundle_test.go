package failover

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestInstallScript runs install.sh with every path moved into a temp dir
// (as two nodes sharing one filesystem would) and a stand-in agent whose
// check passes or fails: a failed check installs no keepalived.conf and says
// so; a passing one installs every file, and without systemd says what it
// could not do.
func TestInstallScript(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("skipping: install.sh must run as root (it sets owners)")
	}
	for _, checkOK := range []bool{false, true} {
		root := t.TempDir()
		bundle := filepath.Join(root, "bundle")
		p := installParams{Node: "master", AgentPath: filepath.Join(root, "sbin", "jdcloud-eip-failover"), ConfigDir: filepath.Join(root, "etc"),
			ScriptUser: "root", RunDir: filepath.Join(root, "run"), Daemon: true}
		script, err := renderInstallScript(p)
		if err != nil {
			t.Fatal(err)
		}
		unit, err := renderSystemdUnit(p)
		if err != nil {
			t.Fatal(err)
		}
		exit := "1"
		if checkOK {
			exit = "0"
		}
		agent := "#!/bin/sh\n[ \"$3\" = check ] && { echo \"stand-in check ran\"; exit " + exit + "; }\nexit 0\n"
		if _, err := writeBundle(bundle, []bundleFile{{name: bundleKeepalivedConf, data: []byte("vrrp_instance VI_1 {}\n"), mode: 0o644},
			{name: bundleAgentConfig, data: []byte("{}\n"), mode: 0o644}, {name: bundleCredentials, data: []byte("access_key = a\nsecret_key = b\n"), mode: 0o600},
			{name: bundleAgent, data: []byte(agent), mode: 0o755}, {name: bundleInstallScript, data: script, mode: 0o755}, {name: bundleSystemdUnit, data: unit, mode: 0o644}}); err != nil {
			t.Fatal(err)
		}
		conf, unitDir := filepath.Join(root, "keepalived", "keepalived.conf"), filepath.Join(root, "systemd")
		cmd := exec.Command("sh", filepath.Join(bundle, "install.sh"))
		cmd.Env = append(os.Environ(), "KEEPALIVED_CONF="+conf, "UNIT_DIR="+unitDir)
		out, err := cmd.CombinedOutput()
		_, confErr := os.Stat(conf)
		if !checkOK {
			if err == nil || !strings.Contains(string(out), "FAILED: the permission self-check failed") || confErr == nil {
				t.Fatalf("failing check: err=%v, keepalived.conf installed=%v\n%s", err, confErr == nil, out)
			}
			continue
		}
		if err != nil || confErr != nil || !strings.Contains(string(out), "stand-in check ran") {
			t.Fatalf("install: %v (conf: %v)\n%s", err, confErr, out)
		}
		for _, f := range []struct {
			path string
			mode os.FileMode
		}{{p.AgentPath, 0o755}, {filepath.Join(p.ConfigDir, "agent.json"), 0o644}, {filepath.Join(p.ConfigDir, "credentials"), 0o600},
			{filepath.Join(unitDir, bundleSystemdUnit), 0o644}, {p.RunDir, os.ModeDir | 0o755}} {
			st, err := os.Stat(f.path)
			if err != nil || st.Mode() != f.mode {
				t.Fatalf("%s: %v mode %v, want %v\n%s", f.path, err, st.Mode(), f.mode, out)
			}
		}
		if _, err := os.Stat("/run/systemd/system"); err != nil && !strings.Contains(string(out), "no systemd here, so this script did NOT") {
			t.Fatalf("without systemd the script must say what it did not do:\n%s", out)
		}
		if !strings.Contains(string(unit), "Restart=on-failure") || !strings.Contains(string(unit), "ExecStart="+p.AgentPath+" --config "+p.ConfigDir+"/agent.json run") {
			t.Fatalf("unit:\n%s", unit)
		}
	}
}
