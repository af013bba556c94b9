package keepalived

import (
	"cmp"
	"net/netip"
	"time"
)

// Defaults used where a Spec leaves a field at its zero value.
const (
	DefaultInstanceName    = "VI_1"
	DefaultVersion         = 2
	DefaultAdvertInterval  = time.Second
	DefaultScriptUser      = "root"
	DefaultAgentPath       = "/usr/local/sbin/jdcloud-eip-failover"
	DefaultAgentConfigPath = "/etc/jdcloud-eip-failover/agent.json" // the agent's own default (agent.DefaultConfigPath)
	// DefaultDummyVIP is from TEST-NET-1 (RFC 5737): never routed, so holding it on lo is harmless.
	DefaultDummyVIP            = "192.0.2.1/32"
	DefaultCheckInterval       = time.Second
	DefaultCheckFall           = 2
	DefaultCheckRise           = 2
	DefaultHTTPExpectedStatus  = 200
	MasterIndex, BackupIndex   = 0, 1
	healthScriptName           = "chk_health"
	maxAuthPassLen             = 8
	maxPreemptDelay            = 1000 * time.Second
	maxV2AdvertInterval        = 255 * time.Second
	maxV3AdvertInterval        = 4095 * 10 * time.Millisecond
	v3AdvertStep               = 10 * time.Millisecond
	minWeight, maxWeight       = -253, 253
	minPriority, maxPriority   = 1, 254
	minVRID, maxVRID           = 1, 255
	maxProcessNameLen          = 15 // the kernel's comm length, which `pgrep -x` matches against
	maxInterfaceNameLen        = 15 // IFNAMSIZ - 1
	maxNameLen                 = 64
	maxCheckSeconds            = 3600
	maxFallRise                = 100
	maxHTTPStatus, minHTTPStat = 599, 100
)

// HealthCheckKind selects how a node checks its own service.
type HealthCheckKind string

const (
	// HealthCheckPgrep runs `/usr/bin/pgrep -x PROCESS`: healthy while a process with exactly
	// that name runs. Killing only nginx's master process leaves its workers, so pgrep still
	// succeeds; prefer HealthCheckHTTP where that matters.
	HealthCheckPgrep HealthCheckKind = "pgrep"
	// HealthCheckPidfile runs `/usr/bin/pgrep -F PIDFILE`: healthy while the process whose PID
	// the file holds runs.
	HealthCheckPidfile HealthCheckKind = "pidfile"
	// HealthCheckHTTP fetches a loopback URL with curl and is healthy when the status matches.
	HealthCheckHTTP HealthCheckKind = "http"
	// HealthCheckNone renders no health check: only the loss of the node or of keepalived
	// itself causes a failover.
	HealthCheckNone HealthCheckKind = "none"
)

// HealthCheck is the vrrp_script tracked by both nodes.
type HealthCheck struct {
	Kind HealthCheckKind
	// Process is the process name for HealthCheckPgrep (at most 15 characters: the kernel
	// truncates process names there and `pgrep -x` compares against the truncated name).
	Process string
	// PIDFile is the absolute pid file path for HealthCheckPidfile.
	PIDFile string
	// URL is the http:// URL for HealthCheckHTTP; its host must be a loopback address or
	// localhost, so the check never leaves the node.
	URL string
	// ExpectedStatus is the HTTP status that means healthy (default 200).
	ExpectedStatus int
	// Interval between checks and Timeout of one check: whole seconds (keepalived 2.2.7 has no
	// finer resolution). Interval defaults to 1 s, Timeout to Interval.
	Interval, Timeout time.Duration
	// Fall consecutive failures mark the check failed, Rise successes mark it healthy again
	// (both default 2).
	Fall, Rise int
	// Weight 0 (the default) means FAULT semantics: after Fall failures the node enters FAULT
	// and sends a priority-0 advert, so the peer takes over after only its skew time, whatever
	// the priorities. A non-zero weight instead adds to (positive, while healthy) or subtracts
	// from (negative, while failed) the node's priority; it causes a failover only if it crosses
	// the peer's priority, and never with nopreempt, so Validate rejects settings where a failed
	// check could not move the EIP.
	Weight int
}

// Node is one member of the pair.
type Node struct {
	// Name identifies the node in comments and router_id (letters, digits, '.', '_', '-').
	Name string
	// InstanceID is the JD Cloud instance id, written in a comment only (optional).
	InstanceID string
	// PrivateIP is the node's IPv4 address on Interface: its unicast_src_ip and its peer's
	// unicast_peer.
	PrivateIP netip.Addr
	// Priority is the VRRP priority, 1-254; the master's must be higher than the backup's.
	Priority int
	// Interface overrides Spec.Interface for this node.
	Interface string
	// AgentConfigPath overrides Spec.AgentConfigPath for this node (each node's agent config
	// names that node, so two nodes sharing one filesystem, as in a test, need two paths).
	AgentConfigPath string
}

