package provider

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
)

// Environment variables read by the provider. Each one stands in for the
// provider attribute of the same name.
const (
	EnvAccessKey      = "JDCLOUD_ACCESS_KEY"
	EnvSecretKey      = "JDCLOUD_SECRET_KEY"
	EnvRegion         = "JDCLOUD_REGION"
	EnvEndpoint       = "JDCLOUD_ENDPOINT"
	EnvScheme         = "JDCLOUD_SCHEME"
	EnvProfile        = "JDCLOUD_PROFILE"
	EnvPollInterval   = "JDCLOUD_POLL_INTERVAL"
	EnvMaxRetries     = "JDCLOUD_MAX_RETRIES"
	EnvRequestTimeout = "JDCLOUD_REQUEST_TIMEOUT"
)

// defaultSharedConfigDir is where the jdc CLI keeps its profiles.
const defaultSharedConfigDir = "~/.jdc"

// configInput is the provider block as plain Go: nil means the attribute was
// not set (null). Unknown values never get here: Configure defers first.
type configInput struct {
	AccessKey       *string
	SecretKey       *string
	Region          *string
	Endpoint        *string
	Scheme          *string
	Profile         *string
	SharedConfigDir *string
	PollInterval    *string
	MaxRetries      *int64
	RequestTimeout  *string
}

// resolvedConfig is what Configure hands to jdcloud.New, plus where each
// value came from (for the DEBUG log; never the secrets themselves).
type resolvedConfig struct {
	jdcloud.Config
	Sources map[string]string // setting -> "attribute", "env JDCLOUD_…", `profile "x"`, "default"
}

// configProblem becomes one error diagnostic. Attribute names the provider
// attribute to blame, when there is exactly one.
type configProblem struct {
	Attribute string
	Summary   string
	Detail    string
}

// environment is what resolve needs from the process, injected for tests.
type environment struct {
	Getenv  func(string) string
	HomeDir func() (string, error)
}

// profileChoice records which jdc profile applies and why.
type profileChoice struct {
	Dir     string
	Name    string
	From    string // "the profile attribute", "JDCLOUD_PROFILE", "<dir>/current", or "" for the fallback "default"
	Profile Profile
	Err     error // nil when the profile was read
}

func (p profileChoice) explicit() bool { return p.From != "" }

