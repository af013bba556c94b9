# Instances in the group are spread over the two zones and, within a zone,
# over separate fault domains.
resource "jdcloudha_availability_group" "ha" {
  name           = "ha-web"
  azs            = ["cn-east-2a", "cn-east-2b"]
  placement_type = "fd"
  description    = "nginx pair behind keepalived"

  # Deleting waits while instances are still leaving the group.
  timeouts = {
    delete = "5m"
  }
}
