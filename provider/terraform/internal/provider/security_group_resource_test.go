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

const webGroup = "secgroups_security_group.web"

func checkDestroyed(resourceType, apiPath string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for address, rs := range s.RootModule().Resources {
			if rs.Type != resourceType || strings.HasPrefix(address, "data.") {
				continue
			}
			if err := apiGone(apiPath + rs.Primary.ID); err != nil {
				return err
			}
		}
		return nil
	}
}

// Rules listed out of order and a port list written loosely: state keeps
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
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(webGroup, plancheck.ResourceActionCreate),
						// A create is planned to end active with no sync errors (apply waits for it).
						plancheck.ExpectKnownValue(webGroup, tfjsonpath.New("status"), knownvalue.StringExact("active")),
						plancheck.ExpectKnownValue(webGroup, tfjsonpath.New("sync_errors"), knownvalue.ListSizeExact(0)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestMatchResourceAttr(webGroup, "id", regexp.MustCompile(`^sec_grp_[0-9a-zA-Z]{27}$`)),
					resource.TestCheckResourceAttr(webGroup, "status", "active"),
					resource.TestCheckResourceAttr(webGroup, "rules.#", "3"),
					resource.TestCheckTypeSetElemNestedAttrs(webGroup, "rules.*", map[string]string{"order": "10", "port": "443, 80", "action": "accept", "log": "false"}),
					resource.TestCheckTypeSetElemNestedAttrs(webGroup, "rules.*", map[string]string{"order": "20", "icmp_type": "8", "log": "true", "port": ""}),
					resource.TestCheckTypeSetElemNestedAttrs(webGroup, "rules.*", map[string]string{"order": "100", "protocol": "0"}),
					resource.TestCheckResourceAttr(webGroup, "sites.#", "0"),
					resource.TestCheckResourceAttr(webGroup, "sync_errors.#", "0"),
					checkAPIGroup(webGroup, func(g *SecurityGroup) error {
						// The API stores the normalized port and returns rules sorted by order.
						if len(g.Rules) != 3 || g.Rules[0].Order != 10 || g.Rules[0].Port != "80,443" {
							return fmt.Errorf("unexpected rules in the API: %+v", g.Rules)
						}
						return nil
					}),
				),
				ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue(webGroup, tfjsonpath.New("id"))},
			},
			{
				Config: sgUpdate,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(webGroup, plancheck.ResourceActionUpdate),
						// Only what is sent changes; of the server's fields only updated_at is unknown.
						expectAttributeChanges(webGroup, []string{"name", "description", "rules", "updated_at"}, []string{"updated_at"}),
						expectSetChanges(webGroup, "rules", "order",
							elementChange{"10": {"port": "443, 80"}, "20": {"protocol": "1"}},
							elementChange{"10": {"port": "80,443,8080-8090"}, "15": {"port": "22"}, "16": {"action": "drop"}}),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(webGroup, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(webGroup, tfjsonpath.New("description"), knownvalue.Null()),
					statecheck.ExpectKnownValue(webGroup, tfjsonpath.New("rules"), knownvalue.SetPartial([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"order": knownvalue.Int64Exact(16), "action": knownvalue.StringExact("drop")}),
					})),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(webGroup, "name", "acc-web-renamed"),
					resource.TestCheckResourceAttr(webGroup, "rules.#", "4"),
				),
			},
			{
				ResourceName:      webGroup,
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

// looseGroup is written as people write it: rules out of order, ports with
// spaces and unsorted. The API stores "22,2222" and "80,443".
const looseGroup = `
resource "secgroups_security_group" "web" {
  name = "acc-imported"
  rules = [
    { direction = "outbound", order = 100, protocol = 0, address = "0.0.0.0/0", description = "all out" },
    { direction = "inbound", order = 20, protocol = 6, port = "22, 2222", address = "192.0.2.0/24", description = "ssh" },
    { direction = "inbound", order = 10, protocol = 6, port = "443,80", address = "0.0.0.0/0", description = "web" },
  ]
}
`

// A group made elsewhere, then `terraform import` and `terraform plan`: no change.
func TestAccSecurityGroup_importThenEmptyPlan(t *testing.T) {
	var id string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed("secgroups_security_group", "/vpc/security-groups/"),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					var g SecurityGroup
					err := testClient().Do(t0(), "POST", "/vpc/security-groups", SecurityGroupWrite{Name: "acc-imported", Sites: []string{}, Rules: []Rule{
						{Direction: "inbound", Order: 10, Protocol: 6, Port: "80, 443", Address: "0.0.0.0/0", Description: "web", Action: "accept"},
						{Direction: "inbound", Order: 20, Protocol: 6, Port: "2222,22", Address: "192.0.2.0/24", Description: "ssh"},
						{Direction: "outbound", Order: 100, Protocol: 0, Port: "", Address: "0.0.0.0/0", Description: "all out"},
					}}, &g)
					if err != nil {
						t.Fatal(err)
					}
					id = g.ID
				},
				Config:             looseGroup,
				ResourceName:       webGroup,
				ImportState:        true,
				ImportStateIdFunc:  func(*terraform.State) (string, error) { return id, nil },
				ImportStatePersist: true,
			},
			{
				Config: looseGroup,
				// Both the plan from the imported state and the one after a refresh are empty.
				PlanOnly: true,
			},
		},
	})
}

