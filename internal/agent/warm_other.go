//go:build !unix

package agent

import "net"

// peerClosed cannot peek here; the spare's MaxAge is the only guard.
func peerClosed(net.Conn) bool { return false }
