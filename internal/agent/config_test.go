package agent

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const validJSON = `{
  "region": "cn-east-2",
  "eip_id": "fip-b6f37survq",
  "instance_id": "i-bszab8pxg0",
  "peer_instance_id": "i-pi9w6jp716",
  "credentials_file": "credentials",
  "deadline": 45,
  "syslog": false
}`

const validINI = `# agent config
[agent]
region = cn-east-2
eip_id = fip-b6f37survq
instance_id = "i-bszab8pxg0"
peer_instance_id = i-pi9w6jp716
credentials_file = /etc/jdcloud-eip-failover/credentials
endpoint = 127.0.0.1:8000
scheme = http
deadline = 1m30s
lock_file = /tmp/x.lock
log_tag = eip-ha
`

func TestParseConfigJSONAndINI(t *testing.T) {
	j, err := ParseConfig("agent.json", []byte(validJSON))
	if err != nil {
		t.Fatalf("JSON: %v", err)
	}
	if j.Region != "cn-east-2" || j.EIPID != "fip-b6f37survq" || j.InstanceID != "i-bszab8pxg0" || j.PeerInstanceID != "i-pi9w6jp716" ||
		j.Endpoint != "openapi.internal.cn-east-2.jdcloud-api.com" || j.Scheme != "http" || time.Duration(j.Deadline) != 45*time.Second ||
		time.Duration(j.RequestTimeout) != DefaultRequestTimeout || j.LockFile != DefaultLockFile || j.LogTag != DefaultLogTag || j.SyslogEnabled() {
		t.Fatalf("JSON config parsed wrong: %+v", j)
	}
	i, err := ParseConfig("agent.conf", []byte(validINI))
	if err != nil {
		t.Fatalf("INI: %v", err)
	}
	if i.InstanceID != "i-bszab8pxg0" || i.Endpoint != "127.0.0.1:8000" || time.Duration(i.Deadline) != 90*time.Second ||
		i.LockFile != "/tmp/x.lock" || i.LogTag != "eip-ha" || !i.SyslogEnabled() {
		t.Fatalf("INI config parsed wrong: %+v", i)
	}
	// Format by content when the extension says nothing.
	if _, err := ParseConfig("agent", []byte(validJSON)); err != nil {
		t.Fatalf("JSON by content: %v", err)
	}
	if _, err := ParseConfig("agent", []byte(validINI)); err != nil {
		t.Fatalf("INI by content: %v", err)
	}
}

func TestConfigRoundTripsThroughJSON(t *testing.T) {
	c, err := ParseConfig("a.ini", []byte(validINI))
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseConfig("a.json", data)
	if err != nil {
		t.Fatalf("marshalled config does not parse: %v\n%s", err, data)
	}
	if back != c {
		t.Fatalf("round trip changed the config:\n%+v\n%+v", c, back)
	}
}

func TestParseConfigErrorsNameTheField(t *testing.T) {
	base := map[string]any{"region": "cn-east-2", "eip_id": "fip-1", "instance_id": "i-1", "peer_instance_id": "i-2", "credentials_file": "/c"}
	for _, tc := range []struct {
		field string
		value any // nil deletes the key
	}{
		{"region", nil}, {"region", "Shanghai"}, {"eip_id", nil}, {"eip_id", "fip 1"}, {"instance_id", nil},
		{"peer_instance_id", nil}, {"peer_instance_id", "i-1"}, {"credentials_file", nil},
		{"scheme", "ftp"}, {"endpoint", "http://x/"}, {"deadline", "soon"}, {"deadline", "-1s"}, {"request_timeout", "0"},
		{"log_tag", "a b"}, {"syslog", "maybe"}, {"eip_id", 12}, {"instance_id", []string{"x"}}, {"colour", "blue"},
	} {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		if tc.value == nil {
			delete(m, tc.field)
		} else {
			m[tc.field] = tc.value
		}
		data, _ := json.Marshal(m)
		_, err := ParseConfig("agent.json", data)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("field %q", tc.field)) || !IsConfigError(err) {
			t.Errorf("%s=%v: error %v does not name the field", tc.field, tc.value, err)
		}
	}
	for _, bad := range []string{"{", `{"region": "cn-east-2"} {}`, `[1]`} {
		if _, err := ParseConfig("agent.json", []byte(bad)); err == nil || !IsConfigError(err) {
			t.Errorf("bad JSON %q accepted: %v", bad, err)
		}
	}
	if _, err := ParseConfig("agent.ini", []byte("region = cn-east-2\njust words\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("INI error should name the line: %v", err)
	}
	if _, err := ParseConfig("agent.ini", []byte("region = cn-east-2\nregion = cn-east-1\n")); err == nil || !strings.Contains(err.Error(), `field "region"`) {
		t.Errorf("INI duplicate should name the field: %v", err)
	}
}

