package eip_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	vpcapis "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/apis"
	vpcmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vpc/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/emulator"
)

// existingEIP is an EIP a user made by hand (console, jdc CLI) before using
// Terraform: created here directly through the SDK.
type existingEIP struct {
	name      string // "" = unnamed, which must read back as null, not ""
	bandwidth int
	hcl       string // the configuration a user would write for it
}

var existingEIPs = map[string]existingEIP{
	"unnamed": {bandwidth: 7, hcl: "bandwidth_mbps = 7"},
	"named":   {name: "article-vip", bandwidth: 2, hcl: "bandwidth_mbps = 2\nname = \"article-vip\""},
}

func createExisting(t *testing.T, srv *emulator.Server, e existingEIP) vpcmodels.ElasticIp {
	t.Helper()
	_, vpc, _, _ := acctest.SDKClients(srv)
	req := vpcapis.NewCreateElasticIpsRequest(acctest.Region(srv), 1, &vpcmodels.ElasticIpSpec{BandwidthMbps: e.bandwidth, Provider: "bgp"})
	if e.name != "" {
		req.SetElasticIpName(e.name)
	}
	resp, err := acctest.Call("vpc.CreateElasticIps", func() (*vpcapis.CreateElasticIpsResponse, error) { return vpc.CreateElasticIps(req) })
	if err != nil {
		t.Fatalf("creating the existing EIP through the SDK: %v", err)
	}
	got, err := describe(srv, resp.Result.ElasticIpIds[0])
	if err != nil {
		t.Fatalf("reading the existing EIP: %v", err)
	}
	return got
}

// eachExisting runs fn as a subtest per existing EIP, each with its own
// emulator that holds it.
func eachExisting(t *testing.T, fn func(t *testing.T, srv *emulator.Server, e existingEIP, existing vpcmodels.ElasticIp)) {
	for variant, e := range existingEIPs {
		t.Run(variant, func(t *testing.T) {
			srv := acctest.PreCheckAndStart(t)
			fn(t, srv, e, createExisting(t, srv, e))
		})
	}
}

// importedAttrs checks state against what the SDK created.
func importedAttrs(address string, want vpcmodels.ElasticIp, e existingEIP) resource.TestCheckFunc {
	checks := []resource.TestCheckFunc{
		resource.TestCheckResourceAttr(address, "id", want.ElasticIpId),
		resource.TestCheckResourceAttr(address, "address", want.ElasticIpAddress),
		resource.TestCheckResourceAttr(address, "bandwidth_mbps", fmt.Sprint(e.bandwidth)),
		resource.TestCheckResourceAttr(address, "line", "bgp"),
		resource.TestCheckNoResourceAttr(address, "az"),
	}
	if e.name == "" {
		checks = append(checks, resource.TestCheckNoResourceAttr(address, "name"))
	} else {
		checks = append(checks, resource.TestCheckResourceAttr(address, "name", e.name))
	}
	return resource.ComposeAggregateTestCheckFunc(checks...)
}

// terraform import, then the configuration a user writes plans empty.
func TestAccElasticIP_importExistingCommand(t *testing.T) {
	eachExisting(t, func(t *testing.T, srv *emulator.Server, e existingEIP, existing vpcmodels.ElasticIp) {
		config := eipConfig(srv, e.hcl)
		resource.ParallelTest(t, acctest.CaseChecking(t, checkGoneFromAPI(srv), []resource.TestStep{
			{
				Config:             config,
				ResourceName:       addr,
				ImportState:        true,
				ImportStateId:      existing.ElasticIpId,
				ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 {
						return fmt.Errorf("import produced %d resources, want 1", len(states))
					}
					return nil
				},
			},
			{
				Config:   config,
				PlanOnly: true, // fails on any diff
				Check:    importedAttrs(addr, existing, e),
			},
			{
				Config: config,
				Check:  importedAttrs(addr, existing, e),
			},
		}))
	})
}

// An import {} block in the configuration: the plan imports with no change,
// and the plan after apply is empty (checked by the framework).
func TestAccElasticIP_importExistingBlock(t *testing.T) {
	eachExisting(t, func(t *testing.T, srv *emulator.Server, e existingEIP, existing vpcmodels.ElasticIp) {
		config := eipConfig(srv, e.hcl) + fmt.Sprintf("import {\n  to = %s\n  id = %q\n}\n", addr, existing.ElasticIpId)
		resource.ParallelTest(t, acctest.CaseChecking(t, checkGoneFromAPI(srv), []resource.TestStep{
			{
				Config:           config,
				ConfigPlanChecks: acctest.ExpectAction(addr, plancheck.ResourceActionNoop),
				Check:            importedAttrs(addr, existing, e),
			},
		}))
	})
}

// terraform plan -generate-config-out: the generated configuration (written
// by the real terraform binary from the imported state) plans with no
// change. Terraform 1.11 writes every optional attribute into it, so a
// default the API does not echo (line) or a value the validators refuse
// would show up here as a diff or an error.
func TestAccElasticIP_importExistingGenerateConfig(t *testing.T) {
	eachExisting(t, func(t *testing.T, srv *emulator.Server, e existingEIP, existing vpcmodels.ElasticIp) {
		generated := "jdcloudha_elastic_ip.generated"
		resource.ParallelTest(t, acctest.CaseChecking(t, nil, []resource.TestStep{
			{
				Config:          acctest.ProviderConfig(srv),
				ResourceName:    generated,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateId:   existing.ElasticIpId,
				GenerateConfig:  true,
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(generated, plancheck.ResourceActionNoop),
						plancheck.ExpectKnownValue(generated, tfjsonpath.New("address"), knownvalue.StringExact(existing.ElasticIpAddress)),
						plancheck.ExpectKnownValue(generated, tfjsonpath.New("bandwidth_mbps"), knownvalue.Int64Exact(int64(e.bandwidth))),
					},
				},
			},
		}))
	})
}
