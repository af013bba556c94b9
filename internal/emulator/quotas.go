package emulator

import (
	"fmt"
	"strconv"
	"strings"
)

// Quotas are the emulator's limits (per region unless said otherwise);
// zero fields take the defaults, JD Cloud's documented ones (FIDELITY.md).
// Set them by name with Quotas.Set or --quota name=N (QuotaNames).
type Quotas struct {
	AvailabilityGroups int // default 20
	ElasticIps         int // default 10
	Instances          int // default 20 (JD Cloud's default instance quota per region)
	Vpcs               int // default 10
	Subnets            int // default 10 (per VPC)
	SecurityGroups     int // default 50 (per VPC)
	SecurityGroupRules int // default 100 (per security group)
	SubUserPolicies    int // default 10 (policies attached to one sub-user)
	SubUserAccessKeys  int // default 2 (access keys of one sub-user)
}

// quota is one settable quota: its --quota name, default and field.
type quota struct {
	name  string
	def   int
	field func(*Quotas) *int
}

var quotaTable = []quota{
	{"availability-groups", 20, func(q *Quotas) *int { return &q.AvailabilityGroups }},
	{"elastic-ips", 10, func(q *Quotas) *int { return &q.ElasticIps }},
	{"instances", 20, func(q *Quotas) *int { return &q.Instances }},
	{"vpcs", 10, func(q *Quotas) *int { return &q.Vpcs }},
	{"subnets", 10, func(q *Quotas) *int { return &q.Subnets }},
	{"security-groups", 50, func(q *Quotas) *int { return &q.SecurityGroups }},
	{"security-group-rules", 100, func(q *Quotas) *int { return &q.SecurityGroupRules }},
	// "每个子用户最多关联10个策略" (IAM restrictions)
	{"sub-user-policies", 10, func(q *Quotas) *int { return &q.SubUserPolicies }},
	{"sub-user-access-keys", 2, func(q *Quotas) *int { return &q.SubUserAccessKeys }},
}

// QuotaNames lists the quotas --quota sets, each with its default ("vpcs=10").
func QuotaNames() []string {
	out := make([]string, len(quotaTable))
	for i, q := range quotaTable {
		out[i] = q.name + "=" + strconv.Itoa(q.def)
	}
	return out
}

// Set reads one "name=N" (N ≥ 1), as --quota does.
func (q *Quotas) Set(item string) error {
	k, v, _ := strings.Cut(item, "=")
	for _, t := range quotaTable {
		if t.name != strings.TrimSpace(k) {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 {
			return fmt.Errorf("quota %q: want %s=N with N a positive integer", item, t.name)
		}
		*t.field(q) = n
		return nil
	}
	return fmt.Errorf("unknown quota %q (have %s)", k, strings.Join(QuotaNames(), ", "))
}

func (q Quotas) withDefaults() Quotas {
	for _, t := range quotaTable {
		if p := t.field(&q); *p <= 0 {
			*p = t.def
		}
	}
	return q
}
