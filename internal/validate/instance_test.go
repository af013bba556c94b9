package validate

import (
	"strings"
	"testing"
)

func TestCheckInstanceName(t *testing.T) {
	for _, ok := range []string{"web-master", "web.master_01", "主机-1", "ab"} {
		if err := CheckInstanceName(ok); err != nil {
			t.Errorf("CheckInstanceName(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"a", ".web", "web.", "web master", strings.Repeat("a", 129), "web/1"} {
		if err := CheckInstanceName(bad); err == nil {
			t.Errorf("CheckInstanceName(%q) = nil, want an error", bad)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	for _, ok := range []string{"Passw0rd", "abc123!!", "ABC-def-9", "Aa1!" + strings.Repeat("x", 26)} {
		if err := CheckPassword(ok); err != nil {
			t.Errorf("CheckPassword(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"Pa1!", "password", "PASSWORD12", "pass word1A", "Pässword12", "Aa1!" + strings.Repeat("x", 27), `Passw0rd\`} {
		if err := CheckPassword(bad); err == nil {
			t.Errorf("CheckPassword(%q) = nil, want an error", bad)
		}
	}
}

func TestCheckUserData(t *testing.T) {
	if err := CheckUserData(strings.Repeat("x", UserDataMaxBytes)); err != nil {
		t.Errorf("exactly 16 KB: %v", err)
	}
	err := CheckUserData(strings.Repeat("x", UserDataMaxBytes+1))
	if err == nil || !strings.Contains(err.Error(), "16 KB") {
		t.Errorf("16 KB + 1 byte: got %v, want an error naming the 16 KB limit", err)
	}
	// The limit is in bytes: 6000 three-byte characters are 18000 bytes.
	if err := CheckUserData(strings.Repeat("中", 6000)); err == nil {
		t.Error("18000 bytes of Chinese text passed; the limit counts bytes")
	}
}

func TestCheckDescription(t *testing.T) {
	if err := CheckDescription(strings.Repeat("描", 256)); err != nil {
		t.Errorf("256 characters: %v", err)
	}
	if err := CheckDescription(strings.Repeat("d", 257)); err == nil {
		t.Error("257 characters passed")
	}
}
