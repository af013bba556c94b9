package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// route is one API call: method + path pattern (+ ":action").
type route struct {
	service string // vm, vpc, ag, iam (also the signing service)
	name    string // SDK call name, e.g. DescribeInstance
	method  string
	segs    []string // pattern segments, "{x}" binds a parameter
	action  string   // ":action" suffix without the colon, or ""
	mutates bool
	handle  func(e *Emulator, c *call) (any, *apiError)
	// resources lists the JRN resources a call touches, for IAM checks;
	// nil means the service-wide resource "*".
	resources func(e *Emulator, c *call) []string
}

var routes []*route

// register adds a route; pattern is the SDK URL, e.g.
// "/regions/{regionId}/instances/{instanceId}:stopInstance".
func register(service, name, method, pattern string, handle func(*Emulator, *call) (any, *apiError)) *route {
	action := ""
	if i := strings.LastIndex(pattern, ":"); i >= 0 {
		pattern, action = pattern[:i], pattern[i+1:]
	}
	rt := &route{
		service: service, name: name, method: method, action: action,
		segs:    splitPath(pattern),
		mutates: method != http.MethodGet,
		handle:  handle,
	}
	routes = append(routes, rt)
	return rt
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// matchRoute finds the route for method and the unescaped URL path. It
// returns the action parsed from the path even when no route matches.
func matchRoute(method, path string) (*route, map[string]string, string) {
	segs, action, ok := pathSegments(path)
	if !ok {
		return nil, nil, ""
	}
	for _, rt := range routes {
		if rt.method != method {
			continue
		}
		if params, ok := rt.match(segs, action); ok {
			return rt, params, action
		}
	}
	return nil, nil, action
}

// routeMethods lists the methods some route takes path with, for a 405.
func routeMethods(path string) []string {
	segs, action, ok := pathSegments(path)
	var out []string
	for _, rt := range routes {
		if _, match := rt.match(segs, action); ok && match && !slices.Contains(out, rt.method) {
			out = append(out, rt.method)
		}
	}
	return out
}

// knownCall reports whether name ("vm.CreateInstances") is a call the
// emulator serves, as Stats names it.
func knownCall(name string) bool {
	for _, rt := range routes {
		if rt.service+"."+rt.name == name {
			return true
		}
	}
	return false
}

// pathSegments splits an API path "/v1/a/b:action" into its segments and action.
func pathSegments(path string) ([]string, string, bool) {
	p, ok := strings.CutPrefix(path, "/v1/")
	if !ok {
		return nil, "", false
	}
	segs := splitPath(p) // tolerates the SDK's trailing slash ("elasticIps/")
	action := ""
	if n := len(segs); n > 0 {
		if i := strings.Index(segs[n-1], ":"); i >= 0 {
			action = segs[n-1][i+1:]
			segs[n-1] = segs[n-1][:i]
			if segs[n-1] == "" { // "subUsers:deleted"-style paths never have an empty last segment
				segs = segs[:n-1]
			}
		}
	}
	return segs, action, true
}

// match binds rt's parameters from segs when the pattern and action fit.
func (rt *route) match(segs []string, action string) (map[string]string, bool) {
	if rt.action != action || len(rt.segs) != len(segs) {
		return nil, false
	}
	params := map[string]string{}
	for i, s := range rt.segs {
		if strings.HasPrefix(s, "{") {
			if segs[i] == "" {
				return nil, false
			}
			params[s[1:len(s)-1]] = segs[i]
		} else if s != segs[i] {
			return nil, false
		}
	}
	return params, true
}

// call is one parsed request.
type call struct {
	route     *route
	region    string
	params    map[string]string
	query     url.Values
	body      []byte
	principal *principal
	requestID string
	// ignoreUnknownFilters follows the unknown-filters switch: whether the
	// real gateway ignores an undocumented filter name is not documented.
	ignoreUnknownFilters bool
}

func newCall(r *http.Request, rt *route, params map[string]string, body []byte) (*call, *apiError) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, invalidArg("malformed query string: %v", err)
	}
	c := &call{route: rt, params: params, query: q, body: body}
	if region, ok := params["regionId"]; ok {
		if !validRegion(region) {
			return nil, invalidArg("Invalid regionId %q: supported regions are %s", region, strings.Join(Regions, ", "))
		}
		c.region = region
	}
	if rt.method != http.MethodGet && rt.method != http.MethodDelete {
		trimmed := bytes.TrimSpace(body)
		if len(trimmed) == 0 {
			c.body = []byte("{}")
		} else if trimmed[0] != '{' || !json.Valid(trimmed) {
			return nil, invalidArg("The request body is not a valid JSON object")
		}
	}
	return c, nil
}

// decode reads the JSON body into v; unknown fields are ignored as the
// real API does. Path parameters always win over body copies.
func (c *call) decode(v any) *apiError {
	if err := json.Unmarshal(c.body, v); err != nil {
		return invalidArg("Invalid request body: %v", simplifyJSONErr(err))
	}
	return nil
}

func simplifyJSONErr(err error) string {
	var te *json.UnmarshalTypeError
	if ok := asTypeErr(err, &te); ok {
		return "field " + te.Field + " must be " + te.Type.String()
	}
	return err.Error()
}

func asTypeErr(err error, target **json.UnmarshalTypeError) bool {
	te, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*target = te
	}
	return ok
}

// intParam reads an optional integer query parameter.
func (c *call) intParam(name string) (int, bool, *apiError) {
	v := c.query.Get(name)
	if v == "" {
		return 0, false, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, false, invalidArg("Invalid parameter %s: %q is not an integer", name, v)
	}
	return n, true, nil
}

// listParam reads name.1, name.2, ... query parameters.
func (c *call) listParam(name string) []string {
	type kv struct {
		i int
		v string
	}
	var items []kv
	for k, vs := range c.query {
		rest, ok := strings.CutPrefix(k, name+".")
		if !ok {
			continue
		}
		i, err := strconv.Atoi(rest)
		if err != nil || len(vs) == 0 {
			continue
		}
		items = append(items, kv{i, vs[0]})
	}
	sort.Slice(items, func(a, b int) bool { return items[a].i < items[b].i })
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.v
	}
	return out
}
