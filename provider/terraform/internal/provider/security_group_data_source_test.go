package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// A group looked up by name whose rules another group copies.
func TestAccSecurityGroupDataSource(t *testing.T) {
	resource.Test(t, resource.TestCase{
		PreCheck: func() {
			testAccPreCheck(t)
			var g SecurityGroup
			err := testClient().Do(t0(), "POST", "/vpc/security-groups", SecurityGroupWrite{Name: "acc-lookup-base", Sites: []string{}, Rules: []Rule{
				{Direction: "inbound", Order: 10, Protocol: 6, Port: "443, 80", Address: "0.0.0.0/0", Description: "web", Action: "accept"},
				{Direction: "inbound", Order: 20, Protocol: 1, Port: "", Address: "10.0.0.0/8", Description: "ping", IcmpType: i64(8), Log: true},
				{Direction: "outbound", Order: 100, Protocol: 0, Port: "", Address: "0.0.0.0/0", Description: "all out", Action: "accept"},
			}}, &g)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = testClient().Do(t0(), "DELETE", "/vpc/security-groups/"+g.ID, nil, nil) })
		},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed("secgroups_security_group", "/vpc/security-groups/"),
		Steps: []resource.TestStep{
			{
				Config:      `data "secgroups_security_group" "x" { name = "acc-lookup-nowhere" }`,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`no\s+security\s+group\s+named\s+"acc-lookup-nowhere"\s+in\s+this\s+organization`),
			},
			{
				Config:      `data "secgroups_security_group" "x" { id = "prfx_lst_000000000000000000000000000" }`,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`must\s+be\s+a\s+security\s+group\s+id`),
			},
			{
				Config: `
data "secgroups_security_group" "base" {
  name = "acc-lookup-base"
}
resource "secgroups_security_group" "copy" {
  name  = "acc-lookup-copy"
  rules = data.secgroups_security_group.base.rules
}`,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("data.secgroups_security_group.base", "rules.#", "3"),
					resource.TestCheckTypeSetElemNestedAttrs("data.secgroups_security_group.base", "rules.*",
						map[string]string{"order": "10", "port": "80,443", "action": "accept"}),
					resource.TestCheckTypeSetElemNestedAttrs("data.secgroups_security_group.base", "rules.*",
						map[string]string{"order": "20", "icmp_type": "8", "log": "true", "action": "accept"}),
					resource.TestCheckResourceAttr("data.secgroups_security_group.base", "status", "active"),
					checkAPIGroup("secgroups_security_group.copy", func(g *SecurityGroup) error {
						if len(g.Rules) != 3 || g.Rules[0].Port != "80,443" || g.Rules[1].IcmpType == nil || !g.Rules[1].Log {
							return fmt.Errorf("copied rules differ: %+v", g.Rules)
						}
						return nil
					}),
				),
			},
		},
	})
}
