package agent

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Event is one line of the agent's log: a step of the takeover and, for API
// calls, the call, its request ID, attempt number, duration and outcome.
type Event struct {
	Step      string // describe, disassociate, associate, verify, lock, notify, status, takeover
	Call      string // e.g. vm.AssociateElasticIp
	Instance  string // the instance the step acts on, if any
	RequestID string
	Attempt   int
	Duration  time.Duration
	Outcome   string // ok, retry, error, done, refused, gave-up, ...
	Detail    string
	Loud      bool // something an operator must look at (logged at warning/err level)
}

// Line renders the event as one key=value line (values with spaces quoted).
func (e Event) Line() string {
	var b strings.Builder
	add := func(k, v string) {
		if v == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k)
		b.WriteByte('=')
		if strings.ContainsAny(v, " \t\"=") || strings.ContainsAny(v, "\n\r") {
			v = strconv.Quote(v)
		}
		b.WriteString(v)
	}
	add("step", e.Step)
	add("call", e.Call)
	add("instance", e.Instance)
	add("request_id", e.RequestID)
	if e.Attempt > 0 {
		add("attempt", strconv.Itoa(e.Attempt))
	}
	if e.Duration > 0 || e.Call != "" {
		add("duration", e.Duration.Round(time.Millisecond).String())
	}
	add("outcome", e.Outcome)
	add("detail", e.Detail)
	return b.String()
}

// Sink receives events. Logger is the production sink; tests record events.
type Sink interface {
	Event(Event)
}

// SyslogWriter is the part of *syslog.Writer the logger uses.
type SyslogWriter interface {
	Info(string) error
	Warning(string) error
	Close() error
}

// Logger writes each event as one line to stderr (prefixed with the tag and
// a UTC timestamp) and, if available, to syslog.
type Logger struct {
	mu     sync.Mutex
	w      io.Writer
	tag    string
	now    func() time.Time
	syslog SyslogWriter
}

// NewLogger logs to w; with useSyslog it also dials the local syslog socket and,
// if there is none (containers often lack /dev/log), notes that once on w.
func NewLogger(w io.Writer, tag string, useSyslog bool) *Logger {
	l := &Logger{w: w, tag: tag, now: time.Now}
	if useSyslog {
		s, err := dialSyslog(tag)
		if err != nil {
			fmt.Fprintf(w, "%s: note: syslog not available (%v); logging to stderr only\n", tag, err)
		} else {
			l.syslog = s
		}
	}
	return l
}

func (l *Logger) Event(e Event) {
	line := e.Line()
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "%s %s: %s\n", l.now().UTC().Format("2006-01-02T15:04:05.000Z"), l.tag, line)
	if l.syslog != nil {
		if e.Loud {
			_ = l.syslog.Warning(line)
		} else {
			_ = l.syslog.Info(line)
		}
	}
}

// Close releases the syslog connection.
func (l *Logger) Close() error {
	if l.syslog != nil {
		return l.syslog.Close()
	}
	return nil
}
