package emulator

import (
	"strings"
	"testing"
)

func TestUnknownSwitchesParseAndDefault(t *testing.T) {
	sw := UnknownSwitches()
	if len(sw) == 0 {
		t.Fatal("no switches found from the Unknowns tags")
	}
	for _, s := range sw {
		if len(s.Values) < 2 || s.Doc == "" {
			t.Errorf("switch %s needs at least two values and a doc, got %v %q", s.Name, s.Values, s.Doc)
		}
		var u Unknowns
		if got := u.Get(s.Name); got != s.Default() {
			t.Errorf("zero Unknowns: %s = %q, want the default %q", s.Name, got, s.Default())
		}
		for _, v := range s.Values {
			u, err := ParseUnknowns(s.Name + "=" + v)
			if err != nil {
				t.Fatalf("ParseUnknowns(%s=%s): %v", s.Name, v, err)
			}
			if got := u.Get(s.Name); got != v {
				t.Errorf("%s: got %q, want %q", s.Name, got, v)
			}
			if !strings.Contains(u.String(), s.Name+"="+v) {
				t.Errorf("String() = %q lacks %s=%s", u.String(), s.Name, v)
			}
		}
	}
	u, err := ParseUnknowns(" eip-association = sync , unknown-filters=ignore ")
	if err != nil || u.EIPAssociation != "sync" || u.Filters != "ignore" {
		t.Fatalf("two switches: %+v, %v", u, err)
	}
}

func TestUnknownSwitchesRefuseTypos(t *testing.T) {
	for _, spec := range []string{"no-such-switch=x", "eip-association=maybe", "eip-association"} {
		if _, err := ParseUnknowns(spec); err == nil {
			t.Errorf("ParseUnknowns(%q) accepted a bad spec", spec)
		}
	}
	if _, err := New(Options{Unknowns: Unknowns{EIPAssociation: "later"}}); err == nil {
		t.Error("New accepted an unknown switch value")
	}
}
