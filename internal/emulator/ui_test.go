package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	vmapi "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vpcapi "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
)

// haTopology is the article's layout: VPC, subnet, a group over two zones,
// master and backup in it, one EIP on the master.
type haTopology struct {
	vpcID, subnetID, agID  string
	master, backup         string
	masterIP, backupIP     string
	masterZone, backupZone string
	masterFD, backupFD     string
	eipID, eipAddr         string
	associateRequestID     string // the AssociateElasticIp that put the EIP on the master
	zoneA, zoneB           string
	masterName, backupName string
	subnetCIDR, vpcCIDR    string
}

func (c *clients) buildHATopology(t testing.TB) haTopology {
	t.Helper()
	h := haTopology{zoneA: "cn-east-2a", zoneB: "cn-east-2b", masterName: "ha-master", backupName: "ha-backup",
		subnetCIDR: "10.0.1.0/24", vpcCIDR: "10.0.0.0/16"}
	h.vpcID, h.subnetID, _ = c.network(t)
	h.agID = c.createAg(t, "ag-ha", h.zoneA, h.zoneB)
	h.master = c.createInstances(t, instanceSpec(h.masterName, "", h.subnetID, h.agID), 1, "")[0]
	h.backup = c.createInstances(t, instanceSpec(h.backupName, "", h.subnetID, h.agID), 1, "")[0]
	m := c.waitStatus(t, h.master, "running")
	b := c.waitStatus(t, h.backup, "running")
	h.masterIP, h.masterZone, h.masterFD = m.PrivateIpAddress, m.Az, m.FaultDomain
	h.backupIP, h.backupZone, h.backupFD = b.PrivateIpAddress, b.Az, b.FaultDomain
	h.eipID, h.eipAddr = c.createEIP(t, "")
	r, err := c.vm.AssociateElasticIp(vmapi.NewAssociateElasticIpRequest(region, h.master, h.eipID))
	check(t, err, r.Error, "AssociateElasticIp(master)")
	c.waitEIP(t, h.eipID, h.master)
	h.associateRequestID = r.RequestID
	if h.associateRequestID == "" {
		t.Fatal("AssociateElasticIp answered without a request id")
	}
	return h
}

// moveEIP does what the failover agent's takeover does: disassociate from
// one instance, associate to the other. It returns the associate's request id.
func (c *clients) moveEIP(t testing.TB, eipID, from, to string) string {
	t.Helper()
	d, err := c.vm.DisassociateElasticIp(vmapi.NewDisassociateElasticIpRequest(region, from, eipID))
	check(t, err, d.Error, "DisassociateElasticIp")
	c.waitEIP(t, eipID, "")
	a, err := c.vm.AssociateElasticIp(vmapi.NewAssociateElasticIpRequest(region, to, eipID))
	check(t, err, a.Error, "AssociateElasticIp")
	c.waitEIP(t, eipID, to)
	return a.RequestID
}

func getTopology(t testing.TB, srv *Server) Topology {
	t.Helper()
	resp, err := http.Get(srv.URL() + "/__emulator/topology")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /__emulator/topology: %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	var topo Topology
	if err := json.Unmarshal(body, &topo); err != nil {
		t.Fatalf("topology is not JSON: %v\n%s", err, body)
	}
	return topo
}

// findInstance returns the instance and the group/zone/fault domain it is drawn in.
func findInstance(topo Topology, id string) (inst TopoInstance, ag, az, fd string, found int) {
	for _, g := range topo.AvailabilityGroups {
		for _, z := range g.Zones {
			for _, f := range z.FaultDomains {
				for _, in := range f.Instances {
					if in.Id == id {
						inst, ag, az, fd = in, g.Id, z.Az, f.Name
						found++
					}
				}
			}
		}
	}
	for _, in := range topo.OtherInstances {
		if in.Id == id {
			inst = in
			found++
		}
	}
	return
}

