package provider

import (
	"errors"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func fakeEnv(vars map[string]string, home string) environment {
	return environment{
		Getenv: func(k string) string { return vars[k] },
		HomeDir: func() (string, error) {
			if home == "" {
				return "", errors.New("$HOME is not defined")
			}
			return home, nil
		},
	}
}

// settings is the part of a resolved configuration the precedence table checks.
type settings struct {
	AccessKey, SecretKey, Region, Endpoint, Scheme string
	PollInterval, RequestTimeout                   time.Duration
	MaxRetries                                     int
}

func TestResolvePrecedence(t *testing.T) {
	jdc := writeJdc(t, jdcConfig, ptr("shanghai"))
	noProfile := t.TempDir()
	full := map[string]string{
		EnvAccessKey: "AKENV", EnvSecretKey: "SKENV", EnvRegion: "cn-south-1", EnvEndpoint: "env.example:8000",
		EnvScheme: "http", EnvPollInterval: "300ms", EnvMaxRetries: "2", EnvRequestTimeout: "9s",
	}
	tests := []struct {
		name string
		in   configInput
		env  map[string]string
		want settings
	}{
		{
			name: "defaults when only the keys are given",
			in:   configInput{AccessKey: ptr("AK"), SecretKey: ptr("SK"), SharedConfigDir: &noProfile},
			want: settings{"AK", "SK", "cn-north-1", "www.jdcloud-api.com", "https", time.Second, 20 * time.Second, jdcloud.UnlimitedRetries},
		},
		{
			name: "profile beats defaults (profile from the current file)",
			in:   configInput{SharedConfigDir: &jdc},
			want: settings{"AKSH", "SKSH", "cn-east-2", "openapi.internal.cn-east-2.jdcloud-api.com", "http", time.Second, 7 * time.Second, jdcloud.UnlimitedRetries},
		},
		{
			name: "environment beats profile",
			in:   configInput{SharedConfigDir: &jdc},
			env:  full,
			want: settings{"AKENV", "SKENV", "cn-south-1", "env.example:8000", "http", 300 * time.Millisecond, 9 * time.Second, 2},
		},
		{
			name: "attributes beat environment",
			in: configInput{AccessKey: ptr("AKATTR"), SecretKey: ptr("SKATTR"), Region: ptr("cn-east-1"), Endpoint: ptr("attr.example"),
				Scheme: ptr("https"), PollInterval: ptr("20ms"), MaxRetries: ptr(int64(0)), RequestTimeout: ptr("1m"), SharedConfigDir: &jdc},
			env:  full,
			want: settings{"AKATTR", "SKATTR", "cn-east-1", "attr.example", "https", 20 * time.Millisecond, time.Minute, 0},
		},
		{
			name: "JDCLOUD_PROFILE beats the current file",
			in:   configInput{SharedConfigDir: &jdc},
			env:  map[string]string{EnvProfile: "default"},
			want: settings{"AKDEFAULT", "SKDEFAULT", "cn-north-1", "www.jdcloud-api.com", "https", time.Second, 20 * time.Second, jdcloud.UnlimitedRetries},
		},
		{
			name: "profile attribute beats JDCLOUD_PROFILE",
			in:   configInput{SharedConfigDir: &jdc, Profile: ptr("shanghai")},
			env:  map[string]string{EnvProfile: "default"},
			want: settings{"AKSH", "SKSH", "cn-east-2", "openapi.internal.cn-east-2.jdcloud-api.com", "http", time.Second, 7 * time.Second, jdcloud.UnlimitedRetries},
		},
		{
			name: "keys from the environment, the rest from the profile",
			in:   configInput{SharedConfigDir: &jdc},
			env:  map[string]string{EnvAccessKey: "AKENV", EnvSecretKey: "SKENV"},
			want: settings{"AKENV", "SKENV", "cn-east-2", "openapi.internal.cn-east-2.jdcloud-api.com", "http", time.Second, 7 * time.Second, jdcloud.UnlimitedRetries},
		},
		{
			name: "empty attribute and empty env count as unset",
			in:   configInput{SharedConfigDir: &jdc, Region: ptr("")},
			env:  map[string]string{EnvRegion: ""},
			want: settings{"AKSH", "SKSH", "cn-east-2", "openapi.internal.cn-east-2.jdcloud-api.com", "http", time.Second, 7 * time.Second, jdcloud.UnlimitedRetries},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problems := resolve(tt.in, fakeEnv(tt.env, t.TempDir()))
			if len(problems) > 0 {
				t.Fatalf("unexpected problems: %+v", problems)
			}
			gs := settings{got.AccessKey, got.SecretKey, got.Region, got.Endpoint, got.Scheme, got.PollInterval, got.RequestTimeout, got.MaxRetries}
			if gs != tt.want {
				t.Errorf("got  %+v\nwant %+v", gs, tt.want)
			}
		})
	}
}

