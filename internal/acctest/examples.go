package acctest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/jdcloudha/terraform-provider-jdcloudha/examples"
)

// ExampleBlocks is the resource blocks named by addresses (type.name), in
// that order, as examples/resources/<example>/resource.tf writes them: a
// test that needs the documented configuration uses it rather than a copy.
// The examples are terraform fmt clean (make examples-check), so a block
// starts at its `resource "<type>" "<name>" {` line and ends at the first
// line that is a lone "}". A block that is not there is a broken fixture:
// it panics, failing every test of the package at once.
func ExampleBlocks(example string, addresses ...string) string {
	path := "resources/" + example + "/resource.tf"
	text, err := examples.Resources.ReadFile(path)
	if err != nil {
		panic(fmt.Sprintf("example %s: %v", path, err))
	}
	lines := strings.Split(string(text), "\n")
	var b strings.Builder
	for _, addr := range addresses {
		typ, name, _ := strings.Cut(addr, ".")
		start := slices.Index(lines, fmt.Sprintf("resource %q %q {", typ, name))
		if start < 0 {
			panic(fmt.Sprintf("example %s has no resource %s", path, addr))
		}
		n := slices.Index(lines[start:], "}")
		if n < 0 {
			panic(fmt.Sprintf("example %s: resource %s has no closing brace on a line of its own", path, addr))
		}
		b.WriteString("\n" + strings.Join(lines[start:start+n+1], "\n") + "\n")
	}
	return b.String()
}
