package iam

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestBuildPolicyAllowsExactlyTheAgentsCalls(t *testing.T) {
	got, err := buildPolicy("cn-east-2", "fip-b6f37survq", []string{"i-pi9w6jp716", "i-bszab8pxg0"})
	if err != nil {
		t.Fatal(err)
	}
	var doc policyDocument
	dec := json.NewDecoder(strings.NewReader(got))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("document %s: %v", got, err)
	}
	want := policyDocument{Version: "3", Statement: []policyStatement{
		{Effect: "Allow", Action: []string{"vpc:describeElasticIp"}, Resource: []string{"jrn:vpc:cn-east-2:*:elasticip/fip-b6f37survq"}},
		{Effect: "Allow", Action: []string{"vm:associateElasticIp", "vm:disassociateElasticIp"}, Resource: []string{
			"jrn:vm:cn-east-2:*:instances/i-bszab8pxg0",
			"jrn:vm:cn-east-2:*:instances/i-pi9w6jp716",
			"jrn:vpc:cn-east-2:*:elasticip/fip-b6f37survq",
		}},
	}}
	if !reflect.DeepEqual(doc, want) {
		t.Errorf("policy:\n got %+v\nwant %+v", doc, want)
	}
	// The configuration's order must not matter.
	again, _ := buildPolicy("cn-east-2", "fip-b6f37survq", []string{"i-bszab8pxg0", "i-pi9w6jp716"})
	if again != got {
		t.Errorf("instance order changed the document:\n%s\n%s", got, again)
	}
}

func TestBuildPolicyRefusesWildcardsAndBadInput(t *testing.T) {
	cases := []struct {
		region, eip string
		ids         []string
	}{
		{"cn-east-2", "fip-*", []string{"i-a1", "i-b2"}},
		{"cn-east-2", "fip-ab", []string{"i-*", "i-b2"}},
		{"cn-east-2", "fip-ab", []string{"i-a?", "i-b2"}},
		{"cn-east-2", "fip-ab", []string{"i-a1", "i-a1"}},
		{"cn-east-2", "fip-ab", []string{"i-a1"}},
		{"cn-east-2", "fip-ab", []string{"i-a1", "i-b2", "i-c3"}},
		{"cn-east-2", "", []string{"i-a1", "i-b2"}},
		{"*", "fip-ab", []string{"i-a1", "i-b2"}},
		{"", "fip-ab", []string{"i-a1", "i-b2"}},
	}
	for _, c := range cases {
		if doc, err := buildPolicy(c.region, c.eip, c.ids); err == nil {
			t.Errorf("buildPolicy(%q, %q, %q) = %s, want an error", c.region, c.eip, c.ids, doc)
		}
	}
}

func TestSamePolicyIgnoresFormatting(t *testing.T) {
	a, _ := buildPolicy("cn-east-2", "fip-ab", []string{"i-a1", "i-b2"})
	var v any
	_ = json.Unmarshal([]byte(a), &v)
	pretty, _ := json.MarshalIndent(v, "", "  ")
	if !samePolicy(a, string(pretty)) {
		t.Error("reformatted document counted as different")
	}
	b, _ := buildPolicy("cn-east-2", "fip-ab", []string{"i-a1", "i-c3"})
	if samePolicy(a, b) {
		t.Error("documents naming different instances counted as the same")
	}
	if samePolicy(a, "") || samePolicy("not json", "not json ") {
		t.Error("invalid documents counted as the same")
	}
}

func TestTargetsOfReadsBackWhatBuildPolicyWrote(t *testing.T) {
	doc, _ := buildPolicy("cn-east-2", "fip-ab", []string{"i-b2", "i-a1"})
	eip, ids, err := targetsOf(doc)
	if err != nil || eip != "fip-ab" || !reflect.DeepEqual(ids, []string{"i-a1", "i-b2"}) {
		t.Errorf("targetsOf = %q %q %v", eip, ids, err)
	}
	// JD Cloud's format allows a bare string for Resource; the account may be given.
	hand := `{"Version":"3","Statement":[
	  {"Effect":"Allow","Action":"vpc:describeElasticIp","Resource":"jrn:vpc:cn-east-2:860000000001:elasticip/fip-xy"},
	  {"Effect":"Allow","Action":["vm:*"],"Resource":["jrn:vm:*:*:instances/i-c3","jrn:vm:*:*:instances/i-d4"]}]}`
	eip, ids, err = targetsOf(hand)
	if err != nil || eip != "fip-xy" || !reflect.DeepEqual(ids, []string{"i-c3", "i-d4"}) {
		t.Errorf("targetsOf(hand-written) = %q %q %v", eip, ids, err)
	}
	for _, bad := range []string{
		`{"Version":"3","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
		`{"Version":"3","Statement":[{"Effect":"Deny","Action":"*","Resource":["jrn:vpc:*:*:elasticip/fip-a","jrn:vm:*:*:instances/i-a","jrn:vm:*:*:instances/i-b"]}]}`,
		`{`,
	} {
		if _, _, err := targetsOf(bad); err == nil {
			t.Errorf("targetsOf(%s) accepted a policy that is not a failover policy", bad)
		}
	}
}

func TestPendingRotationMatchesOnlyItsRotationAndKey(t *testing.T) {
	one := "1"
	p := pendingRotation{Rotation: &one, AccessKey: "JDC_A"}
	if !p.isFor(strValue("1"), "JDC_A") {
		t.Error("same rotation and key not matched")
	}
	if p.isFor(strValue("2"), "JDC_A") || p.isFor(strValue("1"), "JDC_B") || p.isFor(nullString(), "JDC_A") {
		t.Error("matched another rotation or key")
	}
	none := pendingRotation{AccessKey: "JDC_A"}
	if !none.isFor(nullString(), "JDC_A") || none.isFor(strValue(""), "JDC_A") {
		t.Error("null rotation handled wrongly")
	}
	if (pendingRotation{}).isFor(nullString(), "") {
		t.Error("an empty record matched a missing key")
	}
}

func TestPickPolicy(t *testing.T) {
	if p, problem := pickPolicy("agent", []string{"other", "agent-eip-failover"}); p != "agent-eip-failover" || problem != "" {
		t.Errorf("named policy not preferred: %q %q", p, problem)
	}
	if p, problem := pickPolicy("agent", []string{"hand-made"}); p != "hand-made" || problem != "" {
		t.Errorf("single policy not taken: %q %q", p, problem)
	}
	if _, problem := pickPolicy("agent", nil); problem == "" {
		t.Error("no policy: want a problem")
	}
	if _, problem := pickPolicy("agent", []string{"a", "b"}); !strings.Contains(problem, "a, b") {
		t.Errorf("ambiguous: %q", problem)
	}
}

func strValue(s string) types.String { return types.StringValue(s) }
func nullString() types.String       { return types.StringNull() }