func TestResolveSourcesNeverHoldSecrets(t *testing.T) {
	got, problems := resolve(configInput{AccessKey: ptr("AKATTR"), SecretKey: ptr("SKATTR"), SharedConfigDir: ptr(t.TempDir())}, fakeEnv(nil, ""))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	if got.Sources["credentials"] != "attribute" || got.Sources["region"] != "default" {
		t.Errorf("sources: %v", got.Sources)
	}
	for k, v := range got.Sources {
		if strings.Contains(v, "SKATTR") || strings.Contains(v, "AKATTR") {
			t.Errorf("source %s=%q contains a key", k, v)
		}
	}
}

func TestResolveExpandsHome(t *testing.T) {
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".jdc"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".jdc", "config"), []byte(jdcConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	// Default dir ~/.jdc, no current file: the "default" profile.
	got, problems := resolve(configInput{}, fakeEnv(nil, home))
	if len(problems) > 0 || got.AccessKey != "AKDEFAULT" {
		t.Fatalf("default ~/.jdc: got %q, problems %+v", got.AccessKey, problems)
	}
	got, problems = resolve(configInput{SharedConfigDir: ptr("~/.jdc"), Profile: ptr("shanghai")}, fakeEnv(nil, home))
	if len(problems) > 0 || got.AccessKey != "AKSH" {
		t.Fatalf("explicit ~/.jdc: got %q, problems %+v", got.AccessKey, problems)
	}
}

// oneProblem runs resolve and requires exactly one problem.
func oneProblem(t *testing.T, in configInput, env map[string]string) configProblem {
	t.Helper()
	_, problems := resolve(in, fakeEnv(env, t.TempDir()))
	if len(problems) != 1 {
		t.Fatalf("got %d problems, want 1: %+v", len(problems), problems)
	}
	return problems[0]
}

func TestMissingCredentialsDiagnostic(t *testing.T) {
	dir := t.TempDir()
	p := oneProblem(t, configInput{SharedConfigDir: &dir}, nil)
	if p.Summary != "Missing JD Cloud credentials" {
		t.Errorf("summary %q", p.Summary)
	}
	cfgFile := filepath.Join(dir, "config")
	for _, want := range []string{
		`access_key and secret_key arguments of the provider "jdcloudha" block`,
		"JDCLOUD_ACCESS_KEY and JDCLOUD_SECRET_KEY environment variables",
		`jdc CLI profile "default"`,
		cfgFile + " does not exist",
		"JDCLOUD_PROFILE",
		filepath.Join(dir, "current"),
	} {
		if !strings.Contains(p.Detail, want) {
			t.Errorf("detail lacks %q:\n%s", want, p.Detail)
		}
	}
	// The three places come in precedence order.
	a, e, f := strings.Index(p.Detail, "1. the access_key"), strings.Index(p.Detail, "2. the JDCLOUD_ACCESS_KEY"), strings.Index(p.Detail, "3. the jdc CLI profile")
	if a < 0 || !(a < e && e < f) {
		t.Errorf("places out of order:\n%s", p.Detail)
	}
}

