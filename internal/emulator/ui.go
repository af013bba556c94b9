package emulator

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"
)

// The live topology page: GET / serves ui/index.html (self-contained: inline
// CSS and JS, no external assets, since nothing outside loopback is
// reachable), which polls GET /__emulator/topology.

//go:embed ui/index.html
var topologyPage []byte

// RecentCallsKept is how many API calls the emulator remembers for the page.
const RecentCallsKept = 20

// RecentCall is one API request as the topology feed reports it.
type RecentCall struct {
	Seq        int64  `json:"seq"` // increases by one per recorded call
	Time       string `json:"time"`
	Call       string `json:"call"` // "vm.AssociateElasticIp", "unknown" for unmatched paths
	Method     string `json:"method"`
	Path       string `json:"path"`
	HTTPStatus int    `json:"httpStatus"`          // 0 = connection dropped (fault)
	Status     string `json:"status,omitempty"`    // error status, e.g. FAILED_PRECONDITION
	Message    string `json:"message,omitempty"`   // error message
	RequestID  string `json:"requestId"`           // empty when dropped
	DurationMs int64  `json:"durationMs"`          // wall time spent answering
	Principal  string `json:"principal,omitempty"` // "main" or the signing sub-user; empty when not authenticated
	Target     string `json:"target,omitempty"`    // the resource id in the path, if any
}

// callLog is a fixed-size ring of recent API calls; the zero value works.
type callLog struct {
	mu    sync.Mutex
	calls [RecentCallsKept]RecentCall
	next  int64 // seq of the next call; calls[(seq-1)%N] is the newest
}

func (l *callLog) add(c RecentCall) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.next++
	c.Seq = l.next
	l.calls[(l.next-1)%RecentCallsKept] = c
}

// recent returns the remembered calls, oldest first.
func (l *callLog) recent() []RecentCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.next
	if n > RecentCallsKept {
		n = RecentCallsKept
	}
	out := make([]RecentCall, 0, n)
	for seq := l.next - n + 1; seq <= l.next; seq++ {
		out = append(out, l.calls[(seq-1)%RecentCallsKept])
	}
	return out
}

// RecentCalls returns the last RecentCallsKept API calls, oldest first.
func (e *Emulator) RecentCalls() []RecentCall { return e.recent.recent() }

// callRecorder captures what the emulator answered so the call can be
// logged: status, and the error envelope's status and message.
type callRecorder struct {
	http.ResponseWriter
	status int
	body   []byte
	lost   int // the HTTP status of an answer a lose fault withheld

	hijacked net.Conn // taken over to close it without an answer
}

func (c *callRecorder) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *callRecorder) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if c.status >= 400 && len(c.body) < 4096 {
		c.body = append(c.body, b...)
	}
	return c.ResponseWriter.Write(b)
}

// Hijack keeps the dropped-connection fault working through the recorder.
func (c *callRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := c.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	return hj.Hijack()
}

// callSigner is who signed a request, once the signature has been checked.
type callSigner struct {
	authenticated bool
	subUser       string
}

func (s *callSigner) set(p *principal) {
	s.authenticated = true
	if p != nil {
		s.subUser = p.SubUser
	}
}

// recordCall is deferred by ServeHTTP for every API request (not control
// endpoints or the page, which would drown the list in the page's own polls).
func (e *Emulator) recordCall(r *http.Request, rt *route, params map[string]string, name string, signer *callSigner, rec *callRecorder, start time.Time) {
	c := RecentCall{
		Time:       e.now().UTC().Format("2006-01-02T15:04:05.000Z"),
		Call:       name,
		Method:     r.Method,
		Path:       r.URL.EscapedPath(),
		HTTPStatus: rec.status,
		RequestID:  rec.Header().Get("X-Jdcloud-Request-Id"),
		DurationMs: time.Since(start).Milliseconds(),
		Target:     callTarget(rt, params),
	}
	if signer.authenticated {
		c.Principal = "main"
		if signer.subUser != "" {
			c.Principal = signer.subUser
		}
	}
	if rec.status == 0 {
		c.RequestID = "" // dropped: the client never saw an id
	}
	if len(rec.body) > 0 {
		var env envelope
		if json.Unmarshal(rec.body, &env) == nil && env.Error != nil {
			c.Status, c.Message = env.Error.Status, env.Error.Message
		}
	}
	if rec.lost != 0 {
		c.Status, c.Message = "LOST", fmt.Sprintf("handled (HTTP %d), answer withheld (injected fault)", rec.lost)
	}
	e.recent.add(c)
}