// resolve applies the precedence attribute > environment > jdc profile >
// default to every setting. It returns every problem it finds, but at most
// one about credentials.
func resolve(in configInput, env environment) (resolvedConfig, []configProblem) {
	var problems []configProblem
	out := resolvedConfig{Sources: map[string]string{}}

	prof, perr := chooseProfile(in, env)
	if perr != nil {
		problems = append(problems, *perr)
	}

	// pick returns the first non-empty value among attribute, env, profile.
	pick := func(setting string, attr *string, envName, profValue, def string) string {
		switch {
		case attr != nil && *attr != "":
			out.Sources[setting] = "attribute"
			return *attr
		case envName != "" && env.Getenv(envName) != "":
			out.Sources[setting] = "env " + envName
			return env.Getenv(envName)
		case profValue != "":
			out.Sources[setting] = fmt.Sprintf("profile %q", prof.Name)
			return profValue
		default:
			out.Sources[setting] = "default"
			return def
		}
	}

	out.Region = pick("region", in.Region, EnvRegion, prof.Profile.Region, jdcloud.DefaultRegion)
	out.Endpoint = pick("endpoint", in.Endpoint, EnvEndpoint, prof.Profile.Endpoint, jdcloud.DefaultEndpoint)
	if msg := endpointProblem(out.Endpoint); msg != "" {
		problems = append(problems, configProblem{Attribute: "endpoint", Summary: "Invalid endpoint",
			Detail: fmt.Sprintf("endpoint %q (from %s) %s", out.Endpoint, out.Sources["endpoint"], msg)})
	}
	out.Scheme = strings.ToLower(pick("scheme", in.Scheme, EnvScheme, prof.Profile.Scheme, jdcloud.DefaultScheme))
	if out.Scheme != "http" && out.Scheme != "https" {
		problems = append(problems, configProblem{Attribute: "scheme", Summary: "Invalid scheme",
			Detail: fmt.Sprintf("scheme %q (from %s) must be http or https.", out.Scheme, out.Sources["scheme"])})
	}

	var err error
	poll := pick("poll_interval", in.PollInterval, EnvPollInterval, "", jdcloud.DefaultPollInterval.String())
	if out.PollInterval, err = positiveDuration(poll); err != nil {
		problems = append(problems, configProblem{Attribute: "poll_interval", Summary: "Invalid poll_interval",
			Detail: fmt.Sprintf("poll_interval %q (from %s): %v", poll, out.Sources["poll_interval"], err)})
	}

	profTimeout := ""
	if t := strings.TrimSpace(prof.Profile.Timeout); t != "" {
		// The jdc CLI writes seconds as a plain number.
		if secs, err := strconv.ParseFloat(t, 64); err == nil && secs > 0 {
			profTimeout = time.Duration(secs * float64(time.Second)).String()
		} else if in.RequestTimeout == nil && env.Getenv(EnvRequestTimeout) == "" {
			problems = append(problems, configProblem{Attribute: "request_timeout", Summary: "Invalid timeout in the jdc profile",
				Detail: fmt.Sprintf("timeout = %q in profile %q (%s) must be a number of seconds greater than zero; "+
					"fix the profile or set request_timeout.", t, prof.Name, filepath.Join(prof.Dir, profileConfigFile))})
		}
	}
	timeout := pick("request_timeout", in.RequestTimeout, EnvRequestTimeout, profTimeout, jdcloud.DefaultRequestTimeout.String())
	if out.RequestTimeout, err = positiveDuration(timeout); err != nil {
		problems = append(problems, configProblem{Attribute: "request_timeout", Summary: "Invalid request_timeout",
			Detail: fmt.Sprintf("request_timeout %q (from %s): %v", timeout, out.Sources["request_timeout"], err)})
	}

	switch {
	case in.MaxRetries != nil:
		out.Sources["max_retries"] = "attribute"
		out.MaxRetries = int(*in.MaxRetries)
	case env.Getenv(EnvMaxRetries) != "":
		out.Sources["max_retries"] = "env " + EnvMaxRetries
		n, err := strconv.Atoi(strings.TrimSpace(env.Getenv(EnvMaxRetries)))
		if err != nil || n < 0 {
			problems = append(problems, configProblem{Attribute: "max_retries", Summary: "Invalid max_retries",
				Detail: fmt.Sprintf("%s=%q must be a whole number of at least 0.", EnvMaxRetries, env.Getenv(EnvMaxRetries))})
		}
		out.MaxRetries = n
	default:
		out.Sources["max_retries"] = "default"
		out.MaxRetries = jdcloud.UnlimitedRetries
	}
	if in.MaxRetries != nil && *in.MaxRetries < 0 {
		// The schema's validator catches this first; kept for callers without it.
		problems = append(problems, configProblem{Attribute: "max_retries", Summary: "Invalid max_retries",
			Detail: fmt.Sprintf("max_retries must be at least 0, got %d.", *in.MaxRetries)})
	}

	if perr == nil {
		if p := resolveCredentials(in, env, prof, &out); p != nil {
			problems = append(problems, *p)
		}
	}
	return out, problems
}

// chooseProfile finds the jdc profile: its directory from shared_config_dir
// (default ~/.jdc), its name from the profile attribute, JDCLOUD_PROFILE,
// <dir>/current, or "default". A profile that was named but cannot be read
// is a problem; the unnamed fallback may simply not exist.
func chooseProfile(in configInput, env environment) (profileChoice, *configProblem) {
	var c profileChoice
	dir := defaultSharedConfigDir
	if in.SharedConfigDir != nil && *in.SharedConfigDir != "" {
		dir = *in.SharedConfigDir
	}
	if dir == "~" || strings.HasPrefix(dir, "~/") {
		home, err := env.HomeDir()
		if err != nil {
			if in.SharedConfigDir != nil {
				return c, &configProblem{Attribute: "shared_config_dir", Summary: "Cannot find the home directory",
					Detail: fmt.Sprintf("shared_config_dir %q starts with ~ but the home directory is unknown: %v", dir, err)}
			}
			// No home directory and no explicit dir: there is no profile to read.
			c.Err = fmt.Errorf("%w: no home directory (%v)", ErrProfileNotFound, err)
			c.Name = defaultProfileName
			return c, nil
		}
		dir = filepath.Join(home, strings.TrimPrefix(dir, "~"))
	}
	c.Dir = dir

	switch {
	case in.Profile != nil && *in.Profile != "":
		c.Name, c.From = *in.Profile, "the profile attribute"
	case env.Getenv(EnvProfile) != "":
		c.Name, c.From = strings.TrimSpace(env.Getenv(EnvProfile)), EnvProfile
	default:
		name, named, err := CurrentProfileName(dir)
		if err != nil {
			return c, &configProblem{Attribute: "profile", Summary: "Cannot read the current jdc profile",
				Detail: fmt.Sprintf("reading %s: %v", filepath.Join(dir, profileCurrentFile), err)}
		}
		c.Name = name
		if named {
			c.From = filepath.Join(dir, profileCurrentFile)
		}
	}

	c.Profile, c.Err = LoadProfile(dir, c.Name)
	if c.Err == nil {
		return c, nil
	}
	// Only a profile named by the attribute or JDCLOUD_PROFILE must be
	// readable; a stale ~/.jdc/current or a broken ~/.jdc/config should not
	// break a setup that passes keys directly (if the keys are missing, the
	// credentials diagnostic shows this error).
	if c.From != "the profile attribute" && c.From != EnvProfile {
		return c, nil
	}
	notFound := errors.Is(c.Err, ErrProfileNotFound)
	attr := "profile"
	if c.From == EnvProfile {
		attr = ""
	}
	summary := "Cannot read the jdc profile"
	if notFound {
		summary = "JD Cloud profile not found"
	}
	detail := fmt.Sprintf("Profile %q (named by %s) could not be used: %v.", c.Name, c.From, c.Err)
	if names := ProfileNames(dir); len(names) > 0 {
		detail += fmt.Sprintf("\nProfiles in %s: %s.", filepath.Join(dir, profileConfigFile), strings.Join(names, ", "))
	}
	detail += "\n\n" + credentialSources(c)
	return c, &configProblem{Attribute: attr, Summary: summary, Detail: detail}
}

