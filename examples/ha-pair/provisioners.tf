# On the real cloud: install nginx and keepalived on each node, upload its
# bundle and run install.sh. Against the emulator there are no machines, so
# var.emulator turns all of this off.
#
# One node at a time, never both at once:
#   1. backup_install  the backup gets its new bundle; install.sh reloads a
#                      running keepalived (no restart, so no failover); on a
#                      new backup keepalived is not started yet
#   2. master_setup    then the master, the same way; a new master starts
#                      keepalived here
#   3. backup_start    a new backup starts keepalived last, after the master
#                      runs, so it comes up as BACKUP and the EIP stays put
# Each runs again only when its own node's bundle hash or instance changes:
# bundles missing on this machine or a provider upgrade with the same agent
# re-run nothing.
#
# Reaching the nodes: the provisioners log in to the private IPs
# (10.0.1.18/19). Run Terraform inside the VPC, set ssh_bastion_host, or set
# ssh_via_eip (and ssh_allowed_cidrs) to jump through the node that holds
# the EIP.

locals {
  setup = var.emulator ? {} : { on = true }
  # Read only when a node is set up with a key (never against the emulator).
  ssh_key = var.emulator || var.password != null ? null : file(pathexpand(var.ssh_private_key_file))
  ssh = {
    user                = var.ssh_user
    password            = var.password
    private_key         = local.ssh_key
    bastion_host        = var.ssh_via_eip ? jdcloudha_elastic_ip.vip.address : (var.ssh_bastion_host != "" ? var.ssh_bastion_host : null)
    bastion_user        = var.ssh_via_eip ? var.ssh_user : var.ssh_bastion_user
    bastion_private_key = var.ssh_via_eip || var.ssh_bastion_host != "" ? local.ssh_key : null
    bastion_password    = var.ssh_via_eip ? var.password : null
  }
  packages = {
    install   = var.install_packages
    apt_proxy = var.apt_proxy
  }
}

module "backup_install" {
  source   = "./node-setup"
  for_each = local.setup

  node             = "backup"
  host             = jdcloudha_instance.backup.private_ip
  instance_id      = jdcloudha_instance.backup.id
  bundle_dir       = jdcloudha_keepalived_config.web.nodes["backup"].bundle_dir
  bundle_sha256    = jdcloudha_keepalived_config.web.nodes["backup"].bundle_sha256
  ssh              = local.ssh
  packages         = local.packages
  start_keepalived = false

  # The EIP is bound (on the master) before any node runs keepalived.
  depends_on = [jdcloudha_failover_pair.web]
}

module "master_setup" {
  source   = "./node-setup"
  for_each = local.setup

  node             = "master"
  host             = jdcloudha_instance.master.private_ip
  instance_id      = jdcloudha_instance.master.id
  bundle_dir       = jdcloudha_keepalived_config.web.nodes["master"].bundle_dir
  bundle_sha256    = jdcloudha_keepalived_config.web.nodes["master"].bundle_sha256
  ssh              = local.ssh
  packages         = local.packages
  start_keepalived = true

  depends_on = [module.backup_install]
}

# Starts keepalived on a new backup (a no-op on a running one): only its
# instance ID triggers it.
resource "terraform_data" "backup_start" {
  for_each         = local.setup
  triggers_replace = [jdcloudha_instance.backup.id]

  connection {
    type                = "ssh"
    host                = jdcloudha_instance.backup.private_ip
    user                = local.ssh.user
    password            = local.ssh.password
    private_key         = local.ssh.private_key
    bastion_host        = local.ssh.bastion_host
    bastion_user        = local.ssh.bastion_user
    bastion_private_key = local.ssh.bastion_private_key
    bastion_password    = local.ssh.bastion_password
  }

  provisioner "remote-exec" {
    inline = [
      "set -e",
      "${var.ssh_user == "root" ? "" : "sudo "}systemctl enable --now keepalived",
      "${var.ssh_user == "root" ? "" : "sudo "}systemctl is-active --quiet keepalived",
    ]
  }

  depends_on = [module.master_setup]
}
