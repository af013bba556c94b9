//go:build unix

package agent

import (
	"crypto/tls"
	"errors"
	"net"
	"syscall"
)

// peerClosed reports whether the server has closed (or reset) c, without
// reading from it: a peek that finds the end of the stream. On a plain
// connection any byte waiting also means stale (an HTTP server never speaks
// first: it is a timeout answer before the close). On TLS, bytes waiting
// are normal (session tickets), so only the end counts.
func peerClosed(c net.Conn) bool {
	plain := true
	if tc, ok := c.(*tls.Conn); ok {
		c, plain = tc.NetConn(), false
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	closed := false
	err = raw.Read(func(fd uintptr) bool {
		var b [1]byte
		n, _, rerr := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case errors.Is(rerr, syscall.EAGAIN) || errors.Is(rerr, syscall.EWOULDBLOCK):
		case rerr != nil, n == 0:
			closed = true
		default:
			closed = plain
		}
		return true // never wait for readiness
	})
	return closed || err != nil
}
