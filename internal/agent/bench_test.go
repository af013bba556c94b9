package agent

import (
	"context"
	"testing"
)

// BenchmarkTakeoverFromPeer measures one full move (describe, disassociate,
// associate, verify) against the in-process emulator with instant latency:
// the agent's own overhead on top of the API's round trips, with the
// emulator's default asynchronous associations (PROCESSING for 20 ms). It
// reports the API calls per move.
func BenchmarkTakeoverFromPeer(b *testing.B) {
	p := startPair(b, 42)
	agents := map[string]*Agent{p.a: p.agent(b, p.a, nil), p.b: p.agent(b, p.b, nil)}
	p.place(b, p.a)
	holder := p.a
	before := p.srv.Emulator.Stats()
	b.ResetTimer()
	for range b.N {
		next := p.b
		if holder == p.b {
			next = p.a
		}
		if err := agents[next].Takeover(context.Background()); err != nil {
			b.Fatal(err)
		}
		holder = next
	}
	b.StopTimer()
	after := p.srv.Emulator.Stats()
	b.ReportMetric(float64(after.Total-before.Total)/float64(b.N), "calls/move")
}
