# An availability group is imported by its ID.
terraform import jdcloudha_availability_group.ha ag-7f3c9a2b1d
