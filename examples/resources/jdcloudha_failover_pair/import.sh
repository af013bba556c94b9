# A failover pair is imported by "ELASTIC_IP_ID,MASTER_INSTANCE_ID,BACKUP_INSTANCE_ID".
# Importing does not move the EIP.
terraform import jdcloudha_failover_pair.web fip-b6f37survq,i-bszab8pxg0,i-pi9w6jp716
