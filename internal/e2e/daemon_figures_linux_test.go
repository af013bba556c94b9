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
// BENCHMARKS.md: kill -9 of the MASTER's keepalived → the EIP on the new
// MASTER, the new MASTER's API round trips before the EIP arrived, describes
// per minute in the steady state, and recovery after an API outage. Opt-in:
//
//	JDHA_E2E_BENCH=1 go test -v -count=1 -run TestDaemonFigures -timeout 30m ./internal/e2e/
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
	var rows, plane []string
	for _, v := range []struct {
		name    string
		version int
		advert  time.Duration
	}{{"VRRPv3, advert_int 0.1", 3, 100 * time.Millisecond}, {"VRRPv2, advert_int 1", 2, time.Second}} {
		t.Run(strings.Fields(v.name)[0], func(t *testing.T) {
			l := newDaemonLab(t, v.version, v.advert)
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

			var total durations
			var before []int
			for run := 0; run < runs; run++ {
				m := l.master()
				to := 1 - m
				t0 := time.Now()
				l.killKeepalived(m)
				// The recorder notes when the association took effect in the
				// emulator (not when a describe next saw it).
				var arrived time.Time
				l.poll("the EIP on the new MASTER, seen by a request", 20*time.Second, func() bool {
					arrived = l.arrivedAt(t0, to)
					return !arrived.IsZero()
				})
				calls, _ := l.rec.since(t0, privateIP[to])
				if arrived.IsZero() {
					t.Fatalf("no holder change to the %s recorded; %s", roles[to], l.describe())
				}
				// Round trips the move needed: the new MASTER's calls up to
				// its last associate (or disassociate) answered before the
				// association took effect; the verify describes after it
				// do not delay the move.
				n := 0
				for i, c := range calls {
					if c.Method == "POST" && c.End.Before(arrived) {
						n = i + 1
					}
				}
				total = append(total, arrived.Sub(t0))
				before = append(before, n)
				l.converged(time.Now())
				l.startKeepalived(m)
				l.poll("the restarted node becomes BACKUP", 30*time.Second, func() bool { return l.vrrpState(m) == "BACKUP" })
			}

			var recovery durations
			for run := 0; run < min(runs, 3); run++ {
				m := l.master()
				end := l.api.downFor(20 * time.Second)
				time.Sleep(time.Second) // the MASTER dies 1 s into the outage
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
			rows = append(rows, fmt.Sprintf("| %s | %d ms | %d ms | %s | %d | %d ms / %d ms (%d runs) |",
				v.name, total.median().Milliseconds(), total.max().Milliseconds(), intList(before), describes,
				recovery.median().Milliseconds(), recovery.max().Milliseconds(), len(recovery)))

			// The article's experiment: the MASTER node goes down (keepalived
			// and web server killed) while clients request http://EIP/.
			dp := l.startDataPlane()
			l.poll("http://EIP/ answers", 10*time.Second, func() bool { return dp.get(time.Second) != "" })
			for _, interval := range []time.Duration{2 * time.Second, 100 * time.Millisecond} {
				var outages durations
				var failedRuns []int
				for run := 0; run < runs; run++ {
					m := l.master()
					loop := dp.loop(interval)
					time.Sleep(2 * interval) // some answers before the fault
					_ = dp.web[m].Stop(time.Second)
					l.killKeepalived(m)
					l.converged(time.Now())
					l.poll("http://EIP/ answers from the new MASTER", 10*time.Second, func() bool { return dp.get(time.Second) == roles[1-m] })
					time.Sleep(2 * interval)
					failed, outage, _ := loop.end()
					outages, failedRuns = append(outages, outage), append(failedRuns, failed)
					dp.restartWeb(m)
					l.startKeepalived(m)
					l.poll("the restarted node becomes BACKUP", 30*time.Second, func() bool { return l.vrrpState(m) == "BACKUP" })
				}
				plane = append(plane, fmt.Sprintf("| %s | request every %s | %s | %d ms | %d ms |", v.name, interval, intRange(failedRuns), outages.median().Milliseconds(), outages.max().Milliseconds()))
			}
		})
	}
	t.Logf("load average: %s", loadAverage())
	t.Log("| setting | kill -9 of the MASTER → EIP on the new MASTER, median | max | API round trips before the move, per run | describes per minute, steady pair | after a 20 s API outage: outage end → EIP moved, median / max |")
	t.Log("|---|---|---|---|---|---|")
	for _, r := range rows {
		t.Log(r)
	}
	t.Log("| setting | client loop | failed requests per run | client-observed outage, median | max |")
	t.Log("|---|---|---|---|---|")
	for _, r := range plane {
		t.Log(r)
	}
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
