#!/usr/bin/env bash
# Builds terraform-provider-secgroups and installs it into a filesystem mirror,
# so `terraform init` / `cdktf deploy` find registry.terraform.io/secgroups/secgroups
# with no registry. Writes a CLI config file to pass as TF_CLI_CONFIG_FILE.
#
# usage: scripts/build-terraform-provider.sh [--mirror DIR] [--cli-config FILE] [--version X.Y.Z]
# prints: the CLI config path (last line of stdout)
#
# Cache: ~/.cache/secgroups (override with SECGROUPS_CACHE). Rebuilds only when
# the provider's Go sources changed (by content).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/provider/terraform"
CACHE="${SECGROUPS_CACHE:-$HOME/.cache/secgroups}"
VERSION="${SECGROUPS_PROVIDER_VERSION:-0.1.0}"
MIRROR="$CACHE/terraform-mirror"
CLI_CONFIG="$CACHE/terraform-cli.tfrc"

while [ $# -gt 0 ]; do
  case "$1" in
    --mirror) MIRROR="$2"; shift 2 ;;
    --cli-config) CLI_CONFIG="$2"; shift 2 ;;
    --version) VERSION="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

source "$ROOT/scripts/go-env.sh"
go_env "the provider" 1.24

OS_ARCH="$(go env GOOS)_$(go env GOARCH)"
BIN="$CACHE/terraform-provider/terraform-provider-secgroups_v${VERSION}_${OS_ARCH}"
mkdir -p "$(dirname "$BIN")"

# Keyed by a digest of the sources, not their mtimes: another checkout sharing
# this cache (a worktree, CI's clone) must never reuse a binary of other sources.
SOURCES_DIGEST="$(cd "$SRC" && find . \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) -not -path './vendor/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"
if [ ! -x "$BIN" ] || [ "$(cat "$BIN.sources" 2>/dev/null)" != "$SOURCES_DIGEST" ]; then
  echo "building terraform-provider-secgroups v$VERSION ($OS_ARCH)..." >&2
  (cd "$SRC" && go build -ldflags "-s -w -X main.version=$VERSION" -o "$BIN.tmp" .)
  mv "$BIN.tmp" "$BIN"
  echo "$SOURCES_DIGEST" > "$BIN.sources"
else
  echo "terraform-provider-secgroups v$VERSION is up to date ($BIN)" >&2
fi

# OpenTofu (scripts/ensure-terraform.sh) resolves "secgroups/secgroups" on
# registry.opentofu.org, Terraform on registry.terraform.io: serve both.
for HOST in registry.terraform.io registry.opentofu.org; do
  DEST="$MIRROR/$HOST/secgroups/secgroups/$VERSION/$OS_ARCH"
  mkdir -p "$DEST"
  cp -f "$BIN" "$DEST/terraform-provider-secgroups_v$VERSION"
  chmod +x "$DEST/terraform-provider-secgroups_v$VERSION"
done
DEST="$MIRROR/registry.terraform.io/secgroups/secgroups/$VERSION/$OS_ARCH"

mkdir -p "$(dirname "$CLI_CONFIG")"
cat > "$CLI_CONFIG" <<TFRC
# Written by scripts/build-terraform-provider.sh: use as TF_CLI_CONFIG_FILE.
provider_installation {
  filesystem_mirror {
    path    = "$MIRROR"
    include = ["registry.terraform.io/secgroups/*", "registry.opentofu.org/secgroups/*"]
  }
  direct {
    exclude = ["registry.terraform.io/secgroups/*", "registry.opentofu.org/secgroups/*"]
  }
}
TFRC
echo "mirror: $DEST" >&2
echo "$CLI_CONFIG"
