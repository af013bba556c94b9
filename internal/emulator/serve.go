package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const maxBody = 1 << 20

// ServeHTTP answers the JD Cloud OpenAPI and the /__emulator/ control endpoints.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/__emulator/") {
		e.serveControl(w, r)
		return
	}
	if isPageRequest(r) {
		serveTopologyPage(w, r)
		return
	}
	reqID := newRequestID()
	rt, params, action := matchRoute(r.Method, r.URL.Path)
	name := "unknown"
	if rt != nil {
		name = rt.service + "." + rt.name
	}
	rec, signer, start := &callRecorder{ResponseWriter: w}, &callSigner{}, time.Now()
	defer func() { // also runs when a dropped connection panics, and records the call before it closes
		e.recordCall(r, rt, params, name, signer, rec, start)
		if rec.hijacked != nil {
			_ = rec.hijacked.Close()
		}
	}()
	defer e.recoverInternal(rec, reqID, name) // runs first: the call is recorded with its 500

	// Faults that strike before the request is looked at, as a gateway may.
	f := e.pickFault(name)
	if f == "drop" {
		e.countAs(name, statDropped)
		closeConnection(rec)
	}
	if f.before() {
		e.count(name, writeEnvelope(rec, reqID, nil, f.answer()))
		return
	}
	result, aerr := e.handle(r, rt, params, action, reqID, signer)
	switch f {
	case "lose": // acted on, then the connection is closed without an answer
		rec.lost = answerStatus(aerr)
		e.countAs(name, statLost)
		closeConnection(rec)
	case "lose503": // acted on, then 503 UNAVAILABLE instead of the answer
		rec.lost = answerStatus(aerr)
		e.countAs(name, statLost)
		writeEnvelope(rec, reqID, nil, f.answer())
	default:
		e.count(name, writeEnvelope(rec, reqID, result, aerr))
	}
}

func answerStatus(aerr *apiError) int {
	if aerr != nil {
		return aerr.Code
	}
	return http.StatusOK
}

// closeConnection ends the request without an answer; it does not return.
// The connection is closed once the call is recorded: by ServeHTTP when it
// could be hijacked, else by net/http after the abort.
func closeConnection(rec *callRecorder) {
	if conn, _, err := rec.Hijack(); err == nil {
		rec.hijacked = conn
	}
	panic(http.ErrAbortHandler) // net/http closes the connection quietly
}

// recoverInternal turns a panic (a bug) into 500 INTERNAL in the envelope,
// unless an answer has begun; a deliberate abort (closeConnection) passes.
func (e *Emulator) recoverInternal(rec *callRecorder, reqID, name string) {
	p := recover()
	if p == nil {
		return
	}
	if p == http.ErrAbortHandler || rec.status != 0 {
		panic(p)
	}
	e.count(name, writeEnvelope(rec, reqID, nil, errf(500, "INTERNAL", "internal error: %v", p)))
}

// handle runs one API request in full: rate limits, body, signature,
// route, the call itself.
func (e *Emulator) handle(r *http.Request, rt *route, params map[string]string, action, reqID string, signer *callSigner) (any, *apiError) {
	name := "unknown"
	if rt != nil {
		name = rt.service + "." + rt.name
	}
	if aerr := e.rateLimited(name); aerr != nil {
		return nil, aerr
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, invalidArg("cannot read request body: %v", err)
	}
	if len(body) > maxBody {
		return nil, invalidArg("request body larger than %d bytes", maxBody)
	}
	principal, aerr := e.authenticate(r, body, rt, params)
	if aerr != nil {
		return nil, aerr
	}
	signer.set(principal)
	if rt == nil {
		if allow := routeMethods(r.URL.Path); len(allow) > 0 {
			return nil, errf(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "The requested API %s %s does not exist; the path takes %s",
				r.Method, r.URL.EscapedPath(), strings.Join(allow, ", "))
		}
		msg := fmt.Sprintf("The requested API %s %s does not exist", r.Method, r.URL.EscapedPath())
		if action != "" {
			msg = fmt.Sprintf("The requested action %q on %s does not exist", action, r.URL.Path)
		}
		return nil, notFound("%s", msg)
	}
	c, aerr := newCall(r, rt, params, body)
	if aerr != nil {
		return nil, aerr
	}
	c.principal = principal
	c.requestID = reqID
	c.ignoreUnknownFilters = e.opts.Unknowns.Filters == "ignore"

	result, aerr := e.dispatch(c)
	if aerr == nil {
		if d := e.latency.call(rt); d > 0 {
			time.Sleep(d)
		}
	}
	return result, aerr
}

