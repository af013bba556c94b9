package keepalived

import (
	"fmt"
	"net/netip"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// FieldError is one invalid setting. Field uses the snake_case names of the Terraform schema,
// e.g. "nodes[1].priority" or "health_check.process".
type FieldError struct {
	Field   string
	Problem string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

// ValidationError lists every invalid setting of a Spec, in a fixed order.
type ValidationError []*FieldError

func (v ValidationError) Error() string {
	msgs := make([]string, len(v))
	for i, e := range v {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// Unwrap lets errors.As find each FieldError.
func (v ValidationError) Unwrap() []error {
	errs := make([]error, len(v))
	for i, e := range v {
		errs[i] = e
	}
	return errs
}

var (
	namePattern       = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	instanceIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)
	ifacePattern      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	processPattern    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+:-]*$`)
	userPattern       = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`)
	// Paths end up as words of a command line: no spaces, no shell or glob characters.
	pathPattern = regexp.MustCompile(`^/[A-Za-z0-9._+/-]*$`)
	// A URL path ends up inside `sh -c`: only characters the shell treats literally.
	urlPathPattern = regexp.MustCompile(`^[A-Za-z0-9._~/%=,:@+-]*$`)
	// AuthPass is one unquoted word: printable ASCII minus everything with a meaning to
	// keepalived's parser.
	authPattern = regexp.MustCompile(`^[A-Za-z0-9._~%=,:@+/^*-]+$`)
)

// forbiddenChars have a meaning to keepalived's parser (quotes, braces, comments, escapes,
// $VARIABLE substitution).
const forbiddenChars = "\"'{}#!\\$"

// checkText rejects anything that could change the structure of the rendered config, with a
// message saying which character and where. It runs before the per-field format checks so
// the error for the article's “pidof nginx” says what is wrong with it.
func checkText(field, v string) *FieldError {
	for i, r := range v {
		switch {
		case r == utf8.RuneError:
			return &FieldError{field, fmt.Sprintf("invalid UTF-8 at byte %d", i)}
		case r > 0x7e:
			return &FieldError{field, fmt.Sprintf("non-ASCII character %q (U+%04X) at byte %d: only ASCII is allowed (curly quotes silently disable keepalived scripts)", r, r, i)}
		case r < 0x20 || r == 0x7f:
			return &FieldError{field, fmt.Sprintf("control character U+%04X at byte %d is not allowed", r, i)}
		case strings.ContainsRune(forbiddenChars, r):
			return &FieldError{field, fmt.Sprintf("character %q at byte %d is not allowed (quotes, braces, # ! $ and backslash would change the keepalived config)", r, i)}
		}
	}
	return nil
}

type validator struct{ errs ValidationError }

func (v *validator) add(field, format string, args ...any) {
	v.errs = append(v.errs, &FieldError{field, fmt.Sprintf(format, args...)})
}

// word validates a value that must be a single config word matching pattern.
func (v *validator) word(field, val string, required bool, maxLen int, pattern *regexp.Regexp, want string) {
	if val == "" {
		if required {
			v.add(field, "required")
		}
		return
	}
	if e := checkText(field, val); e != nil {
		v.errs = append(v.errs, e)
		return
	}
	if len(val) > maxLen {
		v.add(field, "%d characters, at most %d allowed", len(val), maxLen)
		return
	}
	if !pattern.MatchString(val) {
		v.add(field, "%q: must be %s", val, want)
	}
}

func (v *validator) absPath(field, val string) {
	if val == "" {
		v.add(field, "required")
		return
	}
	if e := checkText(field, val); e != nil {
		v.errs = append(v.errs, e)
		return
	}
	if len(val) > 1024 {
		v.add(field, "path longer than 1024 characters")
		return
	}
	if !pathPattern.MatchString(val) || path.Clean(val) != val || val == "/" {
		v.add(field, "%q: must be a clean absolute file path of letters, digits and . _ + - /", val)
	}
}

// wholeSeconds reports d as whole seconds within [1, max].
func (v *validator) wholeSeconds(field string, d time.Duration, max int) {
	if d%time.Second != 0 || d < time.Second || d > time.Duration(max)*time.Second {
		v.add(field, "%s: must be whole seconds from 1s to %ds (keepalived 2.2.7 has no finer resolution)", d, max)
	}
}

// Validate checks s (after WithDefaults) and returns a ValidationError naming every bad field,
// or nil.
func (s Spec) Validate() error {
	s = s.WithDefaults()
	v := &validator{}

	v.word("instance_name", s.InstanceName, true, maxNameLen, namePattern, "letters, digits, '.', '_' or '-'")
	if s.VRID < minVRID || s.VRID > maxVRID {
		v.add("vrid", "%d: must be %d-%d", s.VRID, minVRID, maxVRID)
	}
	switch s.Version {
	case 2:
		if s.AdvertInterval%time.Second != 0 || s.AdvertInterval < time.Second || s.AdvertInterval > maxV2AdvertInterval {
			v.add("advert_interval", "%s: VRRPv2 needs whole seconds from 1s to 255s (use version 3 for sub-second adverts)", s.AdvertInterval)
		}
	case 3:
		if s.AdvertInterval%v3AdvertStep != 0 || s.AdvertInterval < v3AdvertStep || s.AdvertInterval > maxV3AdvertInterval {
			v.add("advert_interval", "%s: VRRPv3 needs a multiple of 10ms from 10ms to 40.95s", s.AdvertInterval)
		}
	default:
		v.add("version", "%d: must be 2 or 3", s.Version)
	}

	ifaceWant := "an interface name of letters, digits, '.', '_' or '-'"
	v.word("interface", s.Interface, s.Nodes[0].Interface == "" || s.Nodes[1].Interface == "", maxInterfaceNameLen, ifacePattern, ifaceWant)
	for i, n := range s.Nodes {
		f := fmt.Sprintf("nodes[%d].", i)
		v.word(f+"name", n.Name, true, maxNameLen, namePattern, "letters, digits, '.', '_' or '-'")
		v.word(f+"instance_id", n.InstanceID, false, maxNameLen, instanceIDPattern, "letters, digits, '_' or '-'")
		v.word(f+"interface", n.Interface, false, maxInterfaceNameLen, ifacePattern, ifaceWant)
		switch ip := n.PrivateIP; {
		case !ip.IsValid():
			v.add(f+"private_ip", "required")
		case !ip.Is4():
			v.add(f+"private_ip", "%s: must be an IPv4 address", ip)
		case !ip.IsGlobalUnicast() && !ip.IsPrivate():
			v.add(f+"private_ip", "%s: must be a unicast address", ip)
		}
		if n.Priority < minPriority || n.Priority > maxPriority {
			v.add(f+"priority", "%d: must be %d-%d", n.Priority, minPriority, maxPriority)
		}
	}
	master, backup := s.Nodes[MasterIndex], s.Nodes[BackupIndex]
	if master.Name != "" && master.Name == backup.Name {
		v.add("nodes[1].name", "%q: same as nodes[0].name", backup.Name)
	}
	if master.InstanceID != "" && master.InstanceID == backup.InstanceID {
		v.add("nodes[1].instance_id", "%q: same as nodes[0].instance_id", backup.InstanceID)
	}
	if master.PrivateIP.IsValid() && master.PrivateIP == backup.PrivateIP {
		v.add("nodes[1].private_ip", "%s: same as nodes[0].private_ip", backup.PrivateIP)
	}
	prioritiesValid := master.Priority >= minPriority && master.Priority <= maxPriority &&
		backup.Priority >= minPriority && backup.Priority <= maxPriority
	if prioritiesValid && master.Priority <= backup.Priority {
		v.add("nodes[0].priority", "%d: the master's priority must be higher than the backup's (%d)", master.Priority, backup.Priority)
	}

	if s.PreemptDelay != 0 {
		switch {
		case !s.Preempt:
			v.add("preempt_delay", "only applies with preempt (nopreempt never preempts)")
		case s.PreemptDelay < 0 || s.PreemptDelay > maxPreemptDelay || s.PreemptDelay%v3AdvertStep != 0:
			v.add("preempt_delay", "%s: must be 0-1000s in steps of 10ms", s.PreemptDelay)
		}
	}

	if s.AuthPass != "" {
		if e := checkText("auth_pass", s.AuthPass); e != nil {
			v.errs = append(v.errs, e)
		} else if s.Version == 3 {
			v.add("auth_pass", "VRRPv3 has no authentication (keepalived ignores it); use version 2 or leave it empty")
		} else if len(s.AuthPass) > maxAuthPassLen {
			v.add("auth_pass", "%d characters: keepalived uses at most %d (and it is cleartext, not a security control)", len(s.AuthPass), maxAuthPassLen)
		} else if !authPattern.MatchString(s.AuthPass) {
			v.add("auth_pass", "must be letters, digits or . _ ~ %% = , : @ + / ^ * -")
		}
	}

	v.healthCheck(s)

	v.word("script_user", s.ScriptUser, true, 32, userPattern, "a user name (lower-case letters, digits, '_' or '-')")
	v.absPath("agent_path", s.AgentPath)
	v.absPath("agent_config_path", s.AgentConfigPath)
	for i, n := range s.Nodes {
		if n.AgentConfigPath != "" {
			v.absPath(fmt.Sprintf("nodes[%d].agent_config_path", i), n.AgentConfigPath)
		}
	}

	if e := checkText("dummy_vip", s.DummyVIP); e != nil {
		v.errs = append(v.errs, e)
	} else if p, err := netip.ParsePrefix(s.DummyVIP); err != nil || !p.Addr().Is4() || p.Bits() != 32 {
		v.add("dummy_vip", "%q: must be an IPv4 /32 such as %s", s.DummyVIP, DefaultDummyVIP)
	} else if p.Addr() == master.PrivateIP || p.Addr() == backup.PrivateIP {
		v.add("dummy_vip", "%s: must not be a node's private IP", p.Addr())
	}

	if len(v.errs) == 0 {
		return nil
	}
	return v.errs
}

func (v *validator) healthCheck(s Spec) {
	hc := s.HealthCheck
	const f = "health_check."
	switch hc.Kind {
	case HealthCheckNone:
		return
	case HealthCheckPgrep:
		if hc.Process == "pidof" || strings.HasPrefix(hc.Process, "pidof ") {
			v.add(f+"process", "pidof always fails under keepalived on Debian 12; give the process name, e.g. nginx")
			return
		}
		v.word(f+"process", hc.Process, true, maxProcessNameLen, processPattern,
			"a process name as pgrep -x sees it (letters, digits, '.', '_', '+', ':', '-'; at most 15 characters)")
	case HealthCheckPidfile:
		v.absPath(f+"pid_file", hc.PIDFile)
	case HealthCheckHTTP:
		v.httpURL(f+"url", hc.URL)
		if hc.ExpectedStatus < minHTTPStat || hc.ExpectedStatus > maxHTTPStatus {
			v.add(f+"expected_status", "%d: must be an HTTP status %d-%d", hc.ExpectedStatus, minHTTPStat, maxHTTPStatus)
		}
	case "":
		v.add(f+"kind", "required: one of pgrep, pidfile, http, none")
		return
	default:
		if e := checkText(f+"kind", string(hc.Kind)); e != nil {
			v.errs = append(v.errs, e)
		} else {
			v.add(f+"kind", "%q: must be one of pgrep, pidfile, http, none", hc.Kind)
		}
		return
	}
	v.wholeSeconds(f+"interval", hc.Interval, maxCheckSeconds)
	v.wholeSeconds(f+"timeout", hc.Timeout, maxCheckSeconds)
	if hc.Fall < 1 || hc.Fall > maxFallRise {
		v.add(f+"fall", "%d: must be 1-%d", hc.Fall, maxFallRise)
	}
	if hc.Rise < 1 || hc.Rise > maxFallRise {
		v.add(f+"rise", "%d: must be 1-%d", hc.Rise, maxFallRise)
	}
	if hc.Weight < minWeight || hc.Weight > maxWeight {
		v.add(f+"weight", "%d: must be %d-%d", hc.Weight, minWeight, maxWeight)
		return
	}
	if hc.Weight == 0 {
		return // FAULT semantics: fails over whatever the priorities
	}
	if !s.Preempt {
		v.add(f+"weight", "%d: with nopreempt a weighted check never moves the EIP (the backup does not preempt a live master); use weight 0, which puts a failing node in FAULT", hc.Weight)
		return
	}
	pm, pb := s.Nodes[MasterIndex].Priority, s.Nodes[BackupIndex].Priority
	if pm < minPriority || pm > maxPriority || pb < minPriority || pb > maxPriority {
		return // already reported
	}
	// A failed master must end below the healthy backup, or the check cannot fail over.
	failedMaster, healthyBackup := pm, pb
	if hc.Weight < 0 {
		failedMaster = max(pm+hc.Weight, minPriority)
	} else {
		healthyBackup = min(pb+hc.Weight, maxPriority)
	}
	if failedMaster >= healthyBackup {
		v.add(f+"weight", "%d: a failed master would keep priority %d against the healthy backup's %d, so the check could never fail over; use weight 0 or a larger weight", hc.Weight, failedMaster, healthyBackup)
	}
}

func (v *validator) httpURL(field, raw string) {
	if raw == "" {
		v.add(field, "required")
		return
	}
	if e := checkText(field, raw); e != nil {
		v.errs = append(v.errs, e)
		return
	}
	u, err := url.Parse(raw)
	if err != nil {
		v.add(field, "%q: not a URL: %v", raw, err)
		return
	}
	if u.Scheme != "http" || u.Opaque != "" || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		v.add(field, "%q: must be a plain http:// URL without user, query or fragment", raw)
		return
	}
	host := u.Hostname()
	if host != "localhost" {
		ip, err := netip.ParseAddr(host)
		// IPv4 only: an IPv6 literal's brackets would be glob characters inside `sh -c`.
		if err != nil || !ip.Is4() || !ip.IsLoopback() {
			v.add(field, "%q: the host must be localhost or an IPv4 loopback address, so the check never leaves the node", raw)
			return
		}
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			v.add(field, "%q: bad port", raw)
			return
		}
	}
	if !urlPathPattern.MatchString(u.EscapedPath()) {
		v.add(field, "%q: the path may hold only letters, digits and . _ ~ / %% = , : @ + -", raw)
	}
}
