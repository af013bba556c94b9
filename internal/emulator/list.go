package emulator

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// list is one Describe*s list API: which items it shows, how its
// documented filters match, and how it pages. Every list handler is a
// list answered by (list).answer.
type list[T any] struct {
	key   string // the result's list field, e.g. "vpcs"
	total string // the result's count field: "totalCount" (vm, vpc, ag) or "total" (iam)
	// minSize is the smallest page size (10 for vm, vpc and ag, 1 for iam); at most 100, default 20.
	minSize int
	// lastPage: a page number past the end answers the last page (the vpc
	// APIs document it); otherwise such a page is empty.
	lastPage bool
	region   func(T) string // the item's region, nil for global (iam) items
	filters  []listFilter[T]
	check    func() *apiError       // validates the call's other parameters, after paging
	keep     func(T, []filter) bool // further selection (parameters, filters that combine)
	out      func(T) map[string]any // the item as the API shows it
}

// listFilter is one documented filter name and whether an item passes it.
type listFilter[T any] struct {
	name  string
	match func(x T, values []string) bool
}

// answer pages c's selection of items (given in the order they are listed).
func (l list[T]) answer(c *call, items []T) (any, *apiError) {
	num, size, aerr := c.paging(l.minSize, 100)
	if aerr != nil {
		return nil, aerr
	}
	out, aerr := l.selection(c, items)
	if aerr != nil {
		return nil, aerr
	}
	pg := page(out, num, size)
	if l.lastPage {
		pg = pageOrLast(out, num, size)
	}
	return map[string]any{l.key: pg, l.total: len(out)}, nil
}

// selection is every item c selects, as the API shows it (never nil).
func (l list[T]) selection(c *call, items []T) ([]map[string]any, *apiError) {
	var fs []filter
	if len(l.filters) > 0 {
		names := make([]string, len(l.filters))
		for i, f := range l.filters {
			names[i] = f.name
		}
		var aerr *apiError
		if fs, aerr = c.filters(names...); aerr != nil {
			return nil, aerr
		}
	}
	if l.check != nil {
		if aerr := l.check(); aerr != nil {
			return nil, aerr
		}
	}
	out := []map[string]any{}
	for _, x := range items {
		if (l.region == nil || l.region(x) == c.region) && l.passes(x, fs) && (l.keep == nil || l.keep(x, fs)) {
			out = append(out, l.out(x))
		}
	}
	return out, nil
}

// passes: x passes every filter given (filters AND, a filter's values OR).
func (l list[T]) passes(x T, fs []filter) bool {
	for _, f := range fs {
		for _, lf := range l.filters {
			if lf.name == f.Name && !lf.match(x, f.Values) {
				return false
			}
		}
	}
	return true
}

// sortedValues lists m's values in key order.
func sortedValues[V any](m map[string]V) []V {
	out := make([]V, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, m[k])
	}
	return out
}

// The filter kinds the list APIs use.

// exact: the field equals one of the values.
func exact[T any](name string, field func(T) string) listFilter[T] {
	return listFilter[T]{name, func(x T, vs []string) bool { return matchAny(field(x), vs) }}
}

// substring: the field contains one of the values (names whose exact or
// fuzzy matching is not documented get the broader reading).
func substring[T any](name string, field func(T) string) listFilter[T] {
	return listFilter[T]{name, func(x T, vs []string) bool { return containsAny(field(x), vs) }}
}

// served: every item has one of these values (e.g. azType "all" or "standard").
func served[T any](name string, values ...string) listFilter[T] {
	return listFilter[T]{name, func(_ T, vs []string) bool {
		for _, v := range values {
			if matchAny(v, vs) {
				return true
			}
		}
		return false
	}}
}

// unmodelled: the filter is documented, but what it selects (ACLs,
// dedicated zones, pools, …) does not exist here, so nothing matches.
func unmodelled[T any](name string) listFilter[T] {
	return listFilter[T]{name, func(T, []string) bool { return false }}
}

// always: the filter is read by keep (filters that combine).
func always[T any](name string) listFilter[T] {
	return listFilter[T]{name, func(T, []string) bool { return true }}
}

