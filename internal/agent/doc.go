// Package agent is the logic of the EIP failover agent
// (cmd/jdcloud-eip-failover), which keeps the EIP on keepalived's MASTER in
// place of the keepalived article's master.sh and `jdc` CLI: a reconciling daemon
// (Daemon, `run`), the one-shot takeover keepalived can run instead (Agent),
// and the permission self-check (CheckPermissions, `check`). It is plain Go
// (no Terraform types) and uses only the SDK's vm, vpc and core packages,
// through internal/jdcloudapi for retries.
//
// # Config file
//
// JSON (an object of string values) or INI ("key = value" lines; "#" and ";"
// start comments; a section header such as [agent] is ignored). The format is
// chosen by the extension (.json, or .ini/.conf/.cfg), else by whether the
// content starts with "{". Unknown keys are errors.
//
//	key               required  default
//	region            yes       -                  e.g. cn-east-2
//	eip_id            yes       -                  e.g. fip-b6f37survq
//	instance_id       yes       -                  this node's VM, e.g. i-bszab8pxg0
//	peer_instance_id  yes       -                  the other member of the pair
//	credentials_file  yes       -                  relative paths are relative to the config file
//	endpoint          no        openapi.internal.<region>.jdcloud-api.com (host or host:port)
//	scheme            no        http               http or https
//	deadline          no        30s                Go duration; a bare number is seconds
//	request_timeout   no        5s                 per API request
//	lock_file         no        /run/jdcloud-eip-failover.lock
//	log_tag           no        jdcloud-eip-failover   syslog tag and stderr prefix
//	syslog            no        true               also log to syslog (/dev/log)
//	run_dir           no        /run/jdcloud-eip-failover   state record, socket, status.json
//	verify_interval   no        5s                 daemon: describe period while MASTER (±10 %)
//	priority          no        -                  daemon: this node's split-brain rank
//	peer_priority     no        -                  (higher wins; equal/unset: smaller instance_id)
//	vrrp_address      no        -                  keepalived's placeholder VIP: MASTER while present
//	keepalived_pid_file no      -                  keepalived's VRRP pid file (-r)
//	metrics_file      no        -                  Prometheus text file with the daemon's status
//	yield_delay       no        2s                 daemon: see Split brain below
//
// Example (JSON):
//
//	{"region": "cn-east-2", "eip_id": "fip-b6f37survq",
//	 "instance_id": "i-bszab8pxg0", "peer_instance_id": "i-pi9w6jp716",
//	 "credentials_file": "/etc/jdcloud-eip-failover/credentials"}
//
// # Credentials file
//
// INI with exactly the keys access_key and secret_key (a section header and
// comments are allowed). The agent refuses the file (exit 2) if group or
// others may read or write it (mode & 0o077 != 0): use chmod 600. Credentials
// are never taken from the command line or the environment and never logged.
// Use a sub-user key allowed only vpc:DescribeElasticIp and
// vm:AssociateElasticIp/DisassociateElasticIp, not the account's master key.
//
// # Takeover
//
// Under an exclusive flock on lock_file (concurrent runs on one node
// serialize; the later one finds the EIP here and does nothing). If lock_file
// cannot be created (a non-root script_user cannot write /run), the agent
// locks the credentials file instead: it always exists and only its owner
// and root may open it, so other users cannot hold the lock.
//  1. Describe the EIP (vpc DescribeElasticIp).
//  2. On this instance: done, with no write call.
//     On the peer: vm DisassociateElasticIp on the peer ("isn't associated"
//     is tolerated: someone else moved it), then vm AssociateElasticIp here.
//     On no instance: associate here.
//     On any other instance or interface: refuse (exit 1, logged loudly); the
//     agent never takes an EIP from a third instance.
//  3. "already in use" on associate means another agent (the peer in a split
//     brain) won the race: describe again and decide again, after a jittered
//     pause so two agents settle instead of trading the EIP in lockstep.
//  4. Verify with another describe that the EIP is here.
//
// Every call is retried on transport errors, 5xx and 429 with backoff and
// jitter until the deadline; 401/403 and an unknown EIP or instance exit 2.
//
// Never on no node because of us: the agent disassociates only to associate
// next. Once it has sent a disassociate whose effect may have happened, it
// finishes the associate even after SIGTERM or the deadline, for up to
// FinishGrace (10 s) more; if the API refuses that associate for good
// (e.g. 403, or this instance is not in a state to take it), it puts the EIP
// back on the peer and gives up rather than flap the peer's address. An
// unassociated EIP is retried until the deadline. A second SIGTERM/SIGINT
// (handled in cmd) exits at once. The deadline bounds waiting between calls;
// one request in flight can add up to request_timeout.
//
// # Daemon
//
// `run` (Daemon) is level-triggered. Each pass reads this node's VRRP state
// now (LocalState: the record `report` leaves in run_dir, keepalived's
// liveness by pid, and vrrp_address in the kernel, which wins over hooks
// that ran out of order):
//   - not MASTER: no API call, never touch the EIP;
//   - MASTER: describe (or, at the start of a MASTER term, act on the last
//     known holder: 2 round trips before the EIP is here), move it here if it
//     is not, verify by describing until the holder shows, then again every
//     verify_interval. Failures back off (capped at 5 s, jittered) and never
//     end while MASTER. The state is read again before every mutating call,
//     so a move in flight stops the moment the node leaves MASTER. A describe
//     showing PROCESSING decides nothing; an associate refused while our
//     release is PROCESSING is retried after 10-20 ms, growing, and the time
//     the release took is learned and waited out before the next takeover's
//     associate (learnSettle).
//
// The daemon is woken by the report hook (unix socket) and, on Linux, by the
// kernel when an address changes (WatchAddresses), which is how it sees
// vrrp_address arrive before any hook has started. The run command gives the
// SDK a WarmDialer, so the first call of a takeover finds a connection open.
//
// Split brain: the node with the higher priority always takes the EIP while
// MASTER. The lower one takes it at the start of its MASTER term, but once
// the EIP leaves it (for the peer, or for no instance for longer than
// yield_delay) during that term, the peer took it while both were MASTER,
// and it yields until its state changes: at most one move away and one back.
//
// # Notify
//
// keepalived's generic notify passes TYPE NAME STATE PRIORITY. MASTER runs
// Takeover; BACKUP, FAULT and STOP only log (releasing the EIP there could
// leave it on no node; the new master takes it); unknown states log and exit 0.
//
// # Exit codes
//
// 0 the EIP is on this node at the end (notify with a non-MASTER state: 0);
// 1 gave up (deadline, signal, refused, or for status: not here);
// 2 bad config or credentials, including 401/403 from the API.
//
// # Logging
//
// One line per event (step, call, instance, request_id, attempt, duration,
// outcome, detail) to stderr and, when /dev/log exists, to syslog.
package agent