func TestTopologyFeed(t *testing.T) {
	c := startEmu(t, Options{})
	h := c.buildHATopology(t)

	// A refused call must show up too, with its error and request id.
	refused, err := c.vm.AssociateElasticIp(vmapi.NewAssociateElasticIpRequest(region, h.backup, h.eipID))
	wantErr(t, err, refused.Error, 400, "FAILED_PRECONDITION", "already in use")
	if refused.RequestID == "" {
		t.Fatal("refused call without request id")
	}

	topo := getTopology(t, c.srv)

	if len(topo.Vpcs) != 1 || topo.Vpcs[0].Id != h.vpcID || topo.Vpcs[0].Cidr != h.vpcCIDR || topo.Vpcs[0].Name != "vpc-ha" {
		t.Fatalf("vpcs: %+v", topo.Vpcs)
	}
	subs := topo.Vpcs[0].Subnets
	if len(subs) != 1 || subs[0].Id != h.subnetID || subs[0].Cidr != h.subnetCIDR || subs[0].Instances != 2 {
		t.Fatalf("subnets: %+v", subs)
	}
	if got := strings.Join(subs[0].UsedIps, ","); !strings.Contains(got, h.masterIP) || !strings.Contains(got, h.backupIP) {
		t.Fatalf("subnet used IPs %v lack %s or %s", subs[0].UsedIps, h.masterIP, h.backupIP)
	}

	if len(topo.AvailabilityGroups) != 1 {
		t.Fatalf("groups: %+v", topo.AvailabilityGroups)
	}
	g := topo.AvailabilityGroups[0]
	if g.Id != h.agID || g.Name != "ag-ha" || len(g.Zones) != 2 || g.Zones[0].Az != h.zoneA || g.Zones[1].Az != h.zoneB {
		t.Fatalf("group: %+v", g)
	}
	for _, z := range g.Zones {
		if len(z.FaultDomains) != FaultDomainsPerZone {
			t.Fatalf("zone %s has %d fault domains, want every one of %d (empty ones too)", z.Az, len(z.FaultDomains), FaultDomainsPerZone)
		}
		for i, fd := range z.FaultDomains {
			if want := fmt.Sprintf("%s-fd%d", z.Az, i+1); fd.Name != want {
				t.Fatalf("zone %s fault domain %d is %s, want %s", z.Az, i, fd.Name, want)
			}
		}
	}
	if h.masterZone == h.backupZone {
		t.Fatalf("placement put both members in %s; the test expects one per zone", h.masterZone)
	}
	for _, want := range []struct {
		id, name, ip, az, fd string
		holds                bool
	}{{h.master, h.masterName, h.masterIP, h.masterZone, h.masterFD, true}, {h.backup, h.backupName, h.backupIP, h.backupZone, h.backupFD, false}} {
		in, ag, az, fd, n := findInstance(topo, want.id)
		if n != 1 {
			t.Fatalf("instance %s drawn %d times, want once", want.id, n)
		}
		// Zone and fault domain must be the ones DescribeInstance reports.
		if ag != h.agID || az != want.az || fd != want.fd || in.FaultDomain != want.fd {
			t.Fatalf("instance %s drawn in %s/%s/%s, DescribeInstance says %s/%s/%s", want.id, ag, az, fd, h.agID, want.az, want.fd)
		}
		if in.Name != want.name || in.PrivateIp != want.ip || in.Status != "running" || in.SubnetId != h.subnetID {
			t.Fatalf("instance %s: %+v", want.id, in)
		}
		if want.holds != (in.ElasticIp != nil) || (want.holds && (in.ElasticIp.Id != h.eipID || in.ElasticIp.Address != h.eipAddr)) {
			t.Fatalf("instance %s elasticIp %+v, want holder=%v of %s", want.id, in.ElasticIp, want.holds, h.eipID)
		}
	}
	if len(topo.OtherInstances) != 0 {
		t.Fatalf("instances outside groups: %+v", topo.OtherInstances)
	}

	if len(topo.ElasticIps) != 1 {
		t.Fatalf("elastic IPs: %+v", topo.ElasticIps)
	}
	x := topo.ElasticIps[0]
	if x.Id != h.eipID || x.Address != h.eipAddr || x.HolderInstanceId != h.master || x.HolderInstanceName != h.masterName || x.PrivateIp != h.masterIP {
		t.Fatalf("elastic IP: %+v (want holder %s %s)", x, h.master, h.masterIP)
	}

	calls := topo.RecentCalls
	if len(calls) < 2 {
		t.Fatalf("recent calls: %+v", calls)
	}
	for i := 1; i < len(calls); i++ {
		if calls[i].Seq != calls[i-1].Seq+1 {
			t.Fatalf("recent calls not in order: %+v", calls)
		}
	}
	last := calls[len(calls)-1]
	if last.Call != "vm.AssociateElasticIp" || last.HTTPStatus != 400 || last.Status != "FAILED_PRECONDITION" ||
		!strings.Contains(last.Message, "already in use") || last.RequestID != refused.RequestID || last.Target != h.backup || last.Principal != "main" {
		t.Fatalf("last call: %+v (want the refused associate, request %s)", last, refused.RequestID)
	}
	var ok *RecentCall
	for i := range calls {
		if calls[i].RequestID == h.associateRequestID {
			ok = &calls[i]
		}
	}
	if ok == nil || ok.Call != "vm.AssociateElasticIp" || ok.HTTPStatus != 200 || ok.Status != "" || ok.Target != h.master || ok.Method != "POST" {
		t.Fatalf("successful associate (request %s) not recorded right: %+v", h.associateRequestID, ok)
	}
	if topo.TotalCalls < len(calls) || topo.Region != DefaultRegion || topo.GeneratedAt == "" {
		t.Fatalf("total %d region %q generatedAt %q", topo.TotalCalls, topo.Region, topo.GeneratedAt)
	}

	// After a takeover the holder is the backup, and the feed says so.
	moveID := c.moveEIP(t, h.eipID, h.master, h.backup)
	topo = getTopology(t, c.srv)
	if x := topo.ElasticIps[0]; x.HolderInstanceId != h.backup || x.PrivateIp != h.backupIP {
		t.Fatalf("after the move: %+v", x)
	}
	if m, _, _, _, _ := findInstance(topo, h.master); m.ElasticIp != nil {
		t.Fatalf("master still shows %+v", m.ElasticIp)
	}
	if b, _, _, _, _ := findInstance(topo, h.backup); b.ElasticIp == nil || b.ElasticIp.Id != h.eipID {
		t.Fatalf("backup shows %+v", b.ElasticIp)
	}
	// The move's associate is the last mutation listed (describes that wait
	// for the association to show may follow it).
	var lastMutation *RecentCall
	for i := range topo.RecentCalls {
		if l := &topo.RecentCalls[i]; l.Method != "GET" {
			lastMutation = l
		}
	}
	if lastMutation == nil || lastMutation.RequestID != moveID || lastMutation.HTTPStatus != 200 {
		t.Fatalf("last mutation %+v, want the move's associate %s", lastMutation, moveID)
	}
	// The page's own polling is not an API call and must not fill the list.
	for _, c := range topo.RecentCalls {
		if strings.HasPrefix(c.Path, "/__emulator/") {
			t.Fatalf("control request recorded: %+v", c)
		}
	}
}

