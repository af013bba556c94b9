package benchmarks

import (
	"bufio"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
)

// scaleLimit is one rate-limit setting of the emulator for the scale figures.
type scaleLimit struct {
	name  string
	apply func(e *emulator.Emulator)
}

var scaleLimits = []scaleLimit{
	{"no limit", func(e *emulator.Emulator) {}},
	{"global 10 req/s", func(e *emulator.Emulator) { e.SetRateLimit(10) }},
	{"10 req/s per call", func(e *emulator.Emulator) {
		// Every call the runs without a limit made (they come first).
		calls := map[string]float64{}
		for call := range seenCalls {
			calls[call] = 10
		}
		if err := e.SetRateLimits(emulator.RateLimits{Calls: calls}); err != nil {
			panic(err)
		}
	}},
}

// seenCalls are the API calls the scale runs have made so far.
var seenCalls = map[string]bool{}

// scaleFigure is one apply / no-change plan / destroy of n pairs.
type scaleFigure struct {
	pairs, parallelism      int
	limit                   string
	apply, plan, destroy    time.Duration
	applyCalls, planCalls   int
	destroyCalls, throttled int
	byCall                  map[string]int // apply calls by operation
	peakRSSKiB              int64
}

// TestScaleFigures applies 1, 5 and 25 pairs (each with its availability
// group, two instances, EIP, failover pair, credentials and keepalived
// config) with the real provider binary and `terraform -parallelism=10`,
// (and 25 pairs at -parallelism=20, for memory), with and without the
// emulator's rate limits: wall times, API calls per
// pair, 429s and the provider's peak RSS. The provider runs as its own
// process (dev_overrides), so its memory is measured alone.
func TestScaleFigures(t *testing.T) {
	if os.Getenv("JDHA_BENCH") == "" {
		t.Skip("figures for BENCHMARKS.md: run with JDHA_BENCH=1 (make bench)")
	}
	acctest.PreCheck(t)
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Skip("terraform is not on PATH")
	}
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "terraform-provider-jdcloudha"), "../..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the provider: %v\n%s", err, out)
	}
	rc := filepath.Join(t.TempDir(), "terraformrc")
	if err := os.WriteFile(rc, []byte(fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"jdcloudha/jdcloudha\" = %q\n  }\n  direct {}\n}\n", bin)), 0o644); err != nil {
		t.Fatal(err)
	}

	var figures []scaleFigure
	for _, limit := range scaleLimits {
		for _, n := range []int{1, 5, 25} {
			figures = append(figures, runScale(t, rc, n, 10, limit))
		}
	}
	// Memory grows with the resources in flight at once.
	figures = append(figures, runScale(t, rc, 25, 20, scaleLimits[0]))

	var b strings.Builder
	fmt.Fprintf(&b, "| pairs | -parallelism | rate limit | apply wall | apply calls per pair | 429s | no-change plan | plan calls | destroy wall | destroy calls | provider peak RSS |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, f := range figures {
		fmt.Fprintf(&b, "| %d | %d | %s | %.1fs | %.1f | %d | %.1fs | %d | %.1fs | %d | %.1f MB |\n", f.pairs, f.parallelism, f.limit, f.apply.Seconds(),
			float64(f.applyCalls)/float64(f.pairs), f.throttled, f.plan.Seconds(), f.planCalls, f.destroy.Seconds(), f.destroyCalls, float64(f.peakRSSKiB)/1024)
	}
	for _, f := range figures {
		if f.pairs != 25 || f.limit != scaleLimits[0].name || f.parallelism != 10 {
			continue
		}
		fmt.Fprintf(&b, "\nAPI calls of the apply, %d pairs, %s (per pair):\n", f.pairs, f.limit)
		for _, k := range slices.Sorted(maps.Keys(f.byCall)) {
			fmt.Fprintf(&b, "- %s: %d (%.2f)\n", k, f.byCall[k], float64(f.byCall[k])/float64(f.pairs))
		}
	}
	t.Log("\n" + b.String())
}

