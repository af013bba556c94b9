package emulator

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	vpcapi "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
	vpcm "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"
)

// postControl sends body to a control endpoint and returns the status and body.
func postControl(t *testing.T, c *clients, endpoint, body string) (int, []byte) {
	t.Helper()
	resp, err := http.Post(c.srv.URL()+"/__emulator/"+endpoint, "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (c *clients) createEIPs() (*vpcapi.CreateElasticIpsResponse, error) {
	return c.vpc.CreateElasticIps(vpcapi.NewCreateElasticIpsRequest(region, 1, &vpcm.ElasticIpSpec{BandwidthMbps: 5, Provider: "bgp"}))
}

// A lose fault lets the call take effect and withholds the answer: closed
// connection (lose) or 503 (lose503); aimed at one call, counted entries
// strike exactly N times, and stats and the recent calls say "lost".
func TestLoseFaultsActThenWithholdTheAnswer(t *testing.T) {
	c := startEmu(t, Options{})
	eips := func() int { return len(c.srv.Emulator.Snapshot().ElasticIps) }

	f, err := ParseFaults("lose=1@vpc.CreateElasticIps#1")
	if err != nil {
		t.Fatal(err)
	}
	c.srv.Emulator.SetFaults(f)
	if _, err := c.createEIPs(); err == nil {
		t.Fatal("a lost answer reached the client")
	}
	if eips() != 1 {
		t.Fatalf("%d EIPs after a lost create, want 1 (made, answer lost)", eips())
	}
	if last := c.srv.Emulator.RecentCalls()[len(c.srv.Emulator.RecentCalls())-1]; last.Status != "LOST" || last.HTTPStatus != 0 || !strings.Contains(last.Message, "HTTP 200") {
		t.Fatalf("lost call recorded as %+v", last)
	}
	r, err := c.createEIPs()
	check(t, err, r.Error, "CreateElasticIps once the counted fault is spent")
	if left := c.srv.Emulator.CurrentFaults(); len(left.Calls) != 0 {
		t.Fatalf("spent entry still in force: %+v", left)
	}

	// At run time, as text: two 503s after acting, then answers again; other calls untouched.
	if code, body := postControl(t, c, "faults", "lose503=1@vpc.CreateElasticIps#2"); code != 200 {
		t.Fatalf("POST faults: %d %s", code, body)
	}
	for i := 0; i < 2; i++ {
		r, err := c.createEIPs()
		wantErr(t, err, r.Error, 503, "UNAVAILABLE", "")
		d, err := c.vpc.DescribeElasticIps(vpcapi.NewDescribeElasticIpsRequest(region))
		check(t, err, d.Error, "DescribeElasticIps beside a fault aimed at CreateElasticIps")
		if i == 0 {
			if left := c.srv.Emulator.CurrentFaults().Calls; len(left) != 1 || left[0].Count != 1 {
				t.Fatalf("after one strike: %+v, want count 1 left", left)
			}
		}
	}
	if eips() != 4 {
		t.Fatalf("%d EIPs, want 4", eips())
	}
	r, err = c.createEIPs()
	check(t, err, r.Error, "CreateElasticIps after two lost answers")

	// As JSON, and global: every answer lost after acting.
	if code, body := postControl(t, c, "faults", `{"lose503":1}`); code != 200 {
		t.Fatalf("POST faults JSON: %d %s", code, body)
	}
	r, err = c.createEIPs()
	wantErr(t, err, r.Error, 503, "UNAVAILABLE", "")
	if eips() != 6 {
		t.Fatalf("%d EIPs, want 6", eips())
	}
	if code, body := postControl(t, c, "faults", `{"calls":[{"call":"vpc.CreateElasticIps","kind":"500","rate":1,"count":1}]}`); code != 200 {
		t.Fatalf("POST faults JSON: %d %s", code, body)
	}
	r, err = c.createEIPs()
	wantErr(t, err, r.Error, 500, "INTERNAL", "injected")
	if eips() != 6 {
		t.Fatalf("a 500 fault made an EIP: %d", eips())
	}
	if code, body := postControl(t, c, "faults", "lose=1@vm.NoSuchCall"); code != 400 || !strings.Contains(string(body), "no such call") {
		t.Fatalf("a fault aimed at an unknown call: %d %s", code, body)
	}
	st := c.srv.Emulator.Stats()
	if got := st.ByCall["vpc.CreateElasticIps"]; got["lost"] != 4 || got["200"] != 2 || got["500"] != 1 || st.Status["lost"] != 4 {
		t.Fatalf("stats %+v", st)
	}
}

func TestParseTargetedFaults(t *testing.T) {
	f, err := ParseFaults("500=0.1,lose=0.2,lose503=0.1,lose=1@vm.CreateInstances#2,latency=5ms@vpc.AssociateElasticIp,503=0.5@vpc.AssociateElasticIp")
	if err != nil {
		t.Fatal(err)
	}
	want := Faults{Rate500: 0.1, Lose: 0.2, Lose503: 0.1, Calls: []CallFault{
		{Call: "vm.CreateInstances", Kind: "lose", Rate: 1, Count: 2},
		{Call: "vpc.AssociateElasticIp", Kind: "latency", Latency: 5 * time.Millisecond},
		{Call: "vpc.AssociateElasticIp", Kind: "503", Rate: 0.5},
	}}
	if !reflect.DeepEqual(f, want) {
		t.Fatalf("got %+v\nwant %+v", f, want)
	}
	if g, err := ParseFaults(f.String()); err != nil || !reflect.DeepEqual(g, f) {
		t.Fatalf("round trip %q: %+v %v", f.String(), g, err)
	}
	for _, bad := range []string{"lose=1@vm.NoSuch", "lose=1@vm.CreateInstances#0", "lose=1@vm.CreateInstances#x", "bogus=1@vm.CreateInstances",
		"lose=0.6@vm.CreateInstances,500=0.6@vm.CreateInstances", "lose=1@vm.CreateInstances,lose=1@vm.CreateInstances", "lose=0.7,lose503=0.7"} {
		if _, err := ParseFaults(bad); err == nil {
			t.Errorf("ParseFaults(%q) accepted", bad)
		}
	}
	if _, err := New(Options{Faults: Faults{Calls: []CallFault{{Call: "nope", Kind: "500", Rate: 1}}}}); err == nil {
		t.Error("New accepted a fault aimed at an unknown call")
	}
}

// Per-call token buckets beside the global one, from Options and at run
// time; a refused request takes no token.
func TestCallRateLimits(t *testing.T) {
	frozen := time.Now() // no refill during the test
	c := startEmu(t, Options{Now: func() time.Time { return frozen }, CallRateLimits: map[string]float64{"vpc.DescribeElasticIps": 2}})
	eipList := func() (int, string) {
		r, err := c.vpc.DescribeElasticIps(vpcapi.NewDescribeElasticIpsRequest(region))
		if err != nil {
			t.Fatal(err)
		}
		return r.Error.Code, r.Error.Status + " " + r.Error.Message
	}
	vpcList := func() int {
		r, err := c.vpc.DescribeVpcs(vpcapi.NewDescribeVpcsRequest(region))
		if err != nil {
			t.Fatal(err)
		}
		return r.Error.Code
	}
	for i := 0; i < 2; i++ {
		if code, msg := eipList(); code != 0 {
			t.Fatalf("request %d: %d %s", i, code, msg)
		}
	}
	if code, msg := eipList(); code != 429 || !strings.Contains(msg, "RATE_LIMIT_EXCEEDED") || !strings.Contains(msg, "vpc.DescribeElasticIps") {
		t.Fatalf("third request: %d %s", code, msg)
	}
	for i := 0; i < 5; i++ {
		if code := vpcList(); code != 0 {
			t.Fatalf("an unlimited call refused: %d", code)
		}
	}

	// At run time: a global limit of 1 and a fresh per-call bucket.
	if code, body := postControl(t, c, "ratelimits", "global=1,vpc.DescribeElasticIps=5"); code != 200 {
		t.Fatalf("POST ratelimits: %d %s", code, body)
	}
	if got := c.srv.Emulator.CurrentRateLimits(); got.Global != 1 || got.Calls["vpc.DescribeElasticIps"] != 5 {
		t.Fatalf("limits in force %+v", got)
	}
	if code, msg := eipList(); code != 0 {
		t.Fatalf("first request under global=1: %d %s", code, msg)
	}
	if code := vpcList(); code != 429 {
		t.Fatalf("second request under global=1: %d", code)
	}
	if code, body := postControl(t, c, "ratelimits", `{"calls":{"vpc.DescribeVpcs":1}}`); code != 200 {
		t.Fatalf("POST ratelimits JSON: %d %s", code, body)
	}
	if vpcList() != 0 || vpcList() != 429 {
		t.Fatal("vpc.DescribeVpcs=1 did not allow exactly one request")
	}
	if code, _ := eipList(); code != 0 {
		t.Fatalf("global limit still in force: %d", code)
	}
	for _, bad := range []string{"vm.NoSuch=1", "global=-1", "vpc.DescribeVpcs"} {
		if code, _ := postControl(t, c, "ratelimits", bad); code != 400 {
			t.Errorf("POST ratelimits %q: %d", bad, code)
		}
	}
}

// Every --quota name sets its own field, and the quota is enforced.
func TestQuotasByName(t *testing.T) {
	seen := map[string]bool{}
	for _, nd := range QuotaNames() {
		name, _, _ := strings.Cut(nd, "=")
		var q Quotas
		if err := q.Set(name + "=7"); err != nil {
			t.Fatal(err)
		}
		v := reflect.ValueOf(q)
		set := 0
		for i := 0; i < v.NumField(); i++ {
			if v.Field(i).Int() == 7 {
				set++
				seen[v.Type().Field(i).Name] = true
			}
		}
		if set != 1 {
			t.Errorf("--quota %s=7 set %d fields", name, set)
		}
	}
	if n := reflect.TypeOf(Quotas{}).NumField(); len(seen) != n {
		t.Errorf("quota names reach %d of %d fields: %v", len(seen), n, seen)
	}
	var q Quotas
	for _, bad := range []string{"vpcs=0", "vpcs=x", "nope=1", "vpcs"} {
		if err := q.Set(bad); err == nil {
			t.Errorf("Quotas.Set(%q) accepted", bad)
		}
	}
	if err := q.Set("security-group-rules=1"); err != nil {
		t.Fatal(err)
	}
	c := startEmu(t, Options{Quotas: q})
	_, _, sgID := c.network(t)
	rule := func(port int) vpcm.AddSecurityGroupRules {
		return vpcm.AddSecurityGroupRules{Protocol: 6, Direction: 0, AddressPrefix: "10.0.0.0/8", FromPort: intp(port), ToPort: intp(port)}
	}
	// The new group's default rules already exceed one rule.
	r, err := c.vpc.AddNetworkSecurityGroupRules(vpcapi.NewAddNetworkSecurityGroupRulesRequest(region, sgID, []vpcm.AddSecurityGroupRules{rule(22)}))
	wantErr(t, err, r.Error, 429, "QUOTA_EXCEEDED", "at most 1 rules")
}

// rawExchange writes payload on a new connection and reads one answer.
func rawExchange(t *testing.T, addr, payload string) (*http.Response, envelope) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	go func() { _, _ = io.WriteString(conn, payload) }() // the server may answer before it has read everything
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no HTTP answer: %v", err)
	}
	defer resp.Body.Close()
	var env envelope
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		t.Fatalf("HTTP %d: body is not a JSON envelope: %v", resp.StatusCode, err)
	}
	return resp, env
}

