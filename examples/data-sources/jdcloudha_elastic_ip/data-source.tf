# Look up the EIP a hand-built keepalived setup already uses, by address...
data "jdcloudha_elastic_ip" "by_address" {
  address = "114.67.95.123"
}

# ...or by ID.
data "jdcloudha_elastic_ip" "by_id" {
  id = "fip-b6f37survq"
}

output "vip_holder" {
  value = data.jdcloudha_elastic_ip.by_address.instance_id
}
