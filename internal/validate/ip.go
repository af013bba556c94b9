package validate

import (
	"fmt"
	"net/netip"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// ParseIPv4 parses a dotted-quad IPv4 address.
func ParseIPv4(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return netip.Addr{}, fmt.Errorf("%q is not an IPv4 address such as 10.0.1.18", s)
	}
	return a, nil
}

// IPInSubnet checks that ip is a usable host address of the subnet block
// cidr. JD Cloud reserves a subnet's network address, its first two hosts
// (gateway and DHCP) and its broadcast address, so those are refused too.
// The error reads after the attribute name ("private_ip 10.0.2.5 is not ...").
func IPInSubnet(ip, cidr string) error {
	a, err := ParseIPv4(ip)
	if err != nil {
		return err
	}
	p, err := ParseCIDR(cidr)
	if err != nil {
		return err
	}
	if !p.Contains(a) {
		return fmt.Errorf("%s is not inside the subnet's CIDR block %s", a, p)
	}
	network := p.Addr()
	last := lastAddr(p)
	switch {
	case a == network:
		return fmt.Errorf("%s is the network address of %s, which cannot be assigned", a, p)
	case a == network.Next() || a == network.Next().Next():
		return fmt.Errorf("%s is reserved in %s (JD Cloud keeps the first two host addresses for the gateway and DHCP)", a, p)
	case a == last:
		return fmt.Errorf("%s is the broadcast address of %s, which cannot be assigned", a, p)
	}
	return nil
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().As4()
	hostBits := 32 - p.Bits()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	if hostBits == 32 {
		v = ^uint32(0)
	} else {
		v |= (uint32(1) << hostBits) - 1
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// IPv4Address accepts a dotted-quad IPv4 address.
func IPv4Address() validator.String {
	return Rule("must be an IPv4 address such as 10.0.1.18", "Invalid IP address", func(s string) error {
		if _, err := ParseIPv4(s); err != nil {
			return fmt.Errorf("is invalid: %w", err)
		}
		return nil
	})
}
