package keepalived

import (
	"errors"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// baseSpec is the article's pair done right.
func baseSpec() Spec {
	return Spec{
		VRID:      51,
		Interface: "eth0",
		Nodes: [2]Node{
			{Name: "nginx-master", InstanceID: "i-bszab8pxg0", PrivateIP: netip.MustParseAddr("10.0.1.18"), Priority: 150},
			{Name: "nginx-backup", InstanceID: "i-pi9w6jp716", PrivateIP: netip.MustParseAddr("10.0.1.19"), Priority: 100},
		},
		Preempt:         true,
		HealthCheck:     HealthCheck{Kind: HealthCheckPgrep, Process: "nginx"},
		CheckUnicastSrc: true,
	}
}

// variants are the rendered configurations covered by golden files and by keepalived -t.
func variants() map[string]Spec {
	v := map[string]Spec{}

	s := baseSpec()
	s.AuthPass = "s3cret12"
	v["v2-preempt-pgrep-auth"] = s

	s = baseSpec()
	s.Preempt = false
	s.HealthCheck = HealthCheck{Kind: HealthCheckPidfile, PIDFile: "/run/nginx.pid", Interval: 2 * time.Second, Timeout: time.Second, Fall: 3, Rise: 1}
	v["v2-nopreempt-pidfile"] = s

	s = baseSpec()
	s.PreemptDelay = 1500 * time.Millisecond
	s.CheckUnicastSrc = false
	s.HealthCheck = HealthCheck{Kind: HealthCheckHTTP, URL: "http://127.0.0.1:8080/healthz", Timeout: time.Second}
	v["v2-preemptdelay-http"] = s

	s = baseSpec()
	s.HealthCheck.Weight = -60
	s.Nodes[1].Interface = "ens5"
	s.ScriptUser = "root"
	v["v2-preempt-pgrep-negweight-ifoverride"] = s

	s = baseSpec()
	s.Version = 3
	s.AdvertInterval = 100 * time.Millisecond
	v["v3-preempt-pgrep"] = s

	s = baseSpec()
	s.Version = 3
	s.AdvertInterval = 100 * time.Millisecond
	s.Preempt = false
	s.HealthCheck = HealthCheck{Kind: HealthCheckHTTP, URL: "http://localhost:8080/", ExpectedStatus: 204}
	v["v3-nopreempt-http"] = s

	s = baseSpec()
	s.Version = 3
	s.AdvertInterval = 250 * time.Millisecond
	s.HealthCheck = HealthCheck{Kind: HealthCheckPidfile, PIDFile: "/run/nginx.pid"}
	s.AgentPath = "/opt/jdha/bin/jdcloud-eip-failover"
	s.AgentConfigPath = "/opt/jdha/etc/agent.ini"
	s.DummyVIP = "192.0.2.77/32"
	v["v3-preempt-pidfile-paths"] = s

	s = baseSpec()
	s.Version = 3
	s.AdvertInterval = time.Second
	s.PreemptDelay = 2 * time.Second
	s.HealthCheck = HealthCheck{Kind: HealthCheckNone}
	v["v3-preemptdelay-none"] = s

	s = baseSpec()
	s.Version = 3
	s.AdvertInterval = 100 * time.Millisecond
	s.Preempt = false
	s.Daemon = true
	v["v3-nopreempt-daemon"] = s
	return v
}

// TestRenderDaemonHooks: with the daemon, every hook only reports (no API
// call from keepalived), MASTER_RX_LOWER_PRI included.
func TestRenderDaemonHooks(t *testing.T) {
	s := baseSpec()
	s.Daemon = true
	nodes, err := Render(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		for _, state := range []string{"master", "backup", "fault", "stop"} {
			// No priority argument: a priority change must not rewrite every hook.
			want := "notify_" + state + " \"" + DefaultAgentPath + " --config " + DefaultAgentConfigPath + " report INSTANCE VI_1 " + strings.ToUpper(state) + "\""
			if !hasLine(n.Text, want) {
				t.Fatalf("%s lacks %s:\n%s", n.Role, want, n.Text)
			}
		}
		if !hasLine(n.Text, "notify_master_rx_lower_pri \""+DefaultAgentPath+" --config "+DefaultAgentConfigPath+" report INSTANCE VI_1 MASTER_RX_LOWER_PRI\"") || strings.Contains(n.Text, " takeover") || strings.Contains(n.Text, " notify INSTANCE") {
			t.Fatalf("%s: daemon hooks wrong:\n%s", n.Role, n.Text)
		}
	}
}

func TestRenderGolden(t *testing.T) {
	for name, spec := range variants() {
		t.Run(name, func(t *testing.T) {
			nodes, err := Render(spec)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if len(nodes) != 2 || nodes[0].Role != "master" || nodes[1].Role != "backup" {
				t.Fatalf("want master then backup, got %+v", nodes)
			}
			for _, n := range nodes {
				path := filepath.Join("testdata", name+"."+n.Role+".conf")
				if *update {
					if err := os.WriteFile(path, []byte(n.Text), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test -run TestRenderGolden -update)", err)
				}
				if n.Text != string(want) {
					t.Errorf("%s differs from the golden file:\n%s", path, n.Text)
				}
				again, _ := Render(spec)
				if again[nodeIndex(n.Role)].Text != n.Text {
					t.Errorf("%s: rendering twice gave different text", n.Role)
				}
				for i := 0; i < len(n.Text); i++ {
					if c := n.Text[i]; c > 0x7e || (c < 0x20 && c != '\n') {
						t.Fatalf("%s: byte %#x at %d is not printable ASCII", n.Role, c, i)
					}
				}
			}
		})
	}
}

func nodeIndex(role string) int {
	if role == "master" {
		return MasterIndex
	}
	return BackupIndex
}

// configLines returns the non-comment lines of a rendered config, trimmed.
func configLines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

func hasLine(text, line string) bool {
	for _, l := range configLines(text) {
		if l == line {
			return true
		}
	}
	return false
}

func TestRenderSemantics(t *testing.T) {
	render := func(t *testing.T, s Spec) (master, backup string) {
		t.Helper()
		nodes, err := Render(s)
		if err != nil {
			t.Fatalf("Render: %v", err)
		}
		return nodes[0].Text, nodes[1].Text
	}

	t.Run("unicast peers point at each other", func(t *testing.T) {
		m, b := render(t, baseSpec())
		for _, c := range []struct {
			text, line string
		}{
			{m, "unicast_src_ip 10.0.1.18"}, {m, "10.0.1.19"},
			{b, "unicast_src_ip 10.0.1.19"}, {b, "10.0.1.18"},
			{m, "priority 150"}, {b, "priority 100"},
			{m, "enable_script_security"}, {m, "script_user root"},
			{m, "check_unicast_src"}, {m, "higher_prio_send_advert"}, {b, "higher_prio_send_advert"},
		} {
			if !hasLine(c.text, c.line) {
				t.Errorf("missing line %q in:\n%s", c.line, c.text)
			}
		}
		if hasLine(m, "10.0.1.18") || hasLine(b, "10.0.1.19") {
			t.Error("a node lists itself as its unicast peer")
		}
	})

	t.Run("preempt without delay starts the master as MASTER", func(t *testing.T) {
		m, b := render(t, baseSpec())
		if !hasLine(m, "state MASTER") || !hasLine(b, "state BACKUP") {
			t.Errorf("states wrong:\n%s\n%s", m, b)
		}
		if strings.Contains(m, "nopreempt") || strings.Contains(m, "preempt_delay") {
			t.Error("preempt without delay must render neither nopreempt nor preempt_delay")
		}
	})

	for _, tc := range []struct {
		name   string
		modify func(*Spec)
		want   string
	}{
		{"nopreempt", func(s *Spec) { s.Preempt = false }, "nopreempt"},
		{"preempt_delay", func(s *Spec) { s.PreemptDelay = 2500 * time.Millisecond }, "preempt_delay 2.5"},
	} {
		t.Run(tc.name+" starts both nodes as BACKUP", func(t *testing.T) {
			s := baseSpec()
			tc.modify(&s)
			m, b := render(t, s)
			for _, text := range []string{m, b} {
				if !hasLine(text, "state BACKUP") || hasLine(text, "state MASTER") {
					t.Errorf("want state BACKUP:\n%s", text)
				}
				if !hasLine(text, tc.want) {
					t.Errorf("missing %q:\n%s", tc.want, text)
				}
			}
		})
	}

	t.Run("takeover on master and on a lower-priority advert, logging otherwise", func(t *testing.T) {
		s := baseSpec()
		s.AgentPath, s.AgentConfigPath = "/opt/a/agent", "/etc/a/agent.json"
		m, b := render(t, s)
		for _, text := range []string{m, b} {
			for _, want := range []string{
				`notify_master "/opt/a/agent --config /etc/a/agent.json takeover"`,
				`notify_master_rx_lower_pri "/opt/a/agent --config /etc/a/agent.json takeover"`,
			} {
				if !hasLine(text, want) {
					t.Errorf("missing %s in:\n%s", want, text)
				}
			}
			if strings.Contains(text, "\n    notify \"") {
				t.Error("generic notify would run a second takeover on MASTER")
			}
		}
		for _, want := range []string{
			`notify_backup "/opt/a/agent --config /etc/a/agent.json notify INSTANCE VI_1 BACKUP 100"`,
			`notify_fault "/opt/a/agent --config /etc/a/agent.json notify INSTANCE VI_1 FAULT 100"`,
			`notify_stop "/opt/a/agent --config /etc/a/agent.json notify INSTANCE VI_1 STOP 100"`,
		} {
			if !hasLine(b, want) {
				t.Errorf("missing %s in backup:\n%s", want, b)
			}
		}
	})

	t.Run("version and advert_int", func(t *testing.T) {
		for _, c := range []struct {
			version int
			advert  time.Duration
			want    string
		}{
			{2, 3 * time.Second, "advert_int 3"},
			{3, 100 * time.Millisecond, "advert_int 0.1"},
			{3, 10 * time.Millisecond, "advert_int 0.01"},
			{3, 1250 * time.Millisecond, "advert_int 1.25"},
			{3, 2 * time.Second, "advert_int 2"},
		} {
			s := baseSpec()
			s.Version, s.AdvertInterval = c.version, c.advert
			m, _ := render(t, s)
			if !hasLine(m, c.want) || !hasLine(m, "version "+string(rune('0'+c.version))) {
				t.Errorf("v%d %s: want %q:\n%s", c.version, c.advert, c.want, m)
			}
			if !hasLine(m, "192.0.2.1/32 dev lo") {
				t.Errorf("v%d: missing the placeholder VIP keepalived 2.2.7 needs", c.version)
			}
		}
	})

	t.Run("health check commands", func(t *testing.T) {
		for _, c := range []struct {
			hc   HealthCheck
			want string
		}{
			{HealthCheck{Kind: HealthCheckPgrep, Process: "nginx"}, `script "/usr/bin/pgrep -x nginx"`},
			{HealthCheck{Kind: HealthCheckPidfile, PIDFile: "/run/nginx.pid"}, `script "/usr/bin/pgrep -F /run/nginx.pid"`},
			{HealthCheck{Kind: HealthCheckHTTP, URL: "http://127.0.0.1/health", Timeout: 2 * time.Second, Interval: 3 * time.Second},
				`script "/bin/sh -c '/usr/bin/curl -s -o /dev/null -m 2 -w %{http_code} http://127.0.0.1/health | /usr/bin/grep -qx 200'"`},
		} {
			s := baseSpec()
			s.HealthCheck = c.hc
			m, b := render(t, s)
			for _, text := range []string{m, b} {
				if !hasLine(text, c.want) || !hasLine(text, "chk_health") {
					t.Errorf("want %s tracked as chk_health:\n%s", c.want, text)
				}
				if strings.Contains(text, "pidof ") && !strings.Contains(text, "never pidof") {
					t.Error("rendered pidof")
				}
			}
		}
		s := baseSpec()
		s.HealthCheck = HealthCheck{Kind: HealthCheckNone}
		m, _ := render(t, s)
		if strings.Contains(m, "vrrp_script") || strings.Contains(m, "track_script") {
			t.Errorf("kind none rendered a script:\n%s", m)
		}
	})

	t.Run("weight 0 documented as FAULT", func(t *testing.T) {
		m, _ := render(t, baseSpec())
		if !hasLine(m, "weight 0") || !strings.Contains(m, "enters FAULT") {
			t.Errorf("weight 0 and its FAULT semantics must be in the config:\n%s", m)
		}
	})

	t.Run("auth only when set", func(t *testing.T) {
		m, _ := render(t, baseSpec())
		if strings.Contains(m, "authentication") {
			t.Error("authentication rendered without auth_pass")
		}
		s := baseSpec()
		s.AuthPass = "abc"
		m, _ = render(t, s)
		if !hasLine(m, "auth_type PASS") || !hasLine(m, "auth_pass abc") {
			t.Errorf("auth missing:\n%s", m)
		}
	})

	t.Run("interface override", func(t *testing.T) {
		s := baseSpec()
		s.Nodes[1].Interface = "ens5"
		m, b := render(t, s)
		if !hasLine(m, "interface eth0") || !hasLine(b, "interface ens5") {
			t.Errorf("interfaces wrong:\n%s\n%s", m, b)
		}
	})
}

func TestValidate(t *testing.T) {
	if err := baseSpec().Validate(); err != nil {
		t.Fatalf("base spec: %v", err)
	}
	for name, s := range variants() {
		if err := s.Validate(); err != nil {
			t.Errorf("variant %s: %v", name, err)
		}
	}

	for _, tc := range []struct {
		name   string
		modify func(*Spec)
		field  string
		substr string
	}{
		{"vrid zero", func(s *Spec) { s.VRID = 0 }, "vrid", "1-255"},
		{"vrid 256", func(s *Spec) { s.VRID = 256 }, "vrid", "1-255"},
		{"version 4", func(s *Spec) { s.Version = 4 }, "version", "2 or 3"},
		{"v2 sub-second", func(s *Spec) { s.AdvertInterval = 500 * time.Millisecond }, "advert_interval", "whole seconds"},
		{"v2 too long", func(s *Spec) { s.AdvertInterval = 256 * time.Second }, "advert_interval", "255s"},
		{"v3 5ms", func(s *Spec) { s.Version = 3; s.AdvertInterval = 5 * time.Millisecond }, "advert_interval", "10ms"},
		{"v3 15ms", func(s *Spec) { s.Version = 3; s.AdvertInterval = 15 * time.Millisecond }, "advert_interval", "multiple of 10ms"},
		{"v3 too long", func(s *Spec) { s.Version = 3; s.AdvertInterval = 41 * time.Second }, "advert_interval", "40.95s"},
		{"no interface", func(s *Spec) { s.Interface = "" }, "interface", "required"},
		{"interface too long", func(s *Spec) { s.Interface = "abcdefghijklmnop" }, "interface", "at most 15"},
		{"interface with space", func(s *Spec) { s.Interface = "eth 0" }, "interface", "interface name"},
		{"node interface brace", func(s *Spec) { s.Nodes[1].Interface = "eth0}" }, "nodes[1].interface", `'}'`},
		{"instance name quote", func(s *Spec) { s.InstanceName = `VI"1` }, "instance_name", `'"'`},
		{"instance name space", func(s *Spec) { s.InstanceName = "VI 1" }, "instance_name", "letters"},
		{"master name missing", func(s *Spec) { s.Nodes[0].Name = "" }, "nodes[0].name", "required"},
		{"names equal", func(s *Spec) { s.Nodes[1].Name = s.Nodes[0].Name }, "nodes[1].name", "same as"},
		{"name newline", func(s *Spec) { s.Nodes[0].Name = "a\nvrrp_script x" }, "nodes[0].name", "control character"},
		{"instance id hash", func(s *Spec) { s.Nodes[1].InstanceID = "i-1#x" }, "nodes[1].instance_id", `'#'`},
		{"instance ids equal", func(s *Spec) { s.Nodes[1].InstanceID = s.Nodes[0].InstanceID }, "nodes[1].instance_id", "same as"},
		{"ip missing", func(s *Spec) { s.Nodes[1].PrivateIP = netip.Addr{} }, "nodes[1].private_ip", "required"},
		{"ip v6", func(s *Spec) { s.Nodes[0].PrivateIP = netip.MustParseAddr("fd00::1") }, "nodes[0].private_ip", "IPv4"},
		{"ip multicast", func(s *Spec) { s.Nodes[0].PrivateIP = netip.MustParseAddr("224.0.0.18") }, "nodes[0].private_ip", "unicast"},
		{"ips equal", func(s *Spec) { s.Nodes[1].PrivateIP = s.Nodes[0].PrivateIP }, "nodes[1].private_ip", "same as"},
		{"priority 0", func(s *Spec) { s.Nodes[1].Priority = 0 }, "nodes[1].priority", "must be 1-254"},
		{"priority 255", func(s *Spec) { s.Nodes[0].Priority = 255 }, "nodes[0].priority", "must be 1-254"},
		{"master not higher", func(s *Spec) { s.Nodes[0].Priority = 100 }, "nodes[0].priority", "higher than the backup"},
		{"delay without preempt", func(s *Spec) { s.Preempt = false; s.PreemptDelay = time.Second }, "preempt_delay", "only applies with preempt"},
		{"delay too long", func(s *Spec) { s.PreemptDelay = 1001 * time.Second }, "preempt_delay", "0-1000s"},
		{"delay 5ms", func(s *Spec) { s.PreemptDelay = 5 * time.Millisecond }, "preempt_delay", "10ms"},
		{"auth too long", func(s *Spec) { s.AuthPass = "123456789" }, "auth_pass", "at most 8"},
		{"auth with v3", func(s *Spec) { s.Version = 3; s.AuthPass = "abc" }, "auth_pass", "VRRPv3"},
		{"auth brace", func(s *Spec) { s.AuthPass = "a}b" }, "auth_pass", `'}'`},
		{"auth space", func(s *Spec) { s.AuthPass = "a b" }, "auth_pass", "letters"},
		{"kind missing", func(s *Spec) { s.HealthCheck.Kind = "" }, "health_check.kind", "required"},
		{"kind unknown", func(s *Spec) { s.HealthCheck.Kind = "tcp" }, "health_check.kind", "one of"},
		{"article curly quotes", func(s *Spec) { s.HealthCheck.Process = "\u201cpidof nginx\u201d" }, "health_check.process", "non-ASCII"},
		{"pidof", func(s *Spec) { s.HealthCheck.Process = "pidof nginx" }, "health_check.process", "pidof always fails"},
		{"process too long", func(s *Spec) { s.HealthCheck.Process = "a-very-long-daemon" }, "health_check.process", "at most 15"},
		{"process missing", func(s *Spec) { s.HealthCheck.Process = "" }, "health_check.process", "required"},
		{"process with args", func(s *Spec) { s.HealthCheck.Process = "nginx;reboot" }, "health_check.process", "process name"},
		{"pidfile relative", func(s *Spec) {
			s.HealthCheck = HealthCheck{Kind: HealthCheckPidfile, PIDFile: "run/nginx.pid"}
		}, "health_check.pid_file", "absolute"},
		{"pidfile dotdot", func(s *Spec) {
			s.HealthCheck = HealthCheck{Kind: HealthCheckPidfile, PIDFile: "/run/../etc/x"}
		}, "health_check.pid_file", "clean"},
		{"pidfile backslash", func(s *Spec) {
			s.HealthCheck = HealthCheck{Kind: HealthCheckPidfile, PIDFile: `/run/a\b`}
		}, "health_check.pid_file", `'\\'`},
		{"url missing", func(s *Spec) { s.HealthCheck = HealthCheck{Kind: HealthCheckHTTP} }, "health_check.url", "required"},
		{"url remote host", func(s *Spec) {
			s.HealthCheck = HealthCheck{Kind: HealthCheckHTTP, URL: "http://10.0.1.19/"}
		}, "health_check.url", "loopback"},
		{"url https", func(s *Spec) {
			s.HealthCheck = HealthCheck{Kind: HealthCheckHTTP, URL: "https://127.0.0.1/"}
		}, "health_check.url", "http://"},
		{"url query", func(s *Spec) {
			s.HealthCheck = HealthCheck{Kind: HealthCheckHTTP, URL: "http://127.0.0.1/?a=1&b=2"}
		}, "health_check.url", "query"},
		{"url shell chars", func(s *Spec) {
			s.HealthCheck = HealthCheck{Kind: HealthCheckHTTP, URL: "http://127.0.0.1/a;reboot"}
		}, "health_check.url", "path may hold only"},
		{"url ipv6 loopback", func(s *Spec) {
			s.HealthCheck = HealthCheck{Kind: HealthCheckHTTP, URL: "http://[::1]/"}
		}, "health_check.url", "IPv4 loopback"},
		{"url single quote", func(s *Spec) {
			s.HealthCheck = HealthCheck{Kind: HealthCheckHTTP, URL: "http://127.0.0.1/'"}
		}, "health_check.url", `'\''`},
		{"status 99", func(s *Spec) {
			s.HealthCheck = HealthCheck{Kind: HealthCheckHTTP, URL: "http://127.0.0.1/", ExpectedStatus: 99}
		}, "health_check.expected_status", "100-599"},
		{"interval sub-second", func(s *Spec) { s.HealthCheck.Interval = 500 * time.Millisecond }, "health_check.interval", "whole seconds"},
		{"timeout fractional", func(s *Spec) { s.HealthCheck.Timeout = 1500 * time.Millisecond }, "health_check.timeout", "whole seconds"},
		{"fall negative", func(s *Spec) { s.HealthCheck.Fall = -1 }, "health_check.fall", "1-100"},
		{"rise too big", func(s *Spec) { s.HealthCheck.Rise = 101 }, "health_check.rise", "1-100"},
		{"weight out of range", func(s *Spec) { s.HealthCheck.Weight = -254 }, "health_check.weight", "-253-253"},
		{"weight with nopreempt", func(s *Spec) { s.Preempt = false; s.HealthCheck.Weight = -100 }, "health_check.weight", "nopreempt"},
		{"negative weight too small", func(s *Spec) { s.HealthCheck.Weight = -50 }, "health_check.weight", "never fail over"},
		{"positive weight too small", func(s *Spec) { s.HealthCheck.Weight = 50 }, "health_check.weight", "never fail over"},
		{"script user upper", func(s *Spec) { s.ScriptUser = "Root" }, "script_user", "user name"},
		{"script user bang", func(s *Spec) { s.ScriptUser = "root!" }, "script_user", `'!'`},
		{"agent relative", func(s *Spec) { s.AgentPath = "jdcloud-eip-failover" }, "agent_path", "absolute"},
		{"agent space", func(s *Spec) { s.AgentPath = "/usr/local/bin/my agent" }, "agent_path", "absolute"},
		{"agent curly quote", func(s *Spec) { s.AgentPath = "\u201c/etc/keepalived/master.sh\u201d" }, "agent_path", "non-ASCII"},
		{"agent config dollar", func(s *Spec) { s.AgentConfigPath = "/etc/$HOME/x" }, "agent_config_path", `'$'`},
		{"agent config tab", func(s *Spec) { s.AgentConfigPath = "/etc/a\tb" }, "agent_config_path", "control character"},
		{"dummy vip v6", func(s *Spec) { s.DummyVIP = "2001:db8::1/128" }, "dummy_vip", "IPv4 /32"},
		{"dummy vip /24", func(s *Spec) { s.DummyVIP = "192.0.2.0/24" }, "dummy_vip", "IPv4 /32"},
		{"dummy vip is node", func(s *Spec) { s.DummyVIP = "10.0.1.18/32" }, "dummy_vip", "private IP"},
		{"dummy vip injection", func(s *Spec) { s.DummyVIP = "192.0.2.1/32 dev lo }\n" }, "dummy_vip", `'}'`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := baseSpec()
			tc.modify(&s)
			err := s.Validate()
			if err == nil {
				t.Fatalf("Validate accepted it")
			}
			var fe *FieldError
			var found *FieldError
			var ve ValidationError
			if !errors.As(err, &ve) || !errors.As(err, &fe) {
				t.Fatalf("error %v is not a ValidationError of FieldErrors", err)
			}
			for _, e := range ve {
				if e.Field == tc.field {
					found = e
				}
			}
			if found == nil {
				t.Fatalf("no error for field %s in: %v", tc.field, err)
			}
			if !strings.Contains(found.Problem, tc.substr) {
				t.Errorf("error for %s = %q, want it to mention %q", tc.field, found.Problem, tc.substr)
			}
			if !strings.HasPrefix(found.Error(), tc.field+": ") {
				t.Errorf("Error() = %q does not start with the field name", found.Error())
			}
			if _, rerr := Render(s); rerr == nil {
				t.Error("Render accepted an invalid spec")
			}
		})
	}
}

