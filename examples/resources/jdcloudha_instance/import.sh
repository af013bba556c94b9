# An instance is imported by its ID. password and user_data cannot be read
# back from the API: if the configuration sets them, the next plan shows an
# in-place update that only records them in state.
terraform import jdcloudha_instance.master i-bszab8pxg0
