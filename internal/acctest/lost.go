package acctest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
)

// StartEmulatorWith is StartEmulator with an HTTP middleware around the
// emulator, e.g. (*LostAnswers).Wrap.
func StartEmulatorWith(t testing.TB, wrap func(http.Handler) http.Handler, opts ...func(*emulator.Options)) *emulator.Server {
	t.Helper()
	o := emulator.Options{Latency: "instant"}
	for _, f := range opts {
		f(&o)
	}
	e, err := emulator.New(o)
	if err != nil {
		t.Fatalf("starting the emulator: %v", err)
	}
	srv, err := emulator.Serve("127.0.0.1:0", e, wrap)
	if err != nil {
		t.Fatalf("starting the emulator: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("closing the emulator: %v", err)
		}
	})
	return srv
}

// LostAnswers makes the emulator act on a request but lose its answer: the
// client gets 503 UNAVAILABLE although the object was made. This is the case
// a create's clientToken exists for, and the one faults injected before the
// emulator acts cannot produce. Every odd-numbered matching request (the
// 1st, 3rd, …) loses its answer, so a client that retries gets through;
// with Times set, only the first Times matching requests do.
type LostAnswers struct {
	Method     string         // e.g. "POST"
	PathSuffix string         // e.g. "/instances" (vm.CreateInstances)
	Path       *regexp.Regexp // instead of PathSuffix, e.g. `/instances/[^/:]+$`
	Times      int

	mu           sync.Mutex
	seen, lost   int
	lostRequests []string
}

// Wrap is the middleware for StartEmulatorWith.
func (l *LostAnswers) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !l.matches(r) {
			next.ServeHTTP(w, r)
			return
		}
		l.mu.Lock()
		l.seen++
		lose := l.seen%2 == 1
		if l.Times > 0 {
			lose = l.seen <= l.Times
		}
		l.mu.Unlock()
		if !lose {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		l.mu.Lock()
		l.lost++
		l.lostRequests = append(l.lostRequests, fmt.Sprintf("%d %s", rec.Code, strings.TrimSpace(rec.Body.String())))
		l.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = fmt.Fprintf(w, `{"requestId":"lost-answer-%d","error":{"code":503,"status":"UNAVAILABLE","message":"answer lost in transit (test)"}}`, l.lost)
	})
}

func (l *LostAnswers) matches(r *http.Request) bool {
	if r.Method != l.Method {
		return false
	}
	if l.Path != nil {
		return l.Path.MatchString(r.URL.Path)
	}
	return strings.HasSuffix(r.URL.Path, l.PathSuffix)
}

// Lost returns how many answers were withheld, and what they said.
func (l *LostAnswers) Lost() (int, []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lost, append([]string(nil), l.lostRequests...)
}

// OutageAfter takes the API down for Duration once the first request
// matching Method and Path has been carried out, and loses that request's
// answer too: an outage that strikes right after a create took effect.
// During the outage every API request's connection is closed unanswered.
type OutageAfter struct {
	Method   string
	Path     *regexp.Regexp
	Duration time.Duration

	mu      sync.Mutex
	until   time.Time
	struck  bool
	refused int
}

// Wrap is the middleware for StartEmulatorWith.
func (o *OutageAfter) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/__emulator/") {
			next.ServeHTTP(w, r)
			return
		}
		o.mu.Lock()
		down := time.Now().Before(o.until)
		strike := !o.struck && r.Method == o.Method && o.Path.MatchString(r.URL.Path)
		if down {
			o.refused++
		}
		o.mu.Unlock()
		if strike {
			next.ServeHTTP(httptest.NewRecorder(), r)
			o.mu.Lock()
			o.struck, o.until = true, time.Now().Add(o.Duration)
			o.mu.Unlock()
		} else if !down {
			next.ServeHTTP(w, r)
			return
		}
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	})
}

// Refused returns how many requests met the outage, and whether it struck.
func (o *OutageAfter) Refused() (int, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.refused, o.struck
}
