//go:build linux

package netns

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil"
)

func TestAvailableGivesReason(t *testing.T) {
	ok, why := Available()
	if !ok && why == "" {
		t.Fatal("Available returned false without a reason")
	}
	if ok && why != "" {
		t.Fatalf("Available returned true with a reason %q", why)
	}
}

func TestVethConnectsTwoNamespacesAndNothingElse(t *testing.T) {
	a, b := New(t), New(t)
	if a.Name == b.Name || !strings.HasPrefix(a.Name, Prefix) {
		t.Fatalf("names %q, %q: want distinct, prefix %q", a.Name, b.Name, Prefix)
	}
	Veth(t, a, "eth0", b, "eth0")
	a.AddAddr(t, "eth0", "10.0.1.18/24")
	b.AddAddr(t, "eth0", "10.0.1.19/24")

	for _, n := range []*NS{a, b} {
		if out := n.MustIP(t, "route", "show", "default"); strings.TrimSpace(out) != "" {
			t.Errorf("%s has a default route: %s", n.Name, out)
		}
	}

	l := b.Listen(t, "tcp", "10.0.1.19:0")
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		_, _ = io.WriteString(c, "hello from b\n")
		_ = c.Close()
	}()
	c, err := a.Dial("tcp", l.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatalf("dial from a to b: %v", err)
	}
	got, _ := io.ReadAll(c)
	_ = c.Close()
	if string(got) != "hello from b\n" {
		t.Fatalf("read %q from b", got)
	}

	// The listener lives in b only: a third, unconnected namespace cannot reach it.
	lonely := New(t)
	if c, err := lonely.Dial("tcp", l.Addr().String(), time.Second); err == nil {
		_ = c.Close()
		t.Fatal("an unconnected namespace reached b")
	}
}

func TestBridgeJoinsThreeHosts(t *testing.T) {
	sw := New(t)
	sw.Bridge(t, "br0")
	hosts := []*NS{New(t), New(t), New(t)}
	for i, h := range hosts {
		port := "p" + string(rune('0'+i))
		Veth(t, h, "eth0", sw, port)
		sw.Attach(t, port, "br0")
		h.AddAddr(t, "eth0", "10.0.1."+string(rune('1'+i))+"/24")
	}
	l := hosts[2].Listen(t, "tcp", "10.0.1.3:0")
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	for _, h := range hosts[:2] {
		c, err := h.Dial("tcp", l.Addr().String(), 5*time.Second)
		if err != nil {
			t.Fatalf("dial from %s across the bridge: %v", h.Name, err)
		}
		_ = c.Close()
	}
}

func TestRunSeesOnlyNamespaceInterfaces(t *testing.T) {
	n := New(t)
	out, err := n.Run(context.Background(), "ip", "-o", "link", "show")
	if err != nil {
		t.Fatalf("run: %v: %s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "lo:") {
		t.Fatalf("a new namespace should hold only lo, got:\n%s", out)
	}
}

func TestCleanupRemovesNamespaceAndProcesses(t *testing.T) {
	var name string
	var proc *Process
	var stray int
	t.Run("inner", func(t *testing.T) {
		n := New(t)
		name = n.Name
		proc = n.Start(t, "sleep", "300")
		if !waitFor(func() bool { pids, _ := n.PIDs(); return contains(pids, proc.PID()) }) {
			t.Fatalf("pid %d not listed in %s", proc.PID(), n.Name)
		}
		// A process started outside Start (setsid, so not in our group) must go too.
		cmd := n.Command(context.Background(), "setsid", "sleep", "300")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		stray = cmd.Process.Pid
		go func() { _ = cmd.Wait() }()
		// `ip netns exec` enters the namespace a moment after starting; only then can cleanup
		// find it there.
		if !waitFor(func() bool { pids, _ := n.PIDs(); return contains(pids, stray) }) {
			t.Fatalf("stray pid %d never appeared in %s", stray, n.Name)
		}
	})
	select {
	case <-proc.Done():
	default:
		t.Fatalf("process %d still running after cleanup", proc.PID())
	}
	if _, err := os.Stat(filepath.Join("/run/netns", name)); !os.IsNotExist(err) {
		t.Fatalf("namespace %s still exists after cleanup (stat err %v)", name, err)
	}
	if !waitFor(func() bool { return syscall.Kill(stray, 0) != nil }) {
		t.Fatalf("stray process %d survived cleanup", stray)
	}
}

func TestStopReturnsExitAndOutput(t *testing.T) {
	n := New(t)
	p := n.Start(t, "sh", "-c", "echo ready; exec sleep 300")
	if !p.WaitOutput("ready", 10*time.Second) {
		t.Fatalf("no output; got %q", p.Output())
	}
	if err := p.Stop(5 * time.Second); err == nil {
		t.Fatal("Stop of a sleeping process returned nil; want the SIGTERM exit error")
	}
	if err := p.Signal(syscall.SIGTERM); err == nil {
		t.Fatal("Signal after exit should fail")
	}
}

func waitFor(cond func() bool) bool { return testutil.Wait(10*time.Second, 200*time.Millisecond, cond) }

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
