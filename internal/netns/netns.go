//go:build linux

// Package netns is test support for running real network daemons (keepalived, the emulator, a web
// server) in isolated Linux network namespaces.
//
// Every namespace it creates is named jdha-<random>, starts with only a loopback interface, and
// gets no route out: only the links and addresses a test adds exist in it. Namespaces, and any
// process still running inside them, are removed by t.Cleanup. Processes are stopped by their PID
// (or the process group the helper created for them), never by name.
//
// All helpers need root (CAP_NET_ADMIN and CAP_SYS_ADMIN) and the iproute2 `ip` binary; call
// Available to skip a test with a clear reason otherwise.
package netns

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Prefix starts the name of every namespace this package creates, so stray ones are easy to spot.
const Prefix = "jdha-"

var (
	availableOnce sync.Once
	availableOK   bool
	availableWhy  string
)

// Available reports whether namespaces can be created here; why explains a false answer and is
// meant for t.Skip.
func Available() (ok bool, why string) {
	availableOnce.Do(func() {
		availableOK, availableWhy = probe()
	})
	return availableOK, availableWhy
}

func probe() (bool, string) {
	if runtime.GOOS != "linux" {
		return false, "network namespaces need Linux, this is " + runtime.GOOS
	}
	if os.Geteuid() != 0 {
		return false, "network namespaces need root (CAP_NET_ADMIN), running as uid " + strconv.Itoa(os.Geteuid())
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return false, "the iproute2 `ip` binary is not on PATH"
	}
	name, err := uniqueName()
	if err != nil {
		return false, "cannot make a namespace name: " + err.Error()
	}
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		return false, fmt.Sprintf("`ip netns add` failed: %v: %s", err, strings.TrimSpace(string(out)))
	}
	if out, err := exec.Command("ip", "netns", "delete", name).CombinedOutput(); err != nil {
		return false, fmt.Sprintf("`ip netns delete` failed: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return true, ""
}

// SkipIfUnavailable skips t with the reason namespaces cannot be used here.
func SkipIfUnavailable(t testing.TB) {
	t.Helper()
	if ok, why := Available(); !ok {
		t.Skip("skipping: " + why)
	}
}

func uniqueName() (string, error) {
	var b [5]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return Prefix + hex.EncodeToString(b[:]), nil
}

// NS is one network namespace created by New.
type NS struct {
	Name string
}

// New creates a namespace with a unique name, brings its loopback up and registers its removal
// (with every process left inside it) with t.Cleanup.
func New(t testing.TB) *NS {
	t.Helper()
	SkipIfUnavailable(t)
	name, err := uniqueName()
	if err != nil {
		t.Fatalf("netns: %v", err)
	}
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Fatalf("netns: ip netns add %s: %v: %s", name, err, out)
	}
	n := &NS{Name: name}
	t.Cleanup(func() {
		if err := n.destroy(); err != nil {
			t.Errorf("netns: cleanup of %s: %v", name, err)
		}
	})
	n.MustIP(t, "link", "set", "lo", "up")
	return n
}

// destroy kills what still runs inside the namespace (by PID, as listed by `ip netns pids`) and
// deletes it. The namespace is ours, so everything inside it was started by the test.
func (n *NS) destroy() error {
	var errs []error
	deadline := time.Now().Add(10 * time.Second)
	for delay := 10 * time.Millisecond; ; delay = min(2*delay, 500*time.Millisecond) {
		pids, err := n.PIDs()
		if err != nil {
			errs = append(errs, err)
			break
		}
		if len(pids) == 0 {
			break
		}
		if time.Now().After(deadline) {
			errs = append(errs, fmt.Errorf("processes %v survived SIGKILL", pids))
			break
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(delay) // polling for the kernel to reap them, with backoff
	}
	if out, err := exec.Command("ip", "netns", "delete", n.Name).CombinedOutput(); err != nil {
		errs = append(errs, fmt.Errorf("ip netns delete: %v: %s", err, bytes.TrimSpace(out)))
	}
	return errors.Join(errs...)
}

// PIDs lists the processes running inside the namespace.
func (n *NS) PIDs() ([]int, error) {
	out, err := exec.Command("ip", "netns", "pids", n.Name).Output()
	if err != nil {
		return nil, fmt.Errorf("ip netns pids %s: %w", n.Name, err)
	}
	var pids []int
	for _, f := range strings.Fields(string(out)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("ip netns pids %s: bad pid %q", n.Name, f)
		}
		if pid == os.Getpid() {
			continue // a thread of ours inside Do; never kill the test itself
		}
		pids = append(pids, pid)
	}
	return pids, nil
}

