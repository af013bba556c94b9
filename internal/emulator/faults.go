package emulator

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Faults are injected failures. Rates are probabilities in [0,1] drawn per
// API request (control endpoints are never faulted) from a generator seeded
// with Options.Seed, so a run with the same seed and request order fails the
// same way.
//
// Spec syntax (ParseFaults, --faults, POST /__emulator/faults as text):
//
//	500=0.2,503=0.05,429=0.1,latency=200ms,drop=0.02,lose=0.01,lose503=0.01
//	lose=1@vm.CreateInstances#2,503=0.5@vpc.AssociateElasticIp
//
// Keys: 500 (INTERNAL), 503 (UNAVAILABLE), 429 (RATE_LIMIT_EXCEEDED) and
// drop (close the connection without answering) strike before the request
// is looked at; lose (close the connection) and lose503 (answer 503
// UNAVAILABLE) strike after the emulator handled the request in full, so its
// changes are made but the answer never reaches the client. latency is a Go
// duration added to every API request. An entry KEY=VALUE@CALL applies to
// one call only, named as in Stats ("vm.CreateInstances"); a suffix #N
// strikes the next N matching requests and then expires. Entries for a call
// are drawn before the global rates; the first that strikes wins. Empty spec
// or "none" = no faults.
type Faults struct {
	Rate500 float64       `json:"rate500,omitempty"`
	Rate503 float64       `json:"rate503,omitempty"`
	Rate429 float64       `json:"rate429,omitempty"`
	Drop    float64       `json:"drop,omitempty"`
	Lose    float64       `json:"lose,omitempty"`    // handled, then the connection is closed
	Lose503 float64       `json:"lose503,omitempty"` // handled, then 503 UNAVAILABLE
	Latency time.Duration `json:"latency,omitempty"` // nanoseconds in JSON
	// Calls are the entries aimed at one call, in spec order.
	Calls []CallFault `json:"calls,omitempty"`
}

// CallFault is one fault aimed at one API call.
type CallFault struct {
	Call    string        `json:"call"`              // e.g. "vm.CreateInstances"
	Kind    string        `json:"kind"`              // a spec key: 500, 503, 429, drop, lose, lose503, latency
	Rate    float64       `json:"rate,omitempty"`    // probability, for every kind but latency
	Latency time.Duration `json:"latency,omitempty"` // for kind latency (ns in JSON)
	// Count is how many more times the entry strikes before it expires; 0 = no limit.
	Count int `json:"count,omitempty"`
}

// faultKinds are the rate keys in draw order (the order of one cumulative
// draw, so a seed keeps giving the same faults as keys are added at the end).
var faultKinds = []string{"500", "503", "429", "drop", "lose", "lose503"}

// rate points at the field of kind k, nil for an unknown kind.
func (f *Faults) rate(k string) *float64 {
	switch k {
	case "500":
		return &f.Rate500
	case "503":
		return &f.Rate503
	case "429":
		return &f.Rate429
	case "drop":
		return &f.Drop
	case "lose":
		return &f.Lose
	case "lose503":
		return &f.Lose503
	}
	return nil
}

func validRate(name string, v float64) error {
	if v < 0 || v > 1 {
		return fmt.Errorf("fault rate %s=%v must be within [0,1]", name, v)
	}
	return nil
}

