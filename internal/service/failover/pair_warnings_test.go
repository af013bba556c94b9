package failover_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
	vmapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/provider"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil"
)

// cli runs the real terraform binary against this package's provider served
// in-process (TF_REATTACH_PROVIDERS), so a test can read what a user reads:
// the plan's warnings, which terraform-plugin-testing does not expose.
type cli struct {
	t   *testing.T
	bin string
	dir string
	env []string
}

func newCLI(t *testing.T, config string) *cli {
	t.Helper()
	acctest.PreCheck(t)
	bin := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if bin == "" {
		bin, _ = exec.LookPath("terraform")
	}
	ctx, cancel := context.WithCancel(context.Background())
	reattach := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	go func() {
		err := tf6server.Serve("registry.terraform.io/jdcloudha/jdcloudha", providerserver.NewProtocol6(provider.New("test")()),
			tf6server.WithDebug(ctx, reattach, closed), tf6server.WithGoPluginLogger(hclog.NewNullLogger()), tf6server.WithLoggingSink(t))
		if err != nil {
			t.Errorf("serving the provider: %v", err)
		}
	}()
	var rc *plugin.ReattachConfig
	select {
	case rc = <-reattach:
	case <-time.After(30 * time.Second):
		t.Fatal("the provider server did not start")
	}
	t.Cleanup(func() { cancel(); <-closed })
	b, _ := json.Marshal(map[string]any{"registry.terraform.io/jdcloudha/jdcloudha": map[string]any{
		"Protocol": string(rc.Protocol), "ProtocolVersion": 6, "Pid": rc.Pid, "Test": true,
		"Addr": map[string]string{"Network": rc.Addr.Network(), "String": rc.Addr.String()},
	}})
	dir := t.TempDir()
	home := t.TempDir()
	config = "terraform {\n  required_providers {\n    jdcloudha = { source = \"jdcloudha/jdcloudha\" }\n  }\n}\n" + config
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	// No registry, no mirror: the reattached provider is the only one.
	rcFile := filepath.Join(home, "terraformrc")
	if err := os.WriteFile(rcFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	env := acctest.CLIEnviron("HOME="+home, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_REATTACH_PROVIDERS="+string(b),
		"TF_CLI_CONFIG_FILE="+rcFile)
	c := &cli{t: t, bin: bin, dir: dir, env: env}
	c.run("init", "-input=false")
	return c
}

// run fails the test on a non-zero exit and returns stdout and stderr.
func (c *cli) run(args ...string) string {
	c.t.Helper()
	cmd := exec.Command(c.bin, append(args, "-no-color")...)
	cmd.Dir, cmd.Env = c.dir, c.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		c.t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

func (c *cli) state(addr, attr string) string {
	c.t.Helper()
	s, found, err := acctest.ShownString(c.run("show", "-json"), addr, attr)
	if err != nil {
		c.t.Fatal(err)
	}
	if !found {
		c.t.Fatalf("%s not in state", addr)
	}
	return s
}

func expectWarning(t *testing.T, out, summary string, mentions ...string) {
	t.Helper()
	i := strings.Index(out, "Warning: "+summary)
	if i < 0 {
		t.Fatalf("no warning %q in the plan:\n%s", summary, out)
	}
	block := out[i:]
	if j := strings.Index(block[1:], "\nWarning: "); j > 0 {
		block = block[:j+1]
	}
	for _, m := range mentions {
		if !strings.Contains(block, m) {
			t.Errorf("warning %q does not mention %q:\n%s", summary, m, block)
		}
	}
}

func vmCall[R any](t *testing.T, name string, send func() (*R, error)) {
	t.Helper()
	if _, err := acctest.Call(name, send); err != nil {
		t.Fatal(err)
	}
}

// waitStatus polls the emulator until the instance has the status.
func waitStatus(t *testing.T, srv *emulator.Server, id, status string) {
	t.Helper()
	testutil.Eventually(t, 30*time.Second, 200*time.Millisecond, func() (bool, string) {
		in := srv.Emulator.Snapshot().Instances[id]
		return in != nil && in.Status == status, "instance " + id + " never became " + status
	})
}

// settle polls the emulator until the EIP is no longer PROCESSING an
// association change (the real API may refuse the next change until then).
func settle(t *testing.T, srv *emulator.Server, eip string) {
	t.Helper()
	if !testutil.Wait(30*time.Second, 100*time.Millisecond, func() bool {
		x := srv.Emulator.Snapshot().ElasticIps[eip]
		return x != nil && !x.Processing
	}) {
		t.Errorf("elastic IP %s stayed PROCESSING", eip) // not Fatal: also called from a server goroutine
	}
}

var otherInstance = acctest.ArticleInstance("other", "not-a-member", "cn-east-2a", "10.0.1.20")

// Drift that matters shows on an otherwise empty plan: a stopped member,
// the EIP on no member, the EIP on an instance outside the pair, and a plan
// that replaces the EIP's holder. Each warning names the instance and the fix.
func TestAccFailoverPair_planWarnsAboutDriftThatMatters(t *testing.T) {
	srv := acctest.StartEmulator(t)
	c := newCLI(t, acctest.ProviderConfig(srv)+acctest.ArticleTopology+otherInstance+pairConfig)
	c.run("apply", "-auto-approve", "-input=false")
	vm, _, _, _ := acctest.SDKClients(srv)
	region := acctest.Region(srv)
	eip := c.state("jdcloudha_elastic_ip.vip", "id")
	master := c.state("jdcloudha_instance.master", "id")
	backup := c.state("jdcloudha_instance.backup", "id")
	other := c.state("jdcloudha_instance.other", "id")

	if out := c.run("plan", "-input=false"); strings.Contains(out, "Warning:") {
		t.Fatalf("a healthy pair warns:\n%s", out)
	}

	vmCall(t, "vm.StopInstance", func() (*vmapis.StopInstanceResponse, error) {
		return vm.StopInstance(vmapis.NewStopInstanceRequest(region, backup))
	})
	waitStatus(t, srv, backup, "stopped")
	out := c.run("plan", "-input=false")
	expectWarning(t, out, "Failover pair member is not running", "backup", backup, "stopped", "start-instance")
	if !strings.Contains(out, "No changes.") {
		t.Errorf("a stopped member must not make the plan change anything:\n%s", out)
	}
	vmCall(t, "vm.StartInstance", func() (*vmapis.StartInstanceResponse, error) {
		return vm.StartInstance(vmapis.NewStartInstanceRequest(region, backup))
	})
	waitStatus(t, srv, backup, "running")

	vmCall(t, "vm.DisassociateElasticIp", func() (*vmapis.DisassociateElasticIpResponse, error) {
		return vm.DisassociateElasticIp(vmapis.NewDisassociateElasticIpRequest(region, master, eip))
	})
	settle(t, srv, eip)
	expectWarning(t, c.run("plan", "-input=false"), "Elastic IP is on no member", eip, "takeover", "-replace")

	vmCall(t, "vm.AssociateElasticIp", func() (*vmapis.AssociateElasticIpResponse, error) {
		return vm.AssociateElasticIp(vmapis.NewAssociateElasticIpRequest(region, other, eip))
	})
	settle(t, srv, eip)
	expectWarning(t, c.run("plan", "-input=false"), "Elastic IP is on an instance outside the pair", eip, other, "disassociate-elastic-ip --instance-id "+other)

	vmCall(t, "vm.DisassociateElasticIp", func() (*vmapis.DisassociateElasticIpResponse, error) {
		return vm.DisassociateElasticIp(vmapis.NewDisassociateElasticIpRequest(region, other, eip))
	})
	settle(t, srv, eip)
	vmCall(t, "vm.AssociateElasticIp", func() (*vmapis.AssociateElasticIpResponse, error) {
		return vm.AssociateElasticIp(vmapis.NewAssociateElasticIpRequest(region, master, eip))
	})
	settle(t, srv, eip)
	out = c.run("plan", "-input=false", "-replace=jdcloudha_instance.master")
	expectWarning(t, out, "This plan takes the elastic IP's holder away", master, eip, backup)
	if strings.Contains(c.run("plan", "-input=false", "-replace=jdcloudha_instance.backup"), "holder away") {
		t.Error("replacing the member that does not hold the EIP warns that the holder goes away")
	}
	c.run("destroy", "-auto-approve", "-input=false")
}

// Replacing the member that holds the EIP while the peer is healthy. A proxy
// between the provider and the emulator plays keepalived: when the holder is
// told to stop, the peer takes the EIP over before the stop goes through, as
// keepalived's priority-0 advert at shutdown makes it do within a second.
// Because jdcloudha_instance stops an instance before deleting it, the EIP
// is then already on the backup when the old master is deleted, and the
// pair leaves it there.
func TestAccFailoverPair_replacingTheHolderKeepsTheEIPOnAMember(t *testing.T) {
	srv := acctest.StartEmulator(t)
	target, _ := url.Parse("http://" + srv.Endpoint)
	vm, _, _, _ := acctest.SDKClients(srv)
	region := acctest.Region(srv)

	var mu sync.Mutex
	var eip, master, backup string // set once the pair exists
	var stopped bool
	var holderAtDelete = "(not deleted)"
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := url.PathUnescape(r.URL.EscapedPath())
		mu.Lock()
		m := master
		mu.Unlock()
		switch {
		case m != "" && r.Method == http.MethodPost && strings.HasSuffix(p, "/instances/"+m+":stopInstance"):
			// The backup's keepalived hears the priority-0 advert; its agent moves the EIP.
			// (Errors, not Fatal: this runs on the server's goroutine.)
			if _, err := acctest.Call("vm.DisassociateElasticIp", func() (*vmapis.DisassociateElasticIpResponse, error) {
				return vm.DisassociateElasticIp(vmapis.NewDisassociateElasticIpRequest(region, m, eip))
			}); err != nil {
				t.Errorf("stand-in takeover: %v", err)
			}
			settle(t, srv, eip)
			if _, err := acctest.Call("vm.AssociateElasticIp", func() (*vmapis.AssociateElasticIpResponse, error) {
				return vm.AssociateElasticIp(vmapis.NewAssociateElasticIpRequest(region, backup, eip))
			}); err != nil {
				t.Errorf("stand-in takeover: %v", err)
			}
			settle(t, srv, eip)
			mu.Lock()
			stopped = true
			mu.Unlock()
		case m != "" && r.Method == http.MethodDelete && strings.HasSuffix(p, "/instances/"+m):
			mu.Lock()
			holderAtDelete = srv.Emulator.Snapshot().ElasticIps[eip].InstanceId
			mu.Unlock()
		}
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()

	attrs := acctest.ProviderAttrs(srv)
	attrs["endpoint"] = fmt.Sprintf("%q", strings.TrimPrefix(front.URL, "http://"))
	c := newCLI(t, acctest.ProviderBlock(attrs)+acctest.ArticleTopology+pairConfig)
	c.run("apply", "-auto-approve", "-input=false")
	mu.Lock()
	eip = c.state("jdcloudha_elastic_ip.vip", "id")
	backup = c.state("jdcloudha_instance.backup", "id")
	master = c.state("jdcloudha_instance.master", "id")
	mu.Unlock()

	out := c.run("apply", "-auto-approve", "-input=false", "-replace=jdcloudha_instance.master")
	expectWarning(t, out, "This plan takes the elastic IP's holder away", master, eip)

	mu.Lock()
	wasStopped, heldAtDelete := stopped, holderAtDelete
	mu.Unlock()
	if !wasStopped {
		t.Errorf("the holder %s was deleted without being stopped first: keepalived on it got no clean shutdown, so the EIP was on no member until the pair bound it again", master)
	}
	if heldAtDelete != backup {
		t.Errorf("when the old master was deleted the EIP was on %q; want it already on the backup %s", heldAtDelete, backup)
	}
	if got := c.state("jdcloudha_failover_pair.web", "active_instance_id"); got != backup {
		t.Errorf("after the replacement active_instance_id = %q, want the backup %s (the pair must not move it)", got, backup)
	}
	c.run("destroy", "-auto-approve", "-input=false")
}
