# Two instances that already exist (made by hand, or by jdcloudha_instance
# in the same configuration), in different fault domains.
data "jdcloudha_instance" "master" {
  name = "web-master"
}

data "jdcloudha_instance" "backup" {
  name = "web-backup"
}

# An all-zone EIP: the members are in two zones.
resource "jdcloudha_elastic_ip" "vip" {
  name           = "ha-vip"
  bandwidth_mbps = 5
}

# Binds the EIP to the master. After that keepalived's failover agent moves
# it; Terraform only reports where it is and never moves it back.
resource "jdcloudha_failover_pair" "web" {
  elastic_ip_id      = jdcloudha_elastic_ip.vip.id
  master_instance_id = data.jdcloudha_instance.master.id
  backup_instance_id = data.jdcloudha_instance.backup.id
}

output "active_instance_id" {
  value = jdcloudha_failover_pair.web.active_instance_id
}

output "active_role" {
  value = jdcloudha_failover_pair.web.active_role
}
