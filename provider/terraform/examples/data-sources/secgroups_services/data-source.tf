data "secgroups_services" "all" {}

locals {
  https = one([for s in data.secgroups_services.all.services : s if s.name == "https"])
}
