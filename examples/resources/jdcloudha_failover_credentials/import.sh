# Failover credentials are imported by the sub-user's name. The secret key
# cannot be read back from the API: set or change `rotation` and apply to get
# a key whose secret Terraform knows (then re-run install.sh on the nodes).
terraform import jdcloudha_failover_credentials.agent web-eip-agent