func TestRecentCallsRingAndFailures(t *testing.T) {
	c := startEmu(t, Options{})
	const n = RecentCallsKept + 5
	var ids []string
	for i := 0; i < n; i++ {
		r, err := c.vpc.DescribeVpcs(vpcapi.NewDescribeVpcsRequest(region))
		check(t, err, r.Error, "DescribeVpcs")
		ids = append(ids, r.RequestID)
	}
	calls := c.srv.Emulator.RecentCalls()
	if len(calls) != RecentCallsKept {
		t.Fatalf("%d calls kept, want %d", len(calls), RecentCallsKept)
	}
	for i, call := range calls { // oldest first: the last RecentCallsKept of ids
		if want := ids[n-RecentCallsKept+i]; call.RequestID != want || call.Call != "vpc.DescribeVpcs" || call.HTTPStatus != 200 || call.Seq != int64(n-RecentCallsKept+i+1) {
			t.Fatalf("call %d: %+v, want request %s seq %d", i, call, want, n-RecentCallsKept+i+1)
		}
	}

	// An unsigned request: 401 with its request id, no principal.
	resp, err := http.Get(c.srv.URL() + "/v1/regions/cn-east-2/vpcs/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	last := c.srv.Emulator.RecentCalls()[RecentCallsKept-1]
	if last.HTTPStatus != 401 || last.Status != "ACCESS_ERROR" || last.RequestID == "" ||
		last.RequestID != resp.Header.Get("X-Jdcloud-Request-Id") || last.Principal != "" {
		t.Fatalf("unsigned call recorded as %+v", last)
	}

	// A dropped connection: recorded with status 0 and no request id, and the
	// connection really is dropped through the recorder.
	c.srv.Emulator.SetFaults(Faults{Drop: 1})
	_, derr := c.vpc.DescribeVpcs(vpcapi.NewDescribeVpcsRequest(region))
	c.srv.Emulator.SetFaults(Faults{})
	if derr == nil {
		t.Fatal("a dropped connection answered")
	}
	last = c.srv.Emulator.RecentCalls()[RecentCallsKept-1]
	if last.HTTPStatus != 0 || last.RequestID != "" || last.Call != "vpc.DescribeVpcs" {
		t.Fatalf("dropped call recorded as %+v", last)
	}
}

func TestTopologyConcurrentCallsAndPolls(t *testing.T) {
	c := startEmu(t, Options{})
	var wg sync.WaitGroup
	const workers, each = 4, 10
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				r, err := c.vpc.DescribeVpcs(vpcapi.NewDescribeVpcsRequest(region))
				if err != nil || r.Error.Code != 0 {
					t.Errorf("DescribeVpcs: %v %+v", err, r.Error)
					return
				}
			}
		}()
	}
	stop := make(chan struct{})
	polled := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				polled <- n
				return
			default:
				_ = c.srv.Emulator.Topology()
				n++
			}
		}
	}()
	wg.Wait()
	close(stop)
	if <-polled == 0 {
		t.Fatal("the poller never ran")
	}
	calls := c.srv.Emulator.RecentCalls()
	if len(calls) != RecentCallsKept || calls[len(calls)-1].Seq != workers*each {
		t.Fatalf("%d calls, newest seq %d, want %d and %d", len(calls), calls[len(calls)-1].Seq, RecentCallsKept, workers*each)
	}
	for i := 1; i < len(calls); i++ {
		if calls[i].Seq != calls[i-1].Seq+1 {
			t.Fatalf("gap in recent calls: %+v", calls)
		}
	}
}

