package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

func siteConfig(name, mode string) string {
	return `
resource "secgroups_site" "edge" {
  name     = "` + name + `"
  platform = "routeros"
  mode     = "` + mode + `"
}`
}

func TestAccSite_lifecycle(t *testing.T) {
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed("secgroups_site", "/vpc/sites/"),
		Steps: []resource.TestStep{
			{
				Config: siteConfig("acc-edge", "router"),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestMatchResourceAttr("secgroups_site.edge", "id", regexp.MustCompile(`^site_[0-9a-zA-Z]{27}$`)),
					resource.TestMatchResourceAttr("secgroups_site.edge", "token", regexp.MustCompile(`.{16,}`)),
					resource.TestCheckResourceAttr("secgroups_site.edge", "mode", "router"),
				),
			},
			{
				Config: siteConfig("acc-edge-2", "host"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("secgroups_site.edge", plancheck.ResourceActionUpdate),
						expectAttributeChanges("secgroups_site.edge", []string{"name", "mode"}, nil),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("secgroups_site.edge", "name", "acc-edge-2"),
					// The one-time token survives updates.
					resource.TestMatchResourceAttr("secgroups_site.edge", "token", regexp.MustCompile(`.{16,}`)),
				),
			},
			{
				ResourceName:            "secgroups_site.edge",
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"token"},
			},
		},
	})
}

// A site made elsewhere, then import and plan: no change (mode defaults to host).
func TestAccSite_importThenEmptyPlan(t *testing.T) {
	var id string
	config := `
resource "secgroups_site" "edge" {
  name     = "acc-imported-site"
  platform = "nftables"
}`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed("secgroups_site", "/vpc/sites/"),
		Steps: []resource.TestStep{
			{
				PreConfig:          func() { id = createSite(t, "acc-imported-site") },
				Config:             config,
				ResourceName:       "secgroups_site.edge",
				ImportState:        true,
				ImportStateIdFunc:  func(*terraform.State) (string, error) { return id, nil },
				ImportStatePersist: true,
			},
			{Config: config, PlanOnly: true},
		},
	})
}

// createSite makes a site through the API, as something other than this configuration would.
func createSite(t *testing.T, name string) string {
	t.Helper()
	var s Site
	if err := testClient().Do(t0(), "POST", "/vpc/sites", SiteWrite{Name: name, Platform: "nftables"}, &s); err != nil {
		t.Fatal(err)
	}
	return s.ID
}
