resource "jdcloudha_vpc" "ha" {
  name       = "ha-vpc"
  cidr_block = "10.0.0.0/16"
}

# Web traffic from anywhere; VRRP (IP protocol 112) only between the two
# keepalived peers, so nobody else on the subnet can forge adverts.
resource "jdcloudha_security_group" "web" {
  vpc_id      = jdcloudha_vpc.ha.id
  name        = "ha-web"
  description = "nginx behind keepalived"

  rule {
    direction = "ingress"
    protocol  = "tcp"
    from_port = 80
    to_port   = 80
    cidr      = "0.0.0.0/0"
  }
  rule {
    direction = "ingress"
    protocol  = "tcp"
    from_port = 443
    to_port   = 443
    cidr      = "0.0.0.0/0"
  }
  rule {
    direction   = "ingress"
    protocol    = "112"
    cidr        = "10.0.1.18/32"
    description = "VRRP from the master"
  }
  rule {
    direction   = "ingress"
    protocol    = "112"
    cidr        = "10.0.1.19/32"
    description = "VRRP from the backup"
  }
  rule {
    direction = "egress"
    protocol  = "all"
    cidr      = "0.0.0.0/0"
  }
}
