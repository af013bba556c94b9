package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	iamapi "github.com/jdcloud-api/jdcloud-sdk-go/services/iam/apis"
	iamm "github.com/jdcloud-api/jdcloud-sdk-go/services/iam/models"
	vmapi "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vpcapi "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
	vpcm "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"
)

func TestSignatureRejections(t *testing.T) {
	c := startEmu(t, Options{})
	ok, err := c.vpc.DescribeElasticIps(vpcapi.NewDescribeElasticIpsRequest(region))
	check(t, err, ok.Error, "DescribeElasticIps with the right key")

	wrong := newClients(c.srv.Endpoint, c.srv.AccessKey, "not-the-secret")
	r, err := wrong.vpc.DescribeElasticIps(vpcapi.NewDescribeElasticIpsRequest(region))
	wantErr(t, err, r.Error, 401, "ACCESS_ERROR", "sign result is not same [gw]")
	unknown := newClients(c.srv.Endpoint, "NOSUCHKEY", "x")
	r, err = unknown.vpc.DescribeElasticIps(vpcapi.NewDescribeElasticIpsRequest(region))
	wantErr(t, err, r.Error, 401, "ACCESS_ERROR", "NOSUCHKEY")

	// A proxy that changes the body after signing: the signature no longer matches.
	proxy := func(tamper bool) string {
		target, _ := url.Parse(c.srv.URL())
		rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host // the signature covers the Host the client signed
			req := pr.Out
			if tamper && req.Body != nil {
				b, _ := io.ReadAll(req.Body)
				b = bytes.Replace(b, []byte(`"bandwidthMbps":5`), []byte(`"bandwidthMbps":6`), 1)
				req.Body = io.NopCloser(bytes.NewReader(b))
				req.ContentLength = int64(len(b))
			}
		}}
		ts := httptest.NewServer(rp)
		t.Cleanup(ts.Close)
		return strings.TrimPrefix(ts.URL, "http://")
	}
	mk := func() *vpcapi.CreateElasticIpsRequest {
		return vpcapi.NewCreateElasticIpsRequest(region, 1, &vpcm.ElasticIpSpec{BandwidthMbps: 5, Provider: "bgp"})
	}
	clean := newClients(proxy(false), c.srv.AccessKey, c.srv.SecretKey)
	cr, err := clean.vpc.CreateElasticIps(mk())
	check(t, err, cr.Error, "CreateElasticIps through an honest proxy")
	tampered := newClients(proxy(true), c.srv.AccessKey, c.srv.SecretKey)
	cr, err = tampered.vpc.CreateElasticIps(mk())
	wantErr(t, err, cr.Error, 401, "ACCESS_ERROR", "sign result is not same [gw]")

	// A server clock 10 minutes ahead makes every SDK date stale.
	stale := startEmu(t, Options{Now: func() time.Time { return time.Now().Add(10 * time.Minute) }})
	r, err = stale.vpc.DescribeElasticIps(vpcapi.NewDescribeElasticIpsRequest(region))
	wantErr(t, err, r.Error, 401, "ACCESS_ERROR", "5 minutes")
	// 4 minutes of skew is tolerated.
	skew := startEmu(t, Options{Now: func() time.Time { return time.Now().Add(-4 * time.Minute) }})
	r, err = skew.vpc.DescribeElasticIps(vpcapi.NewDescribeElasticIpsRequest(region))
	check(t, err, r.Error, "DescribeElasticIps with 4 minutes skew")
}

// rawDo sends a hand-made request and decodes the envelope.
func rawDo(t *testing.T, req *http.Request) (int, envelope, http.Header) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env envelope
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		t.Fatalf("%s %s: body is not a JSON envelope: %v", req.Method, req.URL, err)
	}
	return resp.StatusCode, env, resp.Header
}

