package agent

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Defaults for optional configuration keys.
const (
	DefaultConfigPath     = "/etc/jdcloud-eip-failover/agent.json"
	DefaultScheme         = "http"
	DefaultDeadline       = 30 * time.Second
	DefaultRequestTimeout = 5 * time.Second
	DefaultLockFile       = "/run/jdcloud-eip-failover.lock"
	DefaultLogTag         = "jdcloud-eip-failover"
	DefaultRunDir         = "/run/jdcloud-eip-failover"
	DefaultVerifyInterval = 5 * time.Second
	DefaultYieldDelay     = 2 * time.Second
)

// Config is the agent's configuration file. The JSON tags are the file's keys
// (the INI form uses the same keys); other packages may marshal a Config to
// write an agent.json.
type Config struct {
	Region          string   `json:"region"`
	Endpoint        string   `json:"endpoint,omitempty"`
	Scheme          string   `json:"scheme,omitempty"`
	EIPID           string   `json:"eip_id"`
	InstanceID      string   `json:"instance_id"`
	PeerInstanceID  string   `json:"peer_instance_id"`
	CredentialsFile string   `json:"credentials_file"`
	Deadline        Duration `json:"deadline,omitempty"`
	RequestTimeout  Duration `json:"request_timeout,omitempty"`
	LockFile        string   `json:"lock_file,omitempty"`
	LogTag          string   `json:"log_tag,omitempty"`
	Syslog          *bool    `json:"syslog,omitempty"`

	// The daemon (run) and the keepalived hook (report).

	// RunDir holds the VRRP state record, the daemon's socket and status.
	RunDir string `json:"run_dir,omitempty"`
	// VerifyInterval is how often a MASTER describes the EIP (jittered).
	VerifyInterval Duration `json:"verify_interval,omitempty"`
	// Priority and PeerPriority are the two nodes' VRRP priorities: the
	// higher one wins a split brain (ties: the smaller instance ID).
	Priority     int `json:"priority,omitempty"`
	PeerPriority int `json:"peer_priority,omitempty"`
	// VRRPAddress is keepalived's placeholder virtual address (e.g.
	// 192.0.2.1/32): present on this node exactly while keepalived is MASTER,
	// so the daemon reads the state from the kernel, not only from hooks.
	VRRPAddress string `json:"vrrp_address,omitempty"`
	// KeepalivedPIDFile is keepalived's VRRP process pid file (-r); without
	// it the pid recorded by the last report is used.
	KeepalivedPIDFile string `json:"keepalived_pid_file,omitempty"`
	// MetricsFile, when set, gets the status in Prometheus text format.
	MetricsFile string `json:"metrics_file,omitempty"`
	// YieldDelay is how long the lower-priority node waits before taking an
	// EIP that left it while it was MASTER (the peer may be moving it).
	YieldDelay Duration `json:"yield_delay,omitempty"`
}

// Duration marshals as a Go duration string ("30s").
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// ConfigError is a configuration problem; the agent exits 2 on it.
type ConfigError struct {
	File  string
	Field string // the key at fault, when there is one
	Msg   string
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString("config")
	if e.File != "" {
		fmt.Fprintf(&b, " %s", e.File)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": field %q", e.Field)
	}
	fmt.Fprintf(&b, ": %s", e.Msg)
	return b.String()
}

// Validators are hand-written rather than regexps compiled at start-up:
// keepalived starts the agent on every failover, so start-up time counts.

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func allOf(s string, extra string) bool {
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) && strings.IndexByte(extra, s[i]) < 0 {
			return false
		}
	}
	return true
}

// validRegion: "cn-east-2" shape: two lower-case letters, a word, a number.
func validRegion(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts) != 3 || len(parts[0]) != 2 || parts[1] == "" || parts[2] == "" {
		return false
	}
	for _, r := range parts[0] + parts[1] {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	_, err := strconv.ParseUint(parts[2], 10, 16)
	return err == nil && allOf(parts[2], "")
}

func validID(s string) bool {
	return len(s) >= 1 && len(s) <= 64 && isAlnum(s[0]) && allOf(s, "_-")
}

