resource "secgroups_prefix_list" "admins" {
  name        = "admins"
  description = "Administrators' addresses"
  prefixes = [
    { cidr = "203.0.113.0/24", description = "Office" },
    { cidr = "198.51.100.7/32", description = "VPN" },
    { cidr = "2001:db8:ab::/48", description = "Office (IPv6)" },
  ]
}
