data "secgroups_protocols" "all" {}

locals {
  protocol_numbers = { for p in data.secgroups_protocols.all.protocols : p.name => p.number }
}
