package eip_test

import (
	"net/http"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
)

// losingProxy forwards every request to the emulator, but replaces the
// answer of the first n CreateElasticIps calls with a 500: the EIP was
// allocated, the provider never hears about it (a lost answer).
func losingProxy(t *testing.T, target string, n int32) string {
	t.Helper()
	var lost atomic.Int32
	create := regexp.MustCompile(`^/v1/regions/[^/]+/elasticIps/$`)
	return acctest.AnswerProxy(t, target, func(resp *http.Response, _ []byte) []byte {
		if resp.Request.Method != http.MethodPost || !create.MatchString(resp.Request.URL.Path) || lost.Add(1) > n {
			return nil
		}
		resp.StatusCode = http.StatusInternalServerError
		return []byte(`{"requestId":"lost-answer","error":{"code":500,"status":"INTERNAL","message":"internal error"}}`)
	})
}

// CreateElasticIps has no clientToken: when its answer is lost the provider
// must find the EIP it made instead of allocating a second one.
func TestAccElasticIP_lostCreateAnswer(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	attrs := acctest.ProviderAttrs(srv)
	attrs["endpoint"] = strconv.Quote(losingProxy(t, srv.Endpoint, 1))
	config := acctest.ProviderBlock(attrs) + "resource \"jdcloudha_elastic_ip\" \"test\" {\n  bandwidth_mbps = 5\n  name = \"ha-vip\"\n}\n"
	resource.ParallelTest(t, acctest.CaseChecking(t, checkGoneFromAPI(srv), []resource.TestStep{{
		Config: config,
		Check: resource.ComposeAggregateTestCheckFunc(
			acctest.CheckCount(srv, "elastic_ip", 1),
			resource.TestCheckResourceAttr(addr, "name", "ha-vip"),
		),
	}}))
	if n := srv.Emulator.Stats().Calls["vpc.CreateElasticIps"]; n != 1 {
		t.Errorf("vpc.CreateElasticIps reached the API %d times, want 1 (the lost answer must be found, not re-sent)", n)
	}
}

// Under 5xx answers that the API sends before acting, the create is sent
// again and the apply succeeds with one EIP.
func TestAccElasticIP_createUnderFaults(t *testing.T) {
	srv := acctest.PreCheckAndStart(t, acctest.WithFaults("500=0.3,503=0.2", 7))
	resource.ParallelTest(t, acctest.CaseChecking(t, checkGoneFromAPI(srv), []resource.TestStep{{
		Config: eipConfig(srv, "bandwidth_mbps = 5"),
		Check:  acctest.CheckCount(srv, "elastic_ip", 1),
	}}))
	if c := srv.Emulator.Stats().ByCall["vpc.CreateElasticIps"]; c["500"]+c["503"] == 0 {
		t.Errorf("no 5xx was injected into vpc.CreateElasticIps (answers %v): pick another seed, the test exercised nothing", c)
	}
}