func (f Faults) validate() error {
	sum := 0.0
	for _, k := range faultKinds {
		v := *f.rate(k)
		if err := validRate(k, v); err != nil {
			return err
		}
		sum += v
	}
	if sum > 1 {
		return fmt.Errorf("fault rates add up to more than 1")
	}
	if f.Latency < 0 {
		return fmt.Errorf("fault latency must not be negative")
	}
	perCall := map[string]float64{}
	for _, c := range f.Calls {
		if !knownCall(c.Call) {
			return fmt.Errorf("fault %s@%s: no such call (calls are named as in the stats, e.g. vm.CreateInstances)", c.Kind, c.Call)
		}
		if c.Count < 0 {
			return fmt.Errorf("fault %s@%s: count must not be negative", c.Kind, c.Call)
		}
		if c.Kind == "latency" {
			if c.Latency < 0 {
				return fmt.Errorf("fault latency@%s must not be negative", c.Call)
			}
			continue
		}
		if (&Faults{}).rate(c.Kind) == nil {
			return fmt.Errorf("unknown fault %q@%s (have %s, latency)", c.Kind, c.Call, strings.Join(faultKinds, ", "))
		}
		if err := validRate(c.Kind+"@"+c.Call, c.Rate); err != nil {
			return err
		}
		if perCall[c.Call] += c.Rate; perCall[c.Call] > 1 {
			return fmt.Errorf("fault rates for %s add up to more than 1", c.Call)
		}
	}
	return nil
}

func (f Faults) clone() Faults {
	f.Calls = slices.Clone(f.Calls)
	return f
}

