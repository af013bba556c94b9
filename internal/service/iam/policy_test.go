package iam

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestBuildPolicyAllowsExactlyTheAgentsCalls(t *testing.T) {
	got, err := buildPolicy("cn-east-2", "860000000001", "fip-b6f37survq", []string{"i-pi9w6jp716", "i-bszab8pxg0"})
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
		{Effect: "Allow", Action: []string{"vpc:describeElasticIp"}, Resource: []string{"jrn:vpc:cn-east-2:860000000001:elasticIps/fip-b6f37survq"}},
		{Effect: "Allow", Action: []string{"vm:associateElasticIp", "vm:disassociateElasticIp"}, Resource: []string{
			"jrn:vm:cn-east-2:860000000001:instances/i-bszab8pxg0",
			"jrn:vm:cn-east-2:860000000001:instances/i-pi9w6jp716",
			"jrn:vpc:cn-east-2:860000000001:elasticIps/fip-b6f37survq",
		}},
	}}
	if !reflect.DeepEqual(doc, want) {
		t.Errorf("policy:\n got %+v\nwant %+v", doc, want)
	}
	// The configuration's order must not matter.
	again, _ := buildPolicy("cn-east-2", "860000000001", "fip-b6f37survq", []string{"i-bszab8pxg0", "i-pi9w6jp716"})
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
	for _, account := range []string{"", "*", "86000000000?", "8600:1"} {
		if doc, err := buildPolicy("cn-east-2", account, "fip-ab", []string{"i-a1", "i-b2"}); err == nil {
			t.Errorf("buildPolicy with account %q = %s, want an error (the account is spelled out, never a wildcard)", account, doc)
		}
	}
	for _, c := range cases {
		if doc, err := buildPolicy(c.region, "860000000001", c.eip, c.ids); err == nil {
			t.Errorf("buildPolicy(%q, %q, %q) = %s, want an error", c.region, c.eip, c.ids, doc)
		}
	}
}

// Every sub-user name the schema accepts gives a policy name CreatePolicy
// accepts (4 to 64 letters, digits, '-', '_', starting with a letter).
func TestPolicyNameOfEveryValidSubUserIsValid(t *testing.T) {
	for _, user := range []string{"abcd", "a-b_", "Z234567890123456789a", "web-eip-agent"} {
		if !subUserRE.MatchString(user) {
			t.Fatalf("%q is not a valid sub-user name; fix the test", user)
		}
		if p := policyNameFor(user); !policyNameRE.MatchString(p) {
			t.Errorf("policy name %q of sub-user %q breaks JD Cloud's rule", p, user)
		}
	}
	for _, bad := range []string{"abc", "1abc", "-abc", "ab.c", "a" + strings.Repeat("b", 64)} {
		if policyNameRE.MatchString(bad) {
			t.Errorf("policyNameRE accepts %q", bad)
		}
	}
}

func TestSamePolicyIgnoresFormatting(t *testing.T) {
	a, _ := buildPolicy("cn-east-2", "860000000001", "fip-ab", []string{"i-a1", "i-b2"})
	var v any
	_ = json.Unmarshal([]byte(a), &v)
	pretty, _ := json.MarshalIndent(v, "", "  ")
	if !samePolicy(a, string(pretty)) {
		t.Error("reformatted document counted as different")
	}
	b, _ := buildPolicy("cn-east-2", "860000000001", "fip-ab", []string{"i-a1", "i-c3"})
	if samePolicy(a, b) {
		t.Error("documents naming different instances counted as the same")
	}
	if samePolicy(a, "") || samePolicy("not json", "not json ") {
		t.Error("invalid documents counted as the same")
	}
}

func TestTargetsOfReadsBackWhatBuildPolicyWrote(t *testing.T) {
	doc, _ := buildPolicy("cn-east-2", "860000000001", "fip-ab", []string{"i-b2", "i-a1"})
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

// TestPlannedPrevious: which key besides the current one stays valid.
func TestPlannedPrevious(t *testing.T) {
	state := func(rotation, current, previous types.String) credentialsModel {
		return credentialsModel{Rotation: rotation, AccessKey: current, PreviousAccessKey: previous}
	}
	plan := func(rotation, installed types.String) credentialsModel {
		return credentialsModel{Rotation: rotation, InstalledRotation: installed}
	}
	r1 := "r1"
	cases := []struct {
		name        string
		plan        credentialsModel
		state       credentialsModel
		rotating    bool
		previousRot *string
		want        types.String
		problem     string
	}{
		{"rotation keeps the current key", plan(strValue("r2"), nullString()), state(strValue("r1"), strValue("K1"), nullString()), true, nil, strValue("K1"), ""},
		{"rotation with installed = old rotation", plan(strValue("r2"), strValue("r1")), state(strValue("r1"), strValue("K1"), strValue("K0")), true, nil, strValue("K1"), ""},
		{"rotation with installed = new rotation retires at once", plan(strValue("r2"), strValue("r2")), state(strValue("r1"), strValue("K1"), nullString()), true, nil, nullString(), ""},
		{"first rotation from an unset one", plan(strValue("r1"), nullString()), state(nullString(), strValue("K0"), nullString()), true, nil, strValue("K0"), ""},
		{"current key gone: the previous stays", plan(strValue("r1"), nullString()), state(strValue("r1"), nullString(), strValue("K0")), true, nil, strValue("K0"), ""},
		{"nodes two rotations back", plan(strValue("r3"), strValue("r1")), state(strValue("r2"), strValue("K2"), strValue("K1")), true, &r1, types.String{}, "two rotations back"},
		{"installed names nothing", plan(strValue("r3"), strValue("zz")), state(strValue("r2"), strValue("K2"), nullString()), true, nil, types.String{}, "neither"},
		{"installed reaches the current rotation", plan(strValue("r2"), strValue("r2")), state(strValue("r2"), strValue("K2"), strValue("K1")), false, &r1, nullString(), ""},
		{"installed still on the previous rotation", plan(strValue("r2"), strValue("r1")), state(strValue("r2"), strValue("K2"), strValue("K1")), false, &r1, strValue("K1"), ""},
		{"no installed_rotation keeps the previous", plan(strValue("r2"), nullString()), state(strValue("r2"), strValue("K2"), strValue("K1")), false, &r1, strValue("K1"), ""},
		{"installed names a retired rotation", plan(strValue("r2"), strValue("r1")), state(strValue("r2"), strValue("K2"), nullString()), false, &r1, types.String{}, "neither"},
		{"unknown installed_rotation", plan(strValue("r2"), types.StringUnknown()), state(strValue("r2"), strValue("K2"), strValue("K1")), false, &r1, types.StringUnknown(), ""},
	}
	for _, c := range cases {
		got, problem := plannedPrevious(c.plan, c.state, c.rotating, c.previousRot)
		if c.problem != "" {
			if !strings.Contains(problem, c.problem) {
				t.Errorf("%s: problem %q, want one containing %q", c.name, problem, c.problem)
			}
			continue
		}
		if problem != "" || !got.Equal(c.want) {
			t.Errorf("%s: got %v (problem %q), want %v", c.name, got, problem, c.want)
		}
	}
}
