package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
)

func prefixListConfig(prefixes string) string {
	return `
resource "secgroups_prefix_list" "admins" {
  name        = "acc-admins"
  description = "administrators"
  prefixes    = [` + prefixes + `]
}
resource "secgroups_security_group" "bastion" {
  name  = "acc-bastion"
  rules = [
    { direction = "inbound", order = 10, protocol = 6, port = "22", address = secgroups_prefix_list.admins.id, description = "ssh from admins" },
    { direction = "outbound", order = 20, protocol = 0, address = "0.0.0.0/0", description = "all out" },
  ]
}`
}

func TestAccPrefixList_lifecycle(t *testing.T) {
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeTestCheckFunc(
			checkDestroyed("secgroups_security_group", "/vpc/security-groups/"),
			checkDestroyed("secgroups_prefix_list", "/vpc/prefix-lists/"),
		),
		Steps: []resource.TestStep{
			{
				Config: prefixListConfig(`{ cidr = "203.0.113.0/24", description = "office" }, { cidr = "198.51.100.7/32" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestMatchResourceAttr("secgroups_prefix_list.admins", "id", regexp.MustCompile(`^prfx_lst_[0-9a-zA-Z]{27}$`)),
					resource.TestCheckResourceAttr("secgroups_prefix_list.admins", "status", "active"),
					resource.TestCheckResourceAttr("secgroups_prefix_list.admins", "prefixes.#", "2"),
					resource.TestCheckResourceAttr("secgroups_prefix_list.admins", "prefixes.0.cidr", "203.0.113.0/24"),
					resource.TestCheckNoResourceAttr("secgroups_prefix_list.admins", "prefixes.1.description"),
					resource.TestCheckResourceAttrPair("secgroups_security_group.bastion", "rules.0.address", "secgroups_prefix_list.admins", "id"),
				),
			},
			{
				Config: prefixListConfig(`{ cidr = "198.51.100.7/32", description = "vpn" }, { cidr = "203.0.113.0/24", description = "office" }, { cidr = "192.0.2.0/25" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("secgroups_prefix_list.admins", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("secgroups_security_group.bastion", plancheck.ResourceActionNoop),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("secgroups_prefix_list.admins", "prefixes.#", "3"),
					resource.TestCheckResourceAttr("secgroups_prefix_list.admins", "prefixes.0.cidr", "198.51.100.7/32"),
				),
			},
			{
				ResourceName:      "secgroups_prefix_list.admins",
				ImportState:       true,
				ImportStateVerify: true,
			},
		},
	})
}

// Plan-time checks need no resources (and so leave nothing to destroy).
func TestAccPrefixList_planTimeValidation(t *testing.T) {
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      prefixListConfig(`{ cidr = "192.0.2.1/24" }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`did\s+you\s+mean\s+192\.0\.2\.0/24\?`),
			},
			{
				Config:      prefixListConfig(`{ cidr = "192.0.2.0/24" }, { cidr = "192.0.2.0/24" }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`already\s+listed\s+at\s+prefixes\[0\]`),
			},
		},
	})
}