func TestIncompleteCredentialsDiagnostic(t *testing.T) {
	jdc := writeJdc(t, jdcConfig, ptr("shanghai"))
	tests := []struct {
		name       string
		in         configInput
		env        map[string]string
		wantDetail string
	}{
		{"access_key attribute alone", configInput{AccessKey: ptr("AK")},
			nil, "access_key is set in the provider block but secret_key is not"},
		// The environment's secret must not silently complete an attribute's access key.
		{"attribute and env mixed", configInput{AccessKey: ptr("AK"), SharedConfigDir: &jdc},
			map[string]string{EnvSecretKey: "SKENV"}, "access_key is set in the provider block but secret_key is not"},
		{"secret in env alone", configInput{SharedConfigDir: &jdc},
			map[string]string{EnvSecretKey: "SK"}, "JDCLOUD_SECRET_KEY is set in the environment but JDCLOUD_ACCESS_KEY is not"},
		{"profile with one key", configInput{SharedConfigDir: ptr(writeJdc(t, "[default]\naccess_key = AK\n", nil))},
			nil, `access_key is set in jdc profile "default"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.in.SharedConfigDir == nil {
				tt.in.SharedConfigDir = ptr(t.TempDir())
			}
			p := oneProblem(t, tt.in, tt.env)
			if p.Summary != "Incomplete JD Cloud credentials" || !strings.Contains(p.Detail, tt.wantDetail) {
				t.Errorf("got %q / %q, want detail containing %q", p.Summary, p.Detail, tt.wantDetail)
			}
			if !strings.Contains(p.Detail, "The provider looks for credentials in this order") {
				t.Errorf("detail does not say where credentials are looked for:\n%s", p.Detail)
			}
			for _, secret := range []string{"SKENV", "SKSH", "SKDEFAULT"} {
				if strings.Contains(p.Detail, secret) {
					t.Errorf("detail leaks a secret key:\n%s", p.Detail)
				}
			}
		})
	}
}

func TestNamedProfileMustExist(t *testing.T) {
	jdc := writeJdc(t, jdcConfig, nil)
	for _, tt := range []struct {
		name     string
		in       configInput
		env      map[string]string
		wantAttr string
		wantFrom string
	}{
		{"attribute", configInput{SharedConfigDir: &jdc, Profile: ptr("prod")}, nil, "profile", "the profile attribute"},
		{"env", configInput{SharedConfigDir: &jdc}, map[string]string{EnvProfile: "prod", EnvAccessKey: "AK", EnvSecretKey: "SK"}, "", EnvProfile},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := oneProblem(t, tt.in, tt.env)
			if p.Summary != "JD Cloud profile not found" || p.Attribute != tt.wantAttr {
				t.Errorf("got %+v", p)
			}
			for _, want := range []string{`Profile "prod" (named by ` + tt.wantFrom + `)`, "no [prod] section", "Profiles in " + filepath.Join(jdc, "config") + ": default, shanghai.", "The provider looks for credentials in this order"} {
				if !strings.Contains(p.Detail, want) {
					t.Errorf("detail lacks %q:\n%s", want, p.Detail)
				}
			}
		})
	}
}

func TestStaleCurrentFileIsNotFatal(t *testing.T) {
	jdc := writeJdc(t, jdcConfig, ptr("deleted-profile"))
	got, problems := resolve(configInput{SharedConfigDir: &jdc}, fakeEnv(map[string]string{EnvAccessKey: "AK", EnvSecretKey: "SK"}, ""))
	if len(problems) > 0 || got.AccessKey != "AK" {
		t.Fatalf("keys in env with a stale current file: %+v", problems)
	}
	// Without keys, the missing-credentials diagnostic explains the stale profile.
	p := oneProblem(t, configInput{SharedConfigDir: &jdc}, nil)
	if p.Summary != "Missing JD Cloud credentials" || !strings.Contains(p.Detail, `profile "deleted-profile" (named by `+filepath.Join(jdc, "current")+`)`) ||
		!strings.Contains(p.Detail, "no [deleted-profile] section") {
		t.Errorf("got %+v", p)
	}
}

func TestResolveRejectsBadValuesFromEnvAndProfile(t *testing.T) {
	keys := map[string]string{EnvAccessKey: "AK", EnvSecretKey: "SK"}
	with := func(k, v string) map[string]string {
		m := map[string]string{k: v}
		for a, b := range keys {
			m[a] = b
		}
		return m
	}
	tests := []struct {
		name     string
		in       configInput
		env      map[string]string
		wantAttr string
		want     string
	}{
		{"env scheme", configInput{}, with(EnvScheme, "ftp"), "scheme", `scheme "ftp" (from env JDCLOUD_SCHEME) must be http or https`},
		{"profile scheme", configInput{SharedConfigDir: ptr(writeJdc(t, "[default]\nscheme = tcp\n", nil))}, keys, "scheme", `(from profile "default")`},
		{"env endpoint with scheme", configInput{}, with(EnvEndpoint, "http://127.0.0.1:8000"), "endpoint", "without the scheme"},
		{"env max retries", configInput{}, with(EnvMaxRetries, "-1"), "max_retries", "JDCLOUD_MAX_RETRIES"},
		{"env poll interval", configInput{}, with(EnvPollInterval, "5"), "poll_interval", "not a duration"},
		{"zero request timeout", configInput{RequestTimeout: ptr("0s")}, keys, "request_timeout", "greater than zero"},
		{"profile timeout not a number", configInput{SharedConfigDir: ptr(writeJdc(t, "[default]\ntimeout = soon\n", nil))}, keys, "request_timeout", `timeout = "soon" in profile "default"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.in.SharedConfigDir == nil {
				tt.in.SharedConfigDir = ptr(t.TempDir())
			}
			p := oneProblem(t, tt.in, tt.env)
			if p.Attribute != tt.wantAttr || !strings.Contains(p.Detail, tt.want) {
				t.Errorf("got %+v, want attribute %q and detail containing %q", p, tt.wantAttr, tt.want)
			}
		})
	}
}