func TestEnvelopesForBadRequests(t *testing.T) {
	c := startEmu(t, Options{})
	base := c.srv.URL()
	signed := c.signed
	unsigned, _ := http.NewRequest("GET", base+"/v1/regions/cn-east-2/elasticIps/", nil)
	noDate := signed("GET", "/v1/regions/cn-east-2/elasticIps/", "")
	noDate.Header.Del("X-Jdcloud-Date")
	badAuth := signed("GET", "/v1/regions/cn-east-2/elasticIps/", "")
	badAuth.Header.Set("Authorization", "JDCLOUD2-HMAC-SHA256 garbage")
	cases := []struct {
		name   string
		req    *http.Request
		code   int
		status string
	}{
		{"unsigned", unsigned, 401, "ACCESS_ERROR"},
		{"no date", noDate, 401, "ACCESS_ERROR"},
		{"garbage authorization", badAuth, 401, "ACCESS_ERROR"},
		{"unknown route", signed("GET", "/v1/regions/cn-east-2/nothingHere", ""), 404, "NOT_FOUND"},
		{"unknown action", signed("POST", "/v1/regions/cn-east-2/elasticIps/fip-1%3Aexplode", "{}"), 404, "NOT_FOUND"},
		{"malformed json", signed("POST", "/v1/regions/cn-east-2/elasticIps/", `{"maxCount":`), 400, "INVALID_ARGUMENT"},
		{"json array", signed("POST", "/v1/regions/cn-east-2/elasticIps/", `[1]`), 400, "INVALID_ARGUMENT"},
		{"wrong type", signed("POST", "/v1/regions/cn-east-2/elasticIps/", `{"maxCount":"many"}`), 400, "INVALID_ARGUMENT"},
		{"bad filter", signed("GET", "/v1/regions/cn-east-2/elasticIps/?filters.x.name=a", ""), 400, "INVALID_ARGUMENT"},
	}
	for _, tc := range cases {
		code, env, h := rawDo(t, tc.req)
		if code != tc.code || env.Error == nil || env.Error.Code != tc.code || env.Error.Status != tc.status || env.RequestID == "" || h.Get("X-Jdcloud-Request-Id") != env.RequestID {
			t.Errorf("%s: HTTP %d %+v (request id %q / header %q)", tc.name, code, env.Error, env.RequestID, h.Get("X-Jdcloud-Request-Id"))
		}
	}
	// A hand-signed request (SignRequest) is accepted: the helper matches the SDK.
	code, env, _ := rawDo(t, signed("GET", "/v1/regions/cn-east-2/elasticIps/?pageSize=10", ""))
	if code != 200 || env.Error != nil {
		t.Fatalf("hand-signed request refused: %d %+v", code, env.Error)
	}
}

const agentPolicy = `{"Version":"3","Statement":[
 {"Effect":"Allow","Action":["vm:describeInstance*","vpc:describeElasticIp*"],"Resource":["*"]},
 {"Effect":"Allow","Action":["vm:associateElasticIp","vm:disassociateElasticIp"],"Resource":["jrn:vm:*:860000000001:instances/%s","jrn:vpc:*:860000000001:elasticIps/%s"]},
 {"Effect":"Deny","Action":["vpc:describeElasticIp"],"Resource":["jrn:vpc:*:860000000001:elasticIps/%s"]}]}`

