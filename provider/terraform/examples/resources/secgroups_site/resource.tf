resource "secgroups_site" "web" {
  name     = "web-1"
  platform = "nftables"
}

# Run the agent on the host with this token:
#   secgroups agent --endpoint URL --site-token "$(terraform output -raw web_site_token)"
output "web_site_token" {
  value     = secgroups_site.web.token
  sensitive = true
}