func TestValidateReportsEveryBadField(t *testing.T) {
	s := baseSpec()
	s.VRID = 0
	s.Nodes[1].Priority = 300
	s.HealthCheck.Process = "\u201cpidof"
	err := s.Validate()
	var ve ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v", err)
	}
	var fields []string
	for _, e := range ve {
		fields = append(fields, e.Field)
	}
	want := []string{"vrid", "nodes[1].priority", "health_check.process"}
	if strings.Join(fields, ",") != strings.Join(want, ",") {
		t.Fatalf("fields %v, want %v (in order)", fields, want)
	}
}

func TestWeightThatCanFailOverIsAccepted(t *testing.T) {
	for _, w := range []int{-51, -100, 51, 253} {
		s := baseSpec()
		s.HealthCheck.Weight = w
		if err := s.Validate(); err != nil {
			t.Errorf("weight %d: %v", w, err)
		}
	}
}

// skeleton is the first word of every config line: what an injection would have to change.
func skeleton(text string) string {
	var words []string
	for _, l := range configLines(text) {
		words = append(words, strings.Fields(l)[0])
	}
	return strings.Join(words, " ")
}

// Fuzz the text checks: whatever the input, a spec that validates renders only printable ASCII
// with the same line structure as a known-safe value.
func FuzzRenderNoInjection(f *testing.F) {
	for _, seed := range []string{"nginx", "\u201cpidof nginx\u201d", "a}\nvrrp_script x {", "/run/x.pid", "ab#c", "x'y", "http://127.0.0.1/a b"} {
		f.Add(seed)
	}
	setters := []struct {
		safe string
		set  func(*Spec, string)
	}{
		{"nginx", func(s *Spec, v string) { s.HealthCheck.Process = v }},
		{"/usr/bin/agent", func(s *Spec, v string) { s.AgentPath = v }},
		{"node-a", func(s *Spec, v string) { s.Nodes[0].Name = v }},
		{"abc", func(s *Spec, v string) { s.AuthPass = v }},
		{"http://127.0.0.1/", func(s *Spec, v string) { s.HealthCheck = HealthCheck{Kind: HealthCheckHTTP, URL: v} }},
	}
	f.Fuzz(func(t *testing.T, in string) {
		if in == "" {
			return // empty means unset or default, which legitimately drops or changes a block
		}
		for _, st := range setters {
			ref, s := baseSpec(), baseSpec()
			st.set(&ref, st.safe)
			st.set(&s, in)
			nodes, err := Render(s)
			if err != nil {
				continue
			}
			want, err := Render(ref)
			if err != nil {
				t.Fatalf("reference %q: %v", st.safe, err)
			}
			for i, n := range nodes {
				if skeleton(n.Text) != skeleton(want[i].Text) {
					t.Fatalf("input %q changed the config structure:\n%s", in, n.Text)
				}
				for _, l := range configLines(n.Text) {
					if strings.Count(l, `"`)%2 != 0 {
						t.Fatalf("input %q unbalanced quotes in %q", in, l)
					}
				}
				for j := 0; j < len(n.Text); j++ {
					if c := n.Text[j]; c > 0x7e || (c < 0x20 && c != '\n') {
						t.Fatalf("input %q rendered byte %#x", in, c)
					}
				}
			}
		}
	})
}

func TestRenderPerNodeAgentConfigPath(t *testing.T) {
	s := baseSpec()
	s.Nodes[BackupIndex].AgentConfigPath = "/run/jdha/backup/agent.json"
	out, err := Render(s)
	if err != nil {
		t.Fatal(err)
	}
	master, backup := out[MasterIndex].Text, out[BackupIndex].Text
	if !strings.Contains(backup, "--config /run/jdha/backup/agent.json takeover") || strings.Contains(master, "/run/jdha/backup") {
		t.Fatalf("the backup's override must reach only the backup's hooks:\nmaster:\n%s\nbackup:\n%s", master, backup)
	}
	s.Nodes[MasterIndex].AgentConfigPath = "relative/agent.json"
	if _, err := Render(s); err == nil || !strings.Contains(err.Error(), "nodes[0].agent_config_path") {
		t.Fatalf("a relative per-node path must be refused naming the field, got %v", err)
	}
}
