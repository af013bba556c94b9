package emulator

import (
	"fmt"
	"sort"
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
//	500=0.2,503=0.05,429=0.1,latency=200ms,drop=0.02
//
// Keys: 500 (INTERNAL), 503 (UNAVAILABLE), 429 (RATE_LIMIT_EXCEEDED),
// latency (a Go duration added to every API request), drop (close the
// connection without answering). Empty spec or "none" = no faults.
type Faults struct {
	Rate500 float64       `json:"rate500,omitempty"`
	Rate503 float64       `json:"rate503,omitempty"`
	Rate429 float64       `json:"rate429,omitempty"`
	Drop    float64       `json:"drop,omitempty"`
	Latency time.Duration `json:"latency,omitempty"` // nanoseconds in JSON
}

func (f Faults) validate() error {
	for name, v := range map[string]float64{"500": f.Rate500, "503": f.Rate503, "429": f.Rate429, "drop": f.Drop} {
		if v < 0 || v > 1 {
			return fmt.Errorf("fault rate %s=%v must be within [0,1]", name, v)
		}
	}
	if f.Rate500+f.Rate503+f.Rate429+f.Drop > 1 {
		return fmt.Errorf("fault rates add up to more than 1")
	}
	if f.Latency < 0 {
		return fmt.Errorf("fault latency must not be negative")
	}
	return nil
}

// String renders the spec syntax that ParseFaults reads.
func (f Faults) String() string {
	var parts []string
	add := func(k string, v float64) {
		if v > 0 {
			parts = append(parts, k+"="+strconv.FormatFloat(v, 'g', -1, 64))
		}
	}
	add("500", f.Rate500)
	add("503", f.Rate503)
	add("429", f.Rate429)
	add("drop", f.Drop)
	if f.Latency > 0 {
		parts = append(parts, "latency="+f.Latency.String())
	}
	return strings.Join(parts, ",")
}

// ParseFaults reads "500=0.2,503=0.05,429=0.1,latency=200ms,drop=0.02".
func ParseFaults(spec string) (Faults, error) {
	var f Faults
	spec = strings.TrimSpace(spec)
	if spec == "" || spec == "none" {
		return f, nil
	}
	seen := map[string]bool{}
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		k, v, ok := strings.Cut(item, "=")
		if !ok {
			return Faults{}, fmt.Errorf("fault %q: want key=value", item)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if seen[k] {
			return Faults{}, fmt.Errorf("fault %q given twice", k)
		}
		seen[k] = true
		if k == "latency" {
			d, err := time.ParseDuration(v)
			if err != nil {
				return Faults{}, fmt.Errorf("fault latency=%q: %v", v, err)
			}
			f.Latency = d
			continue
		}
		rate, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return Faults{}, fmt.Errorf("fault %s=%q: not a number", k, v)
		}
		switch k {
		case "500":
			f.Rate500 = rate
		case "503":
			f.Rate503 = rate
		case "429":
			f.Rate429 = rate
		case "drop":
			f.Drop = rate
		default:
			return Faults{}, fmt.Errorf("unknown fault %q (have 500, 503, 429, latency, drop)", k)
		}
	}
	return f, f.validate()
}

// pickFault sleeps any added latency, then draws: (nil,false) = no fault,
// (err,false) = answer err, (nil,true) = drop the connection.
func (e *Emulator) pickFault() (*apiError, bool) {
	e.faultMu.Lock()
	f := e.faults
	var x float64
	if f.Rate500+f.Rate503+f.Rate429+f.Drop > 0 {
		x = e.fRnd.Float64()
	} else {
		x = 2
	}
	e.faultMu.Unlock()
	if f.Latency > 0 {
		time.Sleep(f.Latency)
	}
	switch {
	case x < f.Rate500:
		return errf(500, "INTERNAL", "Internal server error (injected fault)"), false
	case x < f.Rate500+f.Rate503:
		return errf(503, "UNAVAILABLE", "Service unavailable, please retry later (injected fault)"), false
	case x < f.Rate500+f.Rate503+f.Rate429:
		return errf(429, "RATE_LIMIT_EXCEEDED", "Request rate limit exceeded, please retry later (injected fault)"), false
	case x < f.Rate500+f.Rate503+f.Rate429+f.Drop:
		return nil, true
	}
	return nil, false
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

func (l *rateLimiter) allow() bool {
	t := l.now()
	l.tokens += t.Sub(l.last).Seconds() * l.rate
	if l.tokens > l.rate {
		l.tokens = l.rate
	}
	l.last = t
	if l.tokens < 1 {
		return false
	}
	l.tokens--
	return true
}

func (e *Emulator) rateLimited() bool {
	e.faultMu.Lock()
	defer e.faultMu.Unlock()
	return e.limiter != nil && !e.limiter.allow()
}

// ---- stats ----

// Stats counts API requests. Calls is keyed "service.Call" (e.g.
// "vm.DescribeInstance", "unknown" for unrouted requests); Status is keyed
// by the HTTP status as a string ("200", "401"; "dropped" for dropped
// connections); ByCall breaks each call down by status.
type Stats struct {
	Total  int                       `json:"total"`
	Calls  map[string]int            `json:"calls"`
	Status map[string]int            `json:"status"`
	ByCall map[string]map[string]int `json:"byCall"`
}

func newStats() Stats {
	return Stats{Calls: map[string]int{}, Status: map[string]int{}, ByCall: map[string]map[string]int{}}
}

func (e *Emulator) count(call string, status int) {
	key := strconv.Itoa(status)
	if status == 0 {
		key = "dropped"
	}
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
	names := make([]string, 0, len(s.Calls))
	for k := range s.Calls {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// ---- latency model ----

// latencyModel: "instant" keeps transitions asynchronous but a few
// milliseconds long and adds no per-call delay; "realistic" uses the
// documented delays (see README.md).
type latencyModel struct {
	name        string
	perCall     map[string]time.Duration // by route kind
	transitions map[string]time.Duration // by transition
}

func latencyFor(name string) (latencyModel, error) {
	switch name {
	case "", "instant":
		return latencyModel{name: "instant", transitions: map[string]time.Duration{
			"instance.create": 5 * time.Millisecond,
			"instance.start":  3 * time.Millisecond,
			"instance.stop":   3 * time.Millisecond,
			"instance.delete": 3 * time.Millisecond,
			"eip.processing":  20 * time.Millisecond,
		}}, nil
	case "realistic":
		return latencyModel{name: "realistic",
			perCall: map[string]time.Duration{
				"describe": 30 * time.Millisecond,
				"mutate":   120 * time.Millisecond,
				"create":   250 * time.Millisecond,
			},
			transitions: map[string]time.Duration{
				"instance.create": 8 * time.Second,
				"instance.start":  4 * time.Second,
				"instance.stop":   4 * time.Second,
				"instance.delete": 3 * time.Second,
				// Not documented: the time an EIP shows PROCESSING after an
				// association change, with eip-association=async.
				"eip.processing": 500 * time.Millisecond,
			}}, nil
	}
	return latencyModel{}, fmt.Errorf("unknown latency model %q (instant or realistic)", name)
}

func (l latencyModel) call(rt *route) time.Duration {
	if l.perCall == nil {
		return 0
	}
	switch {
	case !rt.mutates:
		return l.perCall["describe"]
	case strings.HasPrefix(rt.name, "Create"):
		return l.perCall["create"]
	}
	return l.perCall["mutate"]
}

func (l latencyModel) transition(kind string) time.Duration { return l.transitions[kind] }
