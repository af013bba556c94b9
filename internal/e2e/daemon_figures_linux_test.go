//go:build linux

package e2e

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDaemonFigures measures the agent daemon with real keepalived, for
// BENCHMARKS.md, per fault (keepalived SIGKILL, keepalived SIGTERM, the web
// server down, the whole node down): the fault → the EIP taking effect on
// the new MASTER, the new MASTER's API round trips before the move, and the
// outage a client requesting http://EIP/ every 100 ms saw; then the
// article's 2 s loop with the node down, describes per minute in the steady
// state, and recovery after an API outage. Opt-in:
//
//	JDHA_E2E_BENCH=1 go test -v -count=1 -run TestDaemonFigures -timeout 40m ./internal/e2e/
//
// JDHA_E2E_RUNS sets the runs per figure (default 5).
func TestDaemonFigures(t *testing.T) {
	if os.Getenv("JDHA_E2E_BENCH") == "" {
		t.Skip("figures for BENCHMARKS.md: set JDHA_E2E_BENCH=1 to measure (takes several minutes)")
	}
	runs := 5
	if v, err := strconv.Atoi(os.Getenv("JDHA_E2E_RUNS")); err == nil && v > 0 {
		runs = v
	}
	// The steady-state figure is for the default verify_interval.
	labVerifyInterval = ""
	t.Cleanup(func() { labVerifyInterval = "2s" })
	var faultRows, pairRows []string
	for _, v := range []struct {
		name    string
		version int
		advert  time.Duration
	}{{"VRRPv3, advert_int 0.1", 3, 100 * time.Millisecond}, {"VRRPv2, advert_int 1", 2, time.Second}} {
		t.Run(strings.Fields(v.name)[0], func(t *testing.T) {
			l := newHealthLab(t, v.version, v.advert)
			l.start()

			// Steady state: describes by both nodes over a minute.
			t0 := time.Now()
			time.Sleep(time.Minute) // the measuring window
			calls, _ := l.rec.since(t0, "")
			describes := 0
			for _, c := range calls {
				if c.Method == "GET" && strings.Contains(c.Path, "elasticIps") {
					describes++
				}
			}

			dp := l.startDataPlane()
			l.poll("http://EIP/ answers", 10*time.Second, func() bool { return dp.get(time.Second) != "" })
			nodeDown := func(m int) { l.killKeepalived(m); l.killWeb(m) }
			nodeUp := func(m int) { l.startWeb(m); l.startKeepalived(m) }
			for _, f := range []struct {
				name            string
				inject, restore func(m int)
			}{
				{"keepalived SIGKILL", l.killKeepalived, l.startKeepalived},
				{"keepalived SIGTERM", l.termKeepalived, l.startKeepalived},
				{"web server down (health check fails)", l.killWeb, l.startWeb},
				{"node down (keepalived SIGKILL, web server down)", nodeDown, nodeUp},
			} {
				var moved, outages durations
				var trips, failed []int
				for run := 0; run < runs; run++ {
					m := l.master()
					to := 1 - m
					loop := dp.loop(100 * time.Millisecond)
					time.Sleep(500 * time.Millisecond) // answers before the fault
					t0 := time.Now()
					f.inject(m)
					var arrived time.Time
					l.poll("the EIP on the new MASTER", 30*time.Second, func() bool {
						arrived = l.arrivedAt(t0, to)
						return !arrived.IsZero()
					})
					l.poll("http://EIP/ answers from the new MASTER", 10*time.Second, func() bool { return dp.get(time.Second) == roles[to] })
					time.Sleep(500 * time.Millisecond)
					n, outage, _ := loop.end()
					calls, _ := l.rec.since(t0, privateIP[to])
					moved, outages = append(moved, arrived.Sub(t0)), append(outages, outage)
					trips, failed = append(trips, roundTripsBefore(calls, arrived)), append(failed, n)
					l.converged(time.Now())
					f.restore(m)
					l.poll("the restored node is BACKUP", 30*time.Second, func() bool { return l.vrrpState(m) == "BACKUP" })
				}
				faultRows = append(faultRows, fmt.Sprintf("| %s | %s | %d ms | %d ms | %s | %d ms | %d ms | %s |", v.name, f.name,
					moved.median().Milliseconds(), moved.max().Milliseconds(), intList(trips),
					outages.median().Milliseconds(), outages.max().Milliseconds(), intRange(failed)))
			}

			// The article's loop, a request every 2 s, with the node down.
			var outages durations
			var failed []int
			for run := 0; run < runs; run++ {
				m := l.master()
				loop := dp.loop(2 * time.Second)
				time.Sleep(4 * time.Second)
				nodeDown(m)
				l.converged(time.Now())
				l.poll("http://EIP/ answers from the new MASTER", 10*time.Second, func() bool { return dp.get(time.Second) == roles[1-m] })
				time.Sleep(4 * time.Second)
				n, outage, _ := loop.end()
				outages, failed = append(outages, outage), append(failed, n)
				nodeUp(m)
				l.poll("the restored node is BACKUP", 30*time.Second, func() bool { return l.vrrpState(m) == "BACKUP" })
			}

			// An API outage longer than any deadline; the MASTER dies 1 s in.
			var recovery durations
			for run := 0; run < min(runs, 3); run++ {
				m := l.master()
				end := l.api.downFor(20 * time.Second)
				time.Sleep(time.Second)
				l.killKeepalived(m)
				var arrived time.Time
				l.poll("the EIP on the new MASTER after the outage", 40*time.Second, func() bool {
					arrived = l.arrivedAt(end, 1-m)
					return !arrived.IsZero()
				})
				recovery = append(recovery, arrived.Sub(end))
				l.converged(time.Now())
				l.startKeepalived(m)
				l.poll("the restarted node becomes BACKUP", 30*time.Second, func() bool { return l.vrrpState(m) == "BACKUP" })
			}
			pairRows = append(pairRows, fmt.Sprintf("| %s | %d | %s | %d ms | %d ms | %d ms / %d ms (%d runs) |", v.name, describes,
				intRange(failed), outages.median().Milliseconds(), outages.max().Milliseconds(),
				recovery.median().Milliseconds(), recovery.max().Milliseconds(), len(recovery)))
		})
	}
	t.Logf("load average: %s", loadAverage())
	t.Log("| setting | fault | fault → EIP on the new MASTER, median | max | API round trips before the move, per run | client outage (request every 100 ms), median | max | failed requests per run |")
	t.Log("|---|---|---|---|---|---|---|---|")
	for _, r := range faultRows {
		t.Log(r)
	}
	t.Log("| setting | describes per minute, steady pair | node down, request every 2 s: failed requests per run | client outage, median | max | after a 20 s API outage (MASTER killed 1 s in): outage end → EIP moved, median / max |")
	t.Log("|---|---|---|---|---|---|")
	for _, r := range pairRows {
		t.Log(r)
	}
}

// roundTripsBefore counts the round trips a move needed: calls up to the
// last associate (or disassociate, any POST) answered before the
// association took effect at arrived; the verify describes after it do not
// delay the move.
func roundTripsBefore(calls []apiCall, arrived time.Time) int {
	n := 0
	for i, c := range calls {
		if c.Method == "POST" && c.End.Before(arrived) {
			n = i + 1
		}
	}
	return n
}

// arrivedAt is when the EIP took effect on node to after t (zero if not yet).
func (l *dlab) arrivedAt(t time.Time, to int) time.Time {
	_, changes := l.rec.since(t, "")
	for _, c := range changes {
		if c.Holder == l.vmID[to] {
			return c.At
		}
	}
	return time.Time{}
}