func formatRate(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// String renders the spec syntax that ParseFaults reads.
func (f Faults) String() string {
	var parts []string
	for _, k := range faultKinds[:4] {
		if v := *f.rate(k); v > 0 {
			parts = append(parts, k+"="+formatRate(v))
		}
	}
	if f.Latency > 0 {
		parts = append(parts, "latency="+f.Latency.String())
	}
	for _, k := range faultKinds[4:] {
		if v := *f.rate(k); v > 0 {
			parts = append(parts, k+"="+formatRate(v))
		}
	}
	for _, c := range f.Calls {
		v := formatRate(c.Rate)
		if c.Kind == "latency" {
			v = c.Latency.String()
		}
		item := c.Kind + "=" + v + "@" + c.Call
		if c.Count > 0 {
			item += "#" + strconv.Itoa(c.Count)
		}
		parts = append(parts, item)
	}
	return strings.Join(parts, ",")
}

// ParseFaults reads the spec syntax described at Faults.
func ParseFaults(spec string) (Faults, error) {
	var f Faults
	spec = strings.TrimSpace(spec)
	if spec == "" || spec == "none" {
		return f, nil
	}
	seen := map[string]bool{}
	err := eachSetting(spec, "fault %q: want key=value", func(item, k, v string) error {
		v, target, targeted := strings.Cut(v, "@")
		count := 0
		if targeted {
			var n string
			var counted bool
			if target, n, counted = strings.Cut(target, "#"); counted {
				c, err := strconv.Atoi(n)
				if err != nil || c < 1 {
					return fmt.Errorf("fault %q: the count after # must be a positive integer", item)
				}
				count = c
			}
		}
		if seen[k+"@"+target] {
			return fmt.Errorf("fault %q given twice", k+"@"+target)
		}
		seen[k+"@"+target] = true
		var d time.Duration
		var rate float64
		if k == "latency" {
			var err error
			if d, err = time.ParseDuration(v); err != nil {
				return fmt.Errorf("fault latency=%q: %v", v, err)
			}
		} else {
			if f.rate(k) == nil {
				return fmt.Errorf("unknown fault %q (have %s, latency)", k, strings.Join(faultKinds, ", "))
			}
			var err error
			if rate, err = strconv.ParseFloat(v, 64); err != nil {
				return fmt.Errorf("fault %s=%q: not a number", k, v)
			}
		}
		switch {
		case targeted:
			f.Calls = append(f.Calls, CallFault{Call: target, Kind: k, Rate: rate, Latency: d, Count: count})
		case k == "latency":
			f.Latency = d
		default:
			*f.rate(k) = rate
		}
		return nil
	})
	if err != nil {
		return Faults{}, err
	}
	return f, f.validate()
}

// fault is what pickFault decided for one request: a spec key ("" = none).
type fault string

// before reports whether the fault answers instead of handling the request.
func (f fault) before() bool { return f != "" && f != "lose" && f != "lose503" }

// answer is the error a fault answers with (500, 503, 429, lose503).
func (f fault) answer() *apiError {
	switch f {
	case "500":
		return errf(500, "INTERNAL", "Internal server error (injected fault)")
	case "503", "lose503":
		return errf(503, "UNAVAILABLE", "Service unavailable, please retry later (injected fault)")
	case "429":
		return errf(429, "RATE_LIMIT_EXCEEDED", "Request rate limit exceeded, please retry later (injected fault)")
	}
	return nil
}

// pickFault sleeps any added latency and draws the fault for one request
// to call: entries aimed at the call first, then the global rates.
func (e *Emulator) pickFault(call string) fault {
	e.faultMu.Lock()
	delay := e.faults.Latency
	picked := e.drawCallFaultLocked(call, &delay)
	if picked == "" {
		picked = e.drawLocked(e.faults)
	}
	e.faultMu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	return picked
}

// drawLocked draws once against f's cumulative rates (no draw when they are 0).
func (e *Emulator) drawLocked(f Faults) fault {
	sum := 0.0
	for _, k := range faultKinds {
		sum += *f.rate(k)
	}
	if sum == 0 {
		return ""
	}
	x, cum := e.fRnd.Float64(), 0.0
	for _, k := range faultKinds {
		if cum += *f.rate(k); x < cum {
			return fault(k)
		}
	}
	return ""
}

// drawCallFaultLocked applies the entries aimed at call: latency entries add
// to *delay, the rate entries are drawn once together (no draw when their
// rates reach 1). A counted entry that strikes uses up one of its count.
func (e *Emulator) drawCallFaultLocked(call string, delay *time.Duration) fault {
	var picked fault
	x, cum := -1.0, 0.0
	kept := e.faults.Calls[:0:0]
	for _, c := range e.faults.Calls {
		strikes := false
		if c.Call == call {
			switch {
			case c.Kind == "latency":
				*delay += c.Latency
				strikes = true
			case picked == "":
				if cum += c.Rate; cum < 1 && x < 0 {
					x = e.fRnd.Float64()
				}
				if cum >= 1 || x < cum {
					picked, strikes = fault(c.Kind), true
				}
			}
		}
		if strikes && c.Count > 0 {
			if c.Count--; c.Count == 0 {
				continue // spent
			}
		}
		kept = append(kept, c)
	}
	e.faults.Calls = kept
	return picked
}

// ---- rate limits ----

// RateLimits are requests per second accepted before 429
// RATE_LIMIT_EXCEEDED: Global for all API requests together, Calls per call
// name ("vm.DescribeInstances"). 0 or absent = unlimited. Each is a token
// bucket holding at most one second of requests (burst = rate), full at start.
//
// Text syntax (ParseRateLimits, POST /__emulator/ratelimits):
// "global=5,vm.DescribeInstances=10".
type RateLimits struct {
	Global float64            `json:"global,omitempty"`
	Calls  map[string]float64 `json:"calls,omitempty"`
}

func (l RateLimits) clone() RateLimits {
	l.Calls = maps.Clone(l.Calls)
	return l
}

func (l RateLimits) validate() error {
	if l.Global < 0 {
		return fmt.Errorf("rate limit must not be negative")
	}
	for call, v := range l.Calls {
		if !knownCall(call) {
			return fmt.Errorf("rate limit for %q: no such call (calls are named as in the stats, e.g. vm.DescribeInstances)", call)
		}
		if v < 0 {
			return fmt.Errorf("rate limit for %s must not be negative", call)
		}
	}
	return nil
}

// ParseRateLimits reads "global=5,vm.DescribeInstances=10" ("" or "none" = no limits).
func ParseRateLimits(spec string) (RateLimits, error) {
	var l RateLimits
	spec = strings.TrimSpace(spec)
	if spec == "" || spec == "none" {
		return l, nil
	}
	for _, item := range strings.Split(spec, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		if err := l.Set(item); err != nil {
			return RateLimits{}, err
		}
	}
	return l, l.validate()
}

// Set reads one "call=N" (or "global=N") item, as --rate-limit-call does.
func (l *RateLimits) Set(item string) error {
	k, v, ok := strings.Cut(item, "=")
	k = strings.TrimSpace(k)
	n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if !ok || err != nil {
		return fmt.Errorf("rate limit %q: want call=requests-per-second", item)
	}
	if k == "global" {
		l.Global = n
		return nil
	}
	if l.Calls == nil {
		l.Calls = map[string]float64{}
	}
	l.Calls[k] = n
	return l.validate()
}

// rateLimiter is a token bucket with a one-second burst.
type rateLimiter struct {
	rate   float64
	tokens float64
	last   time.Time
	now    func() time.Time
}

func newRateLimiter(perSecond float64, now func() time.Time) *rateLimiter {
	return &rateLimiter{rate: perSecond, tokens: perSecond, last: now(), now: now}
}

func (l *rateLimiter) refill() {
	t := l.now()
	l.tokens += t.Sub(l.last).Seconds() * l.rate
	if l.tokens > l.rate {
		l.tokens = l.rate
	}
	l.last = t
}

// rateLimited takes a token from the global bucket and call's, or from
// neither when one is empty; it returns the refusal, nil when allowed.
func (e *Emulator) rateLimited(call string) *apiError {
	e.faultMu.Lock()
	defer e.faultMu.Unlock()
	buckets := []*rateLimiter{e.callLimiters[call], e.limiter}
	for i, l := range buckets {
		if l == nil {
			continue
		}
		if l.refill(); l.tokens < 1 {
			if i == 0 {
				return errf(429, "RATE_LIMIT_EXCEEDED", "Request rate limit of %s exceeded, please retry later", call)
			}
			return errf(429, "RATE_LIMIT_EXCEEDED", "Request rate limit exceeded, please retry later")
		}
	}
	for _, l := range buckets {
		if l != nil {
			l.tokens--
		}
	}
	return nil
}

// ---- stats ----

// Stats counts API requests. Calls is keyed "service.Call" (e.g.
// "vm.DescribeInstance", "unknown" for unrouted requests); Status is keyed
// by the HTTP status as a string ("200", "401"; "dropped" for dropped
// connections, "lost" for answers withheld after the request was handled);
// ByCall breaks each call down by status.
type Stats struct {
	Total  int                       `json:"total"`
	Calls  map[string]int            `json:"calls"`
	Status map[string]int            `json:"status"`
	ByCall map[string]map[string]int `json:"byCall"`
}

func newStats() Stats {
	return Stats{Calls: map[string]int{}, Status: map[string]int{}, ByCall: map[string]map[string]int{}}
}

// Stats keys that are not HTTP statuses.
const (
	statDropped = "dropped"
	statLost    = "lost"
)

func (e *Emulator) count(call string, status int) { e.countAs(call, strconv.Itoa(status)) }

func (e *Emulator) countAs(call, key string) {
	e.faultMu.Lock()
	defer e.faultMu.Unlock()
	e.stats.Total++
	e.stats.Calls[call]++
	e.stats.Status[key]++
	m := e.stats.ByCall[call]
	if m == nil {
		m = map[string]int{}
		e.stats.ByCall[call] = m
	}
	m[key]++
}

// Stats returns a copy of the request counters.
func (e *Emulator) Stats() Stats {
	e.faultMu.Lock()
	defer e.faultMu.Unlock()
	s := newStats()
	s.Total = e.stats.Total
	for k, v := range e.stats.Calls {
		s.Calls[k] = v
	}
	for k, v := range e.stats.Status {
		s.Status[k] = v
	}
	for k, m := range e.stats.ByCall {
		c := map[string]int{}
		for s2, v := range m {
			c[s2] = v
		}
		s.ByCall[k] = c
	}
	return s
}

// CallNames lists the call names with counts, sorted (handy in logs).
func (s Stats) CallNames() []string {
	names := slices.Sorted(maps.Keys(s.Calls))
	return names
}
