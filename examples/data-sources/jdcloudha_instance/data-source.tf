# Look up an instance by exact name in one zone (or set id).
data "jdcloudha_instance" "master" {
  name = "web-master"
  az   = "cn-east-2a"
}

output "master" {
  value = {
    id           = data.jdcloudha_instance.master.id
    private_ip   = data.jdcloudha_instance.master.private_ip
    fault_domain = data.jdcloudha_instance.master.fault_domain
    eip          = data.jdcloudha_instance.master.elastic_ip_address
  }
}
