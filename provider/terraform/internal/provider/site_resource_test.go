package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
)

func TestAccSite_lifecycle(t *testing.T) {
	config := func(name, mode string) string {
		return `
resource "secgroups_site" "edge" {
  name     = "` + name + `"
  platform = "routeros"
  mode     = "` + mode + `"
}`
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed("secgroups_site", "/vpc/sites/"),
		Steps: []resource.TestStep{
			{
				Config: config("acc-edge", "router"),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestMatchResourceAttr("secgroups_site.edge", "id", regexp.MustCompile(`^site_[0-9a-zA-Z]{27}$`)),
					resource.TestMatchResourceAttr("secgroups_site.edge", "token", regexp.MustCompile(`.{16,}`)),
					resource.TestCheckResourceAttr("secgroups_site.edge", "mode", "router"),
				),
			},
			{
				Config: config("acc-edge-2", "host"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("secgroups_site.edge", plancheck.ResourceActionUpdate)},
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
