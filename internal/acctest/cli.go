package acctest

import (
	"encoding/json"
	"os"
	"strings"
)

// The helpers of tests that run the terraform binary themselves (to read
// what a user reads, or to run the examples), not through
// terraform-plugin-testing.

// CLIEnviron is os.Environ without TF_*, JDCLOUD_* and HOME (a developer's
// own settings must not leak into the run), plus extra.
func CLIEnviron(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "TF_") || strings.HasPrefix(kv, "JDCLOUD_") || strings.HasPrefix(kv, "HOME=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// ShownString is the attribute attr of the resource at addr in showJSON,
// the output of `terraform show -json`, when it is a string ("" when it is
// not); found is false when the state has no resource at addr.
func ShownString(showJSON, addr, attr string) (value string, found bool, err error) {
	var st struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Address string         `json:"address"`
					Values  map[string]any `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(showJSON), &st); err != nil {
		return "", false, err
	}
	for _, r := range st.Values.RootModule.Resources {
		if r.Address == addr {
			s, _ := r.Values[attr].(string)
			return s, true, nil
		}
	}
	return "", false, nil
}
