//go:build !unix

package agent

import "errors"

func tryLock(string, bool) (func(), bool, error) {
	return nil, false, errors.New("file locking is only implemented on unix systems")
}
