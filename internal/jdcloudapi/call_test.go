package jdcloudapi

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/jdcloud-api/jdcloud-sdk-go/core"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil/fakeclock"
)

type fakeResp struct {
	RequestID string             `json:"requestId"`
	Error     core.ErrorResponse `json:"error"`
	Result    struct{ N int }    `json:"result"`
}

func apiErr(code int, status string) *fakeResp {
	return &fakeResp{RequestID: "req-" + status, Error: core.ErrorResponse{Code: code, Status: status, Message: "m"}}
}

// script returns a send func that plays the given answers in order.
func script(answers ...any) (func() (*fakeResp, error), *int) {
	calls := 0
	return func() (*fakeResp, error) {
		a := answers[calls]
		calls++
		switch v := a.(type) {
		case error:
			return nil, v
		case *fakeResp:
			return v, nil
		}
		panic("bad script")
	}, &calls
}

func TestDoRetriesRetryableThenSucceeds(t *testing.T) {
	clock := fakeclock.At(time.Time{})
	ok := &fakeResp{RequestID: "req-ok"}
	ok.Result.N = 7
	var syntaxErr error = &json.SyntaxError{}
	send, calls := script(errors.New("connection reset"), apiErr(503, "UNAVAILABLE"), apiErr(429, "RATE_LIMIT_EXCEEDED"), syntaxErr, apiErr(500, "INTERNAL"), ok)
	var seen []Attempt
	resp, err := Do(context.Background(), Policy{MaxRetries: Unlimited, Clock: clock, Jitter: func() float64 { return 0 }, Observe: func(a Attempt) { seen = append(seen, a) }}, "vpc.DescribeElasticIp", Idempotent, send)
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if resp.Result.N != 7 || *calls != 6 {
		t.Fatalf("got N=%d after %d calls, want 7 after 6", resp.Result.N, *calls)
	}
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, 1600 * time.Millisecond}
	if len(clock.Durations()) != len(want) {
		t.Fatalf("sleeps %v, want %v", clock.Durations(), want)
	}
	for i := range want {
		if clock.Durations()[i] != want[i] {
			t.Fatalf("sleep %d = %v, want %v (all %v)", i, clock.Durations()[i], want[i], clock.Durations())
		}
	}
	if len(seen) != 6 || seen[5].RequestID != "req-ok" || seen[5].Err != nil || !seen[1].Retry || seen[1].Err.RequestID != "req-UNAVAILABLE" {
		t.Fatalf("observed attempts wrong: %+v", seen)
	}
}

func TestDoFinalErrorsAreNotRetried(t *testing.T) {
	for _, tc := range []struct {
		code   int
		status string
	}{{400, "FAILED_PRECONDITION"}, {404, "NOT_FOUND"}, {401, "UNAUTHENTICATED"}, {403, "PERMISSION_DENIED"}, {429, "QUOTA_EXCEEDED"}} {
		send, calls := script(apiErr(tc.code, tc.status))
		_, err := Do(context.Background(), Policy{Clock: fakeclock.At(time.Time{})}, "vm.X", Idempotent, send)
		e, ok := AsError(err)
		if !ok || e.Status != tc.status || e.Code != tc.code || e.RequestID != "req-"+tc.status || *calls != 1 || e.Attempts != 1 {
			t.Fatalf("%s: err=%v calls=%d", tc.status, err, *calls)
		}
	}
	send, _ := script(apiErr(404, "NOT_FOUND"))
	_, err := Do(context.Background(), Policy{Clock: fakeclock.At(time.Time{})}, "vm.X", Idempotent, send)
	if !IsNotFound(err) || HasStatus(err, "INTERNAL") {
		t.Fatalf("IsNotFound/HasStatus wrong for %v", err)
	}
}

func TestDoNotIdempotentRetriesOnlyWhenNotProcessed(t *testing.T) {
	send, calls := script(apiErr(500, "INTERNAL"))
	_, err := Do(context.Background(), Policy{Clock: fakeclock.At(time.Time{})}, "vpc.CreateVpc", NotIdempotent, send)
	if err == nil || *calls != 1 {
		t.Fatalf("a 500 on a non-idempotent call must not be retried: err=%v calls=%d", err, *calls)
	}
	send, calls = script(errors.New("EOF"))
	if _, err = Do(context.Background(), Policy{Clock: fakeclock.At(time.Time{})}, "vpc.CreateVpc", NotIdempotent, send); err == nil || *calls != 1 {
		t.Fatalf("a transport error on a non-idempotent call must not be retried: calls=%d", *calls)
	}
	send, calls = script(apiErr(429, "RATE_LIMIT_EXCEEDED"), &fakeResp{RequestID: "ok"})
	if _, err = Do(context.Background(), Policy{MaxRetries: Unlimited, Clock: fakeclock.At(time.Time{})}, "vpc.CreateVpc", NotIdempotent, send); err != nil || *calls != 2 {
		t.Fatalf("a 429 was not processed, so it is safe to retry: err=%v calls=%d", err, *calls)
	}
}

