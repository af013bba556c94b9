//go:build !unix

package failover

import "net"

// peerClosed cannot peek here; the spare's MaxAge is the only guard.
func peerClosed(net.Conn) bool { return false }
