package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

func TestAccReferenceDataSources(t *testing.T) {
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
data "secgroups_protocols" "all" {}
data "secgroups_services" "all" {}
output "tcp_ports" {
  value = one([for p in data.secgroups_protocols.all.protocols : p.ports if p.name == "tcp"])
}
output "https" {
  value = one([for s in data.secgroups_services.all.services : "${s.protocol}/${s.port}" if s.name == "https"])
}
output "ssh_sensitive" {
  value = one([for s in data.secgroups_services.all.services : s.sensitive if s.name == "ssh"])
}`,
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckOutput("tcp_ports", "true"),
				resource.TestCheckOutput("https", "6/443"),
				resource.TestCheckOutput("ssh_sensitive", "true"),
			),
		}},
	})
}
