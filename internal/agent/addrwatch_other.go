//go:build !linux

package agent

import "errors"

// WatchAddresses needs Linux's netlink; elsewhere the daemon relies on the
// report hook and its 250 ms poll of the local state.
func WatchAddresses(wake chan<- struct{}) (stop func(), err error) {
	return nil, errors.New("watching addresses needs Linux")
}
