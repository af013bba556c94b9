# An all-zone EIP (no az): it can be bound to instances in any zone of the
# region, which a failover pair across two zones needs.
resource "jdcloudha_elastic_ip" "vip" {
  name           = "ha-vip"
  bandwidth_mbps = 5
}

output "vip_address" {
  value = jdcloudha_elastic_ip.vip.address
}
