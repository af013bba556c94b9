# Look up the article's availability group by its exact name (or set id).
data "jdcloudha_availability_group" "ha" {
  name = "jdcoe-nginx-ha"
}

output "ha_zones" {
  value = data.jdcloudha_availability_group.ha.azs
}

output "ha_members" {
  value = data.jdcloudha_availability_group.ha.instance_ids
}