// callTarget is the most specific resource id in the path, e.g. the
// instance of vm.AssociateElasticIp.
func callTarget(rt *route, params map[string]string) string {
	if rt == nil {
		return ""
	}
	for i := len(rt.segs) - 1; i >= 0; i-- {
		s := rt.segs[i]
		if len(s) > 2 && s[0] == '{' && s != "{regionId}" {
			return params[s[1:len(s)-1]]
		}
	}
	return ""
}

// Topology is what GET /__emulator/topology returns: the resources the page
// draws, already joined (instance ↔ interface ↔ EIP, group → zone → fault
// domain → instance), plus the recent API calls.
type Topology struct {
	GeneratedAt        string          `json:"generatedAt"`
	Region             string          `json:"region"` // the emulator's default region
	Vpcs               []TopoVpc       `json:"vpcs"`
	AvailabilityGroups []TopoAg        `json:"availabilityGroups"`
	OtherInstances     []TopoInstance  `json:"otherInstances"` // not in any availability group
	ElasticIps         []TopoElasticIp `json:"elasticIps"`
	RecentCalls        []RecentCall    `json:"recentCalls"` // oldest first
	TotalCalls         int             `json:"totalCalls"`
}

// TopoVpc is a VPC with its subnets.
type TopoVpc struct {
	Region  string       `json:"region"`
	Id      string       `json:"id"`
	Name    string       `json:"name"`
	Cidr    string       `json:"cidr"`
	Subnets []TopoSubnet `json:"subnets"`
}

// TopoSubnet is a subnet and the addresses handed out in it.
type TopoSubnet struct {
	Id        string   `json:"id"`
	Name      string   `json:"name"`
	Cidr      string   `json:"cidr"`
	UsedIps   []string `json:"usedIps"` // sorted
	Instances int      `json:"instances"`
}

// TopoAg is an availability group with its zones.
type TopoAg struct {
	Region        string     `json:"region"`
	Id            string     `json:"id"`
	Name          string     `json:"name"`
	PlacementType string     `json:"placementType"`
	Zones         []TopoZone `json:"zones"`
}

// TopoZone is one zone of a group: every fault domain, empty ones included.
type TopoZone struct {
	Az           string            `json:"az"`
	FaultDomains []TopoFaultDomain `json:"faultDomains"`
}

// TopoFaultDomain is a fault domain and the group's instances placed in it.
type TopoFaultDomain struct {
	Name      string         `json:"name"`
	Instances []TopoInstance `json:"instances"`
}

// TopoInstance is an instance as the page shows it.
type TopoInstance struct {
	Id          string      `json:"id"`
	Name        string      `json:"name"`
	Status      string      `json:"status"`
	Task        string      `json:"task,omitempty"`
	Region      string      `json:"region"`
	Az          string      `json:"az"`
	FaultDomain string      `json:"faultDomain,omitempty"`
	AgId        string      `json:"agId,omitempty"`
	SubnetId    string      `json:"subnetId"`
	PrivateIp   string      `json:"privateIp"`
	ElasticIp   *TopoEIPRef `json:"elasticIp"` // nil when it holds none
}

// TopoEIPRef names the EIP an instance holds.
type TopoEIPRef struct {
	Id      string `json:"id"`
	Address string `json:"address"`
}

// TopoElasticIp is an EIP and what holds it.
type TopoElasticIp struct {
	Region             string `json:"region"`
	Id                 string `json:"id"`
	Name               string `json:"name"`
	Address            string `json:"address"`
	Az                 string `json:"az,omitempty"` // zonal EIP
	BandwidthMbps      int    `json:"bandwidthMbps"`
	Provider           string `json:"provider"`
	HolderInstanceId   string `json:"holderInstanceId"` // "" when not associated with an instance
	HolderInstanceName string `json:"holderInstanceName"`
	NetworkInterfaceId string `json:"networkInterfaceId"`
	PrivateIp          string `json:"privateIp"`
}

