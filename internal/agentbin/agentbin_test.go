package agentbin

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// The agent is read and hashed once per process: every caller shares one
// copy, so a plan over many pairs does not hold one copy per node.
func TestBinaryIsReadOnceAndItsSumIsRight(t *testing.T) {
	a, sumA, err := Binary("amd64")
	if err != nil {
		t.Skipf("this test binary was compiled without the embedded agent (run `make agent` first): %v", err)
	}
	b, sumB, _ := Binary("amd64")
	if &a[0] != &b[0] || sumA != sumB {
		t.Fatal("two calls returned two copies of the agent")
	}
	want := sha256.Sum256(a)
	if sumA != hex.EncodeToString(want[:]) {
		t.Fatalf("sum %s is not the sha256 of the bytes", sumA)
	}
	if _, _, err := Binary("mips"); err == nil {
		t.Fatal("an architecture that is not built must be an error")
	}
}
