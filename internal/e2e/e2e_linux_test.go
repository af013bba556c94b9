//go:build linux

package e2e

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
)

// VRRPv3 with 500 ms adverts: failovers in about two seconds, yet no
// spurious "advertisement timeout" when a loaded 2-core machine (go test
// ./... runs packages in parallel) delays keepalived by a few hundred
// milliseconds, which 100 ms adverts (0.36 s to time out) do not survive.
// The figures test measures 100 ms and whole-second VRRPv2 timings.
const fastVRRP = "vrrp_version = 3\n  advert_interval = \"500ms\""

// noPreemptWindow is how long "the EIP stays" is watched: 4 adverts.
const noPreemptWindow = 2 * time.Second

// TestFailoverWithRealKeepalived is the keepalived article's experiment: Terraform
// applies the topology and renders the bundles, real keepalived runs them in
// two host namespaces, faults are injected, and the EIP must end where the
// VRRP master is; after every step `terraform plan` is empty.
func TestFailoverWithRealKeepalived(t *testing.T) {
	l := newLab(t)
	nopreempt := l.config(fastVRRP)
	preempt := l.config(fastVRRP + "\n  preempt = true")

	step := emptyPlanStep

	resource.Test(t, acctest.Case(t, l.srv, []resource.TestStep{
		{
			// Apply, install the bundles, start web servers and keepalived:
			// the master's agent finds the EIP already there (Terraform bound it).
			Config: nopreempt,
			Check: resource.ComposeTestCheckFunc(
				resource.TestCheckResourceAttr(pairAddr, "active_role", "master"),
				func(s *terraform.State) error {
					if err := l.install(s); err != nil {
						return err
					}
					l.reset()
					return nil
				},
			),
		},
		step(nopreempt, "backup", func() {
			l.logf("1. the master's web server is killed: the master enters FAULT, the backup takes the EIP")
			f := l.measureFailover(1, func() { l.killWeb(0) })
			l.poll("the master reports FAULT", 10*time.Second, func() bool { return l.vrrpState(0) == "FAULT" })
			l.logf("   EIP on the backup %s after the kill (agent: %d calls)", f.Total.Round(time.Millisecond), f.Calls)
			l.logf("   the web server comes back: nopreempt, so the EIP stays on the backup")
			l.startWeb(0)
			l.poll("the master leaves FAULT for BACKUP", 20*time.Second, func() bool { return l.vrrpState(0) == "BACKUP" })
			l.steady(1, noPreemptWindow)
		}),
		step(nopreempt, "backup", func() {
			l.logf("2a. the master's keepalived is killed with SIGKILL: the backup takes the EIP after missing 3 adverts")
			l.masterKeepalivedEnds(syscall.SIGKILL, "the kill")
			l.logf("3a. the master's keepalived restarts: nopreempt, so the EIP stays on the backup")
			l.startKeepalived(0)
			l.poll("the restarted master becomes BACKUP with a passing check", 20*time.Second, func() bool {
				return l.vrrpState(0) == "BACKUP" && l.checkHealthy(0)
			})
			l.steady(1, noPreemptWindow)
		}),
		step(nopreempt, "backup", func() {
			l.logf("2b. the master's keepalived is stopped with SIGTERM: its priority-0 advert hands over at once")
			l.masterKeepalivedEnds(syscall.SIGTERM, "SIGTERM")
		}),
		step(nopreempt, "master", func() {
			l.logf("4. split brain: VRRP dropped between the hosts, both become MASTER and the backup takes the EIP")
			l.reset()
			l.partition()
			l.poll("the backup becomes MASTER and takes the EIP while the master stays MASTER", 30*time.Second, func() bool {
				return l.vrrpState(1) == "MASTER" && l.holder() == l.vmID[1] && l.vrrpState(0) == "MASTER"
			})
			l.settled()
			healed := time.Now()
			l.logf("   healed: the master hears a lower priority, its rx_lower_pri hook takes the EIP back")
			l.heal()
			l.poll("the backup yields (BACKUP) and the EIP is back on the master, which is MASTER", 30*time.Second, func() bool {
				return l.vrrpState(1) == "BACKUP" && l.vrrpState(0) == "MASTER" && l.holder() == l.vmID[0]
			})
			l.settled()
			if calls, _ := l.rec.since(healed, privateIP[0]); len(calls) == 0 {
				t.Fatalf("the EIP came back to the master without a call from the master's agent; %s", l.describe())
			}
			l.steady(0, noPreemptWindow)
		}),
		{
			// preempt = true: an in-place update rewrites the bundles.
			Config: preempt,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(kaAddr, plancheck.ResourceActionUpdate)},
			},
			Check: func(s *terraform.State) error {
				for i := range roles {
					l.stopKeepalived(i)
				}
				if err := l.install(s); err != nil {
					return err
				}
				for i := range roles {
					if conf := readFile(t, l.confPath(i)); strings.Contains(conf, "nopreempt") {
						return fmt.Errorf("the %s's installed keepalived.conf still says nopreempt", roles[i])
					}
				}
				l.reset()
				return nil
			},
		},
		step(preempt, "master", func() {
			l.logf("3b. with preempt = true: web server killed, the backup takes the EIP; back, the master takes it back")
			l.measureFailover(1, func() { l.killWeb(0) })
			l.measureFailover(0, func() { l.startWeb(0) })
			l.steady(0, noPreemptWindow)
		}),
		step(preempt, "backup", func() {
			l.logf("5. takeover by hand (keepalived stopped), alternating nodes, while 30%% of API calls fail")
			l.stopKeepalived(1)
			l.stopKeepalived(0)
			l.settled()
			before := l.srv.Emulator.Stats()
			l.srv.Emulator.SetFaults(emulator.Faults{Rate500: 0.15, Rate503: 0.05, Rate429: 0.05, Drop: 0.05})
			for run, node := range []int{1, 0, 1, 0, 1} {
				code, out, took := l.runAgent(node, 90*time.Second, "takeover")
				l.logf("   run %d on the %s: exit %d after %s", run+1, roles[node], code, took.Round(time.Millisecond))
				if code != 0 || l.holder() != l.vmID[node] {
					l.srv.Emulator.SetFaults(emulator.Faults{})
					t.Fatalf("takeover on the %s under faults: exit %d, EIP on %s (want exit 0, EIP here):\n%s", roles[node], code, l.holderName(), out)
				}
			}
			l.srv.Emulator.SetFaults(emulator.Faults{})
			after := l.srv.Emulator.Stats()
			failed := 0
			for k, n := range after.Status {
				if !strings.HasPrefix(k, "2") {
					failed += n - before.Status[k]
				}
			}
			l.logf("   %d API calls, %d of them failed by injection", after.Total-before.Total, failed)
			if failed == 0 {
				t.Fatal("no API call failed: the fault injection did not happen, so this step proved nothing")
			}
		}),
	}))
}

