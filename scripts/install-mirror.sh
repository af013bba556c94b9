#!/usr/bin/env bash
# make install-mirror: installs the provider built from this tree into a
# Terraform filesystem mirror for this machine's platform, and writes the CLI
# configuration that uses it. With it `terraform init` works as with a
# registry (lock file, any backend, no dev_overrides) and needs no network
# for this provider.
#
#   MIRROR_DIR      the mirror's root (default bin/mirror). ~/.terraform.d/plugins
#                   is one of Terraform's implied mirrors: installed there, no CLI
#                   configuration is needed at all.
#   MIRROR_VERSION  the version to install as (a release's version: X.Y.Z)
#
# Run `make agent` first (make install-mirror does): the provider embeds the
# failover agent the bundles need.
set -euo pipefail
cd "$(dirname "$0")/.."

version=${MIRROR_VERSION:?set MIRROR_VERSION (X.Y.Z)}
dir=${MIRROR_DIR:-bin/mirror}
if ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "install-mirror: MIRROR_VERSION=$version is not X.Y.Z (Terraform selects pre-releases only by an exact constraint)" >&2
  exit 1
fi
for arch in amd64 arm64; do
  [ -s "internal/agentbin/bin/jdcloud-eip-failover-linux-$arch" ] || {
    echo "install-mirror: the failover agent for linux/$arch is not built: run 'make install-mirror' (it runs 'make agent' first)" >&2
    exit 1
  }
done

os=$(go env GOOS)
arch=$(go env GOARCH)
ext=""
[ "$os" = windows ] && ext=.exe
# The unpacked layout: HOSTNAME/NAMESPACE/TYPE/VERSION/OS_ARCH/terraform-provider-TYPE_vVERSION
target="$dir/registry.terraform.io/jdcloudha/jdcloudha/$version/${os}_${arch}"
mkdir -p "$target"
rm -f "$target"/terraform-provider-jdcloudha*
go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$target/terraform-provider-jdcloudha_v${version}${ext}" .

abs=$(cd "$dir" && pwd)
rc="$abs/terraformrc"
cat >"$rc" <<RC
# Terraform CLI configuration: jdcloudha/jdcloudha from the filesystem mirror
# $abs, every other provider from its registry as usual.
# Use it with TF_CLI_CONFIG_FILE=$rc, or copy the block into ~/.terraformrc.
provider_installation {
  filesystem_mirror {
    path    = "$abs"
    include = ["registry.terraform.io/jdcloudha/jdcloudha"]
  }
  direct {
    exclude = ["registry.terraform.io/jdcloudha/jdcloudha"]
  }
}
RC

cat <<MSG
installed jdcloudha/jdcloudha $version for ${os}_${arch} in $abs
CLI configuration: $rc

  export TF_CLI_CONFIG_FILE=$rc     # or copy its provider_installation block into ~/.terraformrc
  terraform init                    # any backend; writes .terraform.lock.hcl with this build's hash

Pin it in your configuration:  jdcloudha = { source = "jdcloudha/jdcloudha", version = "$version" }
MSG
