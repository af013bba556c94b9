package emulator

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	mrand "math/rand"
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
	// CallRateLimits are requests per second per call ("vm.DescribeInstances"),
	// on top of RateLimit (see RateLimits).
	CallRateLimits map[string]float64
	// Timeouts of the connections Serve accepts; zero fields take the defaults.
	Timeouts Timeouts
	// Unknowns pick a behaviour where the real API's is undocumented; the
	// zero value is the stricter reading of each (see unknowns.go, FIDELITY.md).
	Unknowns Unknowns
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

	faultMu      sync.Mutex // guards faults, fRnd, limiter, callLimiters, limits, stats
	faults       Faults
	fRnd         *mrand.Rand
	limiter      *rateLimiter            // global
	callLimiters map[string]*rateLimiter // by call name
	limits       RateLimits
	stats        Stats

	recent callLog // the last API calls, for the topology page
}

// New builds an emulator; it loads Options.StateFile when that file exists.
func New(opts Options) (*Emulator, error) {
	opts.AccessKey = cmp.Or(opts.AccessKey, DemoAccessKey)
	opts.SecretKey = cmp.Or(opts.SecretKey, DemoSecretKey)
	opts.Region = cmp.Or(opts.Region, DefaultRegion)
	if !validRegion(opts.Region) {
		return nil, fmt.Errorf("unknown region %q (served: %s)", opts.Region, strings.Join(Regions, ", "))
	}
	if err := opts.Unknowns.validate(); err != nil {
		return nil, err
	}
	if err := opts.Faults.validate(); err != nil {
		return nil, err
	}
	limits := RateLimits{Global: opts.RateLimit, Calls: opts.CallRateLimits}
	if err := limits.validate(); err != nil {
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
		faults:  opts.Faults.clone(),
		fRnd:    mrand.New(mrand.NewSource(opts.Seed ^ 0x5eed)),
		stats:   newStats(),
	}
	e.setRateLimitsLocked(limits)
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
	e.faults = f.clone()
}

// CurrentFaults returns the fault-injection settings in force (counted
// entries with what is left of their count; spent ones are gone).
func (e *Emulator) CurrentFaults() Faults {
	e.faultMu.Lock()
	defer e.faultMu.Unlock()
	return e.faults.clone()
}

// SetRateLimit sets the global requests/s before 429 RATE_LIMIT_EXCEEDED (0 = off).
func (e *Emulator) SetRateLimit(perSecond float64) {
	e.faultMu.Lock()
	defer e.faultMu.Unlock()
	l := e.limits
	l.Global = perSecond
	e.setRateLimitsLocked(l)
}

// SetRateLimits replaces every rate limit (global and per call) at run
// time, with full buckets.
func (e *Emulator) SetRateLimits(l RateLimits) error {
	if err := l.validate(); err != nil {
		return err
	}
	e.faultMu.Lock()
	defer e.faultMu.Unlock()
	e.setRateLimitsLocked(l)
	return nil
}

// CurrentRateLimits returns the rate limits in force.
func (e *Emulator) CurrentRateLimits() RateLimits {
	e.faultMu.Lock()
	defer e.faultMu.Unlock()
	return e.limits.clone()
}

func (e *Emulator) setRateLimitsLocked(l RateLimits) {
	e.limits = l.clone()
	e.limiter = nil
	if l.Global > 0 {
		e.limiter = newRateLimiter(l.Global, e.now)
	}
	e.callLimiters = map[string]*rateLimiter{}
	for call, v := range l.Calls {
		if v > 0 {
			e.callLimiters[call] = newRateLimiter(v, e.now)
		}
	}
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
