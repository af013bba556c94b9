package image_test

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	vmmodels "github.com/jdcloud-api/jdcloud-sdk-go/services/vm/models"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/acctest"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/service/image"
	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/testutil"
)

func TestSchemaValid(t *testing.T) {
	testutil.CheckDataSourceSchema(t, image.NewDataSource())
}

func TestSelect(t *testing.T) {
	imgs := []vmmodels.Image{
		{ImageId: "img-old", Name: "Ubuntu 20.04", Status: "ready", CreateTime: "2022-01-01T00:00:00Z"},
		{ImageId: "img-new", Name: "Ubuntu 22.04", Status: "ready", CreateTime: "2024-01-01T00:00:00Z"},
		{ImageId: "img-busy", Name: "Ubuntu 24.04", Status: "pending", CreateTime: "2025-01-01T00:00:00Z"},
		{ImageId: "img-gone", Name: "Ubuntu 18.04", Status: "ready", Offline: true, CreateTime: "2019-01-01T00:00:00Z"},
		{ImageId: "img-new", Name: "Ubuntu 22.04", Status: "ready", CreateTime: "2024-01-01T00:00:00Z"}, // a repeated last page
	}
	got := image.Select(imgs, nil)
	if len(got) != 2 || got[0].ImageId != "img-new" || got[1].ImageId != "img-old" {
		t.Fatalf("Select(all) = %+v, want img-new then img-old (ready, online, unique, newest first)", got)
	}
	got = image.Select(imgs, regexp.MustCompile(`^Ubuntu 20\.`))
	if len(got) != 1 || got[0].ImageId != "img-old" {
		t.Fatalf("Select(regex) = %+v, want img-old", got)
	}
}

func TestAccImagesDataSource(t *testing.T) {
	srv := acctest.PreCheckAndStart(t)
	cfg := acctest.ProviderConfig(srv)
	ds := "data.jdcloudha_images.x"
	// found reads the data source with the arguments args and checks what it found.
	found := func(args string, checks ...resource.TestCheckFunc) resource.TestStep {
		return resource.TestStep{
			Config: cfg + `data "jdcloudha_images" "x" {` + args + `}`,
			Check:  resource.ComposeAggregateTestCheckFunc(checks...),
		}
	}
	resource.ParallelTest(t, acctest.CaseChecking(t, nil, []resource.TestStep{
		// Two Ubuntu images for x86_64 (22.04 newer than 20.04); the arm64 one is filtered out.
		found(`
  platform     = "Ubuntu"
  architecture = "x86_64"
`,
			resource.TestCheckResourceAttr(ds, "images.#", "2"),
			resource.TestCheckResourceAttr(ds, "most_recent_id", "img-ubuntu2204-x64"),
			resource.TestCheckResourceAttr(ds, "ids.1", "img-ubuntu2004-x64"),
			resource.TestCheckResourceAttr(ds, "images.0.name", "Ubuntu 22.04 LTS 64位"),
			resource.TestCheckResourceAttr(ds, "images.0.os_version", "22.04"),
			resource.TestCheckResourceAttr(ds, "images.0.image_source", "public"),
			resource.TestCheckResourceAttr(ds, "images.0.status", "ready"),
			resource.TestCheckResourceAttr(ds, "images.0.system_disk_size_gb", "40"),
		),
		// name is JD Cloud's substring filter; name_regex narrows on the whole name.
		found(`
  name       = "Ubuntu"
  name_regex = "^Ubuntu 20\\.04"
`,
			resource.TestCheckResourceAttr(ds, "images.#", "1"),
			resource.TestCheckResourceAttr(ds, "most_recent_id", "img-ubuntu2004-x64"),
		),
		// Debian reports the documented platform "Other Linux"; by name it is found.
		found(` name = "Debian 12" `,
			resource.TestCheckResourceAttr(ds, "most_recent_id", "img-debian12-x64"),
			resource.TestCheckResourceAttr(ds, "images.0.platform", "Other Linux"),
		),
		{
			// Offline images cannot launch instances, so they are not offered.
			Config:      cfg + `data "jdcloudha_images" "x" { name = "CentOS 7.8" }`,
			ExpectError: regexp.MustCompile(`(?s)No image matches.*name="CentOS 7.8"`),
		},
		{
			Config: cfg + `data "jdcloudha_images" "x" {
  name     = "Debian"
  platform = "Ubuntu"
}`,
			ExpectError: regexp.MustCompile(`(?s)No image matches.*platform="Ubuntu"`),
		},
		{
			Config:      cfg + `data "jdcloudha_images" "x" { image_source = "private" }`,
			ExpectError: regexp.MustCompile(`(?s)No image matches.*image_source=private`),
		},
		{
			Config:      cfg + `data "jdcloudha_images" "x" { name_regex = "([" }`,
			ExpectError: regexp.MustCompile(`Invalid regular expression`),
		},
		{
			// End on a config that reads cleanly: the post-test destroy refreshes it.
			Config: cfg + `data "jdcloudha_images" "x" { name = "Rocky" }`,
			Check:  resource.TestCheckResourceAttr(ds, "most_recent_id", "img-rocky9-x64"),
		},
	}))
}
