package provider

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
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
	if err := testClient().Do(t0(), "POST", "/vpc/sites", SiteWrite{Name: name, Platform: "nftables", Addresses: []string{}}, &s); err != nil {
		t.Fatal(err)
	}
	return s.ID
}

func siteAddressesConfig(addresses string) string {
	return `
resource "secgroups_site" "db" {
  name      = "acc-addressed"
  platform  = "nftables"
  addresses = ` + addresses + `
}`
}

// Declared addresses round-trip as written (IPv6 in any spelling); what the
// agent reports shows in reported_addresses and never makes a plan.
func TestAccSite_addresses(t *testing.T) {
	var token string
	keepToken := func(s *terraform.State) error {
		token = s.RootModule().Resources["secgroups_site.db"].Primary.Attributes["token"]
		return nil
	}
	declared := siteAddressesConfig(`["10.0.1.5/32", "2001:DB8::5/128"]`)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed("secgroups_site", "/vpc/sites/"),
		Steps: []resource.TestStep{
			// Refused at plan time with the API's words (nothing is created; error steps come first so the final destroy has a valid configuration).
			{
				PlanOnly:    true,
				Config:      siteAddressesConfig(`["10.0.1.5/24"]`),
				ExpectError: regexp.MustCompile(`"10\.0\.1\.5/24" has host bits set; did you mean 10\.0\.1\.0/24\?`),
			},
			{
				PlanOnly:    true,
				Config:      siteAddressesConfig(`["2001:db8::5/128", "2001:DB8:0::5/128"]`),
				ExpectError: regexp.MustCompile(`2001:db8::5/128 is already listed`),
			},
			{
				Config: declared,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckTypeSetElemAttr("secgroups_site.db", "addresses.*", "10.0.1.5/32"),
					resource.TestCheckTypeSetElemAttr("secgroups_site.db", "addresses.*", "2001:DB8::5/128"),
					resource.TestCheckResourceAttr("secgroups_site.db", "reported_addresses.#", "0"),
					keepToken,
				),
			},
			{
				// The agent reports its interfaces (as `secgroups agent` does at start).
				PreConfig: func() { reportAddresses(t, token, []string{"10.0.1.7/32", "fd00::7/128"}) },
				Config:    declared,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckTypeSetElemAttr("secgroups_site.db", "reported_addresses.*", "10.0.1.7/32"),
					resource.TestCheckTypeSetElemAttr("secgroups_site.db", "reported_addresses.*", "fd00::7/128"),
				),
			},
			{
				// Clearing the declared addresses is an update in place; the reported ones stay.
				Config: siteAddressesConfig(`[]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("secgroups_site.db", plancheck.ResourceActionUpdate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("secgroups_site.db", "addresses.#", "0"),
					resource.TestCheckResourceAttr("secgroups_site.db", "reported_addresses.#", "2"),
				),
			},
		},
	})
}

// reportAddresses is the agent's address report (PUT /agent/v1/addresses with the site token).
func reportAddresses(t *testing.T, siteToken string, addresses []string) {
	t.Helper()
	body, _ := json.Marshal(map[string][]string{"addresses": addresses})
	req, _ := http.NewRequest("PUT", os.Getenv("SECGROUPS_ENDPOINT")+"/agent/v1/addresses", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+siteToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 204 {
		t.Fatalf("PUT /agent/v1/addresses: HTTP %d", resp.StatusCode)
	}
}
