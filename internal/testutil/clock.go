package testutil

import (
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/jdcloudapi"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil/fakeclock"
)

var _ jdcloudapi.Clock = (*Clock)(nil)

// Clock is the fake jdcloudapi.Clock (see package fakeclock).
type Clock = fakeclock.Clock

// NewClock returns a Clock that starts at a fixed instant, so runs repeat.
func NewClock() *Clock { return fakeclock.New() }
