resource "jdcloudha_vpc" "ha" {
  name       = "ha-vpc"
  cidr_block = "10.0.0.0/16"
}

# The article's subnet: the master is 10.0.1.18 and the backup 10.0.1.19.
resource "jdcloudha_subnet" "ha" {
  vpc_id     = jdcloudha_vpc.ha.id
  name       = "ha-subnet"
  cidr_block = "10.0.1.0/24"
}