func (e *Emulator) dispatch(c *call) (any, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, errf(503, "UNAVAILABLE", "service is shutting down")
	}
	res, aerr := e.handleAuthorized(c) // IAM checks for sub-users (iam.go)
	if aerr == nil && c.route.mutates {
		e.changedLocked()
	}
	return res, aerr
}

// ---- control endpoints ----

func isLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// controlError answers a control request's failure in the JD Cloud envelope.
func controlError(w http.ResponseWriter, aerr *apiError) {
	writeEnvelope(w, newRequestID(), nil, aerr)
}

// controlSetting is a control endpoint that reads and replaces one setting.
type controlSetting struct {
	get func() any
	set func(body []byte) (any, error)
}

func (e *Emulator) controlSettings() map[string]controlSetting {
	return map[string]controlSetting{
		"faults": {func() any { return e.CurrentFaults() }, func(body []byte) (any, error) {
			f, err := parseSettingBody(body, ParseFaults, Faults.validate)
			if err == nil {
				e.SetFaults(f)
			}
			return f, err
		}},
		"ratelimits": {func() any { return e.CurrentRateLimits() }, func(body []byte) (any, error) {
			l, err := parseSettingBody(body, ParseRateLimits, RateLimits.validate)
			if err == nil {
				err = e.SetRateLimits(l)
			}
			return l, err
		}},
	}
}

func (e *Emulator) serveControl(w http.ResponseWriter, r *http.Request) {
	if !isLoopback(r) {
		controlError(w, errf(http.StatusForbidden, "PERMISSION_DENIED", "control endpoints answer loopback clients only"))
		return
	}
	endpoint := strings.TrimPrefix(r.URL.Path, "/__emulator/")
	gets := map[string]func() any{
		"state":    func() any { return e.Snapshot() },
		"topology": func() any { return e.Topology() },
		"unknowns": func() any { return map[string]string{"unknowns": e.opts.Unknowns.String()} },
		"stats":    func() any { return e.Stats() },
	}
	setting, isSetting := e.controlSettings()[endpoint]
	switch {
	case gets[endpoint] != nil && r.Method == http.MethodGet:
		writeJSON(w, 200, gets[endpoint]())
	case isSetting && r.Method == http.MethodGet:
		writeJSON(w, 200, setting.get())
	case isSetting && (r.Method == http.MethodPost || r.Method == http.MethodPut):
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		v, err := setting.set(body)
		if err != nil {
			controlError(w, invalidArg("%v", err))
			return
		}
		writeJSON(w, 200, v)
	case endpoint == "reset" && r.Method == http.MethodPost:
		e.Reset()
		writeJSON(w, 200, map[string]string{"status": "reset"})
	case gets[endpoint] != nil || isSetting || endpoint == "reset":
		controlError(w, errf(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "method %s not allowed on %s", r.Method, r.URL.Path))
	default:
		controlError(w, notFound("unknown control endpoint; have state, stats, topology, faults, ratelimits, unknowns, reset"))
	}
}

// parseSettingBody reads a control body: JSON (an object) or the text spec.
func parseSettingBody[T any](body []byte, parse func(string) (T, error), validate func(T) error) (T, error) {
	s := strings.TrimSpace(string(body))
	if !strings.HasPrefix(s, "{") {
		return parse(s)
	}
	var v T
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, fmt.Errorf("JSON: %w", err)
	}
	return v, validate(v)
}

// ---- in-process server ----

// Timeouts bound how long a connection may take; zero fields take the
// defaults. ReadHeader is the time to send the request headers, Read the
// time to send the whole request (headers and body: a slow body is cut
// off), Idle how long a kept-alive connection waits for its next request.
type Timeouts struct {
	ReadHeader time.Duration // default 10 s
	Read       time.Duration // default 10 s
	Idle       time.Duration // default 60 s
}

func (t Timeouts) withDefaults() Timeouts {
	def := func(v, d time.Duration) time.Duration {
		if v <= 0 {
			return d
		}
		return v
	}
	return Timeouts{ReadHeader: def(t.ReadHeader, 10*time.Second), Read: def(t.Read, 10*time.Second), Idle: def(t.Idle, 60*time.Second)}
}