// Errors the server produces itself, before or around the API, are JD Cloud envelopes.
func TestServerErrorsAreEnvelopes(t *testing.T) {
	c := startEmu(t, Options{})
	base := c.srv.URL()
	signed := c.signed
	control := func(method, endpoint string) *http.Request {
		req, _ := http.NewRequest(method, base+"/__emulator/"+endpoint, nil)
		return req
	}
	cases := []struct {
		name   string
		req    *http.Request
		code   int
		status string
	}{
		{"unknown path", signed("GET", "/nothing/here", ""), 404, "NOT_FOUND"},
		{"wrong method", signed("DELETE", "/v1/regions/cn-east-2/elasticIps/", ""), 405, "METHOD_NOT_ALLOWED"},
		{"body too large", signed("POST", "/v1/regions/cn-east-2/elasticIps/", `{"x":"`+strings.Repeat("a", maxBody)+`"}`), 400, "INVALID_ARGUMENT"},
		{"bad json", signed("POST", "/v1/regions/cn-east-2/elasticIps/", `{`), 400, "INVALID_ARGUMENT"},
		{"unknown control endpoint", control("GET", "nope"), 404, "NOT_FOUND"},
		{"wrong control method", control("DELETE", "faults"), 405, "METHOD_NOT_ALLOWED"},
	}
	for _, tc := range cases {
		code, env, h := rawDo(t, tc.req)
		if code != tc.code || env.Error == nil || env.Error.Code != tc.code || env.Error.Status != tc.status || env.RequestID == "" || h.Get("X-Jdcloud-Request-Id") != env.RequestID {
			t.Errorf("%s: HTTP %d %+v (request id %q / header %q)", tc.name, code, env.Error, env.RequestID, h.Get("X-Jdcloud-Request-Id"))
		}
	}

	// Answers net/http gives before any handler runs.
	raw := []struct {
		name, payload string
		code          int
		status        string
	}{
		{"header too large", "GET /v1/regions/cn-east-2/elasticIps/ HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 2<<20) + "\r\n\r\n", 431, "REQUEST_HEADER_FIELDS_TOO_LARGE"},
		{"malformed header", "GET /v1/ HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", 400, "INVALID_ARGUMENT"},
		{"unsupported transfer encoding", "POST /v1/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "NOT_IMPLEMENTED"},
	}
	for _, tc := range raw {
		resp, env := rawExchange(t, c.srv.Endpoint, tc.payload)
		if resp.StatusCode != tc.code || env.Error == nil || env.Error.Code != tc.code || env.Error.Status != tc.status ||
			env.RequestID == "" || resp.Header.Get("X-Jdcloud-Request-Id") != env.RequestID {
			t.Errorf("%s: HTTP %d %+v", tc.name, resp.StatusCode, env.Error)
		}
	}

	// A panic (a bug) is 500 INTERNAL in the envelope, and the server goes on.
	saved := routes
	t.Cleanup(func() { routes = saved })
	register("vpc", "TestPanic", "GET", "/regions/{regionId}/testPanic", func(*Emulator, *call) (any, *apiError) { panic("boom") })
	code, env, _ := rawDo(t, signed("GET", "/v1/regions/cn-east-2/testPanic", ""))
	if code != 500 || env.Error == nil || env.Error.Status != "INTERNAL" || !strings.Contains(env.Error.Message, "boom") {
		t.Fatalf("panic answered %d %+v", code, env.Error)
	}
	if c.srv.Emulator.Stats().ByCall["vpc.TestPanic"]["500"] != 1 {
		t.Fatalf("panic not counted: %+v", c.srv.Emulator.Stats())
	}
	r, err := c.vpc.DescribeElasticIps(vpcapi.NewDescribeElasticIpsRequest(region))
	check(t, err, r.Error, "DescribeElasticIps after a panic")
}

// waitClosed reads conn until the server closes it; a read timeout (the
// server kept it open) fails.
func waitClosed(t *testing.T, conn net.Conn, what string) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("%s: the server kept the connection open", what)
	}
}

