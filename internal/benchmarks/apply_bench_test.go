package benchmarks

import (
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloud"
)

// tenPairsHCL adds ten more pairs, each with its own availability group and
// EIP, to the article's network.
var tenPairsHCL = manyPairsHCL(10)

// manyPairsHCL is n pairs on the article's network, each with its own
// availability group, two instances, EIP and failover pair.
func manyPairsHCL(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `
resource "jdcloudha_availability_group" "many" {
  count = %[1]d
  name  = "pair-${count.index}"
  azs   = ["cn-east-2a", "cn-east-2b"]
}
`, n)
	for _, node := range []struct{ role, az string }{{"master", "cn-east-2a"}, {"backup", "cn-east-2b"}} {
		fmt.Fprintf(&b, `
resource "jdcloudha_instance" "many_%[2]s" {
  count                 = %[1]d
  name                  = "pair-${count.index}-%[2]s"
  availability_group_id = jdcloudha_availability_group.many[count.index].id
  az                    = "%[3]s"
  instance_type         = "g.n2.medium"
  image_id              = "img-debian12-x64"
  subnet_id             = jdcloudha_subnet.ha.id
  security_group_ids    = [jdcloudha_security_group.web.id]
  password              = "Ha-pair-2026!"
}
`, n, node.role, node.az)
	}
	fmt.Fprintf(&b, `
resource "jdcloudha_elastic_ip" "many" {
  count          = %[1]d
  name           = "pair-${count.index}"
  bandwidth_mbps = 5
}

resource "jdcloudha_failover_pair" "many" {
  count              = %[1]d
  elastic_ip_id      = jdcloudha_elastic_ip.many[count.index].id
  master_instance_id = jdcloudha_instance.many_master[count.index].id
  backup_instance_id = jdcloudha_instance.many_backup[count.index].id
}
`, n)
	return b.String()
}

// criticalPath is the lower bound of applying the article's topology: the
// simulated delays along its longest dependency chain, counting only the
// calls each resource cannot avoid (create, one describe to read it back,
// one more call where the resource needs it) and the instance's boot.
//
//	vpc (create, describe) -> security group (create, add rules, describe)
//	  -> instance (create, pending->running, describe)
//	  -> failover pair (describe EIP, describe instance, associate, describe EIP)
func criticalPath(t *testing.T) time.Duration {
	vpc, sg, _, instance, pair := resourceCosts(t)
	return vpc + sg + instance + pair
}

// tenPairsBound is the same bound for the second apply, where the network
// exists: availability group -> instances -> pair. terraform-plugin-testing
// runs terraform with its default -parallelism=10 (it drops TF_CLI_ARGS), so
// the 20 new instances boot in at least two waves of ten.
func tenPairsBound(t *testing.T) time.Duration {
	_, _, ag, instance, pair := resourceCosts(t)
	const instances, parallelism = 20, 10
	waves := time.Duration((instances + parallelism - 1) / parallelism)
	return ag + waves*instance + pair
}

func resourceCosts(t *testing.T) (vpc, sg, ag, instance, pair time.Duration) {
	perCall, transitions, err := emulator.LatencyTable("realistic")
	if err != nil {
		t.Fatal(err)
	}
	d, m, c := perCall["describe"], perCall["mutate"], perCall["create"]
	return c + d, c + m + d, c + d, c + transitions["instance.create"] + d, d + d + m + d
}

// apiSpan timestamps the first request and the last answer of the in-process
// provider's API calls (the SDK sends through http.DefaultTransport), so the
// figure excludes terraform's own init and plan work.
type apiSpan struct {
	next        http.RoundTripper
	mu          sync.Mutex
	first, last time.Time
}

func (a *apiSpan) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := a.next.RoundTrip(r)
	end := time.Now()
	a.mu.Lock()
	if a.first.IsZero() || start.Before(a.first) {
		a.first = start
	}
	if end.After(a.last) {
		a.last = end
	}
	a.mu.Unlock()
	return resp, err
}