// Topology joins a snapshot of the state with the recent calls.
func (e *Emulator) Topology() Topology {
	st := e.Snapshot()
	t := Topology{
		GeneratedAt:        e.now().UTC().Format("2006-01-02T15:04:05.000Z"),
		Region:             e.opts.Region,
		Vpcs:               []TopoVpc{},
		AvailabilityGroups: []TopoAg{},
		OtherInstances:     []TopoInstance{},
		ElasticIps:         []TopoElasticIp{},
		RecentCalls:        e.RecentCalls(),
		TotalCalls:         e.Stats().Total,
	}

	inst := map[string]TopoInstance{}
	for _, id := range sortedKeys(st.Instances) {
		in := st.Instances[id]
		ti := TopoInstance{Id: in.InstanceId, Name: in.InstanceName, Status: in.Status, Task: in.Task,
			Region: in.Region, Az: in.Az, FaultDomain: in.FaultDomain, AgId: in.AgId, SubnetId: in.SubnetId}
		if ni := st.NetworkInterfaces[in.NetworkInterfaceId]; ni != nil {
			ti.PrivateIp = ni.PrimaryIp
			if x := st.ElasticIps[ni.ElasticIpId]; x != nil {
				ti.ElasticIp = &TopoEIPRef{Id: x.ElasticIpId, Address: x.ElasticIpAddress}
			}
		}
		inst[id] = ti
	}

	subnetsOf := map[string][]TopoSubnet{}
	for _, id := range sortedKeys(st.Subnets) {
		sn := st.Subnets[id]
		ts := TopoSubnet{Id: sn.SubnetId, Name: sn.SubnetName, Cidr: sn.AddressPrefix, UsedIps: sortedKeys(sn.UsedIPs)}
		for _, in := range inst {
			if in.SubnetId == sn.SubnetId {
				ts.Instances++
			}
		}
		subnetsOf[sn.VpcId] = append(subnetsOf[sn.VpcId], ts)
	}
	for _, id := range sortedKeys(st.Vpcs) {
		v := st.Vpcs[id]
		subs := subnetsOf[v.VpcId]
		if subs == nil {
			subs = []TopoSubnet{}
		}
		t.Vpcs = append(t.Vpcs, TopoVpc{Region: v.Region, Id: v.VpcId, Name: v.VpcName, Cidr: v.AddressPrefix, Subnets: subs})
	}

	for _, id := range sortedKeys(st.Ags) {
		g := st.Ags[id]
		azs := append([]string{}, g.Azs...)
		for _, in := range inst { // a member outside the group's zones must still be drawn
			if in.AgId == g.Id && !contains1(azs, in.Az) {
				azs = append(azs, in.Az)
			}
		}
		ta := TopoAg{Region: g.Region, Id: g.Id, Name: g.Name, PlacementType: g.PlacementType, Zones: []TopoZone{}}
		for _, az := range azs {
			z := TopoZone{Az: az}
			fds := make([]string, 0, FaultDomainsPerZone)
			for n := 1; n <= FaultDomainsPerZone; n++ {
				fds = append(fds, faultDomainName(az, n))
			}
			for _, in := range sortedInstances(inst) {
				if in.AgId == g.Id && in.Az == az && !contains1(fds, in.FaultDomain) {
					fds = append(fds, in.FaultDomain)
				}
			}
			for _, fd := range fds {
				f := TopoFaultDomain{Name: fd, Instances: []TopoInstance{}}
				for _, in := range sortedInstances(inst) {
					if in.AgId == g.Id && in.Az == az && in.FaultDomain == fd {
						f.Instances = append(f.Instances, in)
					}
				}
				z.FaultDomains = append(z.FaultDomains, f)
			}
			ta.Zones = append(ta.Zones, z)
		}
		t.AvailabilityGroups = append(t.AvailabilityGroups, ta)
	}
	for _, in := range sortedInstances(inst) {
		if in.AgId == "" || st.Ags[in.AgId] == nil {
			t.OtherInstances = append(t.OtherInstances, in)
		}
	}

	for _, id := range sortedKeys(st.ElasticIps) {
		x := st.ElasticIps[id]
		te := TopoElasticIp{Region: x.Region, Id: x.ElasticIpId, Name: x.ElasticIpName, Address: x.ElasticIpAddress,
			Az: x.Az, BandwidthMbps: x.BandwidthMbps, Provider: x.Provider,
			NetworkInterfaceId: x.NetworkInterfaceId, PrivateIp: x.PrivateIpAddress, HolderInstanceId: x.InstanceId}
		if in, ok := inst[x.InstanceId]; ok {
			te.HolderInstanceName = in.Name
		}
		t.ElasticIps = append(t.ElasticIps, te)
	}
	return t
}

// sortedInstances orders by name, then id, so the page does not reshuffle.
func sortedInstances(m map[string]TopoInstance) []TopoInstance {
	out := make([]TopoInstance, 0, len(m))
	for _, in := range m {
		out = append(out, in)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Id < out[j].Id
	})
	return out
}

func contains1(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// isPageRequest: a browser asking for the page. Signed requests (the SDK's)
// always carry Authorization and keep getting API answers.
func isPageRequest(r *http.Request) bool {
	return r.URL.Path == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
		r.Header.Get("Authorization") == "" && isLoopback(r)
}

func serveTopologyPage(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// Everything is inline; the page only talks to this server.
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(topologyPage)
	}
}