// A client that sends its body (or headers) too slowly, or idles, is cut off.
func TestConnectionTimeouts(t *testing.T) {
	if got := (Timeouts{}).withDefaults(); got != (Timeouts{ReadHeader: 10 * time.Second, Read: 10 * time.Second, Idle: 60 * time.Second}) {
		t.Fatalf("defaults %+v", got)
	}
	short := 200 * time.Millisecond
	c := startEmu(t, Options{Timeouts: Timeouts{ReadHeader: short, Read: short, Idle: short}})
	dial := func() net.Conn {
		conn, err := net.Dial("tcp", c.srv.Endpoint)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = conn.Close() })
		return conn
	}
	slowBody := dial()
	_, _ = io.WriteString(slowBody, "POST /v1/regions/cn-east-2/elasticIps/ HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
	waitClosed(t, slowBody, "slow body")

	slowHeader := dial()
	_, _ = io.WriteString(slowHeader, "GET /v1/regions/cn-east-2/elasticIps/ HTTP/1.1\r\nHost: x\r\n")
	waitClosed(t, slowHeader, "slow header")

	idle := dial()
	_, _ = io.WriteString(idle, "GET /__emulator/stats HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(idle), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("stats over a kept-alive connection: %v %v", resp, err)
	}
	waitClosed(t, idle, "idle keep-alive")
}