// Server is an emulator listening on a loopback port.
type Server struct {
	Endpoint             string // "127.0.0.1:PORT", for core.Config.SetEndpoint
	AccessKey, SecretKey string
	Emulator             *Emulator

	srv *http.Server
	ln  net.Listener
}

// Start runs an emulator on 127.0.0.1 with a random port.
func Start(opts Options) (*Server, error) {
	return Listen("127.0.0.1:0", opts)
}

// Listen runs an emulator on addr.
func Listen(addr string, opts Options) (*Server, error) {
	e, err := New(opts)
	if err != nil {
		return nil, err
	}
	return Serve(addr, e, nil)
}

// Serve serves e on addr, wrapping it with wrap (e.g. request logging) if non-nil.
func Serve(addr string, e *Emulator, wrap func(http.Handler) http.Handler) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	var h http.Handler = e
	if wrap != nil {
		h = wrap(e)
	}
	t := e.opts.Timeouts.withDefaults()
	s := &Server{
		Endpoint:  ln.Addr().String(),
		AccessKey: e.opts.AccessKey,
		SecretKey: e.opts.SecretKey,
		Emulator:  e,
		ln:        ln,
		srv: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: t.ReadHeader,
			ReadTimeout:       t.Read,
			IdleTimeout:       t.Idle,
			MaxHeaderBytes:    maxHeaderBytes,
			ErrorLog:          nil,
		},
	}
	go func() { _ = s.srv.Serve(envelopeListener{ln}) }()
	return s, nil
}

// URL is the base URL, e.g. http://127.0.0.1:PORT.
func (s *Server) URL() string { return "http://" + s.Endpoint }

// Close stops listening and closes the emulator (persisting state).
func (s *Server) Close() error {
	err := s.srv.Close()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	if cerr := s.Emulator.Close(); err == nil {
		err = cerr
	}
	return err
}

// ---- errors net/http answers itself ----

// maxHeaderBytes is the most request-header bytes Serve reads (net/http
// allows 4 KB more); beyond it the answer is 431 in the envelope.
const maxHeaderBytes = 1 << 20

// envelopeListener hands net/http connections that put the answers it
// writes itself, before any handler runs (431 headers too large, 400
// malformed request, 501 unsupported transfer encoding), in the JD Cloud
// envelope instead of net/http's plain text.
type envelopeListener struct{ net.Listener }

func (l envelopeListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return envelopeConn{c}, nil
}

type envelopeConn struct{ net.Conn }

// netHTTPErrorHeaders follow the status line of net/http's own error
// answers (server.go); a handler's answer always has a Date header first.
const netHTTPErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

func (c envelopeConn) Write(b []byte) (int, error) {
	if rewritten, ok := envelopeForNetHTTPError(b); ok {
		if _, err := c.Conn.Write(rewritten); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	return c.Conn.Write(b)
}

// CloseWrite lets net/http half-close after a 431, as with a bare TCP connection.
func (c envelopeConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func envelopeForNetHTTPError(b []byte) ([]byte, bool) {
	rest, ok := bytes.CutPrefix(b, []byte("HTTP/1.1 "))
	if !ok {
		return nil, false
	}
	statusLine, text, ok := bytes.Cut(rest, []byte(netHTTPErrorHeaders))
	if !ok || len(statusLine) < 3 {
		return nil, false
	}
	code, err := strconv.Atoi(string(statusLine[:3]))
	if err != nil || code < 400 {
		return nil, false
	}
	reqID := newRequestID()
	body, _ := json.Marshal(envelope{RequestID: reqID, Error: errf(code, serverErrorStatus(code), "%s", text)})
	return fmt.Appendf(nil, "HTTP/1.1 %s\r\nContent-Type: application/json\r\nX-Jdcloud-Request-Id: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		statusLine, reqID, len(body), body), true
}

// serverErrorStatus names net/http's own errors: 400 as JD Cloud's
// INVALID_ARGUMENT, the others after the HTTP status text.
func serverErrorStatus(code int) string {
	if code == http.StatusBadRequest {
		return "INVALID_ARGUMENT"
	}
	return strings.ToUpper(strings.ReplaceAll(http.StatusText(code), " ", "_"))
}
