package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Demo credentials: the documented defaults of the CLI and of Options. They
// are public on purpose; never use them outside the emulator.
const (
	DemoAccessKey = "JDCEMUDEMOACCESSKEY0001"
	DemoSecretKey = "jdc-emulator-demo-secret-key-not-for-production"
	// AccountID is the emulator's one main account, used in JRNs and pins.
	AccountID = "860000000001"
	// DefaultRegion is the region the CLI reports by default; all four are served.
	DefaultRegion = "cn-east-2"
)

// Options configure an Emulator. The zero value works.
type Options struct {
	AccessKey, SecretKey string // default the demo keys
	Region               string // default "cn-east-2"
	Latency              string // "instant" (default) or "realistic"
	Faults               Faults
	Seed                 int64
	StateFile            string // load at start, persist atomically on change
	Quotas               Quotas
	Now                  func() time.Time
	// RateLimit is the number of requests per second accepted before 429
	// RATE_LIMIT_EXCEEDED; 0 means unlimited (the default).
	RateLimit float64
	// Unknowns pick a behaviour where the real API's is undocumented; the
	// zero value is the stricter reading of each (see unknowns.go, FIDELITY.md).
	Unknowns Unknowns
}

// Quotas per region (subnets and security groups per VPC); zero fields
// take the defaults, JD Cloud's documented ones.
type Quotas struct {
	AvailabilityGroups int // default 20
	ElasticIps         int // default 10
	Instances          int // default 20 (JD Cloud's default instance quota per region)
	Vpcs               int // default 10
	Subnets            int // default 10 (per VPC)
	SecurityGroups     int // default 50 (per VPC)
}

func (q Quotas) withDefaults() Quotas {
	def := func(v, d int) int {
		if v <= 0 {
			return d
		}
		return v
	}
	return Quotas{
		AvailabilityGroups: def(q.AvailabilityGroups, 20),
		ElasticIps:         def(q.ElasticIps, 10),
		Instances:          def(q.Instances, 20),
		Vpcs:               def(q.Vpcs, 10),
		Subnets:            def(q.Subnets, 10),
		SecurityGroups:     def(q.SecurityGroups, 50),
	}
}

// Emulator is the JD Cloud API emulator; it is an http.Handler.
type Emulator struct {
	opts    Options
	now     func() time.Time
	latency latencyModel
	quotas  Quotas

	mu     sync.Mutex // guards everything below
	st     *State
	rnd    *mrand.Rand
	timers map[*time.Timer]struct{}
	closed bool
	dirty  bool
	watch  func(State) // OnChange's observer, called with e.mu held

	faultMu sync.Mutex // guards faults, faultRnd, limiter, stats
	faults  Faults
	fRnd    *mrand.Rand
	limiter *rateLimiter
	stats   Stats

	recent callLog // the last API calls, for the topology page
}

