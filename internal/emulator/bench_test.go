package emulator

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	vmapi "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/apis"
	vpcapi "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
)

// BenchmarkSignedDescribeElasticIp: signed SDK round trips (sign, HTTP,
// verify, describe, JSON both ways) against an instant-latency emulator.
func BenchmarkSignedDescribeElasticIp(b *testing.B) {
	c := startEmu(b, Options{})
	id, _ := c.createEIP(b, "")
	// The SDK sends through http.DefaultTransport, which keeps only 2 idle
	// connections per host; more concurrent clients would churn connections.
	if tr, ok := http.DefaultTransport.(*http.Transport); ok {
		tr.MaxIdleConnsPerHost = 64
	}
	b.SetParallelism(4) // 4 goroutines per GOMAXPROCS: a handful of concurrent clients
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r, err := c.vpc.DescribeElasticIp(vpcapi.NewDescribeElasticIpRequest(region, id))
			if err != nil || r.Error.Code != 0 {
				b.Fatalf("%v %+v", err, r.Error)
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkCreateInstances: signed CreateInstances round trips, one VM each.
func BenchmarkCreateInstances(b *testing.B) {
	c := startEmu(b, Options{Quotas: Quotas{Instances: 1 << 30}})
	// A /16 subnet (in a VPC without a CIDR of its own) so the benchmark never runs out of addresses.
	v, err := c.vpc.CreateVpc(vpcapi.NewCreateVpcRequest(region, "bench"))
	check(b, err, v.Error, "CreateVpc")
	s, err := c.vpc.CreateSubnet(vpcapi.NewCreateSubnetRequest(region, v.Result.VpcId, "big", "10.0.0.0/16"))
	check(b, err, s.Error, "CreateSubnet")
	subnetID := s.Result.SubnetId
	spec := instanceSpec("bench", "cn-east-2a", subnetID, "")
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		r, err := c.vm.CreateInstances(vmapi.NewCreateInstancesRequest(region, spec))
		if err != nil || r.Error.Code != 0 {
			b.Fatalf("%v %+v", err, r.Error)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkServeSignedDescribeElasticIp: the emulator's own cost per signed
// request (verify, route, describe, encode), without the SDK or the network.
func BenchmarkServeSignedDescribeElasticIp(b *testing.B) {
	c := startEmu(b, Options{})
	id, _ := c.createEIP(b, "")
	e := c.srv.Emulator
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("GET", "http://127.0.0.1:8000/v1/regions/cn-east-2/elasticIps/"+id, nil)
			SignRequest(req, nil, DemoAccessKey, DemoSecretKey, region, "vpc", "nonce", time.Now())
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatalf("%d %s", rec.Code, rec.Body.String())
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}
