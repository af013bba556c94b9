resource "jdcloudha_vpc" "ha" {
  name       = "ha-vpc"
  cidr_block = "10.0.0.0/16"
}

resource "jdcloudha_subnet" "ha" {
  vpc_id     = jdcloudha_vpc.ha.id
  name       = "ha-subnet"
  cidr_block = "10.0.1.0/24"
}

resource "jdcloudha_availability_group" "ha" {
  name = "ha-web"
  azs  = ["cn-east-2a", "cn-east-2b"]
}

# Image IDs differ between regions and accounts: look the image up by name.
data "jdcloudha_images" "debian" {
  name       = "Debian 12"
  name_regex = "64位$"
}

# The article's master: a fixed private IP in the availability group.
# fault_domain reports where the group placed it. Destroying or replacing it
# stops it first (shutdown_before_deletion), so keepalived hands over cleanly.
resource "jdcloudha_instance" "master" {
  name                  = "web-master"
  availability_group_id = jdcloudha_availability_group.ha.id
  az                    = "cn-east-2a"
  instance_type         = "g.n2.medium"
  image_id              = data.jdcloudha_images.debian.most_recent_id
  subnet_id             = jdcloudha_subnet.ha.id
  private_ip            = "10.0.1.18"
  key_names             = ["ha-admin"]

  user_data = <<-EOT
    #!/bin/bash
    apt-get update && apt-get install -y nginx keepalived
  EOT

  timeouts = {
    create = "15m"
  }
}

output "master_fault_domain" {
  value = jdcloudha_instance.master.fault_domain
}
