package keepalived

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Render validates s and renders one keepalived.conf per node, master first. The output is
// ASCII and deterministic: the same Spec always gives byte-identical text.
func Render(s Spec) ([]NodeConfig, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	s = s.WithDefaults()
	out := make([]NodeConfig, len(s.Nodes))
	for i, n := range s.Nodes {
		out[i] = NodeConfig{Role: role(i), Name: n.Name, InstanceID: n.InstanceID, Text: renderNode(s, i)}
	}
	return out, nil
}

func role(i int) string {
	if i == MasterIndex {
		return "master"
	}
	return "backup"
}

type writer struct{ b strings.Builder }

func (w *writer) line(indent int, format string, args ...any) {
	w.b.WriteString(strings.Repeat("    ", indent))
	fmt.Fprintf(&w.b, format, args...)
	w.b.WriteByte('\n')
}

// block writes a one-level section: "name {", its lines as given, "}".
func (w *writer) block(indent int, name string, lines ...string) {
	w.line(indent, "%s {", name)
	for _, l := range lines {
		w.line(indent+1, "%s", l)
	}
	w.line(indent, "}")
}

func renderNode(s Spec, i int) string {
	self, peer := s.Nodes[i], s.Nodes[1-i]
	w := &writer{}

	id := ""
	if self.InstanceID != "" {
		id = ", instance " + self.InstanceID
	}
	w.line(0, "# keepalived.conf for %s (%s%s)", self.Name, role(i), id)
	w.line(0, "# Rendered by terraform-provider-jdcloudha: local edits are overwritten.")
	w.line(0, "# Needs keepalived >= 2.2.7. The EIP is moved by %s, not by keepalived.", s.AgentPath)
	w.line(0, "")

	w.line(0, "global_defs {")
	w.line(1, "router_id %s", self.Name)
	w.line(1, "# Refuse to run scripts from paths that anyone but root can write to.")
	w.line(1, "enable_script_security")
	w.line(1, "script_user %s", s.ScriptUser)
	w.line(0, "}")
	w.line(0, "")

	hc := s.HealthCheck
	if hc.Kind != HealthCheckNone {
		w.line(0, "vrrp_script %s {", healthScriptName)
		w.line(1, "# %s", healthCheckDescription(hc))
		w.line(1, "script \"%s\"", healthCheckCommand(hc))
		w.line(1, "interval %d", int(hc.Interval/time.Second))
		w.line(1, "timeout %d", int(hc.Timeout/time.Second))
		w.line(1, "fall %d", hc.Fall)
		w.line(1, "rise %d", hc.Rise)
		if hc.Weight == 0 {
			w.line(1, "# weight 0: after %d failures this node enters FAULT and advertises priority 0,", hc.Fall)
			w.line(1, "# so the peer takes over after only its skew time; %d successes end the FAULT.", hc.Rise)
		} else {
			w.line(1, "# weight %d: changes this node's priority instead of entering FAULT.", hc.Weight)
		}
		w.line(1, "weight %d", hc.Weight)
		w.line(0, "}")
		w.line(0, "")
	}

	w.line(0, "vrrp_instance %s {", s.InstanceName)
	switch {
	case s.startsAsMaster() && i == MasterIndex:
		w.line(1, "state MASTER")
	case s.startsAsMaster():
		w.line(1, "state BACKUP")
	default:
		w.line(1, "# Both nodes start as BACKUP: keepalived ignores nopreempt and preempt_delay")
		w.line(1, "# on a node whose initial state is MASTER. The higher priority wins the election.")
		w.line(1, "state BACKUP")
	}
	w.line(1, "interface %s", s.nodeInterface(i))
	w.line(1, "virtual_router_id %d", s.VRID)
	w.line(1, "priority %d", self.Priority)
	w.line(1, "version %d", s.Version)
	w.line(1, "advert_int %s", seconds(s.AdvertInterval))
	switch {
	case !s.Preempt:
		w.line(1, "# After a failover the EIP stays on the new master until that node fails.")
		w.line(1, "nopreempt")
	case s.PreemptDelay > 0:
		w.line(1, "preempt_delay %s", seconds(s.PreemptDelay))
	}
	w.line(1, "unicast_src_ip %s", self.PrivateIP)
	w.block(1, "unicast_peer", peer.PrivateIP.String())
	if s.CheckUnicastSrc {
		w.line(1, "# Drop adverts whose source is not the peer, and let only the peer's /32 reach")
		w.line(1, "# this node (security group, protocol all): unicast adverts are easy to forge.")
		w.line(1, "check_unicast_src")
	}
	w.line(1, "# Healing a split brain: the node yielding MASTER sends one last (lower-priority)")
	w.line(1, "# advert, so the winner always hears it and its notify_master_rx_lower_pri takes the")
	w.line(1, "# EIP back. Without it the loser often yields silently and the EIP stays on it.")
	w.line(1, "higher_prio_send_advert")
	if s.AuthPass != "" {
		w.line(1, "# Cleartext in every advert: keeps VRRP domains apart, NOT a security control.")
		w.block(1, "authentication", "auth_type PASS", "auth_pass "+s.AuthPass)
	}
	w.line(1, "# Placeholder address (never routed): keepalived 2.2.7 drops a VRRPv3 instance")
	w.line(1, "# without a virtual address and warns about a VRRPv2 one.")
	w.block(1, "virtual_ipaddress", s.DummyVIP+" dev lo")
	if hc.Kind != HealthCheckNone {
		w.block(1, "track_script", healthScriptName)
	}
	if s.Daemon {
		w.line(1, "# Every transition is handed to the agent daemon (jdcloud-eip-failover run), which")
		w.line(1, "# keeps the EIP on the MASTER by itself: report records the state and wakes it, and")
		w.line(1, "# never calls the API. A healed split brain (rx_lower_pri) makes it verify at once.")
		w.line(1, "# No priority argument: the daemon arbitrates with agent.json's, and a priority")
		w.line(1, "# change then touches one line of this file, not every hook.")
		for _, state := range []string{"MASTER", "BACKUP", "FAULT", "STOP"} {
			w.line(1, "notify_%s \"%s\"", strings.ToLower(state),
				agentCommand(s, self, "report", "INSTANCE", s.InstanceName, state))
		}
		w.line(1, "notify_master_rx_lower_pri \"%s\"",
			agentCommand(s, self, "report", "INSTANCE", s.InstanceName, "MASTER_RX_LOWER_PRI"))
	} else {
		takeover := agentCommand(s, self, "takeover")
		w.line(1, "# Becoming MASTER, and hearing a lower-priority master while MASTER (a healed split")
		w.line(1, "# brain), both run the agent's takeover: idempotent, locked, safe to run twice.")
		w.line(1, "notify_master \"%s\"", takeover)
		w.line(1, "notify_master_rx_lower_pri \"%s\"", takeover)
		w.line(1, "# Other transitions are only logged; the agent never releases the EIP.")
		for _, state := range []string{"BACKUP", "FAULT", "STOP"} {
			// The same arguments keepalived's generic notify would append; a per-state hook avoids
			// a second takeover on MASTER.
			w.line(1, "notify_%s \"%s\"", strings.ToLower(state),
				agentCommand(s, self, "notify", "INSTANCE", s.InstanceName, state, strconv.Itoa(self.Priority)))
		}
	}
	w.line(0, "}")
	return w.b.String()
}

