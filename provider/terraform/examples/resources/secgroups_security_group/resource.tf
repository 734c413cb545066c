resource "secgroups_security_group" "web" {
  name        = "web"
  description = "Web servers"
  sites       = [secgroups_site.web.id]
  rules = [
    { direction = "inbound", order = 10, protocol = 6, port = "80,443", address = "0.0.0.0/0", description = "HTTP and HTTPS" },
    { direction = "inbound", order = 11, protocol = 6, port = "80,443", address = "::/0", description = "HTTP and HTTPS over IPv6" },
    { direction = "inbound", order = 20, protocol = 6, port = "22", address = secgroups_prefix_list.admins.id, description = "SSH from admins" },
    { direction = "inbound", order = 30, protocol = 1, icmp_type = 8, address = "10.0.0.0/8", description = "Ping from the LAN" },
    { direction = "inbound", order = 31, protocol = 58, icmp_type = 128, address = "fd00:10::/32", description = "Ping6 from the LAN" },
    { direction = "outbound", order = 100, protocol = 0, address = "0.0.0.0/0", description = "All outbound" },
    { direction = "outbound", order = 101, protocol = 0, address = "::/0", description = "All outbound IPv6" },
  ]
}

# A cluster tier whose members talk to each other: `self` is this group (its own
# id would be a cycle), i.e. every site the group is attached to.
resource "secgroups_security_group" "etcd" {
  name  = "etcd"
  sites = [secgroups_site.web.id]
  rules = [
    { direction = "inbound", order = 10, protocol = 6, port = "2379-2380", address = "self", description = "etcd clients and peers" },
    { direction = "outbound", order = 100, protocol = 6, port = "2379-2380", address = "self", description = "to the other members" },
  ]
}
