//go:build unix

package emulator

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The topology page in a real browser: Debian's headless Chromium (package
// chromium; chromium-driver is not needed by this test). One browser process
// is driven over the DevTools protocol on a pipe (--remote-debugging-pipe:
// commands on fd 3, answers on fd 4, NUL-separated JSON), so no WebSocket
// library and no extra Go module are needed, and the same open page is
// watched while the EIP moves.

const chromiumPath = "/usr/bin/chromium"

// browser is one headless Chromium and a DevTools session on its page.
type browser struct {
	t        *testing.T
	cmd      *exec.Cmd
	pgid     int
	toChrome io.WriteCloser
	stderr   *bytes.Buffer

	mu      sync.Mutex
	nextID  int
	waiting map[int]chan cdpReply
	readErr error
	closed  chan struct{} // closed when the reader stops (browser gone)

	session string
}

type cdpReply struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// startBrowser starts Chromium with the flags this machine needs. Chromium
// and every helper it forks get a process group of their own, killed by its
// id when the test ends, so nothing outlives the test.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	respR, respW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--no-proxy-server", "--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=1280,900",
		"--user-data-dir=" + t.TempDir(), "--remote-debugging-pipe", "about:blank",
	}
	b := &browser{t: t, stderr: &bytes.Buffer{}, waiting: map[int]chan cdpReply{}, closed: make(chan struct{})}
	b.cmd = exec.Command(chromiumPath, args...)
	b.cmd.ExtraFiles = []*os.File{cmdR, respW} // fd 3: commands in, fd 4: answers out
	b.cmd.Stderr = b.stderr
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := b.cmd.Start(); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	b.pgid = b.cmd.Process.Pid
	cmdR.Close()
	respW.Close()
	b.toChrome = cmdW
	exited := make(chan struct{})
	go func() { _ = b.cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_, _ = b.call("", "Browser.close", nil, 10*time.Second)
		cmdW.Close()
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			t.Logf("chromium did not exit after Browser.close; killing its process group %d", b.pgid)
		}
		// Helpers (zygote, renderer) may still be exiting: stop the group we made.
		if err := syscall.Kill(-b.pgid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			t.Logf("stopping chromium's process group %d: %v", b.pgid, err)
		}
		<-exited
		respR.Close()
	})
	go b.read(respR)

	// Attach to the page target Chromium opened for about:blank.
	var targets struct {
		TargetInfos []struct {
			TargetID string `json:"targetId"`
			Type     string `json:"type"`
		} `json:"targetInfos"`
	}
	b.must("", "Target.getTargets", nil, &targets)
	pageID := ""
	for _, ti := range targets.TargetInfos {
		if ti.Type == "page" {
			pageID = ti.TargetID
		}
	}
	if pageID == "" {
		var created struct {
			TargetID string `json:"targetId"`
		}
		b.must("", "Target.createTarget", map[string]any{"url": "about:blank"}, &created)
		pageID = created.TargetID
	}
	var att struct {
		SessionID string `json:"sessionId"`
	}
	b.must("", "Target.attachToTarget", map[string]any{"targetId": pageID, "flatten": true}, &att)
	b.session = att.SessionID
	b.must(b.session, "Page.enable", nil, nil)
	b.must(b.session, "Emulation.setDeviceMetricsOverride",
		map[string]any{"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false}, nil)
	return b
}

// read dispatches answers by id; events are not needed and dropped.
func (b *browser) read(r io.Reader) {
	br := bufio.NewReaderSize(r, 1<<20)
	var err error
	for {
		var msg []byte
		msg, err = br.ReadBytes(0)
		if err != nil {
			break
		}
		var m struct {
			ID *int `json:"id"`
			cdpReply
		}
		if json.Unmarshal(msg[:len(msg)-1], &m) != nil || m.ID == nil {
			continue
		}
		b.mu.Lock()
		ch := b.waiting[*m.ID]
		delete(b.waiting, *m.ID)
		b.mu.Unlock()
		if ch != nil {
			ch <- m.cdpReply
		}
	}
	b.mu.Lock()
	b.readErr = err
	b.mu.Unlock()
	close(b.closed)
}

func (b *browser) call(session, method string, params any, timeout time.Duration) (json.RawMessage, error) {
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	ch := make(chan cdpReply, 1)
	b.waiting[id] = ch
	b.mu.Unlock()
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	raw, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	if _, err := b.toChrome.Write(append(raw, 0)); err != nil {
		return nil, fmt.Errorf("%s: write to chromium: %w", method, err)
	}
	select {
	case r := <-ch:
		if r.Error != nil {
			return nil, fmt.Errorf("%s: %d %s", method, r.Error.Code, r.Error.Message)
		}
		return r.Result, nil
	case <-b.closed:
		return nil, fmt.Errorf("%s: chromium went away (%v)", method, b.readErr)
	case <-time.After(timeout):
		return nil, fmt.Errorf("%s: no answer within %s", method, timeout)
	}
}

func (b *browser) must(session, method string, params, out any) {
	b.t.Helper()
	res, err := b.call(session, method, params, 60*time.Second)
	if err != nil {
		b.t.Fatalf("devtools %v; chromium stderr:\n%s", err, b.stderr.String())
	}
	if out != nil {
		if err := json.Unmarshal(res, out); err != nil {
			b.t.Fatalf("devtools %s answer: %v", method, err)
		}
	}
}

// eval runs a JavaScript expression in the page and returns its string value.
func (b *browser) eval(expr string) string {
	b.t.Helper()
	var r struct {
		Result struct {
			Type  string `json:"type"`
			Value any    `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	b.must(b.session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &r)
	if r.ExceptionDetails != nil {
		b.t.Fatalf("page script %q threw: %s", expr, r.ExceptionDetails.Text)
	}
	s, _ := r.Result.Value.(string)
	return s
}

// waitFor polls expr (with backoff) until it returns want.
func (b *browser) waitFor(what, expr, want string) {
	b.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	delay := 20 * time.Millisecond
	for {
		got := b.eval(expr)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: page still shows %q, want %q; DOM:\n%s", what, got, want, b.dom())
		}
		time.Sleep(delay)
		if delay < 250*time.Millisecond {
			delay *= 2
		}
	}
}

func (b *browser) dom() string { return b.eval("document.documentElement.outerHTML") }

// screenshot saves a 1280x900 PNG of the page under dir (and in
// $JDHA_SCREENSHOT_DIR when set) and checks it decodes.
func (b *browser) screenshot(dir, name string) []byte {
	b.t.Helper()
	var r struct {
		Data string `json:"data"`
	}
	b.must(b.session, "Page.captureScreenshot", map[string]any{"format": "png"}, &r)
	png1, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(png1))
	if err != nil {
		b.t.Fatalf("screenshot %s is not a PNG: %v", name, err)
	}
	if sz := img.Bounds().Size(); sz.X != 1280 || sz.Y != 900 {
		b.t.Fatalf("screenshot %s is %v, want 1280x900", name, sz)
	}
	dirs := []string{dir}
	if out := os.Getenv("JDHA_SCREENSHOT_DIR"); out != "" {
		if err := os.MkdirAll(out, 0o755); err != nil {
			b.t.Fatal(err)
		}
		dirs = append(dirs, out)
	}
	for _, d := range dirs {
		if err := os.WriteFile(filepath.Join(d, name), png1, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
	return png1
}

// attrOf returns attribute attr of every element whose key attribute is value.
func attrOf(t *testing.T, dom, key, value, attr string) []string {
	t.Helper()
	tag := regexp.MustCompile(`<[a-z]+\b[^>]*\b` + regexp.QuoteMeta(key) + `="` + regexp.QuoteMeta(value) + `"[^>]*>`)
	want := regexp.MustCompile(`\b` + regexp.QuoteMeta(attr) + `="([^"]*)"`)
	var out []string
	for _, el := range tag.FindAllString(dom, -1) {
		m := want.FindStringSubmatch(el)
		if m == nil {
			t.Fatalf("element %s has no %s", el, attr)
		}
		out = append(out, m[1])
	}
	return out
}

// checkHolder asserts, from the DOM, that holder (and only holder) is drawn
// holding the EIP: the EIP row names it, the holder's card carries the EIP
// badge, and the other instance's card carries none.
func checkHolder(t *testing.T, b *browser, dom string, h haTopology, holder, other string) {
	t.Helper()
	// Every element tagged with the EIP (its row, the badge in the holder's card) names the holder.
	holders := attrOf(t, dom, "data-eip-id", h.eipID, "data-eip-holder")
	if len(holders) != 2 {
		t.Fatalf("want the EIP drawn twice (row and badge), got holders %v", holders)
	}
	for _, got := range holders {
		if got != holder {
			t.Fatalf("EIP %s drawn with holder %q, want %q", h.eipID, got, holder)
		}
	}
	if got := attrOf(t, dom, "data-instance-id", holder, "data-holds-eip"); len(got) != 1 || got[0] != h.eipID {
		t.Fatalf("holder %s card: data-holds-eip %v", holder, got)
	}
	if got := attrOf(t, dom, "data-instance-id", other, "data-holds-eip"); len(got) != 1 || got[0] != "" {
		t.Fatalf("non-holder %s card: data-holds-eip %v", other, got)
	}
	// The badge is drawn inside the holder's card.
	inCard := fmt.Sprintf(`(() => { const el = document.querySelector('[data-eip-id=%q]:not(.eip-row)'); const card = el && el.closest('[data-instance-id]'); return card ? card.dataset.instanceId : ""; })()`, h.eipID)
	if got := b.eval(inCard); got != holder {
		t.Fatalf("the EIP badge is inside the card of %q, want %q", got, holder)
	}
	if !strings.Contains(dom, h.eipAddr) {
		t.Fatalf("EIP address %s not shown", h.eipAddr)
	}
}

func TestTopologyPageInChromium(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("needs Debian's headless Chromium at %s (apt-get install chromium): %v", chromiumPath, err)
	}
	c := startEmu(t, Options{})
	h := c.buildHATopology(t)
	url := c.srv.URL() + "/"
	shots := t.TempDir()

	b := startBrowser(t)
	b.must(b.session, "Page.navigate", map[string]any{"url": url}, nil)
	holderJS := fmt.Sprintf(`(() => { const el = document.querySelector('.eip-row[data-eip-id=%q]'); return el ? el.dataset.eipHolder : "(no EIP row yet)"; })()`, h.eipID)
	b.waitFor("page loads the topology", holderJS, h.master)
	if got := b.eval("document.body.dataset.feed"); got != "ok" {
		t.Fatalf("body data-feed %q, want ok", got)
	}

	dom := b.dom()
	checkHolder(t, b, dom, h, h.master, h.backup)
	for _, want := range []string{h.vpcID, h.subnetID, h.subnetCIDR, h.agID, h.masterName, h.backupName, h.masterIP, h.backupIP,
		`data-request-id="` + h.associateRequestID + `"`} {
		if !strings.Contains(dom, want) {
			t.Fatalf("page before the move lacks %q", want)
		}
	}
	// Each instance is drawn inside the fault domain DescribeInstance reports.
	for _, in := range []struct{ id, fd string }{{h.master, h.masterFD}, {h.backup, h.backupFD}} {
		fdOf := fmt.Sprintf(`(() => { const el = document.querySelector('[data-instance-id=%q]'); const fd = el && el.closest('[data-fault-domain]'); return fd ? fd.dataset.faultDomain : ""; })()`, in.id)
		if got := b.eval(fdOf); got != in.fd {
			t.Fatalf("instance %s drawn in fault domain %q, want %q", in.id, got, in.fd)
		}
	}
	before := b.screenshot(shots, "topology-before.png")

	// The takeover, through the SDK, while the page stays open: it must follow by itself.
	moveID := c.moveEIP(t, h.eipID, h.master, h.backup)
	b.waitFor("page follows the EIP to the backup", holderJS, h.backup)
	b.waitFor("page lists the associate call", fmt.Sprintf(`document.querySelector('[data-request-id=%q]') ? "listed" : ""`, moveID), "listed")

	dom = b.dom()
	checkHolder(t, b, dom, h, h.backup, h.master)
	after := b.screenshot(shots, "topology-after.png")
	if bytes.Equal(before, after) {
		t.Fatal("the screenshots before and after the move are identical")
	}
	t.Logf("screenshots: %s", strings.Join([]string{filepath.Join(shots, "topology-before.png"), filepath.Join(shots, "topology-after.png")}, ", "))
}
