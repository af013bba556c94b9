# An EIP is imported by its ID (fip-…); the next plan is empty.
terraform import jdcloudha_elastic_ip.vip fip-b6f37survq
