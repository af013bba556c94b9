//go:build linux

package e2e

import (
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
)

// faultKind is one injected failure of the master.
type faultKind struct {
	name   string
	inject func(l *lab)
}

var faultKinds = []faultKind{
	{"web server killed (SIGKILL)", func(l *lab) { l.killWeb(0) }},
	{"keepalived SIGKILL (whole group)", func(l *lab) { l.killKeepalived(0, syscall.SIGKILL) }},
	{"keepalived SIGTERM", func(l *lab) { l.killKeepalived(0, syscall.SIGTERM) }},
}

type vrrpSetting struct {
	name, hcl string
}

// The two settings measured; the health check keeps the resource's defaults
// (interval 1 s, timeout 1 s, fall 2, rise 2).
var vrrpSettings = []vrrpSetting{
	{"VRRPv2 advert_int 1", "vrrp_version = 2\n  advert_interval = \"1s\""},
	{"VRRPv3 advert_int 0.1", "vrrp_version = 3\n  advert_interval = \"100ms\""},
}

// TestFailoverFigures measures, for BENCHMARKS.md, how long the EIP takes to
// reach the backup after each fault of the master (fault injected -> the
// emulator shows the new holder), with whole-second VRRPv2 and 100 ms VRRPv3,
// plus the agent's API calls per takeover and its own run time. Opt-in: it
// takes minutes.
//
//	JDHA_E2E_BENCH=1 go test -v -count=1 -run TestFailoverFigures -timeout 30m ./internal/e2e/
//
// JDHA_E2E_RUNS sets the runs per fault (default 5).
func TestFailoverFigures(t *testing.T) {
	if os.Getenv("JDHA_E2E_BENCH") == "" {
		t.Skip("figures for BENCHMARKS.md: set JDHA_E2E_BENCH=1 to measure (takes several minutes)")
	}
	runs := 5
	if v := os.Getenv("JDHA_E2E_RUNS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("JDHA_E2E_RUNS=%q: want a positive number", v)
		}
		runs = n
	}
	l := newLab(t)
	load0 := loadAverage()
	results := map[string][]failover{}
	var direct []agentRun

	var steps []resource.TestStep
	for _, v := range vrrpSettings {
		steps = append(steps, resource.TestStep{
			Config: l.config(v.hcl),
			Check: func(s *terraform.State) error {
				for i := range roles {
					l.stopKeepalived(i)
				}
				if err := l.install(s); err != nil {
					return err
				}
				for _, f := range faultKinds {
					for r := 0; r < runs; r++ {
						l.reset()
						res := l.measureFailover(1, func() { f.inject(l) })
						l.logf("%s, %s, run %d: %s (first agent call after %s; %d calls)", v.name, f.name, r+1,
							res.Total.Round(time.Millisecond), res.Detect.Round(time.Millisecond), res.Stats)
						results[v.name+"|"+f.name] = append(results[v.name+"|"+f.name], res)
					}
				}
				return nil
			},
		})
	}
	steps = append(steps, resource.TestStep{
		Config: l.config(vrrpSettings[len(vrrpSettings)-1].hcl),
		PreConfig: func() {
			// The agent alone, keepalived stopped: moving the EIP from the peer.
			for i := range roles {
				l.stopKeepalived(i)
			}
			l.settled()
			for r := 0; r < 2*runs; r++ {
				node := 1 - indexOf(l.vmID, l.holder())
				direct = append(direct, l.timedTakeover(node))
			}
		},
	})

	resource.Test(t, acctest.Case(t, l.srv, steps))
	if t.Failed() {
		return
	}

	var b strings.Builder
	fmt.Fprintf(&b, "\nFailover: fault injected on the master -> the emulator shows the EIP on the backup (%d runs each; load average %s at start, %s at end; %d CPUs)\n",
		runs, load0, loadAverage(), runtime.NumCPU())
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.Debug)
	fmt.Fprintln(w, "setting\tfault\tmedian\tmax\tfirst agent call (median)\tagent part (median)\tagent part (max)\tAPI calls/takeover\t")
	for _, v := range vrrpSettings {
		for _, f := range faultKinds {
			rs := results[v.name+"|"+f.name]
			var total, detect, agent durations
			var calls []int
			for _, r := range rs {
				total, detect, agent = append(total, r.Total), append(detect, r.Detect), append(agent, r.Agent)
				calls = append(calls, r.Stats)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", v.name, f.name, ms(total.median()), ms(total.max()),
				ms(detect.median()), ms(agent.median()), ms(agent.max()), intRange(calls))
		}
	}
	w.Flush()

	var wall, own durations
	var calls []int
	for _, r := range direct {
		wall, own, calls = append(wall, r.Wall), append(own, r.Own), append(calls, r.Calls)
	}
	fmt.Fprintf(&b, "\nAgent alone (takeover from the peer, keepalived stopped, %d runs alternating nodes): "+
		"start->exit median %s max %s (its own takeover log: median %s max %s); API calls per takeover %s\n",
		len(direct), ms(wall.median()), ms(wall.max()), ms(own.median()), ms(own.max()), intRange(calls))
	t.Log(b.String())
}

func indexOf(ids [2]string, id string) int {
	for i, v := range ids {
		if v == id {
			return i
		}
	}
	return 1 // neither: take it to the master
}

// agentRun is one takeover run by hand.
type agentRun struct {
	Wall  time.Duration // process start -> exit, including `ip netns exec`
	Own   time.Duration // the duration the agent logs for its takeover
	Calls int           // emulator Stats().Total delta
}

var takeoverDuration = regexp.MustCompile(`step=takeover\b.*\bduration=(\S+)`)

// timedTakeover runs node i's agent takeover with the EIP on the peer.
func (l *lab) timedTakeover(i int) agentRun {
	l.t.Helper()
	before := l.srv.Emulator.Stats().Total
	code, out, took := l.runAgent(i, 60*time.Second, "takeover")
	if code != 0 || l.holder() != l.vmID[i] {
		l.t.Fatalf("takeover on the %s: exit %d, EIP on %s:\n%s", roles[i], code, l.holderName(), out)
	}
	r := agentRun{Wall: took, Calls: l.srv.Emulator.Stats().Total - before}
	if m := takeoverDuration.FindStringSubmatch(out); m != nil {
		r.Own, _ = time.ParseDuration(m[1])
	} else {
		l.t.Fatalf("the agent logged no takeover duration:\n%s", out)
	}
	return r
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 0, 64) + " ms"
}

func intRange(v []int) string {
	if len(v) == 0 {
		return "-"
	}
	lo, hi := v[0], v[0]
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
	}
	if lo == hi {
		return strconv.Itoa(lo)
	}
	return fmt.Sprintf("%d-%d", lo, hi)
}

// intList prints v in order ("4, 4, 2, 2, 2"), where the sequence matters.
func intList(v []int) string {
	if len(v) == 0 {
		return "-"
	}
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ", ")
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
