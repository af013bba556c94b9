// Package keepalived renders the keepalived.conf of each node of a two-node EIP failover pair
// and validates the settings first.
//
// It fixes what the hand-written config of the keepalived article (*基于 Keepalived 实现京东云接入服务组件高可用*,
// 2019; see the README) gets wrong:
//   - ASCII only, and no input can change the config's structure: any value holding quotes,
//     braces, '#', '!', '$', a backslash, whitespace where a single word is expected, a control
//     character or a non-ASCII character (the article's curly quotes) is rejected, and the error
//     names the field;
//   - health checks that work under keepalived: `pgrep -x` by process name, `pgrep -F` on a pid
//     file, or an HTTP request to a loopback URL; never pidof (under keepalived on Debian 12 it
//     resolves to killall5 and always fails);
//   - enable_script_security with an explicit script_user;
//   - notify_master and notify_master_rx_lower_pri both run the agent's idempotent takeover, so a
//     healed split brain ends with the EIP on the node that is MASTER;
//   - nopreempt and preempt_delay only work when the node starts as BACKUP, so both nodes do;
//   - VRRPv3 with sub-second adverts carries a placeholder VIP on lo, because keepalived 2.2.7
//     drops a v3 instance with no virtual address (and warns about a v2 one).
//
// The package is plain Go: no Terraform types, no SDK.
//
// # Keepalived notes
//
// The traps the renderer and validator are built around, as observed with Debian 12's
// keepalived 2.2.7 (the end-to-end tests run that keepalived and fail on the log lines below):
//
//   - Quoting: keepalived's parser gives quotes, braces, '#' and '!' (comments), '\' and
//     $VARIABLE substitution a meaning of their own, so no value may hold them. A curly quote
//     passes `keepalived -t` with only a warning and the script silently never runs; the log
//     says "disabling", "ignoring" or "cannot be accessed". A script line is one double-quoted
//     string; the http check's is an `sh -c` argument in single quotes, so a URL path may hold
//     only characters the shell takes literally.
//   - Scripts: pidof under keepalived resolves to killall5 and always fails; curl alone cannot
//     compare a status code (hence sh, curl and grep; curl prints 000 when it cannot connect).
//   - Script security: with enable_script_security keepalived refuses ("unsafe permissions",
//     "security violation") a script on a path where any directory is not root-owned or is
//     writable by group or others, so the agent must not live under /tmp.
//   - script_user: it must exist on the node and read the agent's files. With a non-root
//     script_user, `keepalived -t` kills itself with SIGTERM (exit 143) after checking the
//     scripts although keepalived runs fine: such a config is tested by running it.
//   - Preemption: nopreempt and preempt_delay work only on an instance that starts as BACKUP.
//   - Split brain: when a partition heals, the MASTER that hears a lower priority stays MASTER
//     without a new notify_master; notify_master_rx_lower_pri is what tells it to take the EIP.
//   - VRRPv3 drops an instance with no virtual_ipaddress (v2 warns), hence the placeholder
//     address from TEST-NET-1 on lo.
//   - auth_pass travels in cleartext in every advert (at most 8 characters, v2 only): it keeps
//     VRRP domains apart by accident and is not a security control.
package keepalived
