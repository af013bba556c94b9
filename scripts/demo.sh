#!/usr/bin/env bash
# make demo: the keepalived article's topology applied against the built-in JD Cloud API emulator,
# then a failover run by the embedded agent, the import of an EIP made outside Terraform, and
# (as root, with keepalived) the article's curl loop against real keepalived in network namespaces.
# Everything lives in .demo/ ; every process started here is stopped by its PID on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
demo="$root/.demo"
port=${DEMO_PORT:-18000}
endpoint="127.0.0.1:$port"

bold() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\n\033[31mdemo failed: %s\033[0m\n' "$*" >&2; exit 1; }

[ -x bin/terraform-provider-jdcloudha ] && [ -x bin/jdcloud-emulator ] || die "run 'make demo' (it builds bin/ first)"
command -v terraform >/dev/null || die "terraform is not on PATH"
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then die "port $port is in use (set DEMO_PORT)"; fi

rm -rf "$demo" && mkdir -p "$demo"
emulator_pid=""
cleanup() {
  status=$?
  if [ -n "$emulator_pid" ] && kill -0 "$emulator_pid" 2>/dev/null; then
    kill "$emulator_pid" && wait "$emulator_pid" 2>/dev/null || true
  fi
  if [ $status -ne 0 ]; then
    echo "The emulator's log is in .demo/emulator.log. Rerun with: make demo" >&2
  fi
}
trap cleanup EXIT

bold "Starting the JD Cloud API emulator on http://$endpoint (realistic latency, state in .demo/emulator-state.json)"
bin/jdcloud-emulator --listen "$endpoint" --latency realistic --state "$demo/emulator-state.json" >"$demo/emulator.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 "$emulator_pid" 2>/dev/null || die "the emulator exited: $(tail -5 "$demo/emulator.log")"
  sleep 0.1
done
echo "Watch the topology live at http://$endpoint/"

# The provider built by make, used in place of a registry download.
cat >"$demo/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "jdcloudha/jdcloudha" = "$root/bin"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="$demo/terraformrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
export JDCLOUD_ENDPOINT="$endpoint" JDCLOUD_SCHEME=http JDCLOUD_REGION=cn-east-2
export JDCLOUD_ACCESS_KEY=JDCEMUDEMOACCESSKEY0001 JDCLOUD_SECRET_KEY=jdc-emulator-demo-secret-key-not-for-production
tf() { terraform -chdir="$demo/ha-pair" "$@"; }

cp -r examples/ha-pair "$demo/ha-pair"
rm -rf "$demo/ha-pair/.terraform" "$demo/ha-pair/bundles" "$demo/ha-pair"/terraform.tfstate*
vars=(-var emulator=true -var "agent_endpoint=$endpoint")
# The local node-setup module: `get` installs it offline (init would also
# look up the provider that dev_overrides replaces).
tf get >/dev/null

bold "terraform apply examples/ha-pair (VPC, subnet, security group, availability group, 2 VMs, EIP, failover pair, keepalived bundles)"
start=$(date +%s)
tf apply -auto-approve -input=false "${vars[@]}" || die "terraform apply failed"
echo "applied in $(( $(date +%s) - start ))s"

bold "Outputs"
tf output

master=$(tf output -raw master_instance_id)
backup=$(tf output -raw backup_instance_id)
# The holder is read from state, not an output: an output would change on every failover.
active_instance() { echo 'jdcloudha_failover_pair.web.active_instance_id' | tf console "${vars[@]}" | tr -d '"'; }
[ "$(active_instance)" = "$master" ] || die "the EIP is not on the master after apply"

bold "Failover: on the nodes the agent daemon moves the EIP when keepalived makes the backup MASTER; here we run its one-shot takeover by hand"
bundle="$demo/ha-pair/bundles/backup"
# On the node, agent.json names /etc/jdcloud-eip-failover/credentials; here the bundle's own
# copy (mode 0600) is used, with a lock file beside it.
sed -e 's#"credentials_file": *"[^"]*"#"credentials_file": "credentials", "lock_file": "takeover.lock", "syslog": false#' \
  "$bundle/agent.json" >"$bundle/agent-demo.json"
"$bundle/jdcloud-eip-failover" --config "$bundle/agent-demo.json" takeover || die "the agent's takeover failed"
echo "agent exit 0: the EIP is on the backup. Running it again changes nothing (idempotent):"
"$bundle/jdcloud-eip-failover" --config "$bundle/agent-demo.json" takeover || die "the second takeover failed"

bold "Terraform sees the failover, and does not undo it"
tf apply -refresh-only -auto-approve -input=false "${vars[@]}" >/dev/null || die "refresh failed"
active=$(active_instance)
echo "active_instance_id: $active (backup is $backup)"
[ "$active" = "$backup" ] || die "active_instance_id did not follow the failover"
set +e
tf plan -detailed-exitcode -input=false "${vars[@]}" >"$demo/plan-after-failover.txt"
code=$?
set -e
[ $code -eq 0 ] || die "terraform plan after the failover is not empty (exit $code): see .demo/plan-after-failover.txt"
echo "terraform plan: no changes."

bold "Another machine, without bundles/: the plan rewrites the files in place and replaces nothing"
rm -rf "$demo/ha-pair/bundles"
tf plan -input=false -no-color "${vars[@]}" >"$demo/plan-without-bundles.txt" || die "plan without the bundles failed"
grep -E 'bundle_status|will be|^Plan:' "$demo/plan-without-bundles.txt" || true
grep -q '^Plan: 0 to add, 1 to change, 0 to destroy' "$demo/plan-without-bundles.txt" ||
  die "without the bundles the plan should be one in-place update: see .demo/plan-without-bundles.txt"
tf apply -auto-approve -input=false "${vars[@]}" >/dev/null || die "rewriting the bundles failed"
echo "bundles rewritten; the node hashes are unchanged: $(tf output -json node_bundle_sha256)"

bold "Importing an EIP that was created outside Terraform"
existing=$(go run ./scripts/create-eip -name existing-eip -bandwidth 10) || die "could not create the EIP through the SDK"
echo "created $existing directly through the SDK"
mkdir -p "$demo/import"
cat >"$demo/import/main.tf" <<TF
terraform {
  required_providers {
    jdcloudha = { source = "jdcloudha/jdcloudha" }
  }
}

import {
  to = jdcloudha_elastic_ip.existing
  id = "$existing"
}
TF
terraform -chdir="$demo/import" plan -input=false -generate-config-out=generated.tf >/dev/null || die "plan -generate-config-out failed"
echo "--- generated.tf ---"; cat "$demo/import/generated.tf"
terraform -chdir="$demo/import" apply -auto-approve -input=false >/dev/null || die "import apply failed"
set +e
terraform -chdir="$demo/import" plan -detailed-exitcode -input=false >"$demo/plan-after-import.txt"
code=$?
set -e
[ $code -eq 0 ] || die "plan after import is not empty: see .demo/plan-after-import.txt"
echo "imported $existing; terraform plan: no changes."

bold "The article's experiment: curl every 2 s while the master goes down and comes back"
# Real keepalived (Debian's) and the agent daemon in network namespaces, with
# the EIP routed to whichever instance the emulator says holds it.
if [ "$(id -u)" != 0 ] || ! { command -v keepalived >/dev/null || [ -x /usr/sbin/keepalived ]; } || ! command -v ip >/dev/null; then
  echo "skipped: it needs root, keepalived and iproute2 (apt-get install -y keepalived iproute2, then make demo as root)"
else
  echo "(master and backup in their own network namespaces: keepalived VRRPv2, advert 1 s, preempt; the agent daemon on both)"
  set +e
  JDHA_DEMO=1 go test -count=1 -v -timeout 10m -run '^TestArticleExperimentDemo$' ./internal/e2e/ 2>&1 |
    tee "$demo/experiment.log" | sed -un 's/^demo| //p'
  code=${PIPESTATUS[0]}
  set -e
  [ "$code" -eq 0 ] || die "the experiment failed: see .demo/experiment.log"
  if grep -q -- '--- SKIP' "$demo/experiment.log"; then
    echo "skipped: $(grep -A1 -- '--- SKIP' "$demo/experiment.log" | tail -1 | sed 's/^ *[a-z_]*\.go:[0-9]*: //')"
  fi
fi

bold "Done in $(( $(date +%s) - start ))s"
cat <<MSG
The emulator has been stopped; its state is in .demo/emulator-state.json, the topology in .demo/ha-pair.
  rerun:     make demo
  clean up:  rm -rf .demo
  explore:   bin/jdcloud-emulator --state .demo/emulator-state.json --listen $endpoint   (then http://$endpoint/)
MSG