func TestIAMEnforcement(t *testing.T) {
	c := startEmu(t, Options{})
	_, subnetID, _ := c.network(t)
	ids := c.createInstances(t, instanceSpec("web", "cn-east-2a", subnetID, ""), 2, "")
	c.waitStatus(t, ids[0], "running")
	c.waitStatus(t, ids[1], "running")
	eipID, _ := c.createEIP(t, "")
	hiddenEIP, _ := c.createEIP(t, "")

	u, err := c.iam.CreateSubUser(iamapi.NewCreateSubUserRequest(&iamm.CreateSubUserInfo{Name: "failover-agent", Password: "Passw0rd!x", Description: strp("agent")}))
	check(t, err, u.Error, "CreateSubUser")
	du, err := c.iam.DescribeSubUser(iamapi.NewDescribeSubUserRequest("failover-agent"))
	check(t, err, du.Error, "DescribeSubUser")
	if du.Result.SubUser.Name != "failover-agent" || du.Result.SubUser.Description != "agent" {
		t.Fatalf("sub-user %+v", du.Result.SubUser)
	}
	bad, err := c.iam.CreatePolicy(iamapi.NewCreatePolicyRequest(&iamm.CreatePolicyInfo{Name: "broken", Content: `{"Version":"3"}`}))
	wantErr(t, err, bad.Error, 400, "INVALID_ARGUMENT", "Statement")
	content := strings.ReplaceAll(strings.Replace(strings.Replace(strings.Replace(agentPolicy, "%s", ids[0], 1), "%s", eipID, 1), "%s", hiddenEIP, 1), "\n", "")
	p, err := c.iam.CreatePolicy(iamapi.NewCreatePolicyRequest(&iamm.CreatePolicyInfo{Name: "eip-failover", Content: content}))
	check(t, err, p.Error, "CreatePolicy")
	dp, err := c.iam.DescribePolicy(iamapi.NewDescribePolicyRequest("eip-failover"))
	check(t, err, dp.Error, "DescribePolicy")
	if dp.Result.Policy.Content != content || dp.Result.DefaultPolicyEdition.PolicyDocument != content {
		t.Fatalf("policy %+v", dp.Result)
	}
	at, err := c.iam.AttachSubUserPolicy(iamapi.NewAttachSubUserPolicyRequest("failover-agent", "eip-failover"))
	check(t, err, at.Error, "AttachSubUserPolicy")
	ap, err := c.iam.DescribeAttachedSubUserPolicies(iamapi.NewDescribeAttachedSubUserPoliciesRequest("failover-agent"))
	check(t, err, ap.Error, "DescribeAttachedSubUserPolicies")
	if ap.Result.Total != 1 || ap.Result.Policies[0].Name != "eip-failover" {
		t.Fatalf("attached %+v", ap.Result)
	}
	dpol, err := c.iam.DeletePolicy(iamapi.NewDeletePolicyRequest("eip-failover"))
	wantErr(t, err, dpol.Error, 400, "FAILED_PRECONDITION", "attached")
	k, err := c.iam.CreateSubUserAccessKey(iamapi.NewCreateSubUserAccessKeyRequest("failover-agent"))
	check(t, err, k.Error, "CreateSubUserAccessKey")
	ak, sk := k.Result.UserAccessKey.AccessKey, k.Result.UserAccessKey.SecretAccessKey
	if ak == "" || sk == "" || k.Result.UserAccessKey.Status != 1 {
		t.Fatalf("key %+v", k.Result.UserAccessKey)
	}
	keys, err := c.iam.GetSubUserAccessKeys(iamapi.NewGetSubUserAccessKeysRequest("failover-agent"))
	check(t, err, keys.Error, "GetSubUserAccessKeys")
	if len(keys.Result.UserAccessKeys) != 1 || keys.Result.UserAccessKeys[0].AccessKey != ak || keys.Result.UserAccessKeys[0].SecretAccessKey != "" {
		t.Fatalf("keys %+v", keys.Result)
	}

	agent := newClients(c.srv.Endpoint, ak, sk)
	// Allowed: describe, and associate this EIP with this instance.
	d, err := agent.vpc.DescribeElasticIp(vpcapi.NewDescribeElasticIpRequest(region, eipID))
	check(t, err, d.Error, "agent DescribeElasticIp")
	di, err := agent.vm.DescribeInstances(vmapi.NewDescribeInstancesRequest(region))
	check(t, err, di.Error, "agent DescribeInstances")
	as, err := agent.vm.AssociateElasticIp(vmapi.NewAssociateElasticIpRequest(region, ids[0], eipID))
	check(t, err, as.Error, "agent AssociateElasticIp")
	// Denied: explicit Deny, another instance, another action, another service.
	d, err = agent.vpc.DescribeElasticIp(vpcapi.NewDescribeElasticIpRequest(region, hiddenEIP))
	wantErr(t, err, d.Error, 403, "HTTP_FORBIDDEN", "vpc:describeElasticIp")
	as, err = agent.vm.AssociateElasticIp(vmapi.NewAssociateElasticIpRequest(region, ids[1], eipID))
	wantErr(t, err, as.Error, 403, "HTTP_FORBIDDEN", "instances/"+ids[1])
	del, err := agent.vm.DeleteInstance(vmapi.NewDeleteInstanceRequest(region, ids[0]))
	wantErr(t, err, del.Error, 403, "HTTP_FORBIDDEN", "vm:deleteInstance")
	mk, err := agent.iam.CreateSubUserAccessKey(iamapi.NewCreateSubUserAccessKeyRequest("failover-agent"))
	wantErr(t, err, mk.Error, 403, "HTTP_FORBIDDEN", "iam:createSubUserAccessKey")
	// The main account can do anything.
	del, err = c.vm.DeleteInstance(vmapi.NewDeleteInstanceRequest(region, ids[1]))
	check(t, err, del.Error, "account DeleteInstance")

	// Detach: everything is denied.
	dt, err := c.iam.DetachSubUserPolicy(iamapi.NewDetachSubUserPolicyRequest("failover-agent", "eip-failover"))
	check(t, err, dt.Error, "DetachSubUserPolicy")
	d, err = agent.vpc.DescribeElasticIp(vpcapi.NewDescribeElasticIpRequest(region, eipID))
	wantErr(t, err, d.Error, 403, "HTTP_FORBIDDEN", "")
	// Disabled keys cannot sign; delete needs disabled first.
	dk, err := c.iam.DeleteSubUserAccessKey(iamapi.NewDeleteSubUserAccessKeyRequest("failover-agent", ak))
	wantErr(t, err, dk.Error, 400, "FAILED_PRECONDITION", "disabled")
	dis, err := c.iam.DisableSubUserAccessKey(iamapi.NewDisableSubUserAccessKeyRequest("failover-agent", ak))
	check(t, err, dis.Error, "DisableSubUserAccessKey")
	d, err = agent.vpc.DescribeElasticIp(vpcapi.NewDescribeElasticIpRequest(region, eipID))
	wantErr(t, err, d.Error, 401, "ACCESS_ERROR", "disabled")
	en, err := c.iam.EnableSubUserAccessKey(iamapi.NewEnableSubUserAccessKeyRequest("failover-agent", ak))
	check(t, err, en.Error, "EnableSubUserAccessKey")
	dis, err = c.iam.DisableSubUserAccessKey(iamapi.NewDisableSubUserAccessKeyRequest("failover-agent", ak))
	check(t, err, dis.Error, "DisableSubUserAccessKey")
	dk, err = c.iam.DeleteSubUserAccessKey(iamapi.NewDeleteSubUserAccessKeyRequest("failover-agent", ak))
	check(t, err, dk.Error, "DeleteSubUserAccessKey")
	dpol, err = c.iam.DeletePolicy(iamapi.NewDeletePolicyRequest("eip-failover"))
	check(t, err, dpol.Error, "DeletePolicy")
	dsu, err := c.iam.DeleteSubUser(iamapi.NewDeleteSubUserRequest("failover-agent"))
	check(t, err, dsu.Error, "DeleteSubUser")
	du, err = c.iam.DescribeSubUser(iamapi.NewDescribeSubUserRequest("failover-agent"))
	wantErr(t, err, du.Error, 404, "NOT_FOUND", "")
}