// emptyPlanStep runs pre (the faults of one scenario), then requires
// `terraform plan` to change nothing and the pair to report active.
func emptyPlanStep(config, active string, pre func()) resource.TestStep {
	return resource.TestStep{
		PreConfig:        pre,
		Config:           config,
		ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
		Check:            resource.TestCheckResourceAttr(pairAddr, "active_role", active),
	}
}

// daemonBudget is the daemon mode's pass rule: the EIP is on keepalived's
// new MASTER (or back where it belongs) within 10 s of the fault.
const daemonBudget = 10 * time.Second

// TestFailoverWithRealKeepalivedDaemonMode is the lab in the mode users get
// by default: agent_mode is not set, so keepalived's hooks only report and
// each node runs the bundle's agent daemon (`run`, as its systemd unit
// would), per node run dir and lock on the one shared filesystem. The
// daemons alone move the EIP: after a kill -9 of the MASTER's keepalived,
// both ways, and after an out-of-band disassociation; after every step
// `terraform plan` is empty.
func TestFailoverWithRealKeepalivedDaemonMode(t *testing.T) {
	l := newLab(t)
	l.daemon = true
	config := l.config(fastVRRP)

	resource.Test(t, acctest.Case(t, l.srv, []resource.TestStep{
		{
			// Apply, install the bundles, start the daemons, web servers
			// and keepalived: the master's daemon finds the EIP already there.
			Config: config,
			Check: resource.ComposeTestCheckFunc(
				resource.TestCheckResourceAttr(kaAddr, "agent_mode", "daemon"),
				resource.TestCheckResourceAttr(pairAddr, "active_role", "master"),
				func(s *terraform.State) error {
					if err := l.install(s); err != nil {
						return err
					}
					for i := range roles {
						l.startDaemon(i)
					}
					l.reset()
					l.daemonsAgree(0)
					return nil
				},
			),
		},
		emptyPlanStep(config, "backup", func() {
			l.logf("1. kill -9 of the MASTER's (the master's) keepalived: the backup's daemon takes the EIP")
			l.killAndRejoin(0, 1)
		}),
		emptyPlanStep(config, "master", func() {
			l.logf("2. kill -9 of the MASTER's (the backup's) keepalived: the master's daemon takes the EIP back")
			l.killAndRejoin(1, 0)
		}),
		emptyPlanStep(config, "master", func() {
			l.logf("3. out-of-band disassociation while the pair is healthy: the MASTER's daemon re-attaches the EIP")
			vm, _, _, _ := acctest.SDKClients(l.srv)
			t0 := time.Now()
			if _, err := acctest.Call("DisassociateElasticIp", func() (*vmapis.DisassociateElasticIpResponse, error) {
				return vm.DisassociateElasticIp(vmapis.NewDisassociateElasticIpRequest(acctest.Region(l.srv), l.vmID[0], l.eipID))
			}); err != nil {
				t.Fatalf("out-of-band disassociate: %v", err)
			}
			l.poll("the disassociation takes effect", 5*time.Second, func() bool { return l.holder() != l.vmID[0] })
			l.poll("the master's daemon re-attaches the EIP", time.Until(t0.Add(daemonBudget)), func() bool {
				return l.holder() == l.vmID[0] && !l.eipProcessing()
			})
			l.logf("   EIP back on the master %s after the disassociation", time.Since(t0).Round(time.Millisecond))
			if !l.associatedBy(0, t0) {
				t.Fatalf("the EIP came back without an associate call from the master's daemon; %s", l.describe())
			}
			l.steady(0, noPreemptWindow)
			l.daemonsAgree(0)
		}),
		emptyPlanStep(config, "master", func() {
			// Before terraform destroys the EIP, which a running MASTER's
			// daemon would otherwise re-attach.
			l.logf("4. the daemons stop (SIGTERM): stopping them never moves the EIP")
			for i := range roles {
				l.stopDaemon(i)
			}
			l.steady(0, noPreemptWindow)
			l.stopKeepalived(1)
			l.stopKeepalived(0)
		}),
	}))
}