func runScale(t *testing.T, rc string, pairs, parallelism int, limit scaleLimit) scaleFigure {
	t.Helper()
	srv := acctest.StartEmulator(t, func(o *emulator.Options) {
		o.Quotas.Instances = 2*pairs + 10
		o.Quotas.ElasticIps = pairs + 10
		o.Quotas.AvailabilityGroups = pairs + 10
	})
	limit.apply(srv.Emulator)
	dir := t.TempDir()
	attrs := acctest.ProviderAttrs(srv)
	delete(attrs, "max_retries")   // the provider's defaults, as users run it
	delete(attrs, "poll_interval") // (retries end with the timeouts; 1 s first poll)
	config := "terraform {\n  required_providers {\n    jdcloudha = { source = \"jdcloudha/jdcloudha\" }\n  }\n}\n\n" +
		acctest.ProviderBlock(attrs) + acctest.ArticleFoundation + scalePairs(pairs, filepath.Join(dir, "bundles"))
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	f := scaleFigure{pairs: pairs, parallelism: parallelism, limit: limit.name}
	par := "-parallelism=" + strconv.Itoa(parallelism)
	tf := func(args ...string) (time.Duration, int, map[string]int, int) {
		before := srv.Emulator.Stats()
		start := time.Now()
		cmd := exec.Command("terraform", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
		stop := watchRSS(&f.peakRSSKiB)
		out, err := cmd.CombinedOutput()
		stop()
		wall := time.Since(start)
		var exit *exec.ExitError
		if err != nil && !(args[0] == "plan" && errors.As(err, &exit) && exit.ExitCode() == 2) {
			t.Fatalf("%d pairs, %s: terraform %s: %v\n%s", pairs, limit.name, args[0], err, tail(out))
		}
		if args[0] == "plan" && err != nil {
			t.Fatalf("%d pairs, %s: the plan after apply is not empty:\n%s", pairs, limit.name, tail(out))
		}
		after := srv.Emulator.Stats()
		calls, total := map[string]int{}, 0
		for k, v := range after.Calls {
			if d := v - before.Calls[k]; d > 0 {
				calls[k], total = d, total+d
				seenCalls[k] = true
			}
		}
		return wall, total, calls, after.Status["429"] - before.Status["429"]
	}
	var throttled int
	f.apply, f.applyCalls, f.byCall, throttled = tf("apply", "-auto-approve", "-input=false", par)
	f.throttled += throttled
	f.plan, f.planCalls, _, throttled = tf("plan", "-detailed-exitcode", "-input=false", par)
	f.throttled += throttled
	f.destroy, f.destroyCalls, _, throttled = tf("destroy", "-auto-approve", "-input=false", par)
	f.throttled += throttled
	if left, err := acctest.Leftovers(srv); err != nil || len(left) > 0 {
		t.Fatalf("%d pairs, %s: destroy left %v (%v)", pairs, limit.name, left, err)
	}
	if st := srv.Emulator.Snapshot(); len(st.SubUsers)+len(st.Policies)+len(st.AccessKeys) > 0 {
		t.Fatalf("%d pairs, %s: destroy left IAM objects: %d sub-users, %d policies", pairs, limit.name, len(st.SubUsers), len(st.Policies))
	}
	t.Logf("%d pairs, %s: apply %v (%d calls), plan %v, destroy %v, %d×429, peak RSS %d KiB", pairs, limit.name,
		f.apply.Round(time.Millisecond), f.applyCalls, f.plan.Round(time.Millisecond), f.destroy.Round(time.Millisecond), f.throttled, f.peakRSSKiB)
	return f
}

// scalePairs is manyPairsHCL with each pair's credentials and keepalived
// config, whose bundles go under bundles.
func scalePairs(n int, bundles string) string {
	return manyPairsHCL(n) + fmt.Sprintf(`
resource "jdcloudha_failover_credentials" "many" {
  count         = %[1]d
  name          = "agent-${count.index}"
  elastic_ip_id = jdcloudha_elastic_ip.many[count.index].id
  instance_ids  = [jdcloudha_instance.many_master[count.index].id, jdcloudha_instance.many_backup[count.index].id]
  depends_on    = [jdcloudha_failover_pair.many]
}

resource "jdcloudha_keepalived_config" "many" {
  count             = %[1]d
  elastic_ip_id     = jdcloudha_failover_pair.many[count.index].elastic_ip_id
  virtual_router_id = 10 + count.index
  master = {
    instance_id = jdcloudha_instance.many_master[count.index].id
    private_ip  = jdcloudha_instance.many_master[count.index].private_ip
  }
  backup = {
    instance_id = jdcloudha_instance.many_backup[count.index].id
    private_ip  = jdcloudha_instance.many_backup[count.index].private_ip
  }
  access_key = jdcloudha_failover_credentials.many[count.index].access_key
  secret_key = jdcloudha_failover_credentials.many[count.index].secret_key
  output_dir = "%[2]s/pair-${count.index}"
}
`, n, bundles)
}

// watchRSS samples the peak resident set (VmHWM) of every provider process
// while it runs, keeping the largest in peak. The returned func stops it.
func watchRSS(peak *int64) func() {
	var done atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !done.Load() {
			for _, pid := range providerPIDs() {
				if kib := hwmKiB(pid); kib > atomic.LoadInt64(peak) {
					atomic.StoreInt64(peak, kib)
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	return func() { done.Store(true); wg.Wait() }
}

func providerPIDs() []string {
	entries, _ := os.ReadDir("/proc")
	var pids []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		comm, err := os.ReadFile("/proc/" + e.Name() + "/comm")
		if err == nil && strings.HasPrefix(string(comm), "terraform-provi") {
			pids = append(pids, e.Name())
		}
	}
	return pids
}

func hwmKiB(pid string) int64 {
	f, err := os.Open("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

func tail(out []byte) string {
	if len(out) > 4000 {
		out = out[len(out)-4000:]
	}
	return string(out)
}