func validEndpoint(s string) bool {
	host, port, hasPort := strings.Cut(s, ":")
	if host == "" || !allOf(host, ".-") {
		return false
	}
	if hasPort {
		n, err := strconv.ParseUint(port, 10, 16)
		return err == nil && n > 0 && allOf(port, "")
	}
	return true
}

func validTag(s string) bool { return len(s) >= 1 && len(s) <= 48 && allOf(s, "._-") }

var configKeys = []string{"region", "endpoint", "scheme", "eip_id", "instance_id", "peer_instance_id",
	"credentials_file", "deadline", "request_timeout", "lock_file", "log_tag", "syslog",
	"run_dir", "verify_interval", "priority", "peer_priority", "vrrp_address", "keepalived_pid_file", "metrics_file", "yield_delay"}

// LoadConfig reads and validates a config file. A relative credentials_file or
// lock_file is taken relative to the config file's directory.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, &ConfigError{File: path, Msg: err.Error()}
	}
	cfg, err := ParseConfig(path, data)
	if err != nil {
		return Config{}, err
	}
	dir := filepath.Dir(path)
	if !filepath.IsAbs(cfg.CredentialsFile) {
		cfg.CredentialsFile = filepath.Join(dir, cfg.CredentialsFile)
	}
	for _, p := range []*string{&cfg.LockFile, &cfg.RunDir, &cfg.KeepalivedPIDFile, &cfg.MetricsFile} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	return cfg, nil
}

// ParseConfig parses a config in JSON or INI form (chosen by the name's
// extension, else by whether the content starts with "{"), fills defaults
// and validates every field.
func ParseConfig(name string, data []byte) (Config, error) {
	var kv map[string]string
	var err error
	switch ext := strings.ToLower(filepath.Ext(name)); {
	case ext == ".json":
		kv, err = parseJSONConfig(name, data)
	case ext == ".ini" || ext == ".conf" || ext == ".cfg":
		kv, err = parseINIConfig(name, data)
	case bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")):
		kv, err = parseJSONConfig(name, data)
	default:
		kv, err = parseINIConfig(name, data)
	}
	if err != nil {
		return Config{}, err
	}
	return configFromMap(name, kv)
}

func parseJSONConfig(name string, data []byte) (map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return nil, &ConfigError{File: name, Msg: "not valid JSON: " + err.Error()}
	}
	if dec.More() {
		return nil, &ConfigError{File: name, Msg: "not valid JSON: data after the top-level object"}
	}
	kv := make(map[string]string, len(raw))
	for k, v := range raw {
		switch v := v.(type) {
		case string:
			kv[k] = v
		case json.Number:
			switch k {
			case "priority", "peer_priority":
				kv[k] = v.String()
			case "deadline", "request_timeout", "verify_interval", "yield_delay":
				kv[k] = v.String() + "s" // a bare number means seconds
			default:
				return nil, &ConfigError{File: name, Field: k, Msg: "must be a string"}
			}
		case bool:
			if k != "syslog" {
				return nil, &ConfigError{File: name, Field: k, Msg: "must be a string"}
			}
			kv[k] = strconv.FormatBool(v)
		case nil:
			// null is the same as absent
		default:
			return nil, &ConfigError{File: name, Field: k, Msg: "must be a string"}
		}
	}
	return kv, nil
}

// parseINIConfig reads "key = value" lines into a map; a key set twice is
// an error.
func parseINIConfig(name string, data []byte) (map[string]string, error) {
	kv := map[string]string{}
	err := scanINI(name, "", data, func(n int, k, v string) error {
		if _, dup := kv[k]; dup {
			return &ConfigError{File: name, Field: k, Msg: fmt.Sprintf("line %d: set twice", n)}
		}
		kv[k] = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	return kv, nil
}

// scanINI calls each for every "key = value" line of data (key trimmed,
// value trimmed and unquoted); "#" and ";" start comment lines, and section
// headers ([agent] or any other) are ignored. prefix starts the messages of
// its errors, which name the line but never its content.
func scanINI(name, prefix string, data []byte, each func(n int, k, v string) error) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' || (line[0] == '[' && line[len(line)-1] == ']') {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return &ConfigError{File: name, Msg: fmt.Sprintf("%sline %d: expected key = value", prefix, n)}
		}
		if err := each(n, strings.TrimSpace(k), unquote(strings.TrimSpace(v))); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		msg := err.Error()
		if prefix != "" {
			msg = strings.TrimSpace(prefix) + ": " + msg
		}
		return &ConfigError{File: name, Msg: msg}
	}
	return nil
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}