// Spec describes the pair. Nodes[MasterIndex] is the preferred master, Nodes[BackupIndex] the
// backup.
type Spec struct {
	// InstanceName is the vrrp_instance name (default VI_1).
	InstanceName string
	// VRID is the virtual_router_id, 1-255, unique among VRRP routers that can hear each other.
	VRID int
	// Version is the VRRP version, 2 (default) or 3.
	Version int
	// AdvertInterval is advert_int: whole seconds (1-255 s) for VRRPv2; multiples of 10 ms from
	// 10 ms to 40.95 s for VRRPv3. Default 1 s. A node takes over after about 3 adverts missed.
	AdvertInterval time.Duration
	// Interface is the network interface the nodes' private IPs are on (e.g. eth0).
	Interface string
	Nodes     [2]Node
	// Preempt lets the master take the role back when it returns. Without it (nopreempt), the
	// EIP stays where it is after a failover until the current holder fails.
	Preempt bool
	// PreemptDelay delays that preemption (0-1000 s, 10 ms steps); only with Preempt.
	PreemptDelay time.Duration
	// AuthPass enables VRRPv2 PASS authentication (at most 8 characters). It travels in
	// cleartext in every advert: it separates VRRP domains by accident, it is NOT a security
	// control. Let only the peer's /32 reach the node in the security group instead. VRRPv3 has
	// no authentication.
	AuthPass string
	// HealthCheck is tracked by both nodes.
	HealthCheck HealthCheck
	// ScriptUser runs the health check and notify scripts (default root). It must exist on the
	// node and be able to read the agent's config and credentials files. Observed with Debian's
	// 2.2.7: with a non-root script_user, `keepalived -t` kills itself with SIGTERM (exit 143)
	// after checking the scripts, although keepalived itself runs fine; test such configs by
	// running them.
	ScriptUser string
	// AgentPath and AgentConfigPath are the absolute paths of the failover agent and its config
	// file on the nodes. With enable_script_security every directory on AgentPath must be
	// root-owned and not writable by group or others.
	AgentPath, AgentConfigPath string
	// DummyVIP is the placeholder virtual address held on lo by the MASTER (default
	// 192.0.2.1/32): keepalived 2.2.7 drops a VRRPv3 instance without one and warns about a v2
	// one. The real public address is the EIP, which the agent moves.
	DummyVIP string
	// CheckUnicastSrc makes keepalived drop adverts whose source is not the peer.
	CheckUnicastSrc bool
	// Daemon hands every VRRP transition to the agent daemon (`report`, which only records
	// the state and wakes `jdcloud-eip-failover run`) instead of running the one-shot
	// takeover from the hooks. The daemon's config then needs vrrp_address = DummyVIP.
	Daemon bool
}

// NodeConfig is one node's rendered keepalived.conf.
type NodeConfig struct {
	// Role is "master" or "backup".
	Role       string
	Name       string
	InstanceID string
	Text       string
}

// WithDefaults returns s with zero-valued optional fields set to their defaults.
func (s Spec) WithDefaults() Spec {
	s.InstanceName = cmp.Or(s.InstanceName, DefaultInstanceName)
	s.Version = cmp.Or(s.Version, DefaultVersion)
	s.AdvertInterval = cmp.Or(s.AdvertInterval, DefaultAdvertInterval)
	s.ScriptUser = cmp.Or(s.ScriptUser, DefaultScriptUser)
	s.AgentPath = cmp.Or(s.AgentPath, DefaultAgentPath)
	s.AgentConfigPath = cmp.Or(s.AgentConfigPath, DefaultAgentConfigPath)
	s.DummyVIP = cmp.Or(s.DummyVIP, DefaultDummyVIP)
	hc := &s.HealthCheck
	hc.Interval = cmp.Or(hc.Interval, DefaultCheckInterval)
	hc.Timeout = cmp.Or(hc.Timeout, hc.Interval)
	hc.Fall = cmp.Or(hc.Fall, DefaultCheckFall)
	hc.Rise = cmp.Or(hc.Rise, DefaultCheckRise)
	if hc.Kind == HealthCheckHTTP {
		hc.ExpectedStatus = cmp.Or(hc.ExpectedStatus, DefaultHTTPExpectedStatus)
	}
	return s
}

func (s Spec) nodeInterface(i int) string {
	if s.Nodes[i].Interface != "" {
		return s.Nodes[i].Interface
	}
	return s.Interface
}

// startsAsMaster reports whether the preferred master is rendered with `state MASTER`.
// keepalived ignores nopreempt and clears preempt_delay on a node whose initial state is
// MASTER, so with either of them both nodes start as BACKUP and the priorities decide.
func (s Spec) startsAsMaster() bool {
	return s.Preempt && s.PreemptDelay == 0
}