// masterKeepalivedEnds sends the master's keepalived sig (named what in
// the log) and requires the backup to take the EIP.
func (l *lab) masterKeepalivedEnds(sig syscall.Signal, what string) {
	l.t.Helper()
	l.reset()
	f := l.measureFailover(1, func() { l.killKeepalived(0, sig) })
	l.logf("   EIP on the backup %s after %s", f.Total.Round(time.Millisecond), what)
}

// killAndRejoin kills the MASTER from's keepalived (the daemon of to takes
// the EIP), restarts it, and checks that from rejoins as BACKUP with a
// passing check while the EIP stays on to (nopreempt) and the daemons agree.
func (l *lab) killAndRejoin(from, to int) {
	l.t.Helper()
	l.failoverByKill(from, to)
	l.logf("   the %s's keepalived restarts: nopreempt, so the EIP stays on the %s", roles[from], roles[to])
	l.startKeepalived(from)
	l.poll("the restarted "+roles[from]+" becomes BACKUP with a passing check", 20*time.Second, func() bool {
		return l.vrrpState(from) == "BACKUP" && l.checkHealthy(from)
	})
	l.steady(to, noPreemptWindow)
	l.daemonsAgree(to)
}

// failoverByKill kills node from's keepalived with SIGKILL (no goodbye
// advert, no STOP hook) and requires node to's daemon to have the EIP on it,
// with node to MASTER, within daemonBudget.
func (l *lab) failoverByKill(from, to int) {
	l.t.Helper()
	l.settled()
	t0 := time.Now()
	l.killKeepalived(from, syscall.SIGKILL)
	l.poll(fmt.Sprintf("the EIP on the %s, MASTER", roles[to]), time.Until(t0.Add(daemonBudget)), func() bool {
		return l.vrrpState(to) == "MASTER" && l.holder() == l.vmID[to] && !l.eipProcessing()
	})
	l.logf("   EIP on the %s %s after the kill", roles[to], time.Since(t0).Round(time.Millisecond))
	if !l.associatedBy(to, t0) {
		l.t.Fatalf("the EIP reached the %s without an associate call from its daemon; %s", roles[to], l.describe())
	}
}

// associatedBy reports whether node i (its daemon: the report hooks never
// call the API) asked the API to associate the EIP since t.
func (l *lab) associatedBy(i int, t time.Time) bool {
	calls, _ := l.rec.since(t, privateIP[i])
	for _, c := range calls {
		p := strings.ToLower(c.Path)
		if c.Status == http.StatusOK && strings.Contains(p, "associateelasticip") && !strings.Contains(p, "disassociate") {
			return true
		}
	}
	return false
}

// daemonsAgree waits until the daemons' status files (one per node's run
// dir) say node m is MASTER with the EIP here and the other is BACKUP.
func (l *lab) daemonsAgree(m int) {
	l.t.Helper()
	l.poll(fmt.Sprintf("the daemons' status: the %s MASTER with the EIP here, the %s BACKUP", roles[m], roles[1-m]), 10*time.Second, func() bool {
		sm, so := l.daemonStatus(m), l.daemonStatus(1-m)
		return sm.VRRPState == "MASTER" && sm.EIPLocation == "here" && sm.InstanceID == l.vmID[m] &&
			so.VRRPState == "BACKUP" && so.InstanceID == l.vmID[1-m]
	})
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
