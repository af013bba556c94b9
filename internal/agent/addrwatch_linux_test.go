package agent

import (
	"testing"
	"time"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/netns"
)

// keepalived adding (and removing) the vrrp_address wakes the daemon at
// once, before any notify script could have started.
func TestWatchAddressesWakesOnAddressChanges(t *testing.T) {
	netns.SkipIfUnavailable(t)
	ns := netns.New(t)
	ns.MustIP(t, "link", "add", "vrrp0", "type", "veth", "peer", "name", "vrrp1") // no dummy module on every kernel
	ns.MustIP(t, "link", "set", "vrrp0", "up")
	wake := make(chan struct{}, 1)
	var stop func()
	if err := ns.Do(func() (err error) { stop, err = WatchAddresses(wake); return err }); err != nil {
		t.Fatal(err)
	}
	defer stop()
	drain := func() {
		for {
			select {
			case <-wake:
			case <-time.After(100 * time.Millisecond):
				return
			}
		}
	}
	drain() // the link coming up is not an address change, but be sure
	for _, step := range [][]string{{"addr", "add", "192.0.2.250/32", "dev", "vrrp0"}, {"addr", "del", "192.0.2.250/32", "dev", "vrrp0"}} {
		ns.MustIP(t, step...)
		select {
		case <-wake:
		case <-time.After(5 * time.Second):
			t.Fatalf("no wake-up after ip %v", step)
		}
		drain()
	}
	// No change, no wake-up.
	select {
	case <-wake:
		t.Fatal("woken with no address change")
	case <-time.After(300 * time.Millisecond):
	}
	// Stopping ends the watch: later changes wake nobody.
	stop()
	ns.MustIP(t, "addr", "add", "192.0.2.251/32", "dev", "vrrp0")
	select {
	case <-wake:
		t.Fatal("woken after stop")
	case <-time.After(300 * time.Millisecond):
	}
}
