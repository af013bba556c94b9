package emulator

import (
	"bufio"
	"log"
	"net"
	"net/http"
	"strings"
	"time"
)

// StatusRecorder is what a wrapper of the emulator's handler (the request
// log, a test's call recorder) writes through to see the status answered:
// Status is the last WriteHeader's code (left as the wrapper set it when
// none came, 0 by default, as for a dropped connection), and the emulator
// can still hijack the connection for dropped-connection faults.
type StatusRecorder struct {
	http.ResponseWriter
	Status int
}

func (s *StatusRecorder) WriteHeader(code int) {
	s.Status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *StatusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := s.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	return hj.Hijack()
}

// LogRequests logs one line per request: method, URI, status, call name, request ID, duration.
func LogRequests(h http.Handler, logger *log.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isPageRequest(r) || (r.Method == http.MethodGet && r.URL.Path == "/__emulator/topology") {
			h.ServeHTTP(w, r) // the open topology page polls twice a second: not worth a line each
			return
		}
		start := time.Now()
		rec := &StatusRecorder{ResponseWriter: w}
		defer func() {
			call := "unknown"
			if strings.HasPrefix(r.URL.Path, "/__emulator/") {
				call = "control"
			} else if rt, _, _ := matchRoute(r.Method, r.URL.Path); rt != nil {
				call = rt.service + "." + rt.name
			}
			status := "dropped"
			if rec.Status != 0 {
				status = http.StatusText(rec.Status)
				status = strings.ReplaceAll(status, " ", "_")
				status = itoa(rec.Status) + "_" + status
			}
			logger.Printf("%s %s -> %s %s request_id=%s %s", r.Method, r.URL.RequestURI(), status, call,
				w.Header().Get("X-Jdcloud-Request-Id"), time.Since(start).Round(time.Microsecond))
		}()
		h.ServeHTTP(rec, r)
	})
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [12]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
