data "jdcloudha_instance" "master" {
  name = "web-master"
}

data "jdcloudha_instance" "backup" {
  name = "web-backup"
}

data "jdcloudha_elastic_ip" "vip" {
  address = "114.67.95.123"
}

# Least-privilege keys for the agent: it may only describe this EIP and move
# it between these two instances.
resource "jdcloudha_failover_credentials" "agent" {
  name          = "web-eip-agent"
  elastic_ip_id = data.jdcloudha_elastic_ip.vip.id
  instance_ids  = [data.jdcloudha_instance.master.id, data.jdcloudha_instance.backup.id]
}

# Renders both nodes' keepalived.conf and agent.json, and writes one bundle
# per node to ./bundles/master and ./bundles/backup: keepalived.conf,
# agent.json, credentials (0600), the jdcloud-eip-failover agent and
# install.sh. Copy each bundle to its node and run `sh install.sh` as root.
resource "jdcloudha_keepalived_config" "web" {
  elastic_ip_id = data.jdcloudha_elastic_ip.vip.id

  master = {
    instance_id = data.jdcloudha_instance.master.id
    private_ip  = data.jdcloudha_instance.master.private_ip
  }
  backup = {
    instance_id = data.jdcloudha_instance.backup.id
    private_ip  = data.jdcloudha_instance.backup.private_ip
  }

  # The article's check, done right: pgrep (pidof always fails under
  # keepalived on Debian 12); two failures put the node in FAULT.
  health_check = {
    type     = "pgrep"
    process  = "nginx"
    interval = 1
    fall     = 2
    rise     = 2
  }

  # nopreempt: after a failover the EIP stays on the backup until it fails.
  preempt = false

  access_key = jdcloudha_failover_credentials.agent.access_key
  secret_key = jdcloudha_failover_credentials.agent.secret_key
  output_dir = "${path.module}/bundles"
}

output "bundle_dirs" {
  value = { for name, node in jdcloudha_keepalived_config.web.nodes : name => node.bundle_dir }
}

# The latest change on the nodes, in short (changed lines per node); the
# plan shows the new value before it is applied.
output "keepalived_changes" {
  value = jdcloudha_keepalived_config.web.changes
}

# A node's setup step triggers on its bundle hash: it runs again only when
# that node's files change, not when the bundles are missing on the machine
# running Terraform, nor after a provider upgrade that keeps the agent.
# Install the backup first, then the master (see examples/ha-pair).
resource "terraform_data" "backup_setup" {
  triggers_replace = jdcloudha_keepalived_config.web.nodes["backup"].bundle_sha256
  # connection and provisioners: upload the bundle and run install.sh
}
