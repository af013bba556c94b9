package acctest

import (
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// LifecycleSteps are the steps of a resource's lifecycle test at addr:
// create, each update in place (the ID stays), each replacement (a new ID),
// then an import that must match the state. It adds to every step the plan
// checks and ID comparisons its kind implies; the steps bring their
// configuration, checks and any further plan checks.
func LifecycleSteps(addr string, create resource.TestStep, inPlace, replace []resource.TestStep) []resource.TestStep {
	id := tfjsonpath.New("id")
	sameID := statecheck.CompareValue(compare.ValuesSame())
	newID := statecheck.CompareValue(compare.ValuesDiffer())
	kept := append([]resource.TestStep{create}, inPlace...)
	for i := range kept {
		kept[i].ConfigStateChecks = append(kept[i].ConfigStateChecks, sameID.AddStateValue(addr, id))
		if i > 0 {
			kept[i].ConfigPlanChecks.PreApply = append(kept[i].ConfigPlanChecks.PreApply, plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate))
		}
		kept[i].ConfigPlanChecks.PostApplyPostRefresh = append(kept[i].ConfigPlanChecks.PostApplyPostRefresh, EmptyPlanAfterApply.PostApplyPostRefresh...)
	}
	// The ID the replacements must differ from is the last one kept.
	last := &kept[len(kept)-1]
	last.ConfigStateChecks = append(last.ConfigStateChecks, newID.AddStateValue(addr, id))
	steps := kept
	for _, s := range replace {
		s.ConfigPlanChecks.PreApply = append(s.ConfigPlanChecks.PreApply, plancheck.ExpectResourceAction(addr, plancheck.ResourceActionReplace))
		s.ConfigStateChecks = append(s.ConfigStateChecks, newID.AddStateValue(addr, id))
		steps = append(steps, s)
	}
	return append(steps, ImportStep(addr))
}
