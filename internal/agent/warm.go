package agent

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// DefaultWarmMaxAge is how long a spare connection waits for a request
// before it is replaced: below the usual server and NAT idle limits
// (nginx waits 60 s for a request's header), and cheap (two handshakes a
// minute per node, no API call). A server that closes spares sooner is
// noticed (Keep peeks every second) and the age shrinks to fit it.
const DefaultWarmMaxAge = 30 * time.Second

// minWarmAge bounds how far the learned age shrinks.
const minWarmAge = time.Second

// WarmDialer keeps one spare connection to the API endpoint dialed ahead
// (TCP, plus the TLS handshake with scheme https), so the first call of a
// takeover, on a BACKUP that made no call for hours, does not pay the
// handshakes first. A spare older than MaxAge, or one the server has closed
// meanwhile, is never handed out; after each hand-out a new spare is dialed
// in the background.
type WarmDialer struct {
	Addr   string      // the endpoint, host:port; other addresses are dialed directly
	TLS    *tls.Config // nil for plain http
	MaxAge time.Duration
	// Dial makes the TCP connection (default a net.Dialer with a 5 s timeout).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)

	mu      sync.Mutex
	spare   net.Conn
	at      time.Time
	learned time.Duration // the server closed a spare this old: stay below
	stats   WarmStats
	refill  chan struct{}
}

// WarmStats counts what the dialer did.
type WarmStats struct {
	Handed  int // connections served from the spare
	Direct  int // connections dialed on demand (no fresh spare)
	Dropped int // spares discarded: too old, or closed by the server
}

// Stats returns the counts so far.
func (w *WarmDialer) Stats() WarmStats {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stats
}

// maxAge is MaxAge (default DefaultWarmMaxAge), or less once the server
// was seen closing spares sooner. Callers hold w.mu.
func (w *WarmDialer) maxAge() time.Duration {
	age := w.MaxAge
	if age <= 0 {
		age = DefaultWarmMaxAge
	}
	if w.learned > 0 {
		age = min(age, w.learned)
	}
	return age
}

// connect dials addr and, with TLS, completes the handshake.
func (w *WarmDialer) connect(ctx context.Context, network, addr string) (net.Conn, error) {
	dial := w.Dial
	if dial == nil {
		dial = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 15 * time.Second}).DialContext
	}
	c, err := dial(ctx, network, addr)
	if err != nil || w.TLS == nil {
		return c, err
	}
	tc := tls.Client(c, w.TLS)
	if err := tc.HandshakeContext(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return tc, nil
}

// DialContext serves the transport: the spare when it is fresh and open,
// else a new connection.
func (w *WarmDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if addr == w.Addr {
		w.mu.Lock()
		c, at, age := w.spare, w.at, w.maxAge()
		w.spare = nil
		w.mu.Unlock()
		if c != nil {
			if time.Since(at) < age && !peerClosed(c) {
				w.count(func(s *WarmStats) { s.Handed++ })
				w.wake()
				return c, nil
			}
			c.Close()
			w.count(func(s *WarmStats) { s.Dropped++ })
		}
		w.wake()
	}
	w.count(func(s *WarmStats) { s.Direct++ })
	return w.connect(ctx, network, addr)
}

func (w *WarmDialer) count(f func(*WarmStats)) {
	w.mu.Lock()
	f(&w.stats)
	w.mu.Unlock()
}

func (w *WarmDialer) wake() {
	w.mu.Lock()
	ch := w.refill
	w.mu.Unlock()
	if ch != nil {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// Keep holds a fresh spare until ctx ends: it dials one at once, after every
// hand-out, when the spare reaches its age limit, and when the server closed
// it (a peek every second). A failed dial is retried after 5 s (the API may
// be down; a takeover then dials on its own).
func (w *WarmDialer) Keep(ctx context.Context) {
	w.mu.Lock()
	w.refill = make(chan struct{}, 1)
	ch := w.refill
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		if w.spare != nil {
			w.spare.Close()
			w.spare = nil
		}
		w.refill = nil
		w.mu.Unlock()
	}()
	for {
		w.mu.Lock()
		stale := w.spare == nil || time.Since(w.at) >= w.maxAge()
		if !stale && peerClosed(w.spare) {
			// The server closes idle connections sooner than maxAge:
			// replace spares before that from now on.
			w.learned = max(minWarmAge, time.Since(w.at)*8/10)
			w.stats.Dropped++
			stale = true
		}
		next := min(w.maxAge(), time.Second)
		w.mu.Unlock()
		if stale {
			c, err := w.connect(ctx, "tcp", w.Addr)
			w.mu.Lock()
			if w.spare != nil {
				w.spare.Close()
			}
			w.spare, w.at = c, time.Now()
			w.mu.Unlock()
			if err != nil {
				next = 5 * time.Second
			}
		}
		timer := time.NewTimer(next)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-ch:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// WarmTransport returns the daemon's HTTP transport: base with a WarmDialer
// for the endpoint (run its Keep to hold the spare). The SDK's clients send
// through http.DefaultTransport, so the agent's run command installs it
// there. With a proxy configured for the endpoint it returns base and no
// dialer (a connection dialed ahead would bypass the proxy).
func WarmTransport(cfg Config, base *http.Transport) (http.RoundTripper, *WarmDialer) {
	scheme := cfg.Scheme
	if scheme == "" {
		scheme = DefaultScheme
	}
	u := &url.URL{Scheme: scheme, Host: cfg.Endpoint}
	if base.Proxy != nil {
		if p, err := base.Proxy(&http.Request{URL: u}); err != nil || p != nil {
			return base, nil
		}
	}
	addr := cfg.Endpoint
	if u.Port() == "" {
		port := "80"
		if scheme == "https" {
			port = "443"
		}
		addr = net.JoinHostPort(u.Hostname(), port)
	}
	w := &WarmDialer{Addr: addr}
	t := base.Clone()
	if scheme == "https" {
		w.TLS = &tls.Config{ServerName: u.Hostname(), NextProtos: []string{"http/1.1"}, MinVersion: tls.VersionTLS12}
		t.DialTLSContext = w.DialContext
		t.ForceAttemptHTTP2 = false
	} else {
		t.DialContext = w.DialContext
	}
	return t, w
}
