// ReconciledCreate makes create calls that carry no clientToken (VPC,
// subnet, security group, availability group) safe to retry: when a create's
// outcome is unknown (transport error, 5xx, a body that is not the API's), it
// asks the API whether the object was made before sending the create again,
// so a flaky network neither fails the apply nor leaves a duplicate behind.
package jdcloud

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloudapi"
)

// ReconciledCreate describes one create without a clientToken.
type ReconciledCreate struct {
	// Find lists the IDs of existing objects that this create would make
	// (same name and parent, and whatever else pins it down). It is called
	// once before the first attempt and again after each attempt whose
	// outcome is unknown; an ID that appears in between is the create's.
	Find func(ctx context.Context) ([]string, error)
	// Send sends the create once (through CallOnce) and returns the new ID.
	Send func(ctx context.Context) (string, error)
	// Attempts caps how often Send is called; 0 means no cap: the
	// attempts end with ctx (the resource's create timeout).
	Attempts int
	// Existing, when not nil, lists what Find would return before the first
	// attempt (the caller already knows), so that look is skipped. An empty
	// list fits a create under a name no other object uses (a fresh
	// creation token): nothing can match before it.
	Existing []string
	// Discard, when set, removes objects a lost answer made instead of
	// adopting them (an access key whose secret was only in that answer);
	// the create is then sent again.
	Discard func(ctx context.Context, ids []string) error
}

// firstDelay is the wait before the second attempt; it doubles after each.
const firstDelay = 200 * time.Millisecond

// Run sends the create, retrying as described in the package comment. An
// error from Send that is final (e.g. INVALID_ARGUMENT, QUOTA_EXCEEDED) is
// returned at once.
func (cr ReconciledCreate) Run(ctx context.Context, c *Client) (string, error) {
	before := cr.Existing
	if before == nil {
		var err error
		if before, err = cr.Find(ctx); err != nil {
			return "", err
		}
	}
	delay := firstDelay
	for attempt := 1; ; attempt++ {
		id, err := cr.Send(ctx)
		if err == nil {
			return id, nil
		}
		e, ok := jdcloudapi.AsError(err)
		if !ok || !e.Retryable() || (cr.Attempts > 0 && attempt >= cr.Attempts) {
			return "", err
		}
		if !e.NotProcessed() {
			// The API may have made it: look before creating again.
			now, ferr := cr.Find(ctx)
			if ferr != nil {
				return "", fmt.Errorf("%w (and checking whether the create went through failed: %v)", err, ferr)
			}
			var made []string
			for _, id := range now {
				if !slices.Contains(before, id) {
					made = append(made, id)
				}
			}
			switch {
			case len(made) > 0 && cr.Discard != nil:
				if derr := cr.Discard(ctx, made); derr != nil {
					return "", fmt.Errorf("%w (and removing %v, which that attempt made unusable, failed: %v)", err, made, derr)
				}
			case len(made) == 1:
				return made[0], nil
			case len(made) == 0:
			default:
				return "", fmt.Errorf("%w; afterwards %d matching objects appeared (%v): check for duplicates", err, len(made), made)
			}
		}
		if deadline, ok := ctx.Deadline(); ok && c.Clock().Now().Add(delay).After(deadline) {
			return "", err
		}
		if serr := c.Clock().Sleep(ctx, delay); serr != nil {
			return "", err
		}
		delay = min(2*delay, 5*time.Second)
	}
}

// SendOnce is a ReconciledCreate's Send for a create call answered with the
// new object: send goes once through CallOnce and id picks the new ID out of
// the answer.
func SendOnce[R any](c *Client, call string, send func() (*R, error), id func(*R) string) func(ctx context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		out, err := CallOnce(ctx, c, call, send)
		if err != nil {
			return "", err
		}
		return id(out), nil
	}
}

// Listing is what one walk knows to exist of one kind of object: a single
// listing, taken when the first create of that kind asks, plus what this
// walk's creates made since. Each create's look before its first attempt
// (ReconciledCreate.Existing) reads it instead of asking the API: with 25
// pairs that is one DescribeAgs, not 25, against the account's rate limit.
//
// The price: the listing is as old as the walk's first create of the kind,
// not this create's, so a same-name object someone else makes during the
// apply would, after a lost create answer, be taken for this create's. The
// creates this walk made are added, so two resources of one configuration
// never take each other's object.
type Listing[T any] struct {
	mu    sync.Mutex
	items []T
}

// WalkListing returns the walk's listing under key, calling list the first
// time it is asked for (see Lookup; a failed list is asked again next time).
func WalkListing[T any](c *Client, key string, list func() ([]T, error)) (*Listing[T], error) {
	return Lookup(c, "listing/"+key, func() (*Listing[T], error) {
		items, err := list()
		if err != nil {
			return nil, err
		}
		return &Listing[T]{items: items}, nil
	})
}

// Match returns the IDs of the listed objects that match, never nil (so it
// fits ReconciledCreate.Existing as "looked, nothing there").
func (l *Listing[T]) Match(id func(T) (string, bool)) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return MatchIDs(l.items, id)
}

// MatchIDs returns the IDs id picks out of items, never nil.
func MatchIDs[T any](items []T, id func(T) (string, bool)) []string {
	ids := []string{}
	for _, x := range items {
		if v, ok := id(x); ok {
			ids = append(ids, v)
		}
	}
	return ids
}

// Add records an object this walk made.
func (l *Listing[T]) Add(x T) {
	l.mu.Lock()
	l.items = append(l.items, x)
	l.mu.Unlock()
}