// resolveCredentials takes the key pair from the first place that has either
// key. Both keys must come from that same place: pairing an access key from
// one place with a secret key from another is almost always a mistake.
func resolveCredentials(in configInput, env environment, prof profileChoice, out *resolvedConfig) *configProblem {
	type level struct {
		where      string
		akName     string
		skName     string
		accessKey  string
		secretKey  string
		sourceName string
	}
	levels := []level{
		{"in the provider block", "access_key", "secret_key", deref(in.AccessKey), deref(in.SecretKey), "attribute"},
		{"in the environment", EnvAccessKey, EnvSecretKey, env.Getenv(EnvAccessKey), env.Getenv(EnvSecretKey), "env"},
		{fmt.Sprintf("in jdc profile %q (%s)", prof.Name, filepath.Join(prof.Dir, profileConfigFile)), "access_key", "secret_key", prof.Profile.AccessKey, prof.Profile.SecretKey, fmt.Sprintf("profile %q", prof.Name)},
	}
	for _, l := range levels {
		if l.accessKey == "" && l.secretKey == "" {
			continue
		}
		if l.accessKey == "" || l.secretKey == "" {
			set, missing := l.akName, l.skName
			if l.accessKey == "" {
				set, missing = l.skName, l.akName
			}
			return &configProblem{
				Summary: "Incomplete JD Cloud credentials",
				Detail: fmt.Sprintf("%s is set %s but %s is not. Both keys must come from the same place.\n\n%s",
					set, l.where, missing, credentialSources(prof)),
			}
		}
		out.AccessKey, out.SecretKey = l.accessKey, l.secretKey
		out.Sources["credentials"] = l.sourceName
		return nil
	}
	return &configProblem{
		Summary: "Missing JD Cloud credentials",
		Detail:  "No access key and secret key were found.\n\n" + credentialSources(prof),
	}
}

// credentialSources explains where credentials are looked for, in order.
func credentialSources(prof profileChoice) string {
	file := filepath.Join(prof.Dir, profileConfigFile)
	if prof.Dir == "" {
		file = filepath.Join(defaultSharedConfigDir, profileConfigFile)
	}
	chosen := "the fallback, as no profile was named"
	if prof.explicit() {
		chosen = "named by " + prof.From
	}
	state := "found"
	switch {
	case prof.Err != nil:
		state = prof.Err.Error()
	case prof.Profile.AccessKey == "" && prof.Profile.SecretKey == "":
		state = "found, without access_key/secret_key"
	}
	return fmt.Sprintf("The provider looks for credentials in this order and uses the first place that has any:\n"+
		"  1. the access_key and secret_key arguments of the provider \"jdcloudha\" block\n"+
		"  2. the %s and %s environment variables\n"+
		"  3. the jdc CLI profile %q (%s) in %s, keys access_key and secret_key: %s\n"+
		"The profile is chosen by the profile argument, else %s, else the name in %s, else \"default\"; "+
		"the directory is shared_config_dir (default %s).",
		EnvAccessKey, EnvSecretKey, prof.Name, chosen, file, state,
		EnvProfile, filepath.Join(filepath.Dir(file), profileCurrentFile), defaultSharedConfigDir)
}

// endpointProblem says what is wrong with an endpoint, or "" if nothing.
func endpointProblem(endpoint string) string {
	switch {
	case strings.Contains(endpoint, "://"):
		return "must be a host name with an optional port, without the scheme: put http/https in scheme."
	case strings.ContainsAny(endpoint, "/?# "):
		return "must be a host name with an optional port, without a path."
	}
	return ""
}

func positiveDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("not a duration (use a number with a unit, such as \"500ms\", \"2s\" or \"1m\")")
	}
	if d <= 0 {
		return 0, fmt.Errorf("must be greater than zero")
	}
	return d, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