// IP runs `ip -n NAME args...` and returns its combined output.
func (n *NS) IP(args ...string) (string, error) {
	full := append([]string{"-n", n.Name}, args...)
	out, err := exec.Command("ip", full...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("ip %s: %w: %s", strings.Join(full, " "), err, bytes.TrimSpace(out))
	}
	return string(out), nil
}

// MustIP is IP that fails the test on error.
func (n *NS) MustIP(t testing.TB, args ...string) string {
	t.Helper()
	out, err := n.IP(args...)
	if err != nil {
		t.Fatalf("netns: %v", err)
	}
	return out
}

// AddAddr assigns cidr (e.g. "10.0.1.18/24") to dev inside the namespace.
func (n *NS) AddAddr(t testing.TB, dev, cidr string) {
	t.Helper()
	n.MustIP(t, "addr", "add", cidr, "dev", dev)
}

// Veth connects a and b with a veth pair, named aDev inside a and bDev inside b, both up. Deleting
// either namespace deletes the pair.
func Veth(t testing.TB, a *NS, aDev string, b *NS, bDev string) {
	t.Helper()
	for _, dev := range []string{aDev, bDev} {
		if len(dev) == 0 || len(dev) > 15 {
			t.Fatalf("netns: interface name %q must be 1-15 characters", dev)
		}
	}
	// Created directly inside the namespaces, so the host namespace never holds either end.
	out, err := exec.Command("ip", "link", "add", aDev, "netns", a.Name, "type", "veth",
		"peer", "name", bDev, "netns", b.Name).CombinedOutput()
	if err != nil {
		t.Fatalf("netns: veth %s/%s <-> %s/%s: %v: %s", a.Name, aDev, b.Name, bDev, err, out)
	}
	a.MustIP(t, "link", "set", aDev, "up")
	b.MustIP(t, "link", "set", bDev, "up")
}

// Bridge creates a bridge named dev inside the namespace, up; attach ports with Attach. A
// "switch" namespace with a bridge joins more than two hosts on one LAN.
func (n *NS) Bridge(t testing.TB, dev string) {
	t.Helper()
	n.MustIP(t, "link", "add", dev, "type", "bridge")
	n.MustIP(t, "link", "set", dev, "up")
}

// Attach makes port (an interface in this namespace) a port of bridge.
func (n *NS) Attach(t testing.TB, port, bridge string) {
	t.Helper()
	n.MustIP(t, "link", "set", port, "master", bridge)
}

// Command returns a command that runs name with args inside the namespace. `ip netns exec`
// execs the program itself, so the returned command's PID is the program's PID. The caller owns
// the process: namespace cleanup kills only what has already entered the namespace, so prefer
// Start, whose cleanup stops the process group whatever its state.
func (n *NS) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	full := append([]string{"netns", "exec", n.Name, name}, args...)
	return exec.CommandContext(ctx, "ip", full...)
}

// Run runs name with args inside the namespace and returns its combined output.
func (n *NS) Run(ctx context.Context, name string, args ...string) (string, error) {
	out, err := n.Command(ctx, name, args...).CombinedOutput()
	return string(out), err
}

