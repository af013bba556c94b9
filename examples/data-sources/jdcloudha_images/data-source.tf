# The newest official Ubuntu 22.04 x86_64 image of the provider's region.
# Image IDs differ between regions and accounts: look them up, never hard-code one.
data "jdcloudha_images" "ubuntu" {
  platform     = "Ubuntu"
  name_regex   = "^Ubuntu 22\\.04 LTS 64位$"
  architecture = "x86_64"
}

output "image_id" {
  value = data.jdcloudha_images.ubuntu.most_recent_id
}

# Every ready image whose name contains "Debian" (its platform may be "Other Linux").
data "jdcloudha_images" "debian" {
  name = "Debian"
}

output "debian_images" {
  value = [for i in data.jdcloudha_images.debian.images : "${i.id} ${i.name} (${i.os_version})"]
}
