package examplestest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/agentbin"
)

// TestAccMirrorInstall installs the provider as a user without the registry
// would (make install-mirror's script: a filesystem mirror and its CLI
// configuration), then runs `terraform init` with a backend and no
// dev_overrides, and applies against an in-process emulator. The CLI
// configuration lets Terraform look nowhere else for this provider, and the
// configuration uses no other provider: init needs no network.
func TestAccMirrorInstall(t *testing.T) {
	acctest.PreCheck(t)
	for _, arch := range agentbin.Architectures {
		if _, _, err := agentbin.Binary(arch); err != nil {
			t.Skipf("the agent binaries are not built (run `make agent` first; make examples-check does): %v", err)
		}
	}
	tfBin := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tfBin == "" {
		tfBin, _ = exec.LookPath("terraform")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	root := repoRoot(t)
	work := t.TempDir()
	mirror, home, module := filepath.Join(work, "mirror"), filepath.Join(work, "home"), filepath.Join(work, "module")
	for _, d := range []string{home, module} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	install := exec.CommandContext(ctx, filepath.Join(root, "scripts", "install-mirror.sh"))
	install.Dir = root
	// The real HOME here: go build keeps its build and module caches under it.
	realHome, _ := os.UserHomeDir()
	install.Env = acctest.CLIEnviron("HOME="+realHome, "MIRROR_DIR="+mirror, "MIRROR_VERSION=0.1.0")
	out, err := install.CombinedOutput()
	if err != nil {
		t.Fatalf("install-mirror.sh: %v\n%s", err, out)
	}
	binary := filepath.Join(mirror, "registry.terraform.io", "jdcloudha", "jdcloudha", "0.1.0", runtime.GOOS+"_"+runtime.GOARCH, "terraform-provider-jdcloudha_v0.1.0")
	if runtime.GOOS == "windows" {
		binary += ".exe"
	}
	if _, err := os.Stat(binary); err != nil {
		t.Fatalf("not in the mirror layout: %v\n%s", err, out)
	}
	rc := filepath.Join(mirror, "terraformrc")
	rcText, err := os.ReadFile(rc)
	if err != nil || !strings.Contains(string(rcText), "filesystem_mirror") || strings.Contains(string(rcText), "dev_overrides") {
		t.Fatalf("CLI configuration %s: %v\n%s", rc, err, rcText)
	}

	srv := acctest.StartEmulator(t)
	config := fmt.Sprintf(`terraform {
  backend "local" {
    path = %q
  }
  required_providers {
    jdcloudha = {
      source  = "jdcloudha/jdcloudha"
      version = "0.1.0"
    }
  }
}

provider "jdcloudha" {
  region = %q
}

resource "jdcloudha_elastic_ip" "vip" {
  name           = "mirror-check"
  bandwidth_mbps = 1
}
`, filepath.Join(work, "state", "terraform.tfstate"), acctest.Region(srv))
	if err := os.WriteFile(filepath.Join(module, "main.tf"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	tf := tfRun{t: t, bin: tfBin, dir: module, env: acctest.CLIEnviron(
		"HOME="+home, "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1",
		"JDCLOUD_ENDPOINT="+srv.Endpoint, "JDCLOUD_SCHEME=http",
		"JDCLOUD_ACCESS_KEY="+srv.AccessKey, "JDCLOUD_SECRET_KEY="+srv.SecretKey,
	)}
	initOut := tf.mustRun(ctx, "init", "-input=false", "-no-color")
	if !strings.Contains(initOut, "Installing jdcloudha/jdcloudha v0.1.0") || strings.Contains(initOut, "Provider development overrides") {
		t.Errorf("init did not install from the mirror:\n%s", initOut)
	}
	lock, err := os.ReadFile(filepath.Join(module, ".terraform.lock.hcl"))
	if err != nil || !strings.Contains(string(lock), `provider "registry.terraform.io/jdcloudha/jdcloudha"`) || !strings.Contains(string(lock), `version     = "0.1.0"`) {
		t.Errorf("lock file: %v\n%s", err, lock)
	}
	tf.mustRun(ctx, "apply", "-auto-approve", "-input=false", "-no-color")
	if _, err := os.Stat(filepath.Join(work, "state", "terraform.tfstate")); err != nil {
		t.Errorf("the backend's state file: %v", err)
	}
	if n := len(srv.Emulator.Snapshot().ElasticIps); n != 1 {
		t.Errorf("the mirrored provider made %d EIPs, want 1", n)
	}
	tf.mustRun(ctx, "destroy", "-auto-approve", "-input=false", "-no-color")
}