func TestDoStopsAtMaxRetriesAndContext(t *testing.T) {
	answers := make([]any, 10)
	for i := range answers {
		answers[i] = apiErr(503, "UNAVAILABLE")
	}
	send, calls := script(answers...)
	_, err := Do(context.Background(), Policy{Clock: fakeclock.At(time.Time{}), MaxRetries: 3}, "vm.X", Idempotent, send)
	if e, _ := AsError(err); e == nil || e.Attempts != 4 || *calls != 4 {
		t.Fatalf("want 4 attempts, got err=%v calls=%d", err, *calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	send, calls = script(answers...)
	_, err = Do(ctx, Policy{Clock: fakeclock.At(time.Time{})}, "vm.X", Idempotent, send)
	if err == nil || *calls != 0 {
		t.Fatalf("a cancelled context must send nothing: err=%v calls=%d", err, *calls)
	}
}

func TestBackoffIsCappedAndJittered(t *testing.T) {
	p := Policy{BaseDelay: time.Second, MaxDelay: 4 * time.Second, Jitter: func() float64 { return 0.999 }}
	if d := p.Backoff(10); d < 2*time.Second || d > 4*time.Second {
		t.Fatalf("backoff(10) = %v, want within [2s,4s]", d)
	}
	p.Jitter = func() float64 { return 0 }
	if d := p.Backoff(1); d != 500*time.Millisecond {
		t.Fatalf("backoff(1) with no jitter = %v, want 500ms", d)
	}
}

func TestErrorMessageNamesCallStatusAndRequestID(t *testing.T) {
	e := &Error{Call: "vm.AssociateElasticIp", Kind: KindAPI, Code: 400, Status: "FAILED_PRECONDITION", Message: "ElasticIp 1.2.3.4 already in use", RequestID: "abc", Attempts: 2}
	want := "vm.AssociateElasticIp: 400 FAILED_PRECONDITION: ElasticIp 1.2.3.4 already in use (request ID abc) after 2 attempts"
	if e.Error() != want {
		t.Fatalf("got %q\nwant %q", e.Error(), want)
	}
}

// An outage longer than any retry count must be ridden out as long as the
// operation's deadline allows, and end with the last real failure when it
// does not.
func TestDoUnlimitedRetriesEndAtTheDeadline(t *testing.T) {
	outage := make([]any, 0, 200)
	for range 30 {
		outage = append(outage, errors.New("connection refused"))
	}
	ok := &fakeResp{RequestID: "req-ok"}
	start := time.Now()
	ctx, cancel := context.WithDeadline(context.Background(), start.Add(10*time.Minute))
	defer cancel()
	send, calls := script(append(outage, ok)...)
	clock := fakeclock.At(start)
	if _, err := Do(ctx, Policy{MaxRetries: Unlimited, Clock: clock}, "vm.CreateInstances", Idempotent, send); err != nil || *calls != 31 {
		t.Fatalf("30 failures within a 10m deadline must be retried through: err=%v calls=%d", err, *calls)
	}
	if waited := clock.Now().Sub(start); waited < 45*time.Second {
		t.Fatalf("the retries spanned only %v; the backoff should reach its 5s cap", waited)
	}

	ctx, cancel = context.WithDeadline(context.Background(), start.Add(20*time.Second))
	defer cancel()
	send, calls = script(append(outage, ok)...)
	clock = fakeclock.At(start)
	_, err := Do(ctx, Policy{MaxRetries: Unlimited, Clock: clock}, "vm.CreateInstances", Idempotent, send)
	e, isAPI := AsError(err)
	if !isAPI || e.Kind != KindTransport || *calls >= 31 || *calls < 5 {
		t.Fatalf("a 20s deadline must end the retries with the transport failure: err=%v calls=%d", err, *calls)
	}
	if clock.Now().After(start.Add(20 * time.Second)) {
		t.Fatalf("no retry may be scheduled past the deadline: the clock reached %v", clock.Now().Sub(start))
	}

	send, calls = script(append(outage, ok)...)
	clock = fakeclock.At(start)
	if _, err := Do(context.Background(), Policy{MaxRetries: Unlimited, MaxElapsed: 30 * time.Second, Clock: clock}, "vm.X", Idempotent, send); err == nil || clock.Now().Sub(start) > 30*time.Second {
		t.Fatalf("without a deadline MaxElapsed bounds the retries: err=%v after %v", err, clock.Now().Sub(start))
	}
	_ = calls
}

func TestDoZeroPolicySendsOnce(t *testing.T) {
	send, calls := script(apiErr(503, "UNAVAILABLE"), &fakeResp{})
	if _, err := Do(context.Background(), Policy{Clock: fakeclock.At(time.Time{})}, "vm.X", Idempotent, send); err == nil || *calls != 1 {
		t.Fatalf("MaxRetries 0 means no retry: err=%v calls=%d", err, *calls)
	}
}

// The provider and the agent read the association refusals one way.
func TestAssociationRefusals(t *testing.T) {
	inUse := &Error{Call: "vm.AssociateElasticIp", Kind: KindAPI, Code: 400, Status: "FAILED_PRECONDITION", Message: "ElasticIp 1.2.3.4 already in use"}
	ipInUse := &Error{Call: "vm.CreateInstances", Kind: KindAPI, Code: 400, Status: "FAILED_PRECONDITION", Message: "The ip 10.0.1.18 is already in use in subnet subnet-1"}
	notOn := &Error{Call: "vm.DisassociateElasticIp", Kind: KindAPI, Code: 400, Status: "FAILED_PRECONDITION", Message: "Elastic ip isn't associated to this instance's primary network interface"}
	transport := &Error{Call: "vm.AssociateElasticIp", Kind: KindTransport, Err: errors.New("in use")}
	if !IsAlreadyInUse(inUse) || !IsAlreadyInUse(ipInUse) || IsAlreadyInUse(notOn) || IsAlreadyInUse(transport) {
		t.Fatal("IsAlreadyInUse must match the two in-use refusals only")
	}
	if !IsNotAssociated(notOn) || IsNotAssociated(inUse) || IsNotAssociated(transport) {
		t.Fatal("IsNotAssociated must match the not-associated refusal only")
	}
}
