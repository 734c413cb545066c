package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func checkDestroyed(resourceType, apiPath string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for _, rs := range s.RootModule().Resources {
			if rs.Type != resourceType {
				continue
			}
			if err := apiGone(apiPath + rs.Primary.ID); err != nil {
				return err
			}
		}
		return nil
	}
}

// Rules listed out of order and a port list written loosely: the provider keeps
// both as written, so the plan after apply is empty.
const sgCreate = `
resource "secgroups_security_group" "web" {
  name        = "acc-web"
  description = "web servers"
  rules = [
    { direction = "outbound", order = 100, protocol = 0, address = "0.0.0.0/0", description = "all out" },
    { direction = "inbound", order = 10, protocol = 6, port = "443, 80", address = "0.0.0.0/0", description = "web" },
    { direction = "inbound", order = 20, protocol = 1, icmp_type = 8, address = "10.0.0.0/8", description = "ping", log = true },
  ]
}
`

// Normalized and sorted, so import (which reads the API's form) verifies exactly.
const sgUpdate = `
resource "secgroups_security_group" "web" {
  name = "acc-web-renamed"
  rules = [
    { direction = "inbound", order = 10, protocol = 6, port = "80,443,8080-8090", address = "0.0.0.0/0", description = "web" },
    { direction = "inbound", order = 15, protocol = 6, port = "22", address = "192.0.2.0/24", description = "ssh", action = "accept" },
    { direction = "inbound", order = 16, protocol = 0, address = "198.51.100.66/32", description = "abuser", action = "drop" },
    { direction = "outbound", order = 100, protocol = 0, address = "0.0.0.0/0", description = "all out" },
  ]
}
`

func TestAccSecurityGroup_lifecycle(t *testing.T) {
	sameID := statecheck.CompareValue(compare.ValuesSame())
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed("secgroups_security_group", "/vpc/security-groups/"),
		Steps: []resource.TestStep{
			{
				Config: sgCreate,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("secgroups_security_group.web", plancheck.ResourceActionCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestMatchResourceAttr("secgroups_security_group.web", "id", regexp.MustCompile(`^sec_grp_[0-9a-zA-Z]{27}$`)),
					resource.TestCheckResourceAttr("secgroups_security_group.web", "status", "active"),
					resource.TestCheckResourceAttr("secgroups_security_group.web", "rules.#", "3"),
					resource.TestCheckResourceAttr("secgroups_security_group.web", "rules.0.order", "100"),
					resource.TestCheckResourceAttr("secgroups_security_group.web", "rules.1.port", "443, 80"),
					resource.TestCheckResourceAttr("secgroups_security_group.web", "rules.1.action", "accept"),
					resource.TestCheckResourceAttr("secgroups_security_group.web", "rules.2.icmp_type", "8"),
					resource.TestCheckResourceAttr("secgroups_security_group.web", "rules.2.log", "true"),
					resource.TestCheckResourceAttr("secgroups_security_group.web", "sites.#", "0"),
					resource.TestCheckResourceAttr("secgroups_security_group.web", "sync_errors.#", "0"),
					checkAPIGroup("secgroups_security_group.web", func(g *SecurityGroup) error {
						// The API stores the normalized port and returns rules sorted by order.
						if len(g.Rules) != 3 || g.Rules[0].Order != 10 || g.Rules[0].Port != "80,443" {
							return fmt.Errorf("unexpected rules in the API: %+v", g.Rules)
						}
						return nil
					}),
				),
				ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue("secgroups_security_group.web", tfjsonpath.New("id"))},
			},
			{
				Config: sgUpdate,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction("secgroups_security_group.web", plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue("secgroups_security_group.web", tfjsonpath.New("id")),
					statecheck.ExpectKnownValue("secgroups_security_group.web", tfjsonpath.New("description"), knownvalue.Null()),
					statecheck.ExpectKnownValue("secgroups_security_group.web", tfjsonpath.New("rules").AtSliceIndex(2).AtMapKey("action"), knownvalue.StringExact("drop")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("secgroups_security_group.web", "name", "acc-web-renamed"),
					resource.TestCheckResourceAttr("secgroups_security_group.web", "rules.#", "4"),
				),
			},
			{
				ResourceName:      "secgroups_security_group.web",
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				// Re-applying the same configuration changes nothing.
				Config:   sgUpdate,
				PlanOnly: true,
			},
		},
	})
}

