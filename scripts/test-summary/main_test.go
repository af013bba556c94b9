package main

import (
	"regexp"
	"strings"
	"testing"
)

const sample = `{"Action":"run","Package":"example.com/a","Test":"TestOK"}
{"Action":"pass","Package":"example.com/a","Test":"TestOK","Elapsed":0.1}
{"Action":"run","Package":"example.com/a","Test":"TestNeedsRoot"}
{"Action":"output","Package":"example.com/a","Test":"TestNeedsRoot","Output":"=== RUN   TestNeedsRoot\n"}
{"Action":"output","Package":"example.com/a","Test":"TestNeedsRoot","Output":"    e2e_test.go:42: needs root to create network namespaces\n"}
{"Action":"output","Package":"example.com/a","Test":"TestNeedsRoot","Output":"--- SKIP: TestNeedsRoot (0.00s)\n"}
{"Action":"skip","Package":"example.com/a","Test":"TestNeedsRoot","Elapsed":0}
{"Action":"pass","Package":"example.com/a","Elapsed":0.2}
{"Action":"run","Package":"example.com/b","Test":"TestBad"}
{"Action":"fail","Package":"example.com/b","Test":"TestBad","Elapsed":0.1}
{"Action":"fail","Package":"example.com/b","Elapsed":0.2}
{"Action":"fail","Package":"example.com/c","Elapsed":0}
not json: ignored
`

func TestSummaryCountsAndSkipReasons(t *testing.T) {
	s := newSummary()
	s.trim = "example.com/"
	if err := s.read(strings.NewReader(sample)); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	s.print(&out, []string{"docs-check=ok"})
	got := out.String()
	for _, want := range []string{
		`\na +1 +0 +1 *\n`,
		`\nb +0 +1 +0 *\n`,
		`\nc +0 +0 +0 +package FAILED`,
		`\ntotal +1 +1 +1 *\n`,
		`  a TestNeedsRoot: needs root to create network namespaces\n`,
		`docs-check +ok`,
	} {
		if !regexp.MustCompile(want).MatchString(got) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
}
