output "eip_address" {
  description = "The public address of the pair (the article's 114.67.95.123)."
  value       = jdcloudha_elastic_ip.vip.address
}

output "eip_id" {
  description = "The elastic IP's ID (fip-…)."
  value       = jdcloudha_elastic_ip.vip.id
}

output "master_instance_id" {
  value = jdcloudha_instance.master.id
}

output "backup_instance_id" {
  value = jdcloudha_instance.backup.id
}

output "master_fault_domain" {
  value = jdcloudha_instance.master.fault_domain
}

output "backup_fault_domain" {
  value = jdcloudha_instance.backup.fault_domain
}

# No output follows the EIP (active_instance_id): it would change on every
# failover and make `terraform plan -detailed-exitcode` report drift each
# time. Read it with `terraform state show jdcloudha_failover_pair.web`.

output "node_bundle_sha256" {
  description = "One hash per node over its bundle: the node-setup steps run again when it changes."
  value       = { for name, node in jdcloudha_keepalived_config.web.nodes : name => node.bundle_sha256 }
}

output "bundle_dirs" {
  description = "Each node's bundle folder, by node name."
  value       = { for name, node in jdcloudha_keepalived_config.web.nodes : name => node.bundle_dir }
}