func configFromMap(name string, kv map[string]string) (Config, error) {
	known := map[string]bool{}
	for _, k := range configKeys {
		known[k] = true
	}
	var unknown []string
	for k := range kv {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return Config{}, &ConfigError{File: name, Field: unknown[0], Msg: "unknown key (known keys: " + strings.Join(configKeys, ", ") + ")"}
	}
	bad := func(field, format string, args ...any) (Config, error) {
		return Config{}, &ConfigError{File: name, Field: field, Msg: fmt.Sprintf(format, args...)}
	}

	c := Config{
		Region:            kv["region"],
		Endpoint:          kv["endpoint"],
		Scheme:            kv["scheme"],
		EIPID:             kv["eip_id"],
		InstanceID:        kv["instance_id"],
		PeerInstanceID:    kv["peer_instance_id"],
		CredentialsFile:   kv["credentials_file"],
		LockFile:          kv["lock_file"],
		LogTag:            kv["log_tag"],
		RunDir:            kv["run_dir"],
		VRRPAddress:       kv["vrrp_address"],
		KeepalivedPIDFile: kv["keepalived_pid_file"],
		MetricsFile:       kv["metrics_file"],
	}
	for _, f := range []struct{ key, val string }{{"region", c.Region}, {"eip_id", c.EIPID}, {"instance_id", c.InstanceID}, {"peer_instance_id", c.PeerInstanceID}, {"credentials_file", c.CredentialsFile}} {
		if f.val == "" {
			return bad(f.key, "required")
		}
	}
	if !validRegion(c.Region) {
		return bad("region", "%q is not a region ID such as cn-east-2", c.Region)
	}
	for _, f := range []struct{ key, val string }{{"eip_id", c.EIPID}, {"instance_id", c.InstanceID}, {"peer_instance_id", c.PeerInstanceID}} {
		if !validID(f.val) {
			return bad(f.key, "%q is not a resource ID (letters, digits, '-' and '_')", f.val)
		}
	}
	if c.InstanceID == c.PeerInstanceID {
		return bad("peer_instance_id", "must differ from instance_id")
	}
	if c.Endpoint == "" {
		c.Endpoint = "openapi.internal." + c.Region + ".jdcloud-api.com"
	} else if !validEndpoint(c.Endpoint) {
		return bad("endpoint", "%q must be a host name or host:port, without scheme or path", c.Endpoint)
	}
	if c.Scheme == "" {
		c.Scheme = DefaultScheme
	} else if c.Scheme != "http" && c.Scheme != "https" {
		return bad("scheme", "%q must be http or https", c.Scheme)
	}
	var err error
	if c.Deadline, err = parseDuration(kv["deadline"], DefaultDeadline); err != nil {
		return bad("deadline", "%v", err)
	}
	if c.RequestTimeout, err = parseDuration(kv["request_timeout"], DefaultRequestTimeout); err != nil {
		return bad("request_timeout", "%v", err)
	}
	if c.LockFile == "" {
		c.LockFile = DefaultLockFile
	}
	if c.LogTag == "" {
		c.LogTag = DefaultLogTag
	} else if !validTag(c.LogTag) {
		return bad("log_tag", "%q must be 1-48 letters, digits, '.', '_' or '-'", c.LogTag)
	}
	if c.RunDir == "" {
		c.RunDir = DefaultRunDir
	}
	if c.VerifyInterval, err = parseDuration(kv["verify_interval"], DefaultVerifyInterval); err != nil {
		return bad("verify_interval", "%v", err)
	}
	if c.YieldDelay, err = parseDuration(kv["yield_delay"], DefaultYieldDelay); err != nil {
		return bad("yield_delay", "%v", err)
	}
	for _, f := range []struct {
		key string
		dst *int
	}{{"priority", &c.Priority}, {"peer_priority", &c.PeerPriority}} {
		if s := kv[f.key]; s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > 255 {
				return bad(f.key, "%q must be a VRRP priority 1-255", s)
			}
			*f.dst = n
		}
	}
	if c.VRRPAddress != "" {
		if _, err := netip.ParsePrefix(c.VRRPAddress); err != nil {
			if _, err := netip.ParseAddr(c.VRRPAddress); err != nil {
				return bad("vrrp_address", "%q is not an IP address or prefix such as 192.0.2.1/32", c.VRRPAddress)
			}
		}
	}
	if s, ok := kv["syslog"]; ok && s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return bad("syslog", "%q must be true or false", s)
		}
		c.Syslog = &b
	}
	return c, nil
}

