resource "jdcloudha_vpc" "ha" {
  name       = "ha-vpc"
  cidr_block = "10.0.0.0/16"
}

# Web traffic from anywhere; keepalived's unicast VRRP only between the two
# peers, so nobody else on the subnet can forge adverts. JD Cloud's groups have
# no rule for IP protocol 112 (only tcp, udp, icmp and all), so VRRP is let
# through as protocol "all" from each peer's /32.
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
    protocol    = "all"
    cidr        = "10.0.1.18/32"
    description = "VRRP from the master"
  }
  rule {
    direction   = "ingress"
    protocol    = "all"
    cidr        = "10.0.1.19/32"
    description = "VRRP from the backup"
  }
  rule {
    direction = "egress"
    protocol  = "all"
    cidr      = "0.0.0.0/0"
  }

  # The one timeouts style of every resource: a nested attribute.
  timeouts = {
    delete = "10m"
  }
}
