//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/jdcloudha/terraform-provider-jdcloudha/internal/netns"
)

// Addresses of the client's link to the cloud namespace.
const (
	clientNet     = "10.0.2.0/24"
	cloudClientIP = "10.0.2.1"
	clientIP      = "10.0.2.2"
)

// dataPlane gives the emulator's EIP a data plane, as the article's users
// see it: the cloud namespace routes the EIP's address to the private IP of
// whichever instance holds it, as the emulator's state says. The state is
// read over the emulator's HTTP control endpoint (/__emulator/state), so the
// emulator and this data plane meet only on the wire. Both hosts carry the
// address on lo (only the holder gets its packets) and run a web server that
// names the node; a client namespace requests http://EIP/.
type dataPlane struct {
	l      *dlab
	client *netns.NS
	addr   string

	mu    sync.Mutex
	route string // private IP the address is routed to, "" when on no instance
	web   [2]*netns.Process
	stop  chan struct{}
	done  chan struct{}
}

func (l *dlab) startDataPlane() *dataPlane { return l.newDataPlane(true) }

// startDataPlane on the health lab serves clients from the nodes' own web
// servers (the ones the health check fetches), so stopping one is both a
// failed check and refused connections.
func (l *hlab) startDataPlane() *dataPlane { return l.newDataPlane(false) }

// newDataPlane starts the client and the routing; with ownWeb it also starts
// a web server on each node.
func (l *dlab) newDataPlane(ownWeb bool) *dataPlane {
	t := l.t
	t.Helper()
	d := &dataPlane{l: l, stop: make(chan struct{}), done: make(chan struct{})}
	st := d.state()
	d.addr = st.ElasticIpAddress
	if d.addr == "" {
		t.Fatalf("the emulator's state has no address for EIP %s", l.eipID)
	}
	d.client = netns.New(t)
	netns.Veth(t, l.cloud, "ve-client", d.client, "eth0")
	l.cloud.AddAddr(t, "ve-client", cloudClientIP+"/24")
	d.client.AddAddr(t, "eth0", clientIP+"/24")
	d.client.MustIP(t, "route", "add", "default", "via", cloudClientIP)
	for _, kv := range []string{"net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0", "net.ipv4.conf.br0.rp_filter=0"} {
		if out, err := l.cloud.Run(context.Background(), "sysctl", "-qw", kv); err != nil {
			t.Fatalf("sysctl %s in the cloud namespace: %v\n%s", kv, err, out)
		}
	}
	for i := range roles {
		l.hosts[i].AddAddr(t, "lo", d.addr+"/32")
		l.hosts[i].MustIP(t, "route", "add", clientNet, "via", cloudIP)
		if ownWeb {
			d.restartWeb(i)
		}
	}
	go d.follow()
	t.Cleanup(func() { close(d.stop); <-d.done })
	return d
}

// restartWeb starts node i's web server (again, after a "node down" fault).
func (d *dataPlane) restartWeb(i int) {
	d.web[i] = startWebServer(d.l.t, d.l.hosts[i], "0.0.0.0:80", i, d.l.poll)
}

type eipState struct {
	ElasticIpAddress string `json:"elasticIpAddress"`
	PrivateIpAddress string `json:"privateIpAddress"`
	InstanceId       string `json:"instanceId"`
}

func (d *dataPlane) state() eipState {
	resp, err := http.Get(d.l.srv.URL() + "/__emulator/state")
	if err != nil {
		return eipState{}
	}
	defer resp.Body.Close()
	var s struct {
		ElasticIps map[string]eipState `json:"elasticIps"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return eipState{}
	}
	return s.ElasticIps[d.l.eipID]
}

// follow re-routes the address within 20 ms of the holder changing.
func (d *dataPlane) follow() {
	defer close(d.done)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		st := d.state()
		next := st.PrivateIpAddress
		if st.InstanceId == "" {
			next = ""
		}
		d.mu.Lock()
		cur := d.route
		d.mu.Unlock()
		if next != cur {
			var err error
			if next == "" {
				_, err = d.l.cloud.Run(context.Background(), "ip", "route", "del", d.addr+"/32")
			} else {
				_, err = d.l.cloud.Run(context.Background(), "ip", "route", "replace", d.addr+"/32", "via", next, "dev", "br0")
			}
			if err == nil {
				d.mu.Lock()
				d.route = next
				d.mu.Unlock()
			}
		}
		select {
		case <-d.stop:
			return
		case <-tick.C:
		}
	}
}

// get requests http://EIP/ from the client namespace; it returns the node
// that answered ("" on failure).
func (d *dataPlane) get(timeout time.Duration) string {
	node, _ := d.request(timeout)
	return node
}

// request is get with the client's error, for showing it.
func (d *dataPlane) request(timeout time.Duration) (node string, err error) {
	c := &http.Client{Timeout: timeout, Transport: &http.Transport{DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return d.client.Dial(network, addr, timeout)
		}}}
	resp, err := c.Get("http://" + d.addr + "/")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(strings.TrimPrefix(string(b), "served by ")), nil
}

// clientLoop is the article's experiment: a request every interval until
// stop, each answer recorded.
type clientLoop struct {
	interval time.Duration
	mu       sync.Mutex
	answers  []answer
	stop     chan struct{}
	done     chan struct{}
}

type answer struct {
	at   time.Time
	node string // "" = failed
}

func (d *dataPlane) loop(interval time.Duration) *clientLoop {
	c := &clientLoop{interval: interval, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			node := d.get(min(interval, time.Second))
			c.mu.Lock()
			c.answers = append(c.answers, answer{at: time.Now(), node: node})
			c.mu.Unlock()
			select {
			case <-c.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return c
}

// end stops the loop and returns the failed requests and the outage the
// client saw: from the last success before the first failure to the first
// success after the last one (0 when nothing failed).
func (c *clientLoop) end() (failed int, outage time.Duration, last string) {
	close(c.stop)
	<-c.done
	c.mu.Lock()
	defer c.mu.Unlock()
	first, lastFail := -1, -1
	for i, a := range c.answers {
		if a.node == "" {
			failed++
			if first < 0 {
				first = i
			}
			lastFail = i
		}
	}
	if n := len(c.answers); n > 0 {
		last = c.answers[n-1].node
	}
	if first < 0 {
		return 0, 0, last
	}
	from, to := c.answers[first].at.Add(-c.interval), c.answers[lastFail].at
	if first > 0 {
		from = c.answers[first-1].at
	}
	if lastFail+1 < len(c.answers) {
		to = c.answers[lastFail+1].at
	}
	return failed, to.Sub(from), last
}

func (c *clientLoop) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	for _, a := range c.answers {
		fmt.Fprintf(&b, "%s %q\n", a.at.Format("15:04:05.000"), a.node)
	}
	return b.String()
}
