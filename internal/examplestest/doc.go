// Package examplestest checks the examples/ tree from Go: every registered
// resource and data source has its tfplugindocs example, and examples/ha-pair
// (the keepalived article as code) applies against the in-process emulator with the
// real terraform binary and a provider built from this tree, fails over with
// the bundle's own agent, keeps the plan empty, and destroys cleanly.
//
// The apply test is an acceptance test (TF_ACC=1; `make examples-check`,
// part of `make test`, sets it). It has no non-test code.
package examplestest
