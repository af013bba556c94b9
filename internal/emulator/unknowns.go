package emulator

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// UnknownsEnv names the environment variable that test helpers (and the CLI,
// as a default for --unknown) read the switches from, e.g.
// "unknown-filters=ignore,eip-association=sync".
const UnknownsEnv = "JDCLOUDHA_EMULATOR_UNKNOWNS"

// Unknowns choose how the emulator behaves where JD Cloud's documentation
// does not say what the real API does. Each field is one switch: its
// `unknown` tag is the switch name, `values` the alternatives (the first is
// the default and the stricter reading), `doc` one line for --help and
// FIDELITY.md. An empty field means the default. To add a switch, add a field
// with these three tags; parsing, validation, the CLI flag and the test
// helpers pick it up from the tags.
type Unknowns struct {
	// Filters: a filter name the API does not document (e.g. vpcName).
	Filters string `unknown:"unknown-filters" values:"refuse,ignore" doc:"a list call with an undocumented filter name: refused with 400 INVALID_ARGUMENT, or the filter is ignored"`
	// EIPAssociation: whether associate/disassociate finish before the answer.
	EIPAssociation string `unknown:"eip-association" values:"async,sync" doc:"EIP associate/disassociate: the EIP shows state PROCESSING for a moment (another associate is refused meanwhile), or the change is complete when the call answers"`
	// LooseAgSpec: which instanceSpec fields CreateInstances accepts with the agId of a loose group.
	LooseAgSpec string `unknown:"loose-ag-spec" values:"accept,refuse" doc:"CreateInstances with the agId of a loose (custom-configuration) availability group: the full instanceSpec is accepted, or everything but name, private IP, description (as for a strict group) is refused"`
	// NoBGP: whether cn-south-1 and cn-east-1 still sell non-BGP EIPs.
	NoBGP string `unknown:"eip-no-bgp" values:"refuse,accept" doc:"CreateElasticIps with provider no_bgp in cn-south-1 and cn-east-1 (cn-north-1 and cn-east-2 always refuse it): refused, or accepted"`
	// IAMAccountWildcard: '*' as the account part of a policy's resource JRN.
	IAMAccountWildcard string `unknown:"iam-account-wildcard" values:"refuse,accept" doc:"a policy resource JRN with '*' (or no value) as the account, e.g. jrn:vm:cn-east-2:*:instances/i-1: matches nothing, or matches the account's resources"`
	// IAMDeletedName: CreateSubUser with the name of a soft-deleted sub-user.
	IAMDeletedName string `unknown:"iam-deleted-name" values:"refuse,reuse" doc:"CreateSubUser with the name of a sub-user deleted a moment ago (still restorable): refused with 409 ALREADY_EXISTS, or a new sub-user is created and the deleted one can no longer be restored"`
}

// UnknownSwitch describes one switch of Unknowns.
type UnknownSwitch struct {
	Name   string
	Values []string // Values[0] is the default
	Doc    string
	field  int
}

// Default is the switch's default alternative (the stricter reading).
func (s UnknownSwitch) Default() string { return s.Values[0] }

// UnknownSwitches lists every switch, sorted by name.
func UnknownSwitches() []UnknownSwitch {
	t := reflect.TypeOf(Unknowns{})
	out := make([]UnknownSwitch, 0, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := f.Tag.Get("unknown")
		if name == "" || f.Type.Kind() != reflect.String {
			continue
		}
		out = append(out, UnknownSwitch{Name: name, Values: strings.Split(f.Tag.Get("values"), ","), Doc: f.Tag.Get("doc"), field: i})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out
}

func lookupSwitch(name string) (UnknownSwitch, bool) {
	for _, s := range UnknownSwitches() {
		if s.Name == name {
			return s, true
		}
	}
	return UnknownSwitch{}, false
}

func switchNames() string {
	var names []string
	for _, s := range UnknownSwitches() {
		names = append(names, s.Name+"="+strings.Join(s.Values, "|"))
	}
	return strings.Join(names, ", ")
}

// Set selects value for the switch name.
func (u *Unknowns) Set(name, value string) error {
	s, ok := lookupSwitch(name)
	if !ok {
		return fmt.Errorf("unknown switch %q (have %s)", name, switchNames())
	}
	for _, v := range s.Values {
		if v == value {
			reflect.ValueOf(u).Elem().Field(s.field).SetString(value)
			return nil
		}
	}
	return fmt.Errorf("switch %s: value %q is not one of %s", name, value, strings.Join(s.Values, ", "))
}

// Get is the alternative in force for the switch name ("" for no such switch).
func (u Unknowns) Get(name string) string {
	s, ok := lookupSwitch(name)
	if !ok {
		return ""
	}
	if v := reflect.ValueOf(u).Field(s.field).String(); v != "" {
		return v
	}
	return s.Default()
}

// Apply sets every "name=value" pair of a comma-separated spec.
func (u *Unknowns) Apply(spec string) error {
	return eachSetting(spec, "switch %q: want name=value", func(_, name, value string) error {
		return u.Set(name, value)
	})
}

// eachSetting calls fn with every item of a comma-separated "key=value"
// spec (the switches' and the faults' syntax), key and value trimmed; empty
// items are skipped, and an item without '=' fails with noValue (a format
// taking the item).
func eachSetting(spec, noValue string, fn func(item, key, value string) error) error {
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		k, v, ok := strings.Cut(item, "=")
		if !ok {
			return fmt.Errorf(noValue, item)
		}
		if err := fn(item, strings.TrimSpace(k), strings.TrimSpace(v)); err != nil {
			return err
		}
	}
	return nil
}

// ParseUnknowns reads a spec such as "unknown-filters=ignore,eip-association=sync".
func ParseUnknowns(spec string) (Unknowns, error) {
	var u Unknowns
	return u, u.Apply(spec)
}

func (u Unknowns) validate() error {
	v := reflect.ValueOf(u)
	for _, s := range UnknownSwitches() {
		if cur := v.Field(s.field).String(); cur != "" {
			var probe Unknowns
			if err := probe.Set(s.Name, cur); err != nil {
				return err
			}
		}
	}
	return nil
}

// String renders every switch with the alternative in force.
func (u Unknowns) String() string {
	var parts []string
	for _, s := range UnknownSwitches() {
		parts = append(parts, s.Name+"="+u.Get(s.Name))
	}
	return strings.Join(parts, ",")
}