func groupWithRules(rules ...string) string {
	return `
resource "secgroups_security_group" "web" {
  name  = "acc-reorder"
  rules = [
    ` + strings.Join(rules, ",\n    ") + `
  ]
}`
}

const (
	ruleWeb    = `{ direction = "inbound", order = 10, protocol = 6, port = "80,443", address = "0.0.0.0/0", description = "web" }`
	ruleWebRe  = `{ direction = "inbound", order = 10, protocol = 6, port = "443, 80", address = "0.0.0.0/0", description = "web" }`
	ruleSSH    = `{ direction = "inbound", order = 20, protocol = 6, port = "22", address = "192.0.2.0/24", description = "ssh" }`
	ruleSSH2   = `{ direction = "inbound", order = 20, protocol = 6, port = "22,2222", address = "192.0.2.0/24", description = "ssh" }`
	ruleDNS    = `{ direction = "inbound", order = 15, protocol = 17, port = "53", address = "10.0.0.0/8", description = "dns" }`
	ruleAllOut = `{ direction = "outbound", order = 100, protocol = 0, address = "0.0.0.0/0", description = "all out" }`
)

// Moving rules around (same orders) plans nothing; a change shows only the
// rule that changes, also when made together with a reordering; a rule
// inserted in the middle shows as one added rule.
func TestAccSecurityGroup_rulesKeyedByOrder(t *testing.T) {
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed("secgroups_security_group", "/vpc/security-groups/"),
		Steps: []resource.TestStep{
			{Config: groupWithRules(ruleWeb, ruleSSH, ruleAllOut)},
			{
				Config: groupWithRules(ruleAllOut, ruleWebRe, ruleSSH),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				Config: groupWithRules(ruleSSH2, ruleAllOut, ruleWeb),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(webGroup, plancheck.ResourceActionUpdate),
						expectAttributeChanges(webGroup, []string{"rules", "updated_at"}, []string{"updated_at"}),
						expectSetChanges(webGroup, "rules", "order", elementChange{"20": {"port": "22"}}, elementChange{"20": {"port": "22,2222"}}),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				Config: groupWithRules(ruleWeb, ruleDNS, ruleSSH2, ruleAllOut),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						expectAttributeChanges(webGroup, []string{"rules", "updated_at"}, []string{"updated_at"}),
						expectSetChanges(webGroup, "rules", "order", elementChange{}, elementChange{"15": {"protocol": "17", "port": "53"}}),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// A rule changed through the API (by a colleague, or the console) shows up on
// refresh as exactly that change, and apply puts the configuration back.
func TestAccSecurityGroup_outOfBandChange(t *testing.T) {
	config := groupWithRules(ruleWebRe, ruleSSH, ruleAllOut)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed("secgroups_security_group", "/vpc/security-groups/"),
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() { editGroupRule(t, "acc-reorder", 20, func(r *Rule) { r.Port = "2222, 22" }) },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(webGroup, plancheck.ResourceActionUpdate),
						expectAttributeChanges(webGroup, []string{"rules", "updated_at"}, []string{"updated_at"}),
						expectSetChanges(webGroup, "rules", "order", elementChange{"20": {"port": "22,2222"}}, elementChange{"20": {"port": "22"}}),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkAPIGroup(webGroup, func(g *SecurityGroup) error {
					for _, r := range g.Rules {
						if r.Order == 20 && r.Port != "22" {
							return fmt.Errorf("rule 20 has port %q after apply, want 22", r.Port)
						}
					}
					return nil
				}),
			},
			{
				// Respelled by someone else to the same ports: nothing to do.
				PreConfig: func() { editGroupRule(t, "acc-reorder", 10, func(r *Rule) { r.Port = "80 , 443" }) },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// editGroupRule changes one rule of the group named name through the API.
func editGroupRule(t *testing.T, name string, order int64, edit func(*Rule)) {
	t.Helper()
	var groups []SecurityGroup
	groups, err := List[SecurityGroup](t0(), testClient(), "/vpc/security-groups")
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		if g.Name != name {
			continue
		}
		for i := range g.Rules {
			if g.Rules[i].Order == order {
				edit(&g.Rules[i])
			}
			g.Rules[i].ID = ""
		}
		body := SecurityGroupWrite{Name: g.Name, Description: g.Description, Rules: g.Rules, Sites: g.Sites}
		if err := testClient().Do(t0(), "PUT", "/vpc/security-groups/"+g.ID, body, nil); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("no group named %s", name)
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
		many[i] = fmt.Sprintf(`{ direction = "inbound", order = %d, protocol = 0, address = "10.0.0.0/8", description = "r%d" }`, i%250+1, i)
	}
	cases := []struct{ config, want string }{
		{group(`{ direction = "inbound", order = 1, protocol = 6, port = "22", address = "10.0.0.1/8", description = "x" }`), `did\s+you\s+mean\s+10\.0\.0\.0/8\?`},
		{group(`{ direction = "inbound", order = 1, protocol = 6, port = "22", address = "10.1.2.3", description = "x" }`), `did\s+you\s+mean\s+10\.1\.2\.3/32\?`},
		{group(`{ direction = "inbound", order = 5, protocol = 6, port = "22", address = "10.0.0.0/8", description = "x" },
		        { direction = "outbound", order = 5, protocol = 0, address = "0.0.0.0/0", description = "y" }`), `order\s+5\s+is\s+used\s+by\s+more\s+than\s+one\s+rule`},
		{group(`{ direction = "inbound", order = 1, protocol = 1, port = "80", address = "10.0.0.0/8", description = "x" }`), `rules\[order=1\]\.port:\s+must\s+be\s+""\s+for\s+protocol\s+1`},
		{group(`{ direction = "inbound", order = 7, protocol = 6, address = "10.0.0.0/8", description = "x" }`), `rules\[order=7\]\.port:\s+is\s+required\s+for\s+TCP\s+and\s+UDP`},
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

// A group attached to a site whose agent never connected is saved, but its
// revision only queues for that site (it does not lock and is not waited for):
// apply stops at once and names the site and why, instead of waiting out
// sync_timeout in silence. Destroy is not locked either (CheckDestroy).
func TestAccSecurityGroup_syncQueued(t *testing.T) {
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
				ExpectError: regexp.MustCompile(`(?s)only\s+queued\s+for\s+sites\s+that\s+cannot\s+confirm.*site_[0-9a-zA-Z]{27}\s+\(revision\s+\d+,\s+never\s+connected\)`),
			},
		},
	})
}

// A rule's address may be another group's id: the rule follows that group's
// member sites. A malformed id is refused at plan time with the API's words.
func TestAccSecurityGroup_groupReference(t *testing.T) {
	config := func(address string) string {
		return `
resource "secgroups_security_group" "app" {
  name  = "acc-ref-app"
  rules = [{ direction = "outbound", order = 100, protocol = 0, address = "0.0.0.0/0", description = "all out" }]
}
resource "secgroups_security_group" "db" {
  name  = "acc-ref-db"
  rules = [
    { direction = "inbound", order = 10, protocol = 6, port = "5432", address = ` + address + `, description = "app to db" },
    { direction = "inbound", order = 20, protocol = 1, icmp_type = 8, address = ` + address + `, description = "ping from app" },
  ]
}`
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed("secgroups_security_group", "/vpc/security-groups/"),
		Steps: []resource.TestStep{
			{
				Config: config(`"sec_grp_short"`),
				// Terraform wraps long diagnostics: any space may be a line break.
				ExpectError: regexp.MustCompile(strings.ReplaceAll(regexp.QuoteMeta(`"sec_grp_short" is not a security group id (sec_grp_ followed by 27 letters or digits)`), " ", `\s+`)),
				PlanOnly:    true,
			},
			{
				Config: config("secgroups_security_group.app.id"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs("secgroups_security_group.db", tfjsonpath.New("rules").AtSliceIndex(0).AtMapKey("address"),
						"secgroups_security_group.app", tfjsonpath.New("id"), compare.ValuesSame()),
				},
				Check: checkAPIGroup("secgroups_security_group.db", func(g *SecurityGroup) error {
					for _, r := range g.Rules {
						if !SecurityGroupIDPattern.MatchString(r.Address) {
							return fmt.Errorf("rule %d: address %q is not the app group's id", r.Order, r.Address)
						}
					}
					return nil
				}),
			},
		},
	})
}

