package emulator

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func newFuzzEmulator(t testing.TB) *Emulator {
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// serve runs one request in-process and checks the envelope invariants.
func serveAndCheck(t *testing.T, e *Emulator, req *http.Request) (int, envelope) {
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	var env envelope
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
		t.Fatalf("%s %q: body is not a JSON envelope: %v: %q", req.Method, req.URL, err, rec.Body.String())
	}
	if env.RequestID == "" || rec.Header().Get("X-Jdcloud-Request-Id") != env.RequestID {
		t.Fatalf("missing request id")
	}
	if rec.Code != 200 && (env.Error == nil || env.Error.Code != rec.Code || env.Error.Status == "" || env.Error.Message == "") {
		t.Fatalf("HTTP %d with error %+v", rec.Code, env.Error)
	}
	if env.Error != nil && env.Error.Code >= 500 && env.Error.Status == "INTERNAL" {
		t.Fatalf("internal error (a bug): %s", env.Error.Message)
	}
	return rec.Code, env
}

// FuzzUnsignedAndMangled: requests with mangled auth headers are always 401 envelopes.
func FuzzUnsignedAndMangled(f *testing.F) {
	f.Add("GET", "/v1/regions/cn-east-2/elasticIps/", "", "JDCLOUD2-HMAC-SHA256 Credential=a/b/c/d/jdcloud2_request, SignedHeaders=host, Signature=00", "20260101T000000Z")
	f.Add("POST", "/v1/regions/cn-east-2/instances", `{"maxCount":1}`, "", "")
	f.Add("DELETE", "/v1/subUser/x", "", "JDCLOUD2-HMAC-SHA256 ", "garbage")
	f.Add("PATCH", "/v1/regions/%zz", "{", "Credential=,,,", "20991231T235959Z")
	e := newFuzzEmulator(f)
	f.Fuzz(func(t *testing.T, method, path, body, authz, date string) {
		req, err := http.NewRequest(method, "http://127.0.0.1:1"+path, strings.NewReader(body))
		if err != nil {
			t.Skip("not an HTTP request net/http would send")
		}
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		if date != "" {
			req.Header.Set("X-Jdcloud-Date", date)
			req.Header.Set("X-Jdcloud-Nonce", "n")
		}
		req.RemoteAddr = "192.0.2.1:1234" // not loopback: control endpoints refuse
		if strings.HasPrefix(req.URL.Path, "/__emulator/") {
			t.Skip("control endpoint")
		}
		code, env := serveAndCheck(t, e, req)
		if code != 401 || env.Error.Status != "ACCESS_ERROR" {
			t.Fatalf("forged request answered %d %+v", code, env.Error)
		}
	})
}

// FuzzSignedRequests: correctly signed requests with arbitrary paths,
// queries and bodies never panic, always answer an envelope, and answer 200
// only for a known route.
func FuzzSignedRequests(f *testing.F) {
	f.Add("POST", "/v1/regions/cn-east-2/elasticIps/", "", `{"maxCount":1,"elasticIpSpec":{"bandwidthMbps":1,"provider":"bgp"}}`)
	f.Add("GET", "/v1/regions/cn-east-2/instances", "filters.1.name=status&filters.1.values.1=running&pageSize=10", "")
	f.Add("GET", "/v1/regions/cn-east-2/instances", "filters.1.values.1=x", "")
	f.Add("POST", "/v1/regions/cn-east-2/instances", "", `{"instanceSpec":{"name":"ab","az":"cn-east-2a","instanceType":"g.n2.large","imageId":"img-debian12-x64","primaryNetworkInterface":{"networkInterface":{"subnetId":"s"}}},"maxCount":1}`)
	f.Add("POST", "/v1/regions/cn-east-2/instances", "", `{"instanceSpec":null,"maxCount":-1}`)
	f.Add("POST", "/v1/regions/cn-east-2/availabilityGroups", "", `{"azs":["cn-east-2a"],"agName":"x"}`)
	f.Add("POST", "/v1/subUser", "", `{"createSubUserInfo":{"name":"abcd"}}`)
	f.Add("POST", "/v1/policy", "", `{"createPolicyInfo":{"name":"p","content":"{\"Version\":\"3\",\"Statement\":[{}]}"}}`)
	f.Add("POST", "/v1/regions/cn-east-2/networkSecurityGroups/sg-1:addNetworkSecurityGroupRules", "", `{"networkSecurityGroupRuleSpecs":[{"protocol":6}]}`)
	f.Add("PUT", "/v1/regions/cn-east-2/subnets/", "", `[]`)
	e := newFuzzEmulator(f)
	f.Fuzz(func(t *testing.T, method, path, query, body string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, "?#") {
			t.Skip()
		}
		raw := "http://127.0.0.1:1" + path
		if query != "" {
			raw += "?" + query
		}
		req, err := http.NewRequest(method, raw, strings.NewReader(body))
		if err != nil || strings.HasPrefix(req.URL.Path, "/__emulator/") {
			t.Skip()
		}
		req.RemoteAddr = "127.0.0.1:1234"
		rt, params, _ := matchRoute(req.Method, req.URL.Path)
		service, reg := "vpc", "cn-east-2"
		if rt != nil {
			service = rt.service
			if params["regionId"] == "" {
				reg = "jdcloud-api"
			} else {
				reg = params["regionId"]
			}
		}
		SignRequest(req, []byte(body), DemoAccessKey, DemoSecretKey, reg, service, "nonce", time.Now())
		code, _ := serveAndCheck(t, e, req)
		if code == 200 && rt == nil {
			t.Fatalf("200 for an unknown route %s %s", method, path)
		}
		if code == 401 && rt != nil {
			t.Fatalf("correctly signed request refused: %s %s", method, raw)
		}
	})
}
