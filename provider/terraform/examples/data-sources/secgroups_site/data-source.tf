# A site registered elsewhere, looked up by name, gets a group attached.
data "secgroups_site" "web1" {
  name = "web-1"
}

resource "secgroups_security_group" "web" {
  name  = "web"
  sites = [data.secgroups_site.web1.id]
  rules = [
    { direction = "inbound", order = 10, protocol = 6, port = "80,443", address = "0.0.0.0/0", description = "HTTP and HTTPS" },
    { direction = "outbound", order = 100, protocol = 0, address = "0.0.0.0/0", description = "All outbound" },
  ]
}
