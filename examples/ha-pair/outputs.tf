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

output "active_instance_id" {
  description = "The instance that holds the EIP, as of the last refresh: the master after the first apply, the backup after a failover."
  value       = jdcloudha_failover_pair.web.active_instance_id
}

output "bundle_dirs" {
  description = "Each node's bundle folder, by node name."
  value       = { for name, node in jdcloudha_keepalived_config.web.nodes : name => node.bundle_dir }
}