// New builds an emulator; it loads Options.StateFile when that file exists.
func New(opts Options) (*Emulator, error) {
	if opts.AccessKey == "" {
		opts.AccessKey = DemoAccessKey
	}
	if opts.SecretKey == "" {
		opts.SecretKey = DemoSecretKey
	}
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	if !validRegion(opts.Region) {
		return nil, fmt.Errorf("unknown region %q (served: %s)", opts.Region, strings.Join(Regions, ", "))
	}
	if err := opts.Unknowns.validate(); err != nil {
		return nil, err
	}
	lm, err := latencyFor(opts.Latency)
	if err != nil {
		return nil, err
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	e := &Emulator{
		opts:    opts,
		now:     opts.Now,
		latency: lm,
		quotas:  opts.Quotas.withDefaults(),
		st:      newState(),
		rnd:     mrand.New(mrand.NewSource(opts.Seed)),
		timers:  map[*time.Timer]struct{}{},
		faults:  opts.Faults,
		fRnd:    mrand.New(mrand.NewSource(opts.Seed ^ 0x5eed)),
		stats:   newStats(),
	}
	if opts.RateLimit > 0 {
		e.limiter = newRateLimiter(opts.RateLimit, e.now)
	}
	if opts.StateFile != "" {
		if err := e.load(); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// Unknowns are the switches in force.
func (e *Emulator) Unknowns() Unknowns { return e.opts.Unknowns }

// Region is the emulator's default region.
func (e *Emulator) Region() string { return e.opts.Region }

// Credentials returns the main account's access and secret key.
func (e *Emulator) Credentials() (accessKey, secretKey string) {
	return e.opts.AccessKey, e.opts.SecretKey
}

// SetFaults replaces the fault-injection settings at run time.
func (e *Emulator) SetFaults(f Faults) {
	e.faultMu.Lock()
	defer e.faultMu.Unlock()
	e.faults = f
}

// CurrentFaults returns the fault-injection settings in force.
func (e *Emulator) CurrentFaults() Faults {
	e.faultMu.Lock()
	defer e.faultMu.Unlock()
	return e.faults
}

// SetRateLimit sets requests/s before 429 RATE_LIMIT_EXCEEDED (0 = off).
func (e *Emulator) SetRateLimit(perSecond float64) {
	e.faultMu.Lock()
	defer e.faultMu.Unlock()
	if perSecond <= 0 {
		e.limiter = nil
		return
	}
	e.limiter = newRateLimiter(perSecond, e.now)
}

// OnChange calls fn with a copy of the state after every change: each
// mutating API call and each transition that completes later (an instance
// booting, an EIP association taking effect). fn runs with the emulator
// locked, so it must not call the emulator. nil stops it. Tests use it to
// time when a change took effect, not when a client first saw it.
func (e *Emulator) OnChange(fn func(State)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.watch = fn
}

// changedLocked marks the state changed: persisted, and shown to OnChange.
func (e *Emulator) changedLocked() {
	e.dirty = true
	e.persistLocked()
	if e.watch != nil {
		e.watch(e.st.clone())
	}
}

// Snapshot returns a deep copy of every resource.
func (e *Emulator) Snapshot() State {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.st.clone()
}

// Reset drops every resource and pending transition (stats are kept).
func (e *Emulator) Reset() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for t := range e.timers {
		t.Stop()
	}
	e.timers = map[*time.Timer]struct{}{}
	e.st = newState()
	e.changedLocked()
}

// Close stops pending transitions and persists the state.
func (e *Emulator) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	for t := range e.timers {
		t.Stop()
	}
	e.timers = nil
	if e.opts.StateFile != "" {
		return e.saveLocked()
	}
	return nil
}

// after runs fn under the state lock after d, unless the emulator is closed
// or reset in between. Callers hold e.mu.
func (e *Emulator) after(d time.Duration, fn func()) {
	if e.closed {
		return
	}
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.closed {
			return
		}
		if _, ok := e.timers[t]; !ok {
			return // reset in between
		}
		delete(e.timers, t)
		fn()
		e.changedLocked()
	})
	e.timers[t] = struct{}{}
}

// newID returns prefix-xxxxxxxx from the seeded generator. Callers hold e.mu.
func (e *Emulator) newID(prefix string) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	for {
		b := make([]byte, 10)
		for i := range b {
			b[i] = alphabet[e.rnd.Intn(len(alphabet))]
		}
		id := prefix + "-" + string(b)
		if !e.st.idTaken(id) {
			return id
		}
	}
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (e *Emulator) timestamp() string {
	return e.now().UTC().Format("2006-01-02T15:04:05Z")
}

// ---- HTTP ----

// apiError is a JD Cloud error: HTTP status = Code.
type apiError struct {
	Code    int    `json:"code"`
	Status  string `json:"status"`
	Message string `json:"message"`
}

func (a *apiError) Error() string { return fmt.Sprintf("%d %s: %s", a.Code, a.Status, a.Message) }

func errf(code int, status, format string, args ...any) *apiError {
	return &apiError{Code: code, Status: status, Message: fmt.Sprintf(format, args...)}
}

func invalidArg(format string, args ...any) *apiError {
	return errf(400, "INVALID_ARGUMENT", format, args...)
}
func precondition(format string, args ...any) *apiError {
	return errf(400, "FAILED_PRECONDITION", format, args...)
}
func notFound(format string, args ...any) *apiError {
	return errf(404, "NOT_FOUND", format, args...)
}
func quotaExceeded(format string, args ...any) *apiError {
	return errf(429, "QUOTA_EXCEEDED", format, args...)
}

type envelope struct {
	RequestID string    `json:"requestId"`
	Result    any       `json:"result,omitempty"`
	Error     *apiError `json:"error,omitempty"`
}

