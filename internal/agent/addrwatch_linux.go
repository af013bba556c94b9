package agent

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// WatchAddresses sends on wake (without blocking) whenever an address is
// added to or removed from an interface of this network namespace.
// keepalived adds the vrrp_address on entering MASTER before it runs any
// notify script, so this wakes the daemon a process start (tens of ms)
// earlier than the report hook can. It is only a hint: the daemon re-reads
// the state itself. Stop it with the returned function.
func WatchAddresses(wake chan<- struct{}) (stop func(), err error) {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC|syscall.SOCK_NONBLOCK, syscall.NETLINK_ROUTE)
	if err != nil {
		return nil, err
	}
	sa := &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK, Groups: unix.RTMGRP_IPV4_IFADDR | unix.RTMGRP_IPV6_IFADDR}
	if err := syscall.Bind(fd, sa); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	// Non-blocking, so the runtime poller serves Read and Close unblocks it.
	f := os.NewFile(uintptr(fd), "netlink-route")
	go func() {
		buf := make([]byte, 16<<10)
		for {
			if _, err := f.Read(buf); err != nil && !errors.Is(err, syscall.ENOBUFS) {
				return // closed; ENOBUFS (messages dropped) means "something changed"
			}
			select {
			case wake <- struct{}{}:
			default:
			}
		}
	}()
	return func() { f.Close() }, nil
}
