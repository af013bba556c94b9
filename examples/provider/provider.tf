terraform {
  required_providers {
    jdcloudha = {
      source = "jdcloudha/jdcloudha"
    }
  }
}

# Credentials come from the provider block, then JDCLOUD_ACCESS_KEY /
# JDCLOUD_SECRET_KEY, then the jdc CLI's current profile (~/.jdc/config).
# Leave them out of the configuration and set them in the environment.
provider "jdcloudha" {
  region = "cn-east-2"
}

# The same provider pointed at the API emulator (go run ./cmd/jdcloud-emulator),
# with the emulator's public demo keys.
provider "jdcloudha" {
  alias      = "emulator"
  endpoint   = "127.0.0.1:8000"
  scheme     = "http"
  region     = "cn-east-2"
  access_key = "JDCEMUDEMOACCESSKEY0001"
  secret_key = "jdc-emulator-demo-secret-key-not-for-production"
}