func TestLoadConfigResolvesRelativePaths(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "agent.json")
	if err := os.WriteFile(path, []byte(validJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.CredentialsFile != filepath.Join(dir, "credentials") || c.LockFile != DefaultLockFile {
		t.Fatalf("paths: credentials %q lock %q", c.CredentialsFile, c.LockFile)
	}
	if _, err := LoadConfig(filepath.Join(dir, "missing.json")); !IsConfigError(err) {
		t.Fatalf("missing file: %v", err)
	}
}

const secret = "SECRET-do-not-print-0123456789"

func TestLoadCredentialsRefusesLoosePermissions(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "credentials")
	content := "[default]\n# agent key\naccess_key = AKTEST\nsecret_key = " + secret + "\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o620, 0o602, 0o660} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := LoadCredentials(path)
		if err == nil || !IsConfigError(err) || !strings.Contains(err.Error(), "chmod 600") {
			t.Fatalf("mode %#o: want a refusal telling to chmod 600, got %v", mode, err)
		}
		if strings.Contains(err.Error(), secret) {
			t.Fatal("error contains the secret")
		}
	}
	for _, mode := range []os.FileMode{0o600, 0o400} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		c, err := LoadCredentials(path)
		if err != nil || c.AccessKey != "AKTEST" || c.SecretKey != secret {
			t.Fatalf("mode %#o: %v %v", mode, c, err)
		}
		if s := fmt.Sprintf("%v %+v %#v %s", c, c, c, c); strings.Contains(s, secret) {
			t.Fatalf("formatting credentials shows the secret: %s", s)
		}
	}
}

func TestParseCredentialsErrorsNeverShowContent(t *testing.T) {
	for _, tc := range []struct{ content, want string }{
		{"access_key = AK\n", `field "secret_key"`},
		{"secret_key = " + secret + "\n", `field "access_key"`},
		{"access_key = AK\nsecret_key " + secret + "\n", "line 2"},
		{"access_key = AK\nsecret = " + secret + "\n", `field "secret"`},
	} {
		_, err := ParseCredentials("creds", []byte(tc.content))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want error with %s", tc.content, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%q: error shows the secret: %v", tc.content, err)
		}
	}
}

func TestValidators(t *testing.T) {
	for _, tc := range []struct {
		f    func(string) bool
		good []string
		bad  []string
	}{
		{validRegion, []string{"cn-east-2", "cn-north-1", "cn-south-1"}, []string{"", "cn-east", "cn-east-", "CN-east-2", "cn-east-2a", "c-east-2", "cn--2", "cn-east-2-x", "cn-east-+2"}},
		{validID, []string{"i-abc", "fip-b6f37survq", "x", "a_b-c"}, []string{"", "-a", "i abc", "i/abc", "i.abc", strings.Repeat("a", 65)}},
		{validEndpoint, []string{"127.0.0.1:8000", "openapi.internal.cn-east-2.jdcloud-api.com", "host"}, []string{"", ":80", "http://x", "x/y", "x:", "x:0", "x:99999", "x:+1", "a b"}},
		{validTag, []string{"jdcloud-eip-failover", "a.b_c"}, []string{"", "a b", "a/b", strings.Repeat("a", 49)}},
	} {
		for _, s := range tc.good {
			if !tc.f(s) {
				t.Errorf("%q rejected", s)
			}
		}
		for _, s := range tc.bad {
			if tc.f(s) {
				t.Errorf("%q accepted", s)
			}
		}
	}
}
