import {
  to = jdcloudha_elastic_ip.vip
  id = "fip-b6f37survq"
}
