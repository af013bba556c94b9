package agent

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil"
)

// waitSpare waits until the dialer holds a spare (Keep dials it at once).
func waitSpare(t *testing.T, w *WarmDialer) {
	t.Helper()
	testutil.Eventually(t, 5*time.Second, 2*time.Millisecond, func() (bool, string) {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.spare != nil, "no spare connection"
	})
}

func get(t *testing.T, rt http.RoundTripper, url string) string {
	t.Helper()
	resp, err := (&http.Client{Transport: rt, Timeout: 5 * time.Second}).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func newWarmServer(t *testing.T, tlsOn bool, headerTimeout time.Duration) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var accepted atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	srv.Config.ReadHeaderTimeout = headerTimeout
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			accepted.Add(1)
		}
	}
	if tlsOn {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv, &accepted
}

// The first request after a long silence goes out on the connection dialed
// ahead, and a new spare is ready for the next one.
func TestWarmDialerServesTheSpare(t *testing.T) {
	for _, tlsOn := range []bool{false, true} {
		srv, accepted := newWarmServer(t, tlsOn, 0)
		addr := srv.Listener.Addr().String()
		w := &WarmDialer{Addr: addr}
		base := http.DefaultTransport.(*http.Transport).Clone()
		base.DisableKeepAlives = true // every request needs a connection
		if tlsOn {
			pool := x509.NewCertPool()
			pool.AddCert(srv.Certificate())
			w.TLS = &tls.Config{RootCAs: pool, ServerName: "example.com"}
			base.DialTLSContext = w.DialContext
		} else {
			base.DialContext = w.DialContext
		}
		ctx, cancel := context.WithCancel(context.Background())
		go w.Keep(ctx)
		waitSpare(t, w)
		for i := 0; i < 3; i++ {
			if body := get(t, base, srv.URL); body != "ok" {
				t.Fatalf("tls %v: body %q", tlsOn, body)
			}
			waitSpare(t, w)
		}
		if s := w.Stats(); s.Handed != 3 || s.Direct != 0 {
			t.Fatalf("tls %v: stats %+v, want 3 requests on spares, none dialed on demand", tlsOn, s)
		}
		if n := accepted.Load(); n != 4 {
			t.Fatalf("tls %v: server accepted %d connections, want 4 (3 used, 1 spare)", tlsOn, n)
		}
		cancel()
	}
}

// A spare the server closed meanwhile (here: its header timeout) or one
// older than MaxAge is never used: the request still succeeds first time.
func TestWarmDialerDropsStaleSpares(t *testing.T) {
	srv, _ := newWarmServer(t, false, 50*time.Millisecond)
	addr := srv.Listener.Addr().String()
	w := &WarmDialer{Addr: addr}
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.DialContext = w.DialContext
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go w.Keep(ctx)
	waitSpare(t, w)
	time.Sleep(300 * time.Millisecond) // past the server's header timeout: it closed the spare
	if body := get(t, base, srv.URL); body != "ok" {
		t.Fatalf("body %q", body)
	}
	if s := w.Stats(); s.Dropped < 1 || s.Handed != 0 || s.Direct != 1 {
		t.Fatalf("stats %+v, want the closed spare dropped and the request dialed", s)
	}
	// Keep notices the server closing spares (it peeks every second) and
	// from then on replaces them sooner than the default age.
	testutil.Eventually(t, 5*time.Second, 50*time.Millisecond, func() (bool, string) {
		w.mu.Lock()
		defer w.mu.Unlock()
		age := w.maxAge()
		return age == minWarmAge, fmt.Sprintf("spare age still %s after the server closed spares at 50ms", age)
	})

	// Too old, though still open.
	old := &WarmDialer{Addr: addr, MaxAge: time.Nanosecond}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	old.spare, old.at = c, time.Now().Add(-time.Second)
	conn, err := old.DialContext(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if s := old.Stats(); s.Dropped != 1 || s.Direct != 1 || conn == c {
		t.Fatalf("stats %+v: an over-age spare was handed out", s)
	}
}

// Behind a proxy the transport is left alone: a connection dialed ahead to
// the endpoint would bypass the proxy.
func TestWarmTransportKeepsAProxy(t *testing.T) {
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.Proxy = func(*http.Request) (*url.URL, error) { return url.Parse("http://proxy.example:3128") }
	// Keep is not run: nothing is dialed.
	if rt, w := WarmTransport(Config{Endpoint: "openapi.internal.cn-east-2.jdcloud-api.com"}, base); rt != base || w != nil {
		t.Fatal("a proxied endpoint got a warm dialer")
	}
	base.Proxy = nil
	rt, w := WarmTransport(Config{Endpoint: "vpc.jdcloud-api.com", Scheme: "https"}, base)
	if w == nil || w.Addr != "vpc.jdcloud-api.com:443" || w.TLS == nil || w.TLS.ServerName != "vpc.jdcloud-api.com" || rt.(*http.Transport).DialTLSContext == nil {
		t.Fatalf("https endpoint: %+v", w)
	}
	if _, w := WarmTransport(Config{Endpoint: "127.0.0.1:8000"}, base); w == nil || w.Addr != "127.0.0.1:8000" || w.TLS != nil || !strings.Contains(w.Addr, ":8000") {
		t.Fatalf("http endpoint with port: %+v", w)
	}
}
