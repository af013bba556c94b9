# A subnet is imported by its ID.
terraform import jdcloudha_subnet.ha subnet-3b7a9c2d1e
