# The article "基于 Keepalived 实现京东云接入服务组件高可用" as one root module:
# two nginx VMs in an availability group, an elastic IP on the master, and
# keepalived moving the EIP to whichever node is MASTER.

locals {
  master_ip = "10.0.1.18"
  backup_ip = "10.0.1.19"
  # The emulator needs no real key pair; on JD Cloud var.password's
  # validation requires one of the two.
  key_names = var.key_names == null && var.password == null ? ["emulator-demo"] : var.key_names
  image_id  = var.image_id != null ? var.image_id : data.jdcloudha_images.os[0].most_recent_id
}

resource "jdcloudha_vpc" "ha" {
  name       = "${var.name_prefix}-vpc"
  cidr_block = "10.0.0.0/16"
}

# One subnet spans zones on JD Cloud: both nodes live in 10.0.1.0/24.
resource "jdcloudha_subnet" "ha" {
  vpc_id     = jdcloudha_vpc.ha.id
  name       = "${var.name_prefix}-subnet"
  cidr_block = "10.0.1.0/24"
}

# Web open to the world; VRRP only between the two peers: unicast adverts
# are accepted from any sender, and auth_pass is cleartext. JD Cloud's
# security groups know only TCP, UDP, ICMP and "all" (no protocol 112), so
# each peer's /32 may send anything to the other.
resource "jdcloudha_security_group" "web" {
  vpc_id      = jdcloudha_vpc.ha.id
  name        = "${var.name_prefix}-web"
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
    protocol    = "tcp"
    from_port   = 22
    to_port     = 22
    cidr        = "10.0.0.0/16"
    description = "SSH for the provisioners, from inside the VPC"
  }
  # SSH from the operator's own addresses, for reaching the nodes through
  # the EIP (ssh_via_eip): only the node holding the EIP is reachable, and
  # it jumps to both private IPs.
  dynamic "rule" {
    for_each = var.ssh_allowed_cidrs
    content {
      direction   = "ingress"
      protocol    = "tcp"
      from_port   = 22
      to_port     = 22
      cidr        = rule.value
      description = "SSH from an operator"
    }
  }
  rule {
    direction   = "ingress"
    protocol    = "all"
    cidr        = "${local.master_ip}/32"
    description = "VRRP from the master"
  }
  rule {
    direction   = "ingress"
    protocol    = "all"
    cidr        = "${local.backup_ip}/32"
    description = "VRRP from the backup"
  }
  rule {
    direction = "egress"
    protocol  = "all"
    cidr      = "0.0.0.0/0"
  }
}

# Image IDs differ between regions and accounts: look the image up by name
# unless var.image_id names one.
data "jdcloudha_images" "os" {
  count        = var.image_id == null ? 1 : 0
  name         = var.image_name
  architecture = var.agent_architecture == "arm64" ? "arm64" : "x86_64"
}

# The article's "jdcoe-nginx-ha": members are spread over two zones and,
# within a zone, over separate fault domains.
resource "jdcloudha_availability_group" "ha" {
  name        = var.name_prefix
  azs         = var.zones
  description = "nginx pair behind keepalived"
}

resource "jdcloudha_instance" "master" {
  name                  = "${var.name_prefix}-master"
  availability_group_id = jdcloudha_availability_group.ha.id
  az                    = var.zones[0]
  instance_type         = var.instance_type
  image_id              = local.image_id
  subnet_id             = jdcloudha_subnet.ha.id
  private_ip            = local.master_ip
  security_group_ids    = [jdcloudha_security_group.web.id]
  key_names             = local.key_names
  password              = var.password
}

resource "jdcloudha_instance" "backup" {
  name                  = "${var.name_prefix}-backup"
  availability_group_id = jdcloudha_availability_group.ha.id
  az                    = var.zones[1]
  instance_type         = var.instance_type
  image_id              = local.image_id
  subnet_id             = jdcloudha_subnet.ha.id
  private_ip            = local.backup_ip
  security_group_ids    = [jdcloudha_security_group.web.id]
  key_names             = local.key_names
  password              = var.password
}

# All-zone EIP (no az): the members are in two zones, and a zonal EIP binds
# only to instances in its own zone.
resource "jdcloudha_elastic_ip" "vip" {
  name           = "${var.name_prefix}-vip"
  bandwidth_mbps = var.eip_bandwidth_mbps
}

# Binds the EIP to the master once. After that the failover agent moves it,
# and Terraform only reports where it is (the plan stays empty after a
# failover).
resource "jdcloudha_failover_pair" "web" {
  elastic_ip_id      = jdcloudha_elastic_ip.vip.id
  master_instance_id = jdcloudha_instance.master.id
  backup_instance_id = jdcloudha_instance.backup.id
}

# Least-privilege credentials for the agent, instead of the account's own key
# that the article copies onto both VMs: a sub-user whose policy allows only
# describing this EIP and moving it between these two instances.
resource "jdcloudha_failover_credentials" "agent" {
  name          = var.agent_user_name
  description   = "failover agent of ${var.name_prefix}"
  elastic_ip_id = jdcloudha_elastic_ip.vip.id
  instance_ids  = [jdcloudha_instance.master.id, jdcloudha_instance.backup.id]
  rotation      = var.agent_key_rotation
  # Set to agent_key_rotation once both nodes run the new bundles: that
  # retires the previous key (it stays valid until then: no dead window).
  installed_rotation = var.agent_key_installed_rotation
  # The EIP is bound first, so the apply's permission self-check can probe
  # associate too; on destroy the key goes before the pair releases the EIP,
  # so no running agent daemon can re-attach it.
  depends_on = [jdcloudha_failover_pair.web]
}

# keepalived.conf, agent.json, credentials, the agent binary and install.sh
# for each node, in bundles/master and bundles/backup.
resource "jdcloudha_keepalived_config" "web" {
  elastic_ip_id = jdcloudha_failover_pair.web.elastic_ip_id

  master = {
    instance_id = jdcloudha_instance.master.id
    private_ip  = jdcloudha_instance.master.private_ip
  }
  backup = {
    instance_id = jdcloudha_instance.backup.id
    private_ip  = jdcloudha_instance.backup.private_ip
  }

  # The article's check without its bugs: pgrep instead of pidof (which
  # always fails under keepalived on Debian 12), plain ASCII quotes. Two
  # failures put the node in FAULT and the peer takes over.
  health_check = {
    type     = "pgrep"
    process  = "nginx"
    interval = 1
    fall     = 2
    rise     = 2
  }

  # nopreempt: when the master comes back, the EIP stays where it is until
  # that node fails (one interruption instead of two).
  preempt = false

  endpoint           = var.agent_endpoint != "" ? var.agent_endpoint : null
  scheme             = var.agent_scheme
  agent_architecture = var.agent_architecture

  access_key = jdcloudha_failover_credentials.agent.access_key
  secret_key = jdcloudha_failover_credentials.agent.secret_key
  output_dir = "${path.module}/bundles"
}
