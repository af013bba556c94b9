# A VPC is imported by its ID.
terraform import jdcloudha_vpc.ha vpc-8ad7a3c1e4
