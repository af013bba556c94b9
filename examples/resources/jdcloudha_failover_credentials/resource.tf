data "jdcloudha_instance" "master" {
  name = "web-master"
}

data "jdcloudha_instance" "backup" {
  name = "web-backup"
}

data "jdcloudha_elastic_ip" "vip" {
  address = "114.67.95.123"
}

# A sub-user that may only describe this EIP and move it between these two
# instances, with one access key. Nothing else: not other EIPs, not other
# instances, no deletes, no creates, no IAM.
resource "jdcloudha_failover_credentials" "agent" {
  name          = "web-eip-agent"
  elastic_ip_id = data.jdcloudha_elastic_ip.vip.id
  instance_ids  = [data.jdcloudha_instance.master.id, data.jdcloudha_instance.backup.id]
  description   = "keepalived EIP failover of web-master and web-backup"

  # Change this value to rotate the key: apply, re-run install.sh on both
  # nodes, then set installed_rotation to the same value and apply again to
  # retire the previous key (it stays valid until then: no dead window).
  rotation           = "2026-11"
  installed_rotation = "2026-11"
}

# The key goes only into each node bundle's 0600 credentials file.
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
  access_key = jdcloudha_failover_credentials.agent.access_key
  secret_key = jdcloudha_failover_credentials.agent.secret_key
  output_dir = "${path.module}/bundles"
}

output "agent_policy" {
  value = jdcloudha_failover_credentials.agent.policy_document
}