func parseDuration(s string, def time.Duration) (Duration, error) {
	if s == "" {
		return Duration(def), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		if n, nerr := strconv.Atoi(s); nerr == nil {
			d, err = time.Duration(n)*time.Second, nil
		}
	}
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration such as 30s", s)
	}
	if d <= 0 || d > time.Hour {
		return 0, fmt.Errorf("%s must be above 0 and at most 1h", d)
	}
	return Duration(d), nil
}

// SyslogEnabled reports whether events also go to syslog (the default).
func (c Config) SyslogEnabled() bool { return c.Syslog == nil || *c.Syslog }

// Credentials are the API key pair. String never shows the secret.
type Credentials struct {
	AccessKey string
	SecretKey string
}

func (c Credentials) String() string {
	return "Credentials{AccessKey:" + c.AccessKey + ", SecretKey:<redacted>}"
}

// GoString keeps %#v from printing the secret too.
func (c Credentials) GoString() string { return c.String() }

// LoadCredentials reads an access_key/secret_key file. It refuses a file
// that group or others may read or write: the key pair can move the EIP.
// Errors never contain the file's content.
func LoadCredentials(path string) (Credentials, error) {
	f, err := os.Open(path)
	if err != nil {
		return Credentials{}, &ConfigError{Field: "credentials_file", Msg: err.Error()}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Credentials{}, &ConfigError{Field: "credentials_file", Msg: err.Error()}
	}
	if !st.Mode().IsRegular() {
		return Credentials{}, &ConfigError{Field: "credentials_file", Msg: path + " is not a regular file"}
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return Credentials{}, &ConfigError{Field: "credentials_file", Msg: fmt.Sprintf(
			"refusing %s: mode %#o lets group or others read or write it; run: chmod 600 %s", path, perm, path)}
	}
	data, err := io.ReadAll(io.LimitReader(f, 64<<10))
	if err != nil {
		return Credentials{}, &ConfigError{Field: "credentials_file", Msg: err.Error()}
	}
	return ParseCredentials(path, data)
}

// ParseCredentials reads "access_key = ..." and "secret_key = ..." lines
// (INI; comments and a section header are allowed).
func ParseCredentials(name string, data []byte) (Credentials, error) {
	var c Credentials
	err := scanINI(name, "credentials ", data, func(n int, k, v string) error {
		switch k {
		case "access_key":
			c.AccessKey = v
		case "secret_key":
			c.SecretKey = v
		default:
			return &ConfigError{File: name, Field: k, Msg: fmt.Sprintf("credentials line %d: unknown key (want access_key and secret_key)", n)}
		}
		return nil
	})
	if err != nil {
		return Credentials{}, err
	}
	if c.AccessKey == "" {
		return Credentials{}, &ConfigError{File: name, Field: "access_key", Msg: "required in the credentials file"}
	}
	if c.SecretKey == "" {
		return Credentials{}, &ConfigError{File: name, Field: "secret_key", Msg: "required in the credentials file"}
	}
	return c, nil
}

// IsConfigError reports whether err is a configuration problem (exit 2).
func IsConfigError(err error) bool {
	var ce *ConfigError
	return errors.As(err, &ce)
}
