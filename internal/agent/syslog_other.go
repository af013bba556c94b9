//go:build windows || plan9

package agent

import "errors"

func dialSyslog(string) (SyslogWriter, error) {
	return nil, errors.New("no syslog on this system")
}
