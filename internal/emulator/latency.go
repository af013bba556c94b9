package emulator

import (
	"fmt"
	"maps"
	"strings"
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

// latencyModel: "instant" keeps transitions asynchronous but a few
// milliseconds long and adds no per-call delay; "realistic" uses the
// documented delays (see README.md).
type latencyModel struct {
	name        string
	perCall     map[string]time.Duration // by route kind
	transitions map[string]time.Duration // by transition
}

func latencyFor(name string) (latencyModel, error) {
	switch name {
	case "", "instant":
		return latencyModel{name: "instant",
			transitions: transitionDelays(5*time.Millisecond, 3*time.Millisecond, 3*time.Millisecond, 3*time.Millisecond, 20*time.Millisecond)}, nil
	case "realistic":
		return latencyModel{name: "realistic",
			perCall: map[string]time.Duration{
				"describe": 30 * time.Millisecond,
				"mutate":   120 * time.Millisecond,
				"create":   250 * time.Millisecond,
			},
			// Not documented: eipProcessing, the time an EIP shows PROCESSING
			// after an association change, with eip-association=async.
			transitions: transitionDelays(8*time.Second, 4*time.Second, 4*time.Second, 3*time.Second, 500*time.Millisecond)}, nil
	}
	return latencyModel{}, fmt.Errorf("unknown latency model %q (instant or realistic)", name)
}

// transitionDelays is a model's transitions table: every model sets the
// same transitions.
func transitionDelays(create, start, stop, del, eipProcessing time.Duration) map[string]time.Duration {
	return map[string]time.Duration{
		"instance.create": create,
		"instance.start":  start,
		"instance.stop":   stop,
		"instance.delete": del,
		"eip.processing":  eipProcessing,
	}
}

func (l latencyModel) call(rt *route) time.Duration {
	if l.perCall == nil {
		return 0
	}
	switch {
	case !rt.mutates:
		return l.perCall["describe"]
	case strings.HasPrefix(rt.name, "Create"):
		return l.perCall["create"]
	}
	return l.perCall["mutate"]
}

func (l latencyModel) transition(kind string) time.Duration { return l.transitions[kind] }
