package validate

import (
	"fmt"
	"net/netip"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// ParseCIDR parses an IPv4 CIDR block and requires it in canonical form (no
// host bits set): JD Cloud stores the network address, so "10.0.1.5/24"
// would come back as "10.0.1.0/24" and show a diff on every plan.
func ParseCIDR(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a CIDR block such as 10.0.0.0/16", s)
	}
	if !p.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("%q is not an IPv4 CIDR block (JD Cloud VPCs are IPv4 only)", s)
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Errorf("%q has host bits set: write the network address %q", s, p.Masked().String())
	}
	return p, nil
}

// ContainsCIDR reports whether the block inner lies entirely inside outer.
func ContainsCIDR(outer, inner netip.Prefix) bool {
	return outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}

// privateRanges are the only address spaces JD Cloud allows for VPCs and subnets.
var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
}

// CIDR accepts any canonical IPv4 CIDR block (0.0.0.0/0 included), as used by
// security group rules.
func CIDR() validator.String { return cidrRule{}.rule() }

// PrivateCIDR accepts a canonical IPv4 CIDR block inside 10.0.0.0/8,
// 172.16.0.0/12 or 192.168.0.0/16 with a prefix length from minBits to
// maxBits: JD Cloud's rule for VPC and subnet blocks is /16 to /28.
func PrivateCIDR(minBits, maxBits int) validator.String {
	return cidrRule{private: true, minBits: minBits, maxBits: maxBits}.rule()
}

// cidrRule is what a CIDR attribute must be: any block, or a private one
// with a prefix length in range.
type cidrRule struct {
	private          bool
	minBits, maxBits int
}

func (v cidrRule) rule() validator.String {
	desc := "must be an IPv4 CIDR block in canonical form, e.g. 10.0.1.18/32 or 0.0.0.0/0"
	if v.private {
		desc = fmt.Sprintf("must be an IPv4 CIDR block in canonical form inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, with a prefix length from /%d to /%d", v.minBits, v.maxBits)
	}
	return Rule(desc, "Invalid CIDR block", v.check)
}

// check returns an error that reads after the attribute path, e.g.
// "cidr_block" + " must be ...".
func (v cidrRule) check(s string) error {
	p, err := ParseCIDR(s)
	if err != nil {
		return fmt.Errorf("is invalid: %w", err)
	}
	if !v.private {
		return nil
	}
	inside := false
	for _, r := range privateRanges {
		if ContainsCIDR(r, p) {
			inside = true
			break
		}
	}
	if !inside {
		return fmt.Errorf("is invalid: %q is not inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (JD Cloud allows only these private ranges)", s)
	}
	if p.Bits() < v.minBits || p.Bits() > v.maxBits {
		return fmt.Errorf("is invalid: %q has prefix length /%d; JD Cloud allows /%d to /%d", s, p.Bits(), v.minBits, v.maxBits)
	}
	return nil
}