func TestFaultsStatsAndControl(t *testing.T) {
	c := startEmu(t, Options{Seed: 7})
	req := func() (int, error) {
		r, err := c.vpc.DescribeElasticIps(vpcapi.NewDescribeElasticIpsRequest(region))
		if err != nil {
			return 0, err
		}
		return r.Error.Code, nil
	}
	c.srv.Emulator.SetFaults(Faults{Rate500: 1})
	if code, err := req(); err != nil || code != 500 {
		t.Fatalf("500 fault: %d %v", code, err)
	}
	c.srv.Emulator.SetFaults(Faults{Rate429: 1})
	if code, err := req(); err != nil || code != 429 {
		t.Fatalf("429 fault: %d %v", code, err)
	}
	c.srv.Emulator.SetFaults(Faults{Drop: 1})
	if _, err := req(); err == nil {
		t.Fatalf("dropped connection gave no transport error")
	}
	// Set faults over HTTP with the spec syntax, then clear them with JSON.
	resp, err := http.Post(c.srv.URL()+"/__emulator/faults", "text/plain", strings.NewReader("503=1"))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST faults: %v %v", resp, err)
	}
	resp.Body.Close()
	if code, err := req(); err != nil || code != 503 {
		t.Fatalf("503 fault: %d %v", code, err)
	}
	resp, err = http.Post(c.srv.URL()+"/__emulator/faults", "application/json", strings.NewReader(`{}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST faults: %v %v", resp, err)
	}
	resp.Body.Close()
	if code, err := req(); err != nil || code != 0 {
		t.Fatalf("after clearing faults: %d %v", code, err)
	}

	resp, err = http.Get(c.srv.URL() + "/__emulator/stats")
	if err != nil {
		t.Fatal(err)
	}
	var st Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// net/http retries an idempotent GET once on a reused connection that closed, so a drop may count twice.
	if st.Status["dropped"] < 1 || st.Calls["vpc.DescribeElasticIps"] != 4+st.Status["dropped"] || st.Status["500"] != 1 || st.Status["429"] != 1 || st.Status["503"] != 1 || st.Status["200"] != 1 ||
		st.ByCall["vpc.DescribeElasticIps"]["200"] != 1 {
		t.Fatalf("stats %+v", st)
	}

	c.createEIP(t, "")
	resp, err = http.Get(c.srv.URL() + "/__emulator/state")
	if err != nil {
		t.Fatal(err)
	}
	var s State
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(s.ElasticIps) != 1 {
		t.Fatalf("state has %d EIPs", len(s.ElasticIps))
	}
	resp, err = http.Post(c.srv.URL()+"/__emulator/reset", "", nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("reset: %v %v", resp, err)
	}
	resp.Body.Close()
	if n := len(c.srv.Emulator.Snapshot().ElasticIps); n != 0 {
		t.Fatalf("%d EIPs after reset", n)
	}
}

func TestRateLimit(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now } // frozen: no refill during the test
	c := startEmu(t, Options{RateLimit: 3, Now: func() time.Time { return time.Now() }})
	c.srv.Emulator.faultMu.Lock()
	c.srv.Emulator.limiter = newRateLimiter(3, clock)
	c.srv.Emulator.faultMu.Unlock()
	var codes []int
	for i := 0; i < 5; i++ {
		r, err := c.vpc.DescribeElasticIps(vpcapi.NewDescribeElasticIpsRequest(region))
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, r.Error.Code)
		if r.Error.Code == 429 && r.Error.Status != "RATE_LIMIT_EXCEEDED" {
			t.Fatalf("status %s", r.Error.Status)
		}
	}
	if codes[0] != 0 || codes[2] != 0 || codes[3] != 429 || codes[4] != 429 {
		t.Fatalf("codes %v: want 3 accepted then 429", codes)
	}
}

func TestParseFaults(t *testing.T) {
	f, err := ParseFaults("500=0.2,503=0.05,429=0.1,latency=200ms,drop=0.02")
	if err != nil {
		t.Fatal(err)
	}
	if f.Rate500 != 0.2 || f.Rate503 != 0.05 || f.Rate429 != 0.1 || f.Latency != 200*time.Millisecond || f.Drop != 0.02 {
		t.Fatalf("%+v", f)
	}
	if g, err := ParseFaults(f.String()); err != nil || !reflect.DeepEqual(g, f) {
		t.Fatalf("round trip %q: %+v %v", f.String(), g, err)
	}
	for _, bad := range []string{"500", "500=x", "404=0.1", "500=1.5", "500=0.6,503=0.6", "latency=fast", "500=0.1,500=0.2", "drop=-1"} {
		if _, err := ParseFaults(bad); err == nil {
			t.Errorf("ParseFaults(%q) accepted", bad)
		}
	}
	if f, err := ParseFaults(""); err != nil || !reflect.DeepEqual(f, Faults{}) {
		t.Fatalf("empty spec: %+v %v", f, err)
	}
}

func TestStateFilePersistence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	c := startEmu(t, Options{StateFile: file})
	_, subnetID, _ := c.network(t)
	ids := c.createInstances(t, instanceSpec("web", "cn-east-2a", subnetID, ""), 1, "persist-token")
	c.waitStatus(t, ids[0], "running")
	eipID, addr := c.createEIP(t, "")
	if err := c.srv.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatal(err)
	}
	c2 := startEmu(t, Options{StateFile: file})
	d, err := c2.vpc.DescribeElasticIp(vpcapi.NewDescribeElasticIpRequest(region, eipID))
	check(t, err, d.Error, "DescribeElasticIp after restart")
	if d.Result.ElasticIp.ElasticIpAddress != addr {
		t.Fatalf("address %s, want %s", d.Result.ElasticIp.ElasticIpAddress, addr)
	}
	in := c2.waitStatus(t, ids[0], "running")
	if in.SubnetId != subnetID {
		t.Fatalf("instance %+v", in)
	}
	again := c2.createInstances(t, instanceSpec("web", "cn-east-2a", subnetID, ""), 1, "persist-token")
	if again[0] != ids[0] {
		t.Fatalf("clientToken forgotten across restart: %v vs %v", again, ids)
	}
	// A corrupt file is an error, not a silent empty cloud.
	if err := os.WriteFile(file, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{StateFile: file}); err == nil {
		t.Fatal("corrupt state file accepted")
	}
}
