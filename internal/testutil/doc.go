// Package testutil is the tests' shared toolkit: waiting until a condition
// holds, bounded by time rather than by a number of tries (a try count is a
// different time on every machine), a fake jdcloudapi.Clock for retry and
// wait logic that must not spend real time, and SDK clients of the API
// emulator with the failover pair's objects made in it.
//
// It imports nothing of Terraform, so the agent's tests use it too.
package testutil
