// Package benchmarks holds the project's figure-producing runs that need the
// whole stack (terraform, provider, emulator). They are tests gated by
// JDHA_BENCH=1 so that `make test` skips them and `make bench` runs them; the
// figures they print go to BENCHMARKS.md.
package benchmarks
