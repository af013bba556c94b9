//go:build unix

package agent

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil"
)

// A zombie keepalived (killed, not yet reaped) is dead, whatever signal 0 says.
func TestKeepalivedZombieIsDead(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("skipping: needs /proc")
	}
	if IsKeepalived(os.Getpid()) {
		t.Fatal("the test process is not keepalived")
	}
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Skipf("skipping: cannot start sleep: %v", err)
	}
	_ = cmd.Process.Kill()
	// Not waited for yet: a zombie (keepalivedAlive would reject "sleep" by
	// name anyway, so the zombie rule is checked on its own).
	defer cmd.Wait()
	if err := pollZombie(cmd.Process.Pid); err != nil {
		t.Skip(err.Error())
	}
	if !isZombie(cmd.Process.Pid) || isZombie(os.Getpid()) {
		t.Fatal("isZombie is wrong")
	}
}

func pollZombie(pid int) error {
	// Waiting for the kernel to deliver SIGKILL.
	if testutil.Wait(time.Second, 5*time.Millisecond, func() bool {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		return err == nil && strings.Contains(string(b), ") Z")
	}) {
		return nil
	}
	return errors.New("skipping: the killed child never showed as a zombie")
}
