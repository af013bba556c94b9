# JD Cloud's standard EIPs are all-zone: it can be bound to instances in any
# zone of the region, which a failover pair across two zones needs. The line
# is bgp (no_bgp is refused at plan time in cn-north-1 and cn-east-2).
resource "jdcloudha_elastic_ip" "vip" {
  name           = "ha-vip"
  bandwidth_mbps = 5
}

output "vip_address" {
  value = jdcloudha_elastic_ip.vip.address
}
