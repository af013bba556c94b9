// Package agentbin holds the failover agent binaries embedded in the
// provider. `make build` (and goreleaser) compile cmd/jdcloud-eip-failover for
// linux/amd64 and linux/arm64 into bin/ before building the provider, so the
// agent always matches the provider's version. A provider built with plain
// `go build` has none, and Binary says so.
package agentbin

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sync"
)

//go:embed all:bin
var files embed.FS

// Architectures the agent is built for.
var Architectures = []string{"amd64", "arm64"}

// FileName is the agent's file name for an architecture.
func FileName(arch string) string { return "jdcloud-eip-failover-linux-" + arch }

type agent struct {
	once sync.Once
	data []byte
	sum  string
	err  error
}

var agents = map[string]*agent{}

func init() {
	for _, a := range Architectures {
		agents[a] = &agent{}
	}
}

// Binary returns the embedded agent for linux/arch and its hex sha256. Both
// are made once per process (reading the embedded file copies it, and the
// agent is several MB): every caller shares the same bytes and must not
// modify them.
func Binary(arch string) ([]byte, string, error) {
	a := agents[arch]
	if a == nil {
		return nil, "", fmt.Errorf("no failover agent is built for linux/%s (have %v)", arch, Architectures)
	}
	a.once.Do(func() {
		b, err := fs.ReadFile(files, "bin/"+FileName(arch))
		if err != nil {
			a.err = fmt.Errorf("this provider binary was built without the failover agent for linux/%s: build it with `make build` (or a release build), which embeds the agent", arch)
			return
		}
		sum := sha256.Sum256(b)
		a.data, a.sum = b, hex.EncodeToString(sum[:])
	})
	return a.data, a.sum, a.err
}
