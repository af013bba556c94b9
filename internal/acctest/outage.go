package acctest

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"time"
)

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
