package emulator

import (
	"maps"
	"time"
)

// LatencyTable returns a latency model's simulated delays: per call class
// ("describe", "mutate", "create") and per state transition
// ("instance.create", "instance.start", "instance.stop", "instance.delete").
// Benchmarks use it to compute the lower bound of an apply.
func LatencyTable(name string) (perCall, transitions map[string]time.Duration, err error) {
	l, err := latencyFor(name)
	if err != nil {
		return nil, nil, err
	}
	return maps.Clone(l.perCall), maps.Clone(l.transitions), nil
}
