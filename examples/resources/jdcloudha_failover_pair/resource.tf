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

# Where the EIP is changes on every failover: an output of it would make a
# drift job's `terraform plan -detailed-exitcode` alert each time. Read it
# from the state instead (terraform state show jdcloudha_failover_pair.web);
# the plan itself warns when the EIP is on no member or outside the pair,
# or when a member is not running.
