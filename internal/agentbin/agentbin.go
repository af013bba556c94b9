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
)

//go:embed all:bin
var files embed.FS

// Architectures the agent is built for.
var Architectures = []string{"amd64", "arm64"}

// FileName is the agent's file name for an architecture.
func FileName(arch string) string { return "jdcloud-eip-failover-linux-" + arch }

// Binary returns the embedded agent for linux/arch and its hex sha256.
func Binary(arch string) ([]byte, string, error) {
	b, err := fs.ReadFile(files, "bin/"+FileName(arch))
	if err != nil {
		return nil, "", fmt.Errorf("this provider binary was built without the failover agent for linux/%s: build it with `make build` (or a release build), which embeds the agent", arch)
	}
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:]), nil
}
