package jdcloud

import (
	"context"
	"errors"
	"time"
)

// DeleteUntilGone sends del until it succeeds or the object is already gone,
// retrying FAILED_PRECONDITION (something still uses the object: instances
// in a group, network interfaces being released) with the poll backoff until
// timeout. When time runs out while still refused, blocked is the API's last
// refusal (the message a user needs: what still uses the object); err is set
// either way.
func DeleteUntilGone(ctx context.Context, c *Client, what string, timeout time.Duration, del func(ctx context.Context) error) (blocked, err error) {
	_, err = WaitFor(ctx, c, Wait[struct{}]{
		What:      what + " to be deleted",
		PollFirst: true, // each poll is the delete call itself
		Pending:   []string{"in use"},
		Target:    []string{"deleted"},
		Timeout:   timeout,
		Refresh: func(ctx context.Context) (struct{}, string, error) {
			err := del(ctx)
			switch {
			case err == nil, IsNotFound(err):
				return struct{}{}, "deleted", nil
			case HasStatus(err, "FAILED_PRECONDITION"):
				blocked = err
				return struct{}{}, "in use", nil
			}
			if ctx.Err() == nil {
				blocked = nil // a real failure, not the deadline cutting a retry short
			}
			return struct{}{}, "", err
		},
	})
	if err == nil {
		blocked = nil
	}
	return blocked, err
}

// DeleteFailure renders a failed DeleteUntilGone for a diagnostic.
func DeleteFailure(blocked, err error, timeout time.Duration) string {
	if errors.Is(err, context.Canceled) {
		// Interrupted (Ctrl-C): not a timeout, whatever the last refusal said.
		s := "Cancelled before the deletion completed: " + err.Error()
		if blocked != nil {
			s += "\n\nThe API's last answer:\n" + Detail(blocked)
		}
		return s
	}
	if blocked != nil {
		return "JD Cloud still refused the deletion after retrying for " + timeout.String() +
			" (set timeouts.delete to wait longer). Something still uses it: delete that first.\n\n" + Detail(blocked)
	}
	return Detail(err)
}
