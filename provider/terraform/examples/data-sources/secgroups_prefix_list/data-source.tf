# A prefix list another team manages, looked up by name and used in a rule.
data "secgroups_prefix_list" "office" {
  name = "office"
}

resource "secgroups_security_group" "ssh" {
  name = "ssh"
  rules = [
    { direction = "inbound", order = 10, protocol = 6, port = "22", address = data.secgroups_prefix_list.office.id, description = "SSH from the office" },
    { direction = "outbound", order = 100, protocol = 0, address = "0.0.0.0/0", description = "All outbound" },
  ]
}
