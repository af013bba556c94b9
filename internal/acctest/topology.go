package acctest

import (
	"cmp"
	"fmt"
)

// ArticleTopology is the keepalived article's setup as code: one VPC and subnet,
// a security group with the web ports open and VRRP only between the two
// peers (protocol all from each peer's /32: JD Cloud's groups have no 112), an availability group over two zones, the master
// at 10.0.1.18 and the backup at 10.0.1.19, and an all-zone EIP. Prepend
// ProviderConfig(srv).
var ArticleTopology = ArticleFoundation + ArticleInstances

// ArticleFoundation is ArticleTopology without the instances: VPC, subnet,
// security group, availability group and EIP, as the resources' examples
// document them (the instance example's network and group, the security
// group example's rules).
var ArticleFoundation = ExampleBlocks("jdcloudha_instance", "jdcloudha_vpc.ha", "jdcloudha_subnet.ha", "jdcloudha_availability_group.ha") +
	ExampleBlocks("jdcloudha_security_group", "jdcloudha_security_group.web") +
	ExampleBlocks("jdcloudha_elastic_ip", "jdcloudha_elastic_ip.vip")

// ArticleInstances are ArticleTopology's two instances, jdcloudha_instance.master
// (10.0.1.18, cn-east-2a) and jdcloudha_instance.backup (10.0.1.19, cn-east-2b).
var ArticleInstances = ArticleInstance("master", "web-master", "cn-east-2a", "10.0.1.18") +
	ArticleInstance("backup", "web-backup", "cn-east-2b", "10.0.1.19")

// ArticleInstance is one instance of the article's web tier under the
// resource label label, in ArticleFoundation's group, subnet and security
// group; privateIP "" lets the API choose.
func ArticleInstance(label, name, az, privateIP string) string {
	return Instance{Label: label, Name: name, AZ: az, PrivateIP: privateIP}.HCL()
}

// Instance is an instance block of the article's web tier, in subnet ha and
// security group web: ArticleInstance's, with what the live suite must
// choose for the real cloud. An empty field takes ArticleInstance's value.
type Instance struct {
	Label, Name, AZ string
	PrivateIP       string // "": the API chooses
	Group           string // the availability group's resource name; "": ha
	Type            string // "": g.n2.medium
	Image           string // an HCL expression; "": the emulator's Debian 12 image
	Password        string // "": Ha-pair-2026!
}

// HCL is the resource block.
func (i Instance) HCL() string {
	ip := ""
	if i.PrivateIP != "" {
		ip = fmt.Sprintf("\n  private_ip            = %q", i.PrivateIP)
	}
	return fmt.Sprintf(`
resource "jdcloudha_instance" %q {
  name                  = %q
  availability_group_id = jdcloudha_availability_group.%s.id
  az                    = %q
  instance_type         = %q
  image_id              = %s
  subnet_id             = jdcloudha_subnet.ha.id%s
  security_group_ids    = [jdcloudha_security_group.web.id]
  password              = %q
}
`, i.Label, i.Name, cmp.Or(i.Group, "ha"), i.AZ, cmp.Or(i.Type, "g.n2.medium"), cmp.Or(i.Image, `"img-debian12-x64"`), ip, cmp.Or(i.Password, "Ha-pair-2026!"))
}

// Network is a VPC 10.0.0.0/16 and a subnet 10.0.1.0/24 in it, both under
// the resource label label: what most tests' other resources sit in.
func Network(label, vpcName, subnetName string) string {
	return fmt.Sprintf(`
resource "jdcloudha_vpc" %[1]q {
  name       = %[2]q
  cidr_block = "10.0.0.0/16"
}
resource "jdcloudha_subnet" %[1]q {
  vpc_id     = jdcloudha_vpc.%[1]s.id
  name       = %[3]q
  cidr_block = "10.0.1.0/24"
}
`, label, vpcName, subnetName)
}

// ArticlePair is the failover pair over ArticleTopology: the EIP on the
// master, the backup taking over.
const ArticlePair = `
resource "jdcloudha_failover_pair" "web" {
  elastic_ip_id      = jdcloudha_elastic_ip.vip.id
  master_instance_id = jdcloudha_instance.master.id
  backup_instance_id = jdcloudha_instance.backup.id
}
`
