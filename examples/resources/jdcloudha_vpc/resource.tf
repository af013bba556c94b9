resource "jdcloudha_vpc" "ha" {
  name        = "ha-vpc"
  cidr_block  = "10.0.0.0/16"
  description = "VPC of the keepalived HA pair"
}
