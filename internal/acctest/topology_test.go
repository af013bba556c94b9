package acctest_test

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
)

var topologyConfig = acctest.ArticleTopology

// topologyChecks assert what the article needs from the topology.
func topologyChecks() resource.TestCheckFunc {
	return resource.ComposeAggregateTestCheckFunc(
		resource.TestCheckResourceAttr("jdcloudha_vpc.ha", "cidr_block", "10.0.0.0/16"),
		resource.TestCheckResourceAttr("jdcloudha_subnet.ha", "cidr_block", "10.0.1.0/24"),
		resource.TestCheckResourceAttr("jdcloudha_security_group.web", "rule.#", "5"),
		resource.TestCheckTypeSetElemNestedAttrs("jdcloudha_security_group.web", "rule.*", map[string]string{
			"direction": "ingress", "protocol": "all", "cidr": "10.0.1.18/32",
		}),
		resource.TestCheckTypeSetElemNestedAttrs("jdcloudha_security_group.web", "rule.*", map[string]string{
			"direction": "ingress", "protocol": "all", "cidr": "10.0.1.19/32",
		}),
		resource.TestCheckResourceAttr("jdcloudha_availability_group.ha", "placement_type", "fd"),
		resource.TestCheckResourceAttr("jdcloudha_instance.master", "private_ip", "10.0.1.18"),
		resource.TestCheckResourceAttr("jdcloudha_instance.backup", "private_ip", "10.0.1.19"),
		resource.TestCheckResourceAttr("jdcloudha_instance.master", "status", "running"),
		resource.TestCheckResourceAttr("jdcloudha_instance.backup", "status", "running"),
		resource.TestCheckResourceAttrPair("jdcloudha_instance.master", "availability_group_id", "jdcloudha_availability_group.ha", "id"),
		resource.TestCheckResourceAttrPair("jdcloudha_instance.backup", "availability_group_id", "jdcloudha_availability_group.ha", "id"),
		resource.TestCheckResourceAttrSet("jdcloudha_instance.master", "fault_domain"),
		resource.TestCheckResourceAttrSet("jdcloudha_instance.master", "primary_network_interface_id"),
		acctest.CheckAttrsDiffer("jdcloudha_instance.master", "fault_domain", "jdcloudha_instance.backup", "fault_domain"),
		resource.TestCheckResourceAttrSet("jdcloudha_elastic_ip.vip", "address"),
		resource.TestCheckNoResourceAttr("jdcloudha_elastic_ip.vip", "az"),
	)
}

func topologyCase(srv *emulator.Server) resource.TestCase {
	config := acctest.ProviderConfig(srv) + topologyConfig
	return resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				Check:  topologyChecks(),
			},
			{
				// Re-planned against what the API reports: nothing to do.
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
		CheckDestroy: acctest.CheckNothingLeft(srv),
	}
}

func TestAccTopology(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	resource.ParallelTest(t, topologyCase(srv))
}

// Under 20% 5xx and 10% 429 answers (seeded), plus lost answers to instance
// creates the API carried out, the whole topology is created from scratch,
// re-planned empty and destroyed, and no create made a duplicate: instances
// carry a clientToken; the VPC, subnet, security group, group and EIP creates
// (no clientToken in the API) look for what an ambiguous failure may have
// made before they send again.
func TestAccTopologyUnderFaults(t *testing.T) {
	// Besides the injected faults, the answers to the first two instance
	// creates are lost (503) after the emulator made the instances.
	srv := acctest.PreCheckAndStart(t, acctest.WithFaults("500=0.1,503=0.1,429=0.1,lose503=1@vm.CreateInstances#2", 20261125))
	countAll := resource.ComposeAggregateTestCheckFunc(
		acctest.CheckCount(srv, "instance", 2),
		acctest.CheckCount(srv, "elastic_ip", 1),
		acctest.CheckCount(srv, "availability_group", 1),
		acctest.CheckCount(srv, "vpc", 1),
		acctest.CheckCount(srv, "subnet", 1),
		acctest.CheckCount(srv, "security_group", 1),
	)
	provider := acctest.ProviderConfig(srv)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: provider + topologyConfig,
				Check:  resource.ComposeAggregateTestCheckFunc(topologyChecks(), countAll),
			},
			{
				Config: provider + topologyConfig,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: countAll,
			},
		},
		// Destroy runs under the same faults; the check retries its own reads.
		CheckDestroy: acctest.CheckNothingLeft(srv),
	})

	st := srv.Emulator.Stats()
	for _, status := range []string{"500", "503", "429"} {
		if st.Status[status] == 0 {
			t.Errorf("the emulator never answered %s (stats %v): the test did not exercise retries", status, st.Status)
		}
	}
	// A lost answer is one the emulator withheld after it made the instance.
	made := st.ByCall["vm.CreateInstances"]["lost"]
	if made != 2 {
		t.Errorf("%d instance creates were acted on and then lost their answer, want 2 (stats %v): clientToken was not exercised", made, st.ByCall["vm.CreateInstances"])
	}
	t.Logf("vm.CreateInstances: %d answers lost after the instance was made; by status %v", made, st.ByCall["vm.CreateInstances"])
	t.Logf("API answers by status under faults: %v (total %d)", st.Status, st.Total)
}
