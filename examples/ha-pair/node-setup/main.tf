# One node's setup: packages, then its bundle through install.sh. Used by
# ../provisioners.tf once per node, one node at a time.

variable "node" {
  description = "Node name, as in jdcloudha_keepalived_config.nodes (master or backup)."
  type        = string
}

variable "host" {
  description = "The node's private IP."
  type        = string
}

variable "instance_id" {
  description = "The node's instance ID: a new instance runs the setup again."
  type        = string
}

variable "bundle_dir" {
  description = "The node's bundle folder on this machine."
  type        = string
}

variable "bundle_sha256" {
  description = "The node's bundle hash: the setup runs again only when it changes."
  type        = string
}

variable "ssh" {
  description = "How to log in: user, password, private_key, and the bastion_* settings (null for none)."
  type = object({
    user                = string
    password            = string
    private_key         = string
    bastion_host        = string
    bastion_user        = string
    bastion_private_key = string
    bastion_password    = string
  })
  sensitive = true
}

variable "packages" {
  description = "install: apt-get nginx and keepalived when missing; apt_proxy: HTTP proxy for apt-get (empty: direct)."
  type = object({
    install   = bool
    apt_proxy = string
  })
}

variable "start_keepalived" {
  description = "Start keepalived if it is not running (a running one is only reloaded by install.sh)."
  type        = bool
}

locals {
  sudo   = nonsensitive(var.ssh.user) == "root" ? "" : "sudo "
  remote = "/tmp/jdcloud-eip-failover-bundle"
  apt    = "${local.sudo}env DEBIAN_FRONTEND=noninteractive apt-get -q${var.packages.apt_proxy == "" ? "" : " -o Acquire::http::Proxy=${var.packages.apt_proxy} -o Acquire::https::Proxy=${var.packages.apt_proxy}"}"
}

resource "terraform_data" "setup" {
  triggers_replace = [var.instance_id, var.bundle_sha256]

  connection {
    type                = "ssh"
    host                = var.host
    user                = var.ssh.user
    password            = var.ssh.password
    private_key         = var.ssh.private_key
    bastion_host        = var.ssh.bastion_host
    bastion_user        = var.ssh.bastion_user
    bastion_private_key = var.ssh.bastion_private_key
    bastion_password    = var.ssh.bastion_password
  }

  provisioner "remote-exec" {
    inline = concat(
      ["set -e"],
      var.packages.install ? [
        "if ! command -v keepalived >/dev/null 2>&1 || ! command -v nginx >/dev/null 2>&1; then ${local.apt} update && ${local.apt} install -y nginx keepalived; fi",
      ] : [],
      ["rm -rf ${local.remote} && mkdir -m 0700 ${local.remote}"],
    )
  }

  # The trailing slash uploads the folder's contents.
  provisioner "file" {
    source      = "${var.bundle_dir}/"
    destination = local.remote
  }

  # install.sh reloads a running keepalived and restarts the agent daemon:
  # never `systemctl restart keepalived`, which would force a failover when
  # this node is MASTER.
  provisioner "remote-exec" {
    inline = concat(
      [
        "set -e",
        "${local.sudo}sh ${local.remote}/install.sh",
        "rm -rf ${local.remote}",
        "${local.sudo}systemctl enable --now nginx",
        "${local.sudo}systemctl enable keepalived",
      ],
      var.start_keepalived ? [
        "${local.sudo}systemctl start keepalived",
        "${local.sudo}systemctl is-active --quiet keepalived",
      ] : [],
    )
  }
}
