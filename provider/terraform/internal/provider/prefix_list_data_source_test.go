package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// createPrefixList makes a prefix list through the API (as the console, or
// another team's stack, would) and deletes it when the test ends.
func createPrefixList(t *testing.T, name string, cidrs ...string) string {
	t.Helper()
	body := PrefixListWrite{Name: name, Sites: []string{}}
	for _, c := range cidrs {
		body.Prefixes = append(body.Prefixes, Prefix{Cidr: c})
	}
	var l PrefixList
	if err := testClient().Do(t0(), "POST", "/vpc/prefix-lists", body, &l); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = testClient().Do(t0(), "DELETE", "/vpc/prefix-lists/"+l.ID, nil, nil) })
	return l.ID
}

// A prefix list looked up by name and used by a group's rule.
func TestAccPrefixListDataSource(t *testing.T) {
	var officeID string
	resource.Test(t, resource.TestCase{
		PreCheck: func() {
			testAccPreCheck(t)
			officeID = createPrefixList(t, "acc-lookup-office", "203.0.113.0/24", "198.51.100.0/25")
			createPrefixList(t, "acc-lookup-twice", "192.0.2.0/24")
			createPrefixList(t, "acc-lookup-twice", "192.0.2.128/25")
		},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed("secgroups_security_group", "/vpc/security-groups/"),
		Steps: []resource.TestStep{
			{
				Config:      `data "secgroups_prefix_list" "x" { name = "acc-lookup-twice" }`,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`2\s+prefix\s+lists\s+are\s+named\s+"acc-lookup-twice":\s+prfx_lst_\w{27},\s+prfx_lst_\w{27};\s+look\s+it\s+up\s+by\s+id`),
			},
			{
				Config:      `data "secgroups_prefix_list" "x" { name = "acc-lookup-nowhere" }`,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`no\s+prefix\s+list\s+named\s+"acc-lookup-nowhere"\s+in\s+this\s+organization`),
			},
			{
				Config:      `data "secgroups_prefix_list" "x" { id = "prfx_lst_000000000000000000000000000" }`,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`no\s+prefix\s+list\s+with\s+id\s+prfx_lst_0{27}\s+in\s+this\s+organization`),
			},
			{
				Config:      `data "secgroups_prefix_list" "x" {}`,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Give\s+exactly\s+one\s+of\s+id\s+\(prfx_lst_\.\.\.\)\s+and\s+name\s+to\s+find\s+the\s+prefix\s+list\s+by,\s+not\s+neither`),
			},
			{
				Config: `
data "secgroups_prefix_list" "office" {
  name = "acc-lookup-office"
}
resource "secgroups_security_group" "ssh" {
  name  = "acc-lookup-ssh"
  rules = [{ direction = "inbound", order = 10, protocol = 6, port = "22", address = data.secgroups_prefix_list.office.id, description = "ssh from the office" }]
}`,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrWith("data.secgroups_prefix_list.office", "id", func(v string) error {
						if v != officeID {
							t.Errorf("looked up %s, want %s", v, officeID)
						}
						return nil
					}),
					resource.TestCheckResourceAttr("data.secgroups_prefix_list.office", "prefixes.#", "2"),
					resource.TestCheckTypeSetElemNestedAttrs("data.secgroups_prefix_list.office", "prefixes.*", map[string]string{"cidr": "198.51.100.0/25"}),
					resource.TestCheckResourceAttr("data.secgroups_prefix_list.office", "status", "active"),
					resource.TestCheckTypeSetElemAttrPair("secgroups_security_group.ssh", "rules.*.address", "data.secgroups_prefix_list.office", "id"),
				),
			},
			{
				Config: `
data "secgroups_prefix_list" "by_name" {
  name = "acc-lookup-office"
}
data "secgroups_prefix_list" "by_id" {
  id = data.secgroups_prefix_list.by_name.id
}`,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("data.secgroups_prefix_list.by_id", "name", "acc-lookup-office"),
					resource.TestCheckResourceAttr("data.secgroups_prefix_list.by_id", "prefixes.#", "2"),
				),
			},
		},
	})
}