func writeEnvelope(w http.ResponseWriter, reqID string, result any, apiErr *apiError) int {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Jdcloud-Request-Id", reqID)
	env := envelope{RequestID: reqID}
	status := http.StatusOK
	if apiErr != nil {
		env.Error = apiErr
		status = apiErr.Code
	} else {
		if result == nil {
			result = struct{}{}
		}
		env.Result = result
	}
	body, err := json.Marshal(env)
	if err != nil {
		status = 500
		body = []byte(fmt.Sprintf(`{"requestId":%q,"error":{"code":500,"status":"INTERNAL","message":"encode response"}}`, reqID))
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return status
}

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
	w = rec
	defer e.recordCall(r, rt, params, name, signer, rec, start) // also runs when a dropped connection panics

	// Faults come first: a real gateway may fail before looking at the request.
	if f, drop := e.pickFault(); drop {
		e.count(name, 0)
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // net/http closes the connection quietly
	} else if f != nil {
		e.count(name, writeEnvelope(w, reqID, nil, f))
		return
	}
	if e.rateLimited() {
		e.count(name, writeEnvelope(w, reqID, nil, errf(429, "RATE_LIMIT_EXCEEDED", "Request rate limit exceeded, please retry later")))
		return
	}

	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		e.count(name, writeEnvelope(w, reqID, nil, invalidArg("cannot read request body: %v", err)))
		return
	}
	if len(body) > maxBody {
		e.count(name, writeEnvelope(w, reqID, nil, invalidArg("request body larger than %d bytes", maxBody)))
		return
	}

	principal, aerr := e.authenticate(r, body, rt, params)
	if aerr != nil {
		e.count(name, writeEnvelope(w, reqID, nil, aerr))
		return
	}
	signer.set(principal)
	if rt == nil {
		msg := fmt.Sprintf("The requested API %s %s does not exist", r.Method, r.URL.EscapedPath())
		if action != "" {
			msg = fmt.Sprintf("The requested action %q on %s does not exist", action, r.URL.Path)
		}
		e.count(name, writeEnvelope(w, reqID, nil, notFound("%s", msg)))
		return
	}

	c, aerr := newCall(r, rt, params, body)
	if aerr != nil {
		e.count(name, writeEnvelope(w, reqID, nil, aerr))
		return
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
	e.count(name, writeEnvelope(w, reqID, result, aerr))
}

func (e *Emulator) dispatch(c *call) (res any, aerr *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	defer func() {
		if p := recover(); p != nil {
			// A bug must still answer in the envelope, never crash the server.
			res, aerr = nil, errf(500, "INTERNAL", "internal error: %v", p)
		}
	}()
	if e.closed {
		return nil, errf(503, "UNAVAILABLE", "service is shutting down")
	}
	res, aerr = e.handleAuthorized(c) // IAM checks for sub-users (iam.go)
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

func (e *Emulator) serveControl(w http.ResponseWriter, r *http.Request) {
	if !isLoopback(r) {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "control endpoints answer loopback clients only"})
		return
	}
	switch strings.TrimPrefix(r.URL.Path, "/__emulator/") {
	case "state":
		if r.Method != http.MethodGet {
			break
		}
		writeJSON(w, 200, e.Snapshot())
		return
	case "topology":
		if r.Method == http.MethodGet {
			writeJSON(w, 200, e.Topology())
			return
		}
	case "unknowns":
		if r.Method == http.MethodGet {
			writeJSON(w, 200, map[string]string{"unknowns": e.opts.Unknowns.String()})
			return
		}
	case "stats":
		if r.Method == http.MethodGet {
			writeJSON(w, 200, e.Stats())
			return
		}
	case "reset":
		if r.Method == http.MethodPost {
			e.Reset()
			writeJSON(w, 200, map[string]string{"status": "reset"})
			return
		}
	case "faults":
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, 200, e.CurrentFaults())
			return
		case http.MethodPost, http.MethodPut:
			body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
			f, err := parseFaultsBody(body)
			if err != nil {
				writeJSON(w, 400, map[string]string{"error": err.Error()})
				return
			}
			e.SetFaults(f)
			writeJSON(w, 200, f)
			return
		}
	default:
		writeJSON(w, 404, map[string]string{"error": "unknown control endpoint; have state, stats, topology, faults, unknowns, reset"})
		return
	}
	writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed"})
}

func parseFaultsBody(body []byte) (Faults, error) {
	s := strings.TrimSpace(string(body))
	if strings.HasPrefix(s, "{") {
		var f Faults
		dec := json.NewDecoder(strings.NewReader(s))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			return Faults{}, fmt.Errorf("faults JSON: %w", err)
		}
		return f, f.validate()
	}
	return ParseFaults(s)
}

// ---- in-process server ----

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
	s := &Server{
		Endpoint:  ln.Addr().String(),
		AccessKey: e.opts.AccessKey,
		SecretKey: e.opts.SecretKey,
		Emulator:  e,
		ln:        ln,
		srv: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          nil,
		},
	}
	go func() { _ = s.srv.Serve(ln) }()
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