func checkAPIGroup(name string, check func(*SecurityGroup) error) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[name]
		if !ok {
			return fmt.Errorf("%s not in state", name)
		}
		var g SecurityGroup
		if err := testClient().Do(t0(), "GET", "/vpc/security-groups/"+rs.Primary.ID, nil, &g); err != nil {
			return err
		}
		return check(&g)
	}
}

func TestAccSecurityGroup_planTimeValidation(t *testing.T) {
	group := func(rules string) string {
		return fmt.Sprintf(`resource "secgroups_security_group" "bad" {
  name  = "acc-bad"
  rules = [%s]
}`, rules)
	}
	many := make([]string, 251)
	for i := range many {
		many[i] = fmt.Sprintf(`{ direction = "inbound", order = %d, protocol = 0, address = "10.0.0.0/8", description = "r" }`, i%250+1)
	}
	cases := []struct{ config, want string }{
		{group(`{ direction = "inbound", order = 1, protocol = 6, port = "22", address = "10.0.0.1/8", description = "x" }`), `did\s+you\s+mean\s+10\.0\.0\.0/8\?`},
		{group(`{ direction = "inbound", order = 1, protocol = 6, port = "22", address = "10.1.2.3", description = "x" }`), `did\s+you\s+mean\s+10\.1\.2\.3/32\?`},
		{group(`{ direction = "inbound", order = 5, protocol = 6, port = "22", address = "10.0.0.0/8", description = "x" },
		        { direction = "outbound", order = 5, protocol = 0, address = "0.0.0.0/0", description = "y" }`), `order\s+5\s+is\s+already\s+used\s+by\s+rules\[0\]`},
		{group(`{ direction = "inbound", order = 1, protocol = 1, port = "80", address = "10.0.0.0/8", description = "x" }`), `only\s+TCP\s+\(6\)\s+and\s+UDP\s+\(17\)\s+have\s+ports`},
		{group(`{ direction = "inbound", order = 1, protocol = 6, address = "10.0.0.0/8", description = "x" }`), `is\s+required\s+for\s+TCP\s+and\s+UDP`},
		{group(`{ direction = "inbound", order = 1, protocol = 6, port = "20-10", address = "10.0.0.0/8", description = "x" }`), `did\s+you\s+mean\s+"10-20"\?`},
		{group(`{ direction = "sideways", order = 1, protocol = 0, address = "10.0.0.0/8", description = "x" }`), `direction`},
		{group(`{ direction = "inbound", order = 251, protocol = 0, address = "10.0.0.0/8", description = "x" }`), `between\s+1\s+and\s+250`},
		{group(`{ direction = "inbound", order = 1, protocol = 256, address = "10.0.0.0/8", description = "x" }`), `between\s+0\s+and\s+255`},
		{group(`{ direction = "inbound", order = 1, protocol = 6, port = "1", icmp_type = 3, address = "10.0.0.0/8", description = "x" }`), `only\s+applies\s+to\s+ICMP\s+rules`},
		{group(strings.Join(many, ",\n")), `at\s+most\s+250`},
		{`resource "secgroups_security_group" "bad" {
  name  = "ab"
  rules = []
}`, `between\s+3\s+and\s+255`},
	}
	steps := make([]resource.TestStep, len(cases))
	for i, c := range cases {
		steps[i] = resource.TestStep{Config: c.config, PlanOnly: true, ExpectError: regexp.MustCompile(c.want)}
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
}

// A group attached to a site with no agent goes `failed` (the test core runs
// with --sync-timeout 2s); apply reports the sync errors.
func TestAccSecurityGroup_syncFailed(t *testing.T) {
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed("secgroups_security_group", "/vpc/security-groups/"),
		Steps: []resource.TestStep{
			{
				Config: `
resource "secgroups_site" "lab" {
  name     = "acc-lab"
  platform = "nftables"
}
resource "secgroups_security_group" "attached" {
  name  = "acc-attached"
  sites = [secgroups_site.lab.id]
  rules = [{ direction = "outbound", order = 1, protocol = 0, address = "0.0.0.0/0", description = "all out" }]
}`,
				ExpectError: regexp.MustCompile(`(?s)failed\s+to\s+sync\s+to\s+its\s+sites.*site_[0-9a-zA-Z]{27}:\s+the\s+site\s+did\s+not\s+confirm`),
			},
		},
	})
}
