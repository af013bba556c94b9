#!/usr/bin/env bash
# Fails when docs/ differs from what `make docs` would generate now (schema
# descriptions, templates/ or examples/ changed without regenerating), or
# when `tfplugindocs validate` rejects docs/. Generates into bin/ (ignored by
# git), so the check never rewrites docs/ itself.
set -euo pipefail
cd "$(dirname "$0")/.."
# tfplugindocs runs terraform: no version check against the internet.
export CHECKPOINT_DISABLE=1

tfplugindocs=${TFPLUGINDOCS:-github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs@v0.25.0}
out=bin/docs-check # relative: tfplugindocs joins it to the provider directory

if [ ! -d docs ] || [ -z "$(ls -A docs)" ]; then
  echo "docs-check: docs/ is missing: run 'make docs' and commit docs/" >&2
  exit 1
fi

rm -rf "$out"
mkdir -p "$out"
# A generate failure (a broken template, an example that is missing) fails the check.
if ! log=$(go run "$tfplugindocs" generate --provider-name jdcloudha --rendered-provider-name "JD Cloud HA" \
  --rendered-website-dir "$out" 2>&1); then
  printf '%s\n' "$log" >&2
  echo "docs-check: tfplugindocs generate failed" >&2
  exit 1
fi
if ! diff -ru docs "$out"; then
  echo "docs-check: docs/ is stale (diff above, - committed, + generated): run 'make docs' and commit docs/" >&2
  exit 1
fi
rm -rf "$out"

if ! log=$(go run "$tfplugindocs" validate --provider-name jdcloudha 2>&1); then
  printf '%s\n' "$log" | grep -v '\[DEBUG\]' >&2
  echo "docs-check: tfplugindocs validate rejects docs/" >&2
  exit 1
fi
echo "docs-check: docs/ is up to date and valid"
