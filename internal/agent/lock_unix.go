//go:build unix

package agent

import (
	"errors"
	"os"
	"syscall"
)

// tryLock takes an exclusive flock on path without blocking, creating the
// file if create is set (flock needs no write access, so an existing file
// may be locked read-only). ok=false means another process (or another open
// of the file) holds it.
func tryLock(path string, create bool) (unlock func(), ok bool, err error) {
	flags := os.O_RDONLY
	if create {
		flags = os.O_RDWR | os.O_CREATE
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if err != nil {
		return nil, false, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) || errors.Is(err, syscall.EAGAIN) {
			return nil, false, nil
		}
		return nil, false, err
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, true, nil
}
