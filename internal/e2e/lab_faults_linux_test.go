//go:build linux

package e2e

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/netns"
)

// killKeepalived injects a keepalived failure on node i. SIGKILL goes to the
// whole process group (the parent and its VRRP child: a crash or a hung
// host, no goodbye advert); SIGTERM goes to the parent, which shuts down
// cleanly and sends a priority-0 advert.
func (l *lab) killKeepalived(i int, sig syscall.Signal) {
	l.t.Helper()
	p := l.ka[i]
	var err error
	if sig == syscall.SIGKILL {
		err = syscall.Kill(-p.PID(), sig)
	} else {
		err = p.Signal(sig)
	}
	if err != nil {
		l.t.Fatalf("signal %v to the %s's keepalived: %v", sig, roles[i], err)
	}
	select {
	case <-p.Done():
	case <-time.After(15 * time.Second):
		l.t.Fatalf("the %s's keepalived did not exit after %v:\n%s", roles[i], sig, p.Output())
	}
}

// killWeb kills node i's web server with SIGKILL and waits for it to be gone.
func (l *lab) killWeb(i int) { killWebServer(l.t, l.web[i], i) }

// killWebServer kills node i's web server with SIGKILL and waits for it to be gone.
func killWebServer(t *testing.T, p *netns.Process, i int) {
	t.Helper()
	if err := p.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("killing the %s's web server: %v", roles[i], err)
	}
	<-p.Done()
}

// partition drops VRRP (IP protocol 112) between the hosts at the switch: a
// u32 filter redirects it from both bridge ports to a link that is down.
// Both ports share one filter block, so the partition starts and heals in
// both directions at once. (This kernel has no tc gact "drop" action and no
// nft or iptables binary is installed; cls_u32 and act_mirred are built in.)
func (l *lab) partition() {
	l.t.Helper()
	if _, err := l.cloud.IP("link", "show", "vrrp-sink"); err != nil {
		l.cloud.MustIP(l.t, "link", "add", "name", "vrrp-sink", "type", "veth", "peer", "name", "vrrp-sink-p")
		for _, role := range roles {
			l.tc("qdisc", "add", "dev", "ve-"+role, "ingress_block", "112", "clsact")
		}
	}
	l.tc("filter", "add", "block", "112", "protocol", "ip", "pref", "10", "u32",
		"match", "ip", "protocol", "112", "0xff", "action", "mirred", "egress", "redirect", "dev", "vrrp-sink")
}

func (l *lab) heal() {
	l.t.Helper()
	l.tc("filter", "del", "block", "112", "pref", "10")
}

func (l *lab) tc(args ...string) {
	l.t.Helper()
	if out, err := l.cloud.Run(context.Background(), "tc", args...); err != nil {
		l.t.Fatalf("tc %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}
