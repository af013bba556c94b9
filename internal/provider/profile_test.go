package provider

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// A config file as the jdc CLI writes it (configparser style), plus the
// comment and spacing variants a hand edit produces.
const jdcConfig = `[default]
access_key = AKDEFAULT
secret_key = SKDEFAULT
region_id = cn-north-1
endpoint = www.jdcloud-api.com
scheme = https
timeout = 20

# a second account
[shanghai]
access_key=AKSH
secret_key: SKSH
region_id = cn-east-2
; internal endpoint from inside the cloud
endpoint = openapi.internal.cn-east-2.jdcloud-api.com
scheme = http
timeout = 7
`

func writeJdc(t *testing.T, config string, current *string) string {
	t.Helper()
	dir := t.TempDir()
	if config != "" {
		if err := os.WriteFile(filepath.Join(dir, "config"), []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if current != nil {
		if err := os.WriteFile(filepath.Join(dir, "current"), []byte(*current), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func ptr[T any](v T) *T { return &v }

func TestParseINI(t *testing.T) {
	got, err := ParseINI("\ufeffignored = before any section\n[a]\nK = 1\n x : y z \n\n[b]\n#c=3\n;d=4\nEMPTY =\n[a]\nk2=2\n")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]string{
		"a": {"k": "1", "x": "y z", "k2": "2"},
		"b": {"empty": ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v, want %#v", got, want)
	}
}

func TestParseINIRejectsGarbage(t *testing.T) {
	for _, text := range []string{"[unterminated\nk=v\n", "[a]\nno separator here\n"} {
		if _, err := ParseINI(text); err == nil {
			t.Errorf("ParseINI(%q) succeeded, want an error", text)
		} else if !strings.Contains(err.Error(), "line ") {
			t.Errorf("error %q does not name the line", err)
		}
	}
}

func TestLoadProfile(t *testing.T) {
	dir := writeJdc(t, jdcConfig, nil)
	p, err := LoadProfile(dir, "shanghai")
	if err != nil {
		t.Fatal(err)
	}
	want := Profile{Name: "shanghai", AccessKey: "AKSH", SecretKey: "SKSH", Region: "cn-east-2",
		Endpoint: "openapi.internal.cn-east-2.jdcloud-api.com", Scheme: "http", Timeout: "7"}
	if p != want {
		t.Fatalf("got %+v, want %+v", p, want)
	}
}

func TestLoadProfileMissingFileOrSection(t *testing.T) {
	empty := t.TempDir()
	_, err := LoadProfile(empty, "default")
	if !errors.Is(err, ErrProfileNotFound) || !strings.Contains(err.Error(), filepath.Join(empty, "config")) {
		t.Errorf("missing file: got %v, want ErrProfileNotFound naming the file", err)
	}

	dir := writeJdc(t, jdcConfig, nil)
	_, err = LoadProfile(dir, "nope")
	if !errors.Is(err, ErrProfileNotFound) || !strings.Contains(err.Error(), "[nope]") {
		t.Errorf("missing section: got %v, want ErrProfileNotFound naming the section", err)
	}
}

func TestCurrentProfileName(t *testing.T) {
	tests := []struct {
		name      string
		current   *string
		want      string
		wantNamed bool
	}{
		{"no current file", nil, "default", false},
		{"as jdc writes it", ptr("shanghai"), "shanghai", true},
		{"trailing newline from an editor", ptr("shanghai\n"), "shanghai", true},
		{"CRLF and spaces", ptr("  shanghai\r\n"), "shanghai", true},
		{"empty file", ptr(""), "default", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeJdc(t, "", tt.current)
			got, named, err := CurrentProfileName(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || named != tt.wantNamed {
				t.Errorf("got (%q, %v), want (%q, %v)", got, named, tt.want, tt.wantNamed)
			}
		})
	}
}

func TestProfileNames(t *testing.T) {
	if got := ProfileNames(writeJdc(t, jdcConfig, nil)); !reflect.DeepEqual(got, []string{"default", "shanghai"}) {
		t.Errorf("got %v", got)
	}
	if got := ProfileNames(t.TempDir()); got != nil {
		t.Errorf("no file: got %v, want nil", got)
	}
}
