package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

func TestAccSiteDataSource(t *testing.T) {
	var ids []string
	resource.Test(t, resource.TestCase{
		PreCheck: func() {
			testAccPreCheck(t)
			for _, name := range []string{"acc-lookup-edge", "acc-lookup-pair", "acc-lookup-pair", "acc-lookup-other", "acc-lookup-other"} {
				id := createSite(t, name)
				ids = append(ids, id)
				t.Cleanup(func() { _ = testClient().Do(t0(), "DELETE", "/vpc/sites/"+id, nil, nil) })
			}
		},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      `data "secgroups_site" "x" { name = "acc-lookup-pair" }`,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`2\s+sites\s+are\s+named\s+"acc-lookup-pair":\s+site_\w{27},\s+site_\w{27};\s+look\s+it\s+up\s+by\s+id`),
			},
			{
				Config:      `data "secgroups_site" "x" { name = "acc-lookup-nowhere" }`,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`no\s+site\s+named\s+"acc-lookup-nowhere"\s+in\s+this\s+organization`),
			},
			{
				Config: `data "secgroups_site" "x" {
  name = "acc-lookup-edge"
  id   = "site_000000000000000000000000000"
}`,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Give\s+exactly\s+one\s+of\s+id\s+\(site_\.\.\.\)\s+and\s+name\s+to\s+find\s+the\s+site\s+by,\s+not\s+both`),
			},
			{
				Config: `
data "secgroups_site" "edge" {
  name = "acc-lookup-edge"
}
output "edge" {
  value = "${data.secgroups_site.edge.platform}/${data.secgroups_site.edge.mode}/${data.secgroups_site.edge.online}"
}`,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestMatchResourceAttr("data.secgroups_site.edge", "id", regexp.MustCompile(`^site_[0-9a-zA-Z]{27}$`)),
					resource.TestCheckOutput("edge", "nftables/host/false"),
					resource.TestCheckNoResourceAttr("data.secgroups_site.edge", "applied_revision"),
					resource.TestCheckNoResourceAttr("data.secgroups_site.edge", "token"),
					// Nothing declared and no agent yet: both address sets are empty, not null.
					resource.TestCheckResourceAttr("data.secgroups_site.edge", "addresses.#", "0"),
					resource.TestCheckResourceAttr("data.secgroups_site.edge", "reported_addresses.#", "0"),
					checkListFollowsPages(&ids),
				),
			},
		},
	})
}

// checkListFollowsPages lists sites two a page, as the look-ups read every
// page of a list: each site must come exactly once.
func checkListFollowsPages(ids *[]string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		c := testClient()
		c.PageSize = 2
		sites, err := List[Site](t0(), c, "/vpc/sites")
		if err != nil {
			return err
		}
		seen := map[string]int{}
		for _, s := range sites {
			seen[s.ID]++
		}
		for _, id := range *ids {
			if seen[id] != 1 {
				return fmt.Errorf("site %s listed %d times over %d sites in pages of 2", id, seen[id], len(sites))
			}
		}
		return nil
	}
}
