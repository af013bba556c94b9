#!/usr/bin/env bash
# Checks every example under examples/: `terraform fmt -check` clean, and
# `terraform validate` passes against the provider built from this tree.
# Then (unless --no-apply) applies examples/ha-pair against an in-process
# emulator: TestAccHAPairExample in internal/examplestest, with the same
# provider binary. Run `make agent` first (make examples-check does) so the
# provider embeds the failover agent the bundles need.
#
# validate needs the provider's schema. A CLI config with dev_overrides makes
# terraform use a freshly built binary without `terraform init` (which would
# ask a registry): overridden providers need no init, and the examples use
# no other provider (terraform_data is built in).
set -euo pipefail
cd "$(dirname "$0")/.."

apply=1
# gotest: go test, or gotestsum with a JSON file for make test's summary
# (GOTESTSUM and TEST_JSON come from the GNUmakefile).
gotest() {
  local name=$1
  shift
  if [ -n "${GOTESTSUM:-}" ] && [ -n "${TEST_JSON:-}" ]; then
    # shellcheck disable=SC2086 # GOTESTSUM is a command line
    $GOTESTSUM --format standard-verbose --hide-summary=skipped --jsonfile "$TEST_JSON/examples-$name.json" -- "$@"
  else
    go test "$@"
  fi
}
[ "${1:-}" = "--no-apply" ] && apply=0
examples=examples
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TF_CLI_CONFIG_FILE="$work/terraformrc"
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1

echo "examples-check: terraform fmt -check"
: >"$work/terraformrc"
if ! terraform fmt -check -recursive -diff "$examples"; then
  echo "examples-check: the files above are not terraform fmt clean: run 'make fmt'" >&2
  exit 1
fi

echo "examples-check: building the provider"
# -trimpath, as make build and install-mirror do: the mirror test then reuses the compiled packages.
go build -trimpath -o "$work/plugins/terraform-provider-jdcloudha" .
cat >"$work/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "jdcloudha/jdcloudha" = "$work/plugins"
  }
  direct {}
}
RC

# tfplugindocs snippets (provider/, resources/*, data-sources/*) leave out the
# terraform block; give their copies one so "jdcloudha" means this provider.
required_providers='terraform {
  required_providers {
    jdcloudha = {
      source = "jdcloudha/jdcloudha"
    }
  }
}'

failed=0
checked=0
while IFS= read -r dir; do
  rel=${dir#"$examples"/}
  copy="$work/validate/$rel"
  mkdir -p "$copy"
  # With its local modules (examples/ha-pair/node-setup), without a local run's leftovers.
  (cd "$dir" && find . \( -name .terraform -o -name bundles \) -prune -o -type f \( -name '*.tf' -o -name '*.tftpl' -o -name '*.sh' \) -print |
    tar -cf - -T -) | tar -xf - -C "$copy"
  if ! grep -qs 'required_providers' "$copy"/*.tf; then
    printf '%s\n' "$required_providers" >"$copy/zz_required_providers.tf"
  fi
  for script in "$copy"/*.sh; do
    [ -e "$script" ] || continue
    if ! bash -n "$script"; then
      echo "examples-check: $rel/$(basename "$script"): shell syntax error" >&2
      failed=1
    fi
  done
  # `get` installs local modules offline; init would also ask a registry
  # for the provider that dev_overrides replaces.
  if out=$(cd "$copy" && terraform get -no-color >/dev/null && terraform validate -no-color 2>&1); then
    echo "ok   $rel"
  else
    echo "FAIL $rel" >&2
    # Drop the dev_overrides warning; keep the errors.
    printf '%s\n' "$out" | sed -n '/Error:/,$p' >&2
    failed=1
  fi
  checked=$((checked + 1))
done < <(find "$examples" -name '*.tf' -not -path '*/.terraform/*' -not -path '*/bundles/*' -printf '%h\n' | sort -u)

if [ "$checked" = 0 ]; then
  echo "examples-check: no example found under $examples" >&2
  exit 1
fi
if [ "$failed" != 0 ]; then
  echo "examples-check: some examples do not validate" >&2
  exit 1
fi
echo "examples-check: $checked example directories are fmt clean and valid"

echo "examples-check: every resource and data source has its example"
gotest coverage -count=1 -run '^TestEveryTypeHasItsExample$' ./internal/examplestest/

if [ "$apply" = 1 ]; then
  echo "examples-check: applying examples/ha-pair against the emulator (also with only the operator policy), and the mirror install"
  TF_ACC=1 JDCLOUDHA_EXAMPLES_PROVIDER_DIR="$work/plugins" \
    gotest hapair -count=1 -timeout 15m -run '^TestAccHAPairExample$|^TestAccMirrorInstall|^TestAccOperatorPolicyAppliesHAPair$' -v ./internal/examplestest/
fi
