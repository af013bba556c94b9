package e2e

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"testing"
)

// webServerArg makes the test binary a tiny web server instead of running
// tests: the health checks need one process per host that can be killed
// alone, by its PID.
const webServerArg = "jdha-e2e-web-server"

func TestMain(m *testing.M) {
	if len(os.Args) == 4 && os.Args[1] == webServerArg {
		os.Exit(serveWeb(os.Args[2], os.Args[3]))
	}
	os.Exit(m.Run())
}

// serveWeb answers 200 with the node's name on addr until killed.
func serveWeb(addr, node string) int {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "web server: %v\n", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "web server of %s listening on %s\n", node, addr)
	err = http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "served by %s\n", node)
	}))
	fmt.Fprintf(os.Stderr, "web server: %v\n", err)
	return 1
}