var externalRef = regexp.MustCompile(`(?i)(src|href|action)\s*=\s*["']?\s*(https?:)?//|url\(\s*["']?(https?:)?//|@import|https?://`)

func TestTopologyPageServed(t *testing.T) {
	c := startEmu(t, Options{})
	resp, err := http.Get(c.srv.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	page := string(body)
	for _, want := range []string{"/__emulator/topology", "data-eip-holder", "data-instance-id", "data-request-id"} {
		if !strings.Contains(page, want) {
			t.Fatalf("page lacks %q", want)
		}
	}
	if m := externalRef.FindString(page); m != "" {
		t.Fatalf("page refers to something outside the emulator: %q", m)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "connect-src 'self'") {
		t.Fatalf("CSP %q", csp)
	}
	if len(c.srv.Emulator.RecentCalls()) != 0 {
		t.Fatalf("the page load was recorded as an API call: %+v", c.srv.Emulator.RecentCalls())
	}

	// Not from loopback: no page, the API's 401 envelope as before.
	req := httptest.NewRequest("GET", "/", nil)
	req.RemoteAddr = "192.0.2.1:1234"
	rec := httptest.NewRecorder()
	c.srv.Emulator.ServeHTTP(rec, req)
	if rec.Code != 401 || strings.Contains(rec.Body.String(), "<html") {
		t.Fatalf("non-loopback GET /: %d %s", rec.Code, rec.Body.String())
	}
	// A signed request to / keeps getting an API answer (404 envelope), never the page.
	req = httptest.NewRequest("GET", "http://"+c.srv.Endpoint+"/", nil)
	req.RemoteAddr = "127.0.0.1:1234"
	SignRequest(req, nil, DemoAccessKey, DemoSecretKey, "cn-east-2", "vpc", "nonce", time.Now())
	rec = httptest.NewRecorder()
	c.srv.Emulator.ServeHTTP(rec, req)
	if rec.Code != 404 || !strings.Contains(rec.Body.String(), `"requestId"`) {
		t.Fatalf("signed GET /: %d %s", rec.Code, rec.Body.String())
	}
}

func TestLogRequestsSkipsPagePolls(t *testing.T) {
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var buf strings.Builder
	h := LogRequests(e, log.New(&buf, "", 0))
	for _, path := range []string{"/", "/__emulator/topology", "/__emulator/stats", "/v1/regions/cn-east-2/vpcs/"} {
		req := httptest.NewRequest("GET", path, nil)
		req.RemoteAddr = "127.0.0.1:1234"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code == 0 || rec.Code >= 500 {
			t.Fatalf("GET %s: %d", path, rec.Code)
		}
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "/__emulator/stats") || !strings.Contains(lines[1], "/v1/regions/cn-east-2/vpcs/") {
		t.Fatalf("log lines:\n%s", buf.String())
	}
}
