package jdcloud

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloudapi"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil/fakeclock"
)

func reconcileClient(t *testing.T) (*Client, *fakeclock.Clock) {
	t.Helper()
	clk := fakeclock.At(time.Unix(0, 0))
	c, err := New(context.Background(), Config{AccessKey: "ak", SecretKey: "sk", Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	return c, clk
}

var (
	err500       = &jdcloudapi.Error{Call: "vpc.CreateVpc", Kind: jdcloudapi.KindAPI, Code: 500, Status: "INTERNAL", Message: "boom"}
	errTransport = &jdcloudapi.Error{Call: "vpc.CreateVpc", Kind: jdcloudapi.KindTransport, Err: errors.New("connection reset")}
	err429       = &jdcloudapi.Error{Call: "vpc.CreateVpc", Kind: jdcloudapi.KindAPI, Code: 429, Status: "RATE_LIMIT_EXCEEDED"}
	errInvalid   = &jdcloudapi.Error{Call: "vpc.CreateVpc", Kind: jdcloudapi.KindAPI, Code: 400, Status: "INVALID_ARGUMENT", Message: "bad name"}
)

// cloud is a fake API: objects by ID, and a script of what each Send does.
type cloud struct {
	objects []string
	sends   int
	finds   int
	// script[i] is the outcome of send i: made says whether the object is
	// created, err what the caller sees.
	script []struct {
		made bool
		err  error
	}
}

func (f *cloud) create() ReconciledCreate {
	return ReconciledCreate{
		Find: func(context.Context) ([]string, error) {
			f.finds++
			return slices.Clone(f.objects), nil
		},
		Send: func(context.Context) (string, error) {
			step := f.script[f.sends]
			f.sends++
			id := ""
			if step.made {
				id = fmt.Sprintf("vpc-%d", len(f.objects)+1)
				f.objects = append(f.objects, id)
			}
			if step.err != nil {
				return "", step.err
			}
			return id, nil
		},
	}
}

func step(made bool, err error) struct {
	made bool
	err  error
} {
	return struct {
		made bool
		err  error
	}{made, err}
}

func TestReconciledCreateAdoptsWhatAnUnknownOutcomeMade(t *testing.T) {
	for _, e := range []error{err500, errTransport} {
		c, _ := reconcileClient(t)
		f := &cloud{objects: []string{"vpc-other"}}
		f.script = append(f.script, step(true, e)) // made, but the answer was lost
		id, err := f.create().Run(context.Background(), c)
		if err != nil || id != "vpc-2" {
			t.Fatalf("%v: Run = %q, %v; want the object the lost create made (vpc-2)", e, id, err)
		}
		if f.sends != 1 || len(f.objects) != 2 {
			t.Errorf("%v: %d sends, objects %v: a second create would duplicate", e, f.sends, f.objects)
		}
	}
}

func TestReconciledCreateRetriesWhenNothingWasMade(t *testing.T) {
	c, clk := reconcileClient(t)
	f := &cloud{}
	f.script = append(f.script, step(false, err500), step(false, errTransport), step(true, nil))
	id, err := f.create().Run(context.Background(), c)
	if err != nil || id != "vpc-1" || f.sends != 3 || len(f.objects) != 1 {
		t.Fatalf("Run = %q, %v after %d sends, objects %v; want vpc-1 after 3 sends", id, err, f.sends, f.objects)
	}
	if f.finds != 3 { // once before, once after each unknown outcome
		t.Errorf("%d finds, want 3", f.finds)
	}
	if !slices.Equal(clk.Durations(), []time.Duration{firstDelay, 2 * firstDelay}) {
		t.Errorf("slept %v, want a doubling backoff", clk.Durations())
	}
}

func TestReconciledCreateDoesNotLookAfterRateLimit(t *testing.T) {
	c, _ := reconcileClient(t)
	f := &cloud{}
	f.script = append(f.script, step(false, err429), step(true, nil))
	if id, err := f.create().Run(context.Background(), c); err != nil || id != "vpc-1" {
		t.Fatalf("Run = %q, %v", id, err)
	}
	if f.finds != 1 {
		t.Errorf("%d finds, want only the first: a 429 certainly did not create anything", f.finds)
	}
}

func TestReconciledCreateStopsOnFinalErrorsAndAfterTheBudget(t *testing.T) {
	c, _ := reconcileClient(t)
	f := &cloud{}
	f.script = append(f.script, step(false, errInvalid))
	if _, err := f.create().Run(context.Background(), c); !errors.Is(err, errInvalid) || f.sends != 1 {
		t.Errorf("final error: Run err %v after %d sends, want INVALID_ARGUMENT after 1", err, f.sends)
	}

	f = &cloud{}
	for range 3 {
		f.script = append(f.script, step(false, err500))
	}
	cr := f.create()
	cr.Attempts = 3
	if _, err := cr.Run(context.Background(), c); !errors.Is(err, err500) || f.sends != 3 {
		t.Errorf("budget: Run err %v after %d sends, want the 500 after 3", err, f.sends)
	}
}

func TestReconciledCreateReportsSeveralNewMatches(t *testing.T) {
	c, _ := reconcileClient(t)
	f := &cloud{}
	cr := f.create()
	cr.Send = func(ctx context.Context) (string, error) {
		f.objects = append(f.objects, "vpc-a", "vpc-b") // someone else made one at the same time
		f.sends++
		return "", err500
	}
	_, err := cr.Run(context.Background(), c)
	if err == nil || !strings.Contains(err.Error(), "2 matching objects appeared") {
		t.Fatalf("Run err = %v, want a duplicate warning", err)
	}
}

// With a unique creation name nothing can match before the first attempt:
// the look is skipped, and a lost answer is still found afterwards.
func TestReconciledCreateUnderAFreshNameSkipsTheFirstLook(t *testing.T) {
	c, _ := reconcileClient(t)
	f := &cloud{}
	f.script = append(f.script, step(true, err500))
	cr := f.create()
	cr.Existing = []string{}
	id, err := cr.Run(context.Background(), c)
	if err != nil || id != "vpc-1" || f.sends != 1 || f.finds != 1 {
		t.Fatalf("Run = %q, %v after %d sends and %d finds; want vpc-1 after 1 send and 1 find (after the failure only)", id, err, f.sends, f.finds)
	}
}

// An object a lost answer made but that cannot be used (an access key whose
// secret was only in that answer) is discarded and the create sent again;
// Existing spares the first look.
func TestReconciledCreateDiscardsWhatCannotBeAdopted(t *testing.T) {
	c, _ := reconcileClient(t)
	f := &cloud{objects: []string{"vpc-kept"}}
	f.script = append(f.script, step(true, err500), step(true, nil))
	var discarded []string
	cr := f.create()
	cr.Existing = []string{"vpc-kept"}
	cr.Discard = func(_ context.Context, ids []string) error {
		discarded = append(discarded, ids...)
		f.objects = slices.DeleteFunc(f.objects, func(o string) bool { return slices.Contains(ids, o) })
		return nil
	}
	id, err := cr.Run(context.Background(), c)
	if err != nil || f.sends != 2 || f.finds != 1 {
		t.Fatalf("Run = %q, %v after %d sends and %d finds; want a second send after one look", id, err, f.sends, f.finds)
	}
	if !slices.Equal(discarded, []string{"vpc-2"}) || !slices.Equal(f.objects, []string{"vpc-kept", id}) {
		t.Fatalf("discarded %v, objects %v: want only the lost attempt's object gone and the known one kept", discarded, f.objects)
	}
}

// Without a count cap the attempts end with the context's deadline.
func TestReconciledCreateEndsAtTheDeadline(t *testing.T) {
	c, _ := reconcileClient(t)
	f := &cloud{}
	for range 100 {
		f.script = append(f.script, step(false, errTransport))
	}
	ctx, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0).Add(-time.Second))
	defer cancel()
	if _, err := f.create().Run(ctx, c); !errors.Is(err, errTransport) || f.sends != 1 {
		t.Fatalf("a deadline before the next attempt must end the create with its failure: %v after %d sends", err, f.sends)
	}
}

