package acctest_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
)

// callsSince returns the API calls made since before, by name.
func callsSince(srv *emulator.Server, before map[string]int) (map[string]int, int) {
	now := srv.Emulator.Stats().Calls
	diff, total := map[string]int{}, 0
	for k, v := range now {
		if d := v - before[k]; d > 0 {
			diff[k], total = d, total+d
		}
	}
	return diff, total
}

func formatCalls(calls map[string]int) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(calls)) {
		fmt.Fprintf(&b, "\n  %s: %d", k, calls[k])
	}
	return b.String()
}

// Budgets for the API calls of the article's topology with its group, pair
// and credentials (in-process emulator, instant latency), so a change that
// adds calls fails here. BENCHMARKS.md explains each call; every call
// counts against the account's rate limit.
const (
	applyBudget = 35 // plan and apply
	// Two refreshing plans (the first step's check for an empty plan, and
	// the second step's plan): 13 reads each for 9 resources, the
	// credentials reading its sub-user, policy, attachment and keys.
	noChangeBudget = 26
	destroyBudget  = 41 // its refresh, and the waits until each object is gone
)

// The apply of the article's topology with its group, pair and credentials
// makes no more API calls than it needs, and a no-change plan reads each
// resource once.
func TestAccAPICallBudget(t *testing.T) {
	// Under the async reading of eip-association the waits' polls depend on
	// how fast the machine is (PROCESSING lasts a moment); the budget counts
	// the provider's own calls, so it runs where a change is complete when
	// its call answers, and the counts are the same on every run.
	srv := acctest.PreCheckAndStart(t, func(o *emulator.Options) { o.Unknowns.EIPAssociation = "sync" })
	config := acctest.ProviderConfig(srv) + lostAnswerConfig
	var mark map[string]int
	snapshot := func() { mark = maps.Clone(srv.Emulator.Stats().Calls) }
	budget := func(step string, max int) resource.TestCheckFunc {
		return func(*terraform.State) error {
			calls, total := callsSince(srv, mark)
			t.Logf("%s: %d API calls:%s", step, total, formatCalls(calls))
			if total > max {
				return fmt.Errorf("%s made %d API calls, budget %d:%s", step, total, max, formatCalls(calls))
			}
			snapshot()
			return nil
		}
	}
	snapshot()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config, Check: budget("plan and apply", applyBudget)},
			{
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            budget("no-change plan", noChangeBudget),
			},
		},
		CheckDestroy: func(s *terraform.State) error {
			calls, total := callsSince(srv, mark)
			t.Logf("destroy: %d API calls:%s", total, formatCalls(calls))
			if total > destroyBudget {
				return fmt.Errorf("destroy made %d API calls, budget %d:%s", total, destroyBudget, formatCalls(calls))
			}
			return acctest.CheckNothingLeft(srv)(s)
		},
	})
}
