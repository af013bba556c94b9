# A security group is imported by its ID, with all of its rules
# (JD Cloud's default rules are not shown).
terraform import jdcloudha_security_group.web sg-4f2a8b9c1d