var filterKey = regexp.MustCompile(`^filters\.(\d+)\.(name|operator|values\.(\d+))$`)

type filter struct {
	Name     string
	Operator string
	Values   []string
}

// filters reads filters.N.name / filters.N.operator / filters.N.values.M.
func (c *call) filters(allowed ...string) ([]filter, *apiError) {
	byIdx := map[int]*filter{}
	vals := map[int]map[int]string{}
	for k, vs := range c.query {
		if !strings.HasPrefix(k, "filters.") {
			continue
		}
		m := filterKey.FindStringSubmatch(k)
		if m == nil {
			return nil, invalidArg("Invalid filter parameter %q", k)
		}
		i, _ := strconv.Atoi(m[1])
		f := byIdx[i]
		if f == nil {
			f = &filter{}
			byIdx[i] = f
		}
		switch {
		case m[2] == "name":
			f.Name = vs[0]
		case m[2] == "operator":
			f.Operator = vs[0]
		default:
			j, _ := strconv.Atoi(m[3])
			if vals[i] == nil {
				vals[i] = map[int]string{}
			}
			vals[i][j] = vs[0]
		}
	}
	idx := make([]int, 0, len(byIdx))
	for i := range byIdx {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	out := make([]filter, 0, len(idx))
	for _, i := range idx {
		f := byIdx[i]
		if f.Name == "" {
			return nil, invalidArg("filters.%d.name is required", i)
		}
		ok := false
		for _, a := range allowed {
			if a == f.Name {
				ok = true
			}
		}
		if !ok {
			if c.ignoreUnknownFilters {
				continue
			}
			return nil, invalidArg("Invalid filter name %q: supported filters are %s", f.Name, strings.Join(allowed, ", "))
		}
		js := make([]int, 0, len(vals[i]))
		for j := range vals[i] {
			js = append(js, j)
		}
		sort.Ints(js)
		for _, j := range js {
			f.Values = append(f.Values, vals[i][j])
		}
		if len(f.Values) == 0 {
			return nil, invalidArg("filters.%d.values is required", i)
		}
		out = append(out, *f)
	}
	return out, nil
}

// paging reads pageNumber/pageSize (defaults 1 and 20, size within [lo,hi]).
func (c *call) paging(lo, hi int) (int, int, *apiError) {
	num, ok, aerr := c.intParam("pageNumber")
	if aerr != nil {
		return 0, 0, aerr
	}
	if !ok {
		num = 1
	}
	if num < 1 {
		return 0, 0, invalidArg("Invalid parameter pageNumber: must be at least 1")
	}
	size, ok, aerr := c.intParam("pageSize")
	if aerr != nil {
		return 0, 0, aerr
	}
	if !ok {
		size = 20
	}
	if size < lo || size > hi {
		return 0, 0, invalidArg("Invalid parameter pageSize: must be within [%d, %d]", lo, hi)
	}
	return num, size, nil
}

// pageOrLast slices items like page, but a page number past the end gives
// the last page, as the vpc list APIs document ("页码超过总页数时, 显示最后一页"):
// a client must stop on totalCount, never on an empty or short page.
func pageOrLast[T any](items []T, num, size int) []T {
	if last := (len(items) + size - 1) / size; num > last && last > 0 {
		num = last
	}
	return page(items, num, size)
}

// page slices items for pageNumber/pageSize; past the end it is empty (the
// vm, ag and iam list APIs do not document what they do there).
func page[T any](items []T, num, size int) []T {
	start := (num - 1) * size
	if start >= len(items) {
		return []T{}
	}
	end := start + size
	if end > len(items) {
		end = len(items)
	}
	return items[start:end]
}

// matchAny: exact match of v against any of vals.
func matchAny(v string, vals []string) bool {
	for _, x := range vals {
		if x == v {
			return true
		}
	}
	return false
}

func containsAny(v string, vals []string) bool {
	for _, x := range vals {
		if strings.Contains(v, x) {
			return true
		}
	}
	return false
}
