//go:build linux

package e2e

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/keepalived"
)

// demoLine is what make demo shows of this test's output (it runs the test
// with JDHA_DEMO=1 and keeps only lines with this prefix). Otherwise the
// lines go to the test log.
const demoLine = "demo| "

func demoPrinter(t *testing.T) func(format string, args ...any) {
	if os.Getenv("JDHA_DEMO") != "" {
		return func(format string, args ...any) { fmt.Printf(demoLine+format+"\n", args...) }
	}
	return t.Logf
}

// TestArticleExperimentDemo is the keepalived article's experiment as its reader
// saw it, and the last part of make demo where the machine allows it (root,
// keepalived, network namespaces). A client runs
// `while true; do curl http://EIP; sleep 2; done` while the master node
// goes down and comes back, with Debian's keepalived (VRRPv2, advert 1 s,
// preempt, as in the article) and the agent daemon on both nodes, and the
// emulator's EIP routed to whichever instance holds it.
func TestArticleExperimentDemo(t *testing.T) {
	t.Parallel() // its own namespaces, emulator and run directories
	demof := demoPrinter(t)
	l := newDaemonLabWith(t, 2, time.Second, func(s *keepalived.Spec) { s.Preempt = true })
	l.start()
	dp := l.startDataPlane()
	l.poll("http://EIP/ answers", 10*time.Second, func() bool { return dp.get(time.Second) == roles[0] })

	page := map[string]string{roles[0]: "<h1>Master Server</h1>", roles[1]: "<h1>Slave Server</h1>"}
	var seen []string // the node of each answer, "" for a failure
	curl := func() {
		node, err := dp.request(time.Second)
		at := time.Now().Format("15:04:05.0")
		if err != nil {
			demof("%s  %s", at, curlError(dp.addr, err))
		} else {
			demof("%s  %s", at, page[node])
		}
		seen = append(seen, node)
	}
	loop := func(n int, until func() bool) {
		for i := 0; i < n || (until != nil && !until()); i++ {
			if i > 30 {
				t.Fatalf("the client loop did not see the expected answer in 60 s; %s", l.describe())
			}
			curl()
			time.Sleep(2 * time.Second)
		}
	}
	last := func(node string) func() bool {
		return func() bool { return len(seen) > 0 && seen[len(seen)-1] == node }
	}

	demof("client$ while true; do curl http://%s; sleep 2; done", dp.addr)
	loop(4, nil)
	demof("--- the master goes down: its keepalived is killed (-9) and its web server stops ---")
	stopped := time.Now()
	_ = dp.web[0].Stop(time.Second)
	l.killKeepalived(0)
	loop(3, last(roles[1]))
	demof("--- the master comes back: web server and keepalived start; with preempt it is MASTER again ---")
	dp.restartWeb(0)
	back := time.Now()
	l.startKeepalived(0)
	loop(3, last(roles[0]))
	loop(2, nil)
	away, home := l.arrivedAt(stopped, 1), l.arrivedAt(back, 0)
	if away.IsZero() || home.IsZero() {
		t.Fatalf("no EIP move recorded (to the slave: %v, back: %v); %s", away, home, l.describe())
	}

	failed := 0
	for _, n := range seen {
		if n == "" {
			failed++
		}
	}
	// What the article's reader saw: master, then slave, then master again,
	// with one or two failed requests while the EIP moved.
	order := []string{}
	for _, n := range seen {
		if n != "" && (len(order) == 0 || order[len(order)-1] != n) {
			order = append(order, n)
		}
	}
	if strings.Join(order, ",") != strings.Join([]string{roles[0], roles[1], roles[0]}, ",") {
		t.Fatalf("answers went %v, want master, backup, master; %s", order, l.describe())
	}
	demof("%d requests, %d failed (the article saw one or two). The EIP was on the slave %s after the master went down (keepalived's 3 missed adverts and skew, then the move), and back on the master %s after its keepalived started.",
		len(seen), failed, away.Sub(stopped).Round(10*time.Millisecond), home.Sub(back).Round(10*time.Millisecond))
}

// curlError words a failed request as curl does in the article.
func curlError(addr string, err error) string {
	var op *net.OpError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("curl: (7) Failed to connect to %s port 80: Connection refused", addr)
	case errors.Is(err, syscall.ECONNRESET):
		return "curl: (56) Recv failure: Connection reset by peer"
	case errors.As(err, &op) && op.Timeout(), os.IsTimeout(err):
		return fmt.Sprintf("curl: (28) Failed to connect to %s port 80: Connection timed out", addr)
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return fmt.Sprintf("curl: (7) Failed to connect to %s port 80: No route to host", addr)
	}
	return "curl: " + err.Error()
}
