package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

const admins = "secgroups_prefix_list.admins"

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
					resource.TestMatchResourceAttr(admins, "id", regexp.MustCompile(`^prfx_lst_[0-9a-zA-Z]{27}$`)),
					resource.TestCheckResourceAttr(admins, "status", "active"),
					resource.TestCheckResourceAttr(admins, "prefixes.#", "2"),
					resource.TestCheckTypeSetElemNestedAttrs(admins, "prefixes.*", map[string]string{"cidr": "203.0.113.0/24", "description": "office"}),
					resource.TestCheckTypeSetElemNestedAttrs(admins, "prefixes.*", map[string]string{"cidr": "198.51.100.7/32"}),
					resource.TestCheckTypeSetElemAttrPair("secgroups_security_group.bastion", "rules.*.address", admins, "id"),
				),
			},
			{
				// Reordered, one description added, one prefix added: only those two show.
				Config: prefixListConfig(`{ cidr = "192.0.2.0/25" }, { cidr = "198.51.100.7/32", description = "vpn" }, { cidr = "203.0.113.0/24", description = "office" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(admins, plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("secgroups_security_group.bastion", plancheck.ResourceActionNoop),
						expectAttributeChanges(admins, []string{"prefixes", "updated_at"}, []string{"updated_at"}),
						expectSetChanges(admins, "prefixes", "cidr",
							elementChange{"198.51.100.7/32": {"description": "<nil>"}},
							elementChange{"198.51.100.7/32": {"description": "vpn"}, "192.0.2.0/25": {}}),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(admins, "prefixes.#", "3"),
					resource.TestCheckTypeSetElemNestedAttrs(admins, "prefixes.*", map[string]string{"cidr": "198.51.100.7/32", "description": "vpn"}),
				),
			},
			{
				ResourceName:      admins,
				ImportState:       true,
				ImportStateVerify: true,
			},
		},
	})
}

// A prefix list made elsewhere (prefixes in another order), then import and plan: no change.
func TestAccPrefixList_importThenEmptyPlan(t *testing.T) {
	var id string
	config := `
resource "secgroups_prefix_list" "admins" {
  name     = "acc-imported-admins"
  prefixes = [{ cidr = "198.51.100.0/24", description = "vpn" }, { cidr = "203.0.113.0/24" }]
}`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed("secgroups_prefix_list", "/vpc/prefix-lists/"),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					vpn := "vpn"
					var l PrefixList
					err := testClient().Do(t0(), "POST", "/vpc/prefix-lists", PrefixListWrite{Name: "acc-imported-admins", Sites: []string{}, Prefixes: []Prefix{
						{Cidr: "203.0.113.0/24"}, {Cidr: "198.51.100.0/24", Description: &vpn},
					}}, &l)
					if err != nil {
						t.Fatal(err)
					}
					id = l.ID
				},
				Config:             config,
				ResourceName:       admins,
				ImportState:        true,
				ImportStateIdFunc:  func(*terraform.State) (string, error) { return id, nil },
				ImportStatePersist: true,
			},
			{Config: config, PlanOnly: true},
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
				Config:      prefixListConfig(`{ cidr = "192.0.2.0/24" }, { cidr = "192.0.2.0/24", description = "again" }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`192\.0\.2\.0/24\s+is\s+listed\s+more\s+than\s+once`),
			},
		},
	})
}