func agentCommand(s Spec, self Node, args ...string) string {
	config := s.AgentConfigPath
	if self.AgentConfigPath != "" {
		config = self.AgentConfigPath
	}
	return strings.Join(append([]string{s.AgentPath, "--config", config}, args...), " ")
}

// healthCheckCommand is the script line. Every piece was validated to contain no quote,
// whitespace or shell metacharacter, so the text is safe inside keepalived's double quotes and,
// for http, inside the single-quoted `sh -c` argument.
func healthCheckCommand(hc HealthCheck) string {
	switch hc.Kind {
	case HealthCheckPgrep:
		return "/usr/bin/pgrep -x " + hc.Process
	case HealthCheckPidfile:
		return "/usr/bin/pgrep -F " + hc.PIDFile
	case HealthCheckHTTP:
		// curl alone cannot compare the status, hence sh and grep. curl prints 000 when it
		// cannot connect, which never matches.
		return fmt.Sprintf("/bin/sh -c '/usr/bin/curl -s -o /dev/null -m %d -w %%{http_code} %s | /usr/bin/grep -qx %d'",
			int(hc.Timeout/time.Second), hc.URL, hc.ExpectedStatus)
	}
	return ""
}

func healthCheckDescription(hc HealthCheck) string {
	switch hc.Kind {
	case HealthCheckPgrep:
		return "Healthy while a process named exactly " + hc.Process + " runs (never pidof: it fails under keepalived)."
	case HealthCheckPidfile:
		return "Healthy while the process whose PID is in " + hc.PIDFile + " runs."
	case HealthCheckHTTP:
		return fmt.Sprintf("Healthy while %s answers HTTP %d (needs curl).", hc.URL, hc.ExpectedStatus)
	}
	return ""
}

// seconds formats d (a multiple of 10 ms) the way keepalived reads advert_int and
// preempt_delay: "1", "0.1", "2.55".
func seconds(d time.Duration) string {
	cs := int64(d / (10 * time.Millisecond))
	whole, frac := cs/100, cs%100
	if frac == 0 {
		return strconv.FormatInt(whole, 10)
	}
	return strings.TrimRight(fmt.Sprintf("%d.%02d", whole, frac), "0")
}
