//go:build !windows && !plan9

package agent

import "log/syslog"

func dialSyslog(tag string) (SyslogWriter, error) {
	return syslog.New(syslog.LOG_DAEMON|syslog.LOG_INFO, tag)
}
