package vm_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
)

// failingInstanceProxy sits between the provider and the emulator and makes
// an instance named doomed report status "error" once it would be running:
// the emulator never fails a create by itself. Requests pass through
// unchanged (the Host header too, so signatures still verify).
func failingInstanceProxy(t *testing.T, target, doomed string) string {
	t.Helper()
	describe := regexp.MustCompile(`^/v1/regions/[^/]+/instances/[^/:]+$`)
	return acctest.AnswerProxy(t, target, func(resp *http.Response, body []byte) []byte {
		if resp.Request.Method != http.MethodGet || !describe.MatchString(resp.Request.URL.Path) {
			return nil
		}
		var env map[string]any
		if json.Unmarshal(body, &env) == nil {
			if result, ok := env["result"].(map[string]any); ok {
				if inst, ok := result["instance"].(map[string]any); ok && inst["instanceName"] == doomed && inst["status"] == "running" {
					inst["status"] = "error"
					body, _ = json.Marshal(env)
				}
			}
		}
		return body
	})
}

// A create that ends in status error fails with a clear diagnostic, the
// failed instance is deleted, and nothing is left in state or in the cloud.
func TestAccInstance_createEndsInError(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	attrs := acctest.ProviderAttrs(srv)
	attrs["endpoint"] = strconv.Quote(failingInstanceProxy(t, srv.Endpoint, "doomed"))
	network := acctest.ProviderBlock(attrs) + networkConfig(`["cn-east-2a"]`)
	doomed := instanceConfig("master", "doomed", validAttrs+"\n  key_names = [\"ops\"]")
	resource.ParallelTest(t, acctest.Case(t, srv, []resource.TestStep{
		{
			Config:      network + doomed,
			ExpectError: words(`went into status "error" instead of running`),
		},
		{
			// Not in state: without the instance in the configuration
			// there is nothing to destroy.
			Config:   network,
			PlanOnly: true,
		},
		{
			// Not in the cloud either.
			Config: network,
			Check:  acctest.CheckCount(srv, "instance", 0),
		},
	}))
	if n := srv.Emulator.Stats().Calls["vm.DeleteInstance"]; n == 0 {
		t.Error("the failed instance was never deleted through the API")
	}
}
