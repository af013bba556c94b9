// Command test-summary ends `make test`: from the `go test -json` files that
// gotestsum wrote (--jsonfile), it prints the tests per package (passed,
// failed, skipped), every skipped test with the reason it gave, and the
// result of each step that is not a Go test (-step name=ok|FAILED).
//
//	go run ./scripts/test-summary -trim example.com/mod/ -step docs-check=ok bin/test-json/*.json
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

type counts struct{ pass, fail, skip int }

type summary struct {
	pkgs    map[string]*counts
	pkgFail map[string]bool // the package failed without a failing test (build error, panic, timeout)
	skips   map[string][]string
	output  map[string]*strings.Builder // test output, kept to find a skip's reason
	trim    string
}

func newSummary() *summary {
	return &summary{pkgs: map[string]*counts{}, pkgFail: map[string]bool{}, skips: map[string][]string{}, output: map[string]*strings.Builder{}}
}

func (s *summary) read(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.Package == "" {
			continue // gotestsum's file holds only events; anything else is not ours to judge
		}
		c := s.pkgs[e.Package]
		if c == nil {
			c = &counts{}
			s.pkgs[e.Package] = c
		}
		key := e.Package + " " + e.Test
		switch e.Action {
		case "output":
			if e.Test != "" {
				b := s.output[key]
				if b == nil {
					b = &strings.Builder{}
					s.output[key] = b
				}
				b.WriteString(e.Output)
			}
		case "pass", "fail", "skip":
			if e.Test == "" {
				if e.Action == "fail" {
					s.pkgFail[e.Package] = true
				}
				continue
			}
			switch e.Action {
			case "pass":
				c.pass++
			case "fail":
				c.fail++
			case "skip":
				c.skip++
				s.skips[e.Package] = append(s.skips[e.Package], e.Test+": "+skipReason(s.output[key]))
			}
			delete(s.output, key)
		}
	}
	return sc.Err()
}

// skipReason is what the test passed to t.Skip: the output lines between
// "=== RUN" and "--- SKIP", without the file:line prefix.
func skipReason(b *strings.Builder) string {
	if b == nil {
		return "(no reason given)"
	}
	var lines []string
	for _, l := range strings.Split(b.String(), "\n") {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- ") {
			continue
		}
		if i := strings.Index(t, ".go:"); i > 0 {
			if j := strings.Index(t[i:], ": "); j > 0 {
				t = t[i+j+2:]
			}
		}
		lines = append(lines, t)
	}
	if len(lines) == 0 {
		return "(no reason given)"
	}
	return strings.Join(lines, " ")
}

func (s *summary) name(pkg string) string {
	if s.trim != "" && strings.HasPrefix(pkg, s.trim) && len(pkg) > len(s.trim) {
		return pkg[len(s.trim):]
	}
	return pkg
}

type stepFlags []string

func (f *stepFlags) String() string     { return strings.Join(*f, ",") }
func (f *stepFlags) Set(v string) error { *f = append(*f, v); return nil }

func main() {
	var steps stepFlags
	flag.Var(&steps, "step", "name=ok|FAILED of a step that is not a Go test (repeatable)")
	trim := flag.String("trim", "", "prefix to drop from package paths (the module path and a slash)")
	flag.Parse()
	s := newSummary()
	s.trim = *trim
	for _, name := range flag.Args() {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, "test-summary:", err)
			os.Exit(2)
		}
		err = s.read(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(os.Stderr, "test-summary: %s: %v\n", name, err)
			os.Exit(2)
		}
	}
	s.print(os.Stdout, steps)
}

func (s *summary) print(w io.Writer, steps []string) {
	pkgs := make([]string, 0, len(s.pkgs))
	for p := range s.pkgs {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	fmt.Fprintln(w, "\n==================== test summary ====================")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "package\tpassed\tfailed\tskipped\t")
	var total counts
	for _, p := range pkgs {
		c := s.pkgs[p]
		if c.pass+c.fail+c.skip == 0 && !s.pkgFail[p] {
			continue // no test files
		}
		note := ""
		if s.pkgFail[p] && c.fail == 0 {
			note = "package FAILED: build error, panic or timeout"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\n", s.name(p), c.pass, c.fail, c.skip, note)
		total.pass, total.fail, total.skip = total.pass+c.pass, total.fail+c.fail, total.skip+c.skip
	}
	fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t\n", "total", total.pass, total.fail, total.skip)
	tw.Flush()

	if total.skip > 0 {
		fmt.Fprintln(w, "\nskipped tests, with their reasons:")
		for _, p := range pkgs {
			for _, sk := range s.skips[p] {
				fmt.Fprintf(w, "  %s %s\n", s.name(p), sk)
			}
		}
	}
	if len(steps) > 0 {
		fmt.Fprintln(w, "\nother steps:")
		for _, st := range steps {
			name, result, _ := strings.Cut(st, "=")
			fmt.Fprintf(w, "  %-16s %s\n", name, result)
		}
	}
}
