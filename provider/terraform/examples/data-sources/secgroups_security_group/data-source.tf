# A baseline group looked up by name; a staging copy starts from its rules.
data "secgroups_security_group" "baseline" {
  name = "baseline"
}

resource "secgroups_security_group" "staging" {
  name  = "baseline-staging"
  rules = data.secgroups_security_group.baseline.rules
}
