# On the real cloud: install nginx and keepalived on each node, upload its
# bundle and run install.sh. Against the emulator there are no machines, so
# var.emulator turns all of this off.
#
# The provisioners log in to the private IPs (10.0.1.18/19): run Terraform
# inside the VPC, or set ssh_bastion_host.

locals {
  nodes = {
    master = jdcloudha_instance.master
    backup = jdcloudha_instance.backup
  }
  sudo          = var.ssh_user == "root" ? "" : "sudo "
  remote_bundle = "/tmp/jdcloud-eip-failover-bundle"
}

resource "terraform_data" "node_setup" {
  for_each = var.emulator ? {} : local.nodes

  # Runs again when the instance is replaced or its bundle changes.
  triggers_replace = [
    each.value.id,
    jdcloudha_keepalived_config.web.nodes[each.key].files,
  ]

  connection {
    type        = "ssh"
    host        = each.value.private_ip
    user        = var.ssh_user
    password    = var.password
    private_key = var.password == null ? file(pathexpand(var.ssh_private_key_file)) : null

    bastion_host        = var.ssh_bastion_host != "" ? var.ssh_bastion_host : null
    bastion_user        = var.ssh_bastion_user
    bastion_private_key = var.ssh_bastion_host != "" && var.password == null ? file(pathexpand(var.ssh_private_key_file)) : null
  }

  provisioner "remote-exec" {
    inline = [
      "set -e",
      "${local.sudo}env DEBIAN_FRONTEND=noninteractive apt-get update -q",
      "${local.sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx keepalived",
      "rm -rf ${local.remote_bundle} && mkdir -m 0700 ${local.remote_bundle}",
    ]
  }

  # The trailing slash uploads the folder's contents (keepalived.conf,
  # agent.json, credentials, jdcloud-eip-failover, install.sh).
  provisioner "file" {
    source      = "${jdcloudha_keepalived_config.web.nodes[each.key].bundle_dir}/"
    destination = local.remote_bundle
  }

  provisioner "remote-exec" {
    inline = [
      "set -e",
      "${local.sudo}sh ${local.remote_bundle}/install.sh",
      "rm -rf ${local.remote_bundle}",
      "${local.sudo}systemctl enable --now nginx keepalived",
      "${local.sudo}systemctl restart keepalived",
    ]
  }
}