func (a *apiSpan) reset() (time.Duration, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	d, ok := a.last.Sub(a.first), !a.first.IsZero()
	a.first, a.last = time.Time{}, time.Time{}
	return d, ok
}

type run struct {
	name       string
	apiWall    time.Duration
	wall       time.Duration
	calls      map[string]int64
	waits      int64
	polls      int64
	describes  int64
	lowerBound time.Duration
}

func TestApplyFigures(t *testing.T) {
	if os.Getenv("JDHA_BENCH") == "" {
		t.Skip("figures for BENCHMARKS.md: run with JDHA_BENCH=1 (make bench)")
	}
	acctest.PreCheck(t)
	span := &apiSpan{next: http.DefaultTransport}
	http.DefaultTransport = span
	t.Cleanup(func() { http.DefaultTransport = span.next })
	srv := acctest.StartEmulator(t, func(o *emulator.Options) {
		o.Latency = "realistic"
		o.Quotas.ElasticIps = 30
		o.Quotas.Instances = 30 // 22 instances; JD Cloud's default quota is 20 per region
	})
	attrs := acctest.ProviderAttrs(srv)
	delete(attrs, "poll_interval") // the provider's default, as users run it
	base := acctest.ProviderBlock(attrs) + acctest.ArticleTopology + acctest.ArticlePair

	var runs []*run
	measure := func(name string, bound time.Duration) (func(), resource.TestCheckFunc) {
		r := &run{name: name, lowerBound: bound}
		var start time.Time
		var before emulator.Stats
		var waits0, polls0 int64
		runs = append(runs, r)
		return func() {
				before = srv.Emulator.Stats()
				waits0, polls0 = jdcloud.WaitCounts()
				span.reset()
				start = time.Now()
			}, func(*terraform.State) error {
				r.wall = time.Since(start)
				r.apiWall, _ = span.reset()
				after := srv.Emulator.Stats()
				w, p := jdcloud.WaitCounts()
				r.waits, r.polls = w-waits0, p-polls0
				r.calls = map[string]int64{}
				for call, n := range after.Calls {
					if diff := int64(n) - int64(before.Calls[call]); diff > 0 {
						r.calls[call] = diff
						if strings.Contains(call, ".Describe") {
							r.describes += diff
						}
					}
				}
				return nil
			}
	}
	pre1, check1 := measure("article topology (2 instances, EIP, pair)", criticalPath(t))
	pre2, check2 := measure("+ 10 more pairs (20 instances, 10 AGs, 10 EIPs, 10 pairs)", tenPairsBound(t))

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(srv),
		Steps: []resource.TestStep{
			{PreConfig: pre1, Config: base, Check: check1},
			{PreConfig: pre2, Config: base + tenPairsHCL, Check: check2},
		},
	})

	var b strings.Builder
	fmt.Fprintf(&b, "| apply | API span (first call to last answer) | critical-path lower bound | span / bound | terraform plan+apply wall | API calls | describe calls | waits | polls | polls per wait |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range runs {
		var total int64
		for _, n := range r.calls {
			total += n
		}
		fmt.Fprintf(&b, "| %s | %.2fs | %.2fs | %.2f | %.2fs | %d | %d | %d | %d | %.2f |\n", r.name, r.apiWall.Seconds(), r.lowerBound.Seconds(),
			r.apiWall.Seconds()/r.lowerBound.Seconds(), r.wall.Seconds(), total, r.describes, r.waits, r.polls, ratio(r.polls, r.waits))
	}
	for _, r := range runs {
		fmt.Fprintf(&b, "\nAPI calls, %s:\n", r.name)
		names := make([]string, 0, len(r.calls))
		for n := range r.calls {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(&b, "- %s: %d\n", n, r.calls[n])
		}
	}
	t.Log("\n" + b.String())
	if out := os.Getenv("JDHA_BENCH_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
