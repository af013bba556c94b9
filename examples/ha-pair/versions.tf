terraform {
  # terraform_data (the provisioners' anchor) and cross-variable validation
  # need Terraform 1.9 or later.
  required_version = ">= 1.9"

  required_providers {
    jdcloudha = {
      source = "jdcloudha/jdcloudha"
    }
  }
}

# Credentials, endpoint and scheme come from the environment
# (JDCLOUD_ACCESS_KEY, JDCLOUD_SECRET_KEY, JDCLOUD_ENDPOINT, JDCLOUD_SCHEME)
# or the jdc CLI's current profile, so the same code runs against JD Cloud
# and against the emulator.
provider "jdcloudha" {
  region = var.region
}