// `self` names the group itself (its id does not exist before the create):
// one create stores the group's id, state keeps `self`, a second plan is
// empty, and `terraform import` of a group whose rule names its own id shows
// `self` too. A rule that spells the id out keeps that spelling.
func TestAccSecurityGroup_self(t *testing.T) {
	const cluster = `
resource "secgroups_security_group" "web" {
  name  = "acc-self"
  rules = [
    { direction = "inbound", order = 10, protocol = 6, port = "2379-2380", address = "self", description = "etcd peers" },
    { direction = "inbound", order = 20, protocol = 1, icmp_type = 8, address = "self", description = "ping between members" },
    { direction = "outbound", order = 100, protocol = 0, address = "0.0.0.0/0", description = "all out" },
  ]
}`
	withImported := cluster + `
resource "secgroups_security_group" "imported" {
  name  = "acc-self-imported"
  rules = [{ direction = "inbound", order = 10, protocol = 6, port = "2379-2380", address = "self", description = "etcd peers" }]
}`
	var imported string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed("secgroups_security_group", "/vpc/security-groups/"),
		Steps: []resource.TestStep{
			{
				Config: cluster,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckTypeSetElemNestedAttrs(webGroup, "rules.*", map[string]string{"order": "10", "address": "self"}),
					checkAPIGroup(webGroup, func(g *SecurityGroup) error {
						for _, r := range g.Rules[:2] {
							if r.Address != g.ID {
								return fmt.Errorf("rule %d: the API holds %q, not the group's id %s", r.Order, r.Address, g.ID)
							}
						}
						return nil
					}),
				),
			},
			{
				// A group made elsewhere whose rule names its own id: imported as self, then no change.
				PreConfig: func() {
					var g SecurityGroup
					if err := testClient().Do(t0(), "POST", "/vpc/security-groups", SecurityGroupWrite{Name: "acc-self-imported", Sites: []string{}, Rules: []Rule{
						{Direction: "inbound", Order: 10, Protocol: 6, Port: "2379-2380", Address: "self", Description: "etcd peers", Action: "accept"},
					}}, &g); err != nil {
						t.Fatal(err)
					}
					imported = g.ID
				},
				Config:             withImported,
				ResourceName:       "secgroups_security_group.imported",
				ImportState:        true,
				ImportStateIdFunc:  func(*terraform.State) (string, error) { return imported, nil },
				ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					// With ImportStatePersist the states are the whole state's resources, in no fixed order.
					for _, s := range states {
						if s.ID != imported {
							continue
						}
						if got := s.Attributes["rules.0.address"]; got != "self" {
							return fmt.Errorf("imported rule address = %q, want self", got)
						}
						return nil
					}
					return fmt.Errorf("no imported state with id %s among %d", imported, len(states))
				},
			},
			{
				Config:   withImported,
				PlanOnly: true,
			},
		},
	})
}