// Process is a program started inside a namespace by Start.
type Process struct {
	Cmd  *exec.Cmd
	Name string

	out     *syncBuffer
	done    chan struct{}
	waitErr error
}

// Start starts name with args inside the namespace, in its own process group, with stdout and
// stderr collected (see Output). t.Cleanup stops the group (SIGTERM, then SIGKILL) by its PID.
func (n *NS) Start(t testing.TB, name string, args ...string) *Process {
	t.Helper()
	cmd := n.Command(context.Background(), name, args...)
	buf := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = buf, buf
	// No Pdeathsig: it fires when the starting OS thread exits, which Go may do at any time.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("netns: start %s in %s: %v", name, n.Name, err)
	}
	p := &Process{Cmd: cmd, Name: filepath.Base(name), out: buf, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() { p.Stop(5 * time.Second) })
	return p
}

// PID is the process's PID.
func (p *Process) PID() int { return p.Cmd.Process.Pid }

// Output is everything the process wrote to stdout and stderr so far.
func (p *Process) Output() string { return p.out.String() }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Signal sends sig to the process (not its group).
func (p *Process) Signal(sig syscall.Signal) error {
	select {
	case <-p.done:
		return errors.New("process already exited")
	default:
	}
	return syscall.Kill(p.PID(), sig)
}

// Stop sends SIGTERM to the process group and, if it has not exited within grace, SIGKILL. It
// returns the process's exit error (nil for exit 0); calling it again is harmless.
func (p *Process) Stop(grace time.Duration) error {
	pgid := p.PID() // Setpgid made the process the leader of a group with its own PID
	select {
	case <-p.done:
	default:
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(grace):
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-p.done
		}
	}
	// Children that outlived the leader still carry its group id.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	return p.waitErr
}

// WaitOutput polls the process's output until it contains substr, the process exits or timeout
// passes; it reports whether substr appeared.
func (p *Process) WaitOutput(substr string, timeout time.Duration) bool {
	deadline := time.After(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if strings.Contains(p.Output(), substr) {
			return true
		}
		select {
		case <-p.done:
			return strings.Contains(p.Output(), substr)
		case <-deadline:
			return false
		case <-tick.C:
		}
	}
}

// Do runs fn on an OS thread switched into the namespace. Sockets created by fn belong to the
// namespace for their whole life, so a listener opened here can be served from any goroutine.
// Goroutines started by fn do NOT run in the namespace.
func (n *NS) Do(fn func() error) error {
	target, err := unix.Open(filepath.Join("/run/netns", n.Name), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open namespace %s: %w", n.Name, err)
	}
	defer unix.Close(target)

	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("open current namespace: %w", err)
			return
		}
		defer unix.Close(orig)
		if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("setns %s: %w", n.Name, err)
			return
		}
		fnErr := fn()
		if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
			// Leave the thread locked: the runtime then discards it instead of reusing a thread
			// that sits in the wrong namespace.
			errc <- errors.Join(fnErr, fmt.Errorf("restore namespace: %w", err))
			return
		}
		runtime.UnlockOSThread()
		errc <- fnErr
	}()
	return <-errc
}

// Listen opens a listener inside the namespace (e.g. "tcp", "10.0.1.10:8000"); t.Cleanup closes it.
func (n *NS) Listen(t testing.TB, network, addr string) net.Listener {
	t.Helper()
	var l net.Listener
	err := n.Do(func() error {
		var err error
		l, err = net.Listen(network, addr)
		return err
	})
	if err != nil {
		t.Fatalf("netns: listen %s %s in %s: %v", network, addr, n.Name, err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// Dial connects from inside the namespace.
func (n *NS) Dial(network, addr string, timeout time.Duration) (net.Conn, error) {
	var c net.Conn
	err := n.Do(func() error {
		var err error
		c, err = net.DialTimeout(network, addr, timeout)
		return err
	})
	return c, err
}

// syncBuffer is a bytes.Buffer safe for a process writing while a test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