// One listing serves every create of a walk, a failed one is asked again,
// and what the walk made counts as existing for the creates after it.
func TestWalkListingListsOnceAndKeepsWhatTheWalkMade(t *testing.T) {
	c, _ := reconcileClient(t)
	lists := 0
	list := func() ([]string, error) {
		lists++
		if lists == 1 {
			return nil, errTransport
		}
		return []string{"web", "db"}, nil
	}
	if _, err := WalkListing(c, "names", list); err == nil {
		t.Fatal("a failed listing was not reported")
	}
	named := func(want string) func(string) (string, bool) {
		return func(n string) (string, bool) { return "id-" + n, n == want }
	}
	l, err := WalkListing(c, "names", list)
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Match(named("lb")); got == nil || len(got) != 0 {
		t.Fatalf("Match of an unlisted name = %#v, want an empty, non-nil list", got)
	}
	l.Add("lb")
	again, err := WalkListing(c, "names", list)
	if err != nil {
		t.Fatal(err)
	}
	if got := again.Match(named("lb")); !slices.Equal(got, []string{"id-lb"}) {
		t.Fatalf("after Add, Match = %v, want [id-lb]", got)
	}
	if got := again.Match(named("web")); !slices.Equal(got, []string{"id-web"}) {
		t.Fatalf("Match(web) = %v, want [id-web]", got)
	}
	if lists != 2 {
		t.Fatalf("listed %d times, want 2 (one failure, then one listing for the walk)", lists)
	}
}
