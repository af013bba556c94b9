variable "region" {
  description = "JD Cloud region, e.g. cn-east-2 (Shanghai, the article's region)."
  type        = string
  default     = "cn-east-2"
}

variable "zones" {
  description = "Two availability zones of the region: the master goes to the first, the backup to the second."
  type        = list(string)
  default     = ["cn-east-2a", "cn-east-2b"]

  validation {
    condition     = length(var.zones) == 2 && var.zones[0] != var.zones[1]
    error_message = "zones must name exactly two different availability zones."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name (the article's availability group is jdcoe-nginx-ha)."
  type        = string
  default     = "jdcoe-nginx-ha"
}

variable "image_id" {
  description = "Image ID (img-…) of both instances. Null (default): the newest public image whose name contains image_name."
  type        = string
  default     = null
}

variable "image_name" {
  description = "Part of the image name to look up when image_id is null: Debian 12, as in the article."
  type        = string
  default     = "Debian 12"
}

variable "instance_type" {
  description = "Instance type of both instances."
  type        = string
  default     = "g.n2.medium"
}

variable "key_names" {
  description = "SSH key pair to log in with, as a one-element list. Set this or password (with emulator = true, leaving both unset uses a placeholder key name)."
  type        = list(string)
  default     = null
}

variable "password" {
  description = "Login password of both instances. Set this or key_names."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = var.emulator ? !(var.password != null && var.key_names != null) : ((var.password == null) != (var.key_names == null))
    error_message = "Set exactly one of key_names and password."
  }
}

variable "eip_bandwidth_mbps" {
  description = "Bandwidth cap of the elastic IP, in Mbps."
  type        = number
  default     = 5
}

variable "agent_user_name" {
  description = "Name of the IAM sub-user created for the failover agent: 4 to 20 letters, digits, - or _, starting with a letter, unique in the account."
  type        = string
  default     = "jdcoe-nginx-ha-agent"
}

variable "agent_key_rotation" {
  description = "Any string; changing it rotates the agent's access key: the apply creates the new key, keeps the old one valid and installs the new bundles one node at a time; then set agent_key_installed_rotation to the same value. A date such as 2026-11 makes a good value."
  type        = string
  default     = null
}

variable "agent_key_installed_rotation" {
  description = "The agent_key_rotation value both nodes run (set it after the apply that rotated the key has installed the new bundles on both nodes): retires the previous key. Null: the previous key stays valid until the next rotation."
  type        = string
  default     = null
}

variable "agent_endpoint" {
  description = "API endpoint (host or host:port) the agent calls from the nodes. Empty: JD Cloud's internal endpoint openapi.internal.<region>.jdcloud-api.com."
  type        = string
  default     = ""
}

variable "agent_scheme" {
  description = "Scheme of agent_endpoint: http (the internal endpoint, and the emulator) or https (the public endpoint www.jdcloud-api.com)."
  type        = string
  default     = "http"
}

variable "agent_architecture" {
  description = "CPU architecture of the instances, for the agent binary in the bundles: amd64 or arm64."
  type        = string
  default     = "amd64"
}

variable "emulator" {
  description = "true when applying against the JD Cloud API emulator: there are no machines to log in to, so the SSH provisioners are skipped."
  type        = bool
  default     = false
}

variable "ssh_user" {
  description = "User the provisioners log in as (sudo is used unless it is root)."
  type        = string
  default     = "root"
}

variable "ssh_private_key_file" {
  description = "Private key file the provisioners log in with when the instances use key_names (with password they log in with the password)."
  type        = string
  default     = "~/.ssh/id_rsa"
}

variable "ssh_bastion_host" {
  description = "Host to jump through to the instances' private IPs. Empty (and ssh_via_eip false): Terraform must reach 10.0.1.18/19 itself (run it inside the VPC or over a VPN)."
  type        = string
  default     = ""
}

variable "ssh_via_eip" {
  description = "Reach the nodes through the elastic IP: SSH to whichever node holds it, which jumps to both private IPs. Needs ssh_allowed_cidrs (your address) and a key or password the nodes accept."
  type        = bool
  default     = false
}

variable "ssh_allowed_cidrs" {
  description = "Addresses allowed to SSH to the nodes from outside the VPC (e.g. [\"203.0.113.7/32\"]), for ssh_via_eip or a bastion outside the VPC. Empty: SSH only from inside the VPC."
  type        = list(string)
  default     = []
}

variable "install_packages" {
  description = "Install nginx and keepalived with apt-get when a node lacks them. false: the image already has them (a custom image), so no node needs the internet."
  type        = bool
  default     = true
}

variable "apt_proxy" {
  description = "HTTP proxy for apt-get on the nodes (e.g. http://10.0.1.5:3128): the backup has no public IP, so without a NAT gateway it reaches the mirrors only through a proxy. Empty: direct."
  type        = string
  default     = ""
}

variable "ssh_bastion_user" {
  description = "User on ssh_bastion_host (same private key as ssh_private_key_file)."
  type        = string
  default     = "root"
}
