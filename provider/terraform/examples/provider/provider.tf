terraform {
  required_providers {
    secgroups = {
      source  = "secgroups/secgroups"
      version = "0.1.0"
    }
  }
}

# endpoint and token default to SECGROUPS_ENDPOINT and SECGROUPS_TOKEN.
provider "secgroups" {
  endpoint = "http://127.0.0.1:8787"
}
