package acctest

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
)

// Case is the usual acceptance test case against srv: the PreCheck, the
// in-process provider, and a CheckDestroy asking srv's API that nothing is
// left. Change a field for a test that needs otherwise.
func Case(t *testing.T, srv *emulator.Server, steps []resource.TestStep) resource.TestCase {
	return CaseChecking(t, CheckNothingLeft(srv), steps)
}

// CaseChecking is Case with another CheckDestroy (nil: none, for tests
// that create nothing or leave objects they did not create).
func CaseChecking(t *testing.T, checkDestroy resource.TestCheckFunc, steps []resource.TestStep) resource.TestCase {
	return resource.TestCase{
		PreCheck:                 func() { PreCheck(t) },
		ProtoV6ProviderFactories: ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroy,
		Steps:                    steps,
	}
}

// DisappearsStep applies config, deletes the resource at addr behind
// Terraform's back with del, and expects the refresh to plan it anew (and
// also: further checks on that plan, e.g. that its parent stays).
func DisappearsStep(config, addr string, del func(id string) error, also ...plancheck.PlanCheck) resource.TestStep {
	return resource.TestStep{
		Config:             config,
		Check:              CheckDisappears(addr, del),
		ExpectNonEmptyPlan: true,
		ConfigPlanChecks: resource.ConfigPlanChecks{
			PostApplyPostRefresh: append([]plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)}, also...),
		},
	}
}

// RecreateSteps apply config, delete the resource at addr behind
// Terraform's back with del, and apply config again: the refresh dropped it
// from state, so the plan creates it anew; check (nil: none) runs after that
// apply.
func RecreateSteps(config, addr string, del func(id string) error, check resource.TestCheckFunc) []resource.TestStep {
	return []resource.TestStep{
		{Config: config, Check: CheckDisappears(addr, del), ExpectNonEmptyPlan: true},
		{Config: config, ConfigPlanChecks: ExpectAction(addr, plancheck.ResourceActionCreate), Check: check},
	}
}

// EmptyPlanAfterApply is the plan checks of a step whose apply must leave
// nothing to do.
var EmptyPlanAfterApply = resource.ConfigPlanChecks{
	PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
}

// StateID returns the ID of the resource at addr in s.
func StateID(s *terraform.State, addr string) (string, error) {
	rs, ok := s.RootModule().Resources[addr]
	if !ok || rs.Primary == nil || rs.Primary.ID == "" {
		return "", fmt.Errorf("%s has no ID in the state", addr)
	}
	return rs.Primary.ID, nil
}

// Describe reads the object of the resource at addr straight from the API:
// send describes one ID (through Call, named name), pick takes the object out
// of the answer.
func Describe[R, M any](s *terraform.State, addr, name string, send func(id string) (*R, error), pick func(*R) M) (M, error) {
	id, err := StateID(s, addr)
	if err != nil {
		var zero M
		return zero, err
	}
	return Get(name, func() (*R, error) { return send(id) }, pick)
}

// Get sends one describe through Call and takes the object out of its answer
// with pick.
func Get[R, M any](name string, send func() (*R, error), pick func(*R) M) (M, error) {
	out, err := Call(name, send)
	if err != nil {
		var zero M
		return zero, err
	}
	return pick(out), nil
}

// ExpectAction is the plan checks of a step whose apply does action to addr.
func ExpectAction(addr string, action plancheck.ResourceActionType) resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, action)}}
}

// ExpectInPlace is the plan checks of a step that updates addr in place and
// leaves nothing to do.
func ExpectInPlace(addr string) resource.ConfigPlanChecks {
	c := ExpectAction(addr, plancheck.ResourceActionUpdate)
	c.PostApplyPostRefresh = EmptyPlanAfterApply.PostApplyPostRefresh
	return c
}

// PlanError is a plan-only step of config that must fail with an error
// containing want (see ErrorRegexp).
func PlanError(config, want string) resource.TestStep {
	return resource.TestStep{Config: config, PlanOnly: true, ExpectError: ErrorRegexp(want)}
}

// ImportStep imports the resource at addr by its ID and expects the same
// state as the apply left.
func ImportStep(addr string) resource.TestStep {
	return resource.TestStep{ResourceName: addr, ImportState: true, ImportStateVerify: true}
}
