package provider

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The jdc CLI keeps its profiles in <dir>/config (INI, a section per
// profile) and the current profile's name in <dir>/current. This file reads
// them without any Terraform types so it can be tested on its own.

const (
	profileConfigFile  = "config"
	profileCurrentFile = "current"
	// defaultProfileName is what the jdc CLI calls the profile it creates
	// first; used when <dir>/current does not exist.
	defaultProfileName = "default"
)

// Profile is one section of the jdc CLI's config file. Empty fields were not
// set in the file.
type Profile struct {
	Name      string
	AccessKey string
	SecretKey string
	Region    string // region_id
	Endpoint  string
	Scheme    string
	Timeout   string // seconds, as the jdc CLI writes it
}

// ErrProfileNotFound is returned (wrapped) when the config file or the
// requested section does not exist.
var ErrProfileNotFound = errors.New("profile not found")

// ParseINI reads a minimal INI file: [section] headers, key = value (or
// key: value) lines, # and ; comments. Keys are lower-cased; values are
// trimmed. Lines before the first section are ignored.
func ParseINI(text string) (map[string]map[string]string, error) {
	sections := map[string]map[string]string{}
	var current map[string]string
	sc := bufio.NewScanner(strings.NewReader(text))
	for lineNo := 1; sc.Scan(); lineNo++ {
		line := strings.TrimSpace(sc.Text())
		if lineNo == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			end := strings.IndexByte(line, ']')
			if end < 0 {
				return nil, fmt.Errorf("line %d: section header without ']'", lineNo)
			}
			name := strings.TrimSpace(line[1:end])
			if sections[name] == nil {
				sections[name] = map[string]string{}
			}
			current = sections[name]
			continue
		}
		sep := strings.IndexAny(line, "=:")
		if sep < 0 {
			return nil, fmt.Errorf("line %d: expected key = value", lineNo)
		}
		if current == nil {
			continue
		}
		key := strings.ToLower(strings.TrimSpace(line[:sep]))
		current[key] = strings.TrimSpace(line[sep+1:])
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return sections, nil
}

// CurrentProfileName returns the profile named in <dir>/current (surrounding
// whitespace, such as a trailing newline from an editor, is ignored) and
// true, or "default" and false when that file is missing or empty.
func CurrentProfileName(dir string) (string, bool, error) {
	b, err := os.ReadFile(filepath.Join(dir, profileCurrentFile))
	if errors.Is(err, fs.ErrNotExist) {
		return defaultProfileName, false, nil
	}
	if err != nil {
		return "", false, err
	}
	if name := strings.TrimSpace(string(b)); name != "" {
		return name, true, nil
	}
	return defaultProfileName, false, nil
}

// ProfileNames lists the sections of <dir>/config, sorted; nil if the file
// cannot be read.
func ProfileNames(dir string) []string {
	b, err := os.ReadFile(filepath.Join(dir, profileConfigFile))
	if err != nil {
		return nil
	}
	sections, err := ParseINI(string(b))
	if err != nil {
		return nil
	}
	names := slices.Sorted(maps.Keys(sections))
	return names
}

// LoadProfile reads section name from <dir>/config. A missing file or section
// gives an error wrapping ErrProfileNotFound.
func LoadProfile(dir, name string) (Profile, error) {
	file := filepath.Join(dir, profileConfigFile)
	b, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return Profile{}, fmt.Errorf("%w: %s does not exist", ErrProfileNotFound, file)
	}
	if err != nil {
		return Profile{}, err
	}
	sections, err := ParseINI(string(b))
	if err != nil {
		return Profile{}, fmt.Errorf("reading %s: %w", file, err)
	}
	s, ok := sections[name]
	if !ok {
		return Profile{}, fmt.Errorf("%w: no [%s] section in %s", ErrProfileNotFound, name, file)
	}
	return Profile{
		Name:      name,
		AccessKey: s["access_key"],
		SecretKey: s["secret_key"],
		Region:    s["region_id"],
		Endpoint:  s["endpoint"],
		Scheme:    s["scheme"],
		Timeout:   s["timeout"],
	}, nil
}
