#!/usr/bin/env bash
# Make a `terraform` command available without downloading any prebuilt binary.
#
# If `terraform` is already on PATH, prints its directory and does nothing else.
# Otherwise builds OpenTofu (github.com/opentofu/opentofu/cmd/tofu, pinned in
# tools/tofu/go.mod + go.sum) into
#   ${SECGROUPS_CACHE_DIR:-$HOME/.cache/secgroups}/tofu/<version>/bin
# with a `terraform` symlink to `tofu` beside it, unless binaries built from the
# same go.mod + go.sum are already there.
# Progress goes to stderr; the last line on stdout is the bin directory, so:
#   PATH="$(scripts/ensure-terraform.sh | tail -n1):$PATH"
# Set SECGROUPS_FORCE_TOFU=1 to use the OpenTofu build even when terraform is
# on PATH. A cold build takes several minutes on 2 cores.
set -euo pipefail

log() { printf 'ensure-terraform: %s\n' "$*" >&2; }

if [ "${SECGROUPS_FORCE_TOFU:-}" != "1" ] && existing=$(command -v terraform 2>/dev/null); then
  log "using $existing"
  dirname "$existing"
  exit 0
fi

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools_dir="$repo_root/tools/tofu"

command -v go >/dev/null 2>&1 || { log "terraform is not on PATH and go is not either"; exit 1; }

version=$(awk '{ for (i = 1; i < NF; i++) if ($i == "github.com/opentofu/opentofu") { print $(i + 1); exit } }' "$tools_dir/go.mod")
[ -n "$version" ] || { log "cannot read the opentofu version from $tools_dir/go.mod"; exit 1; }

cache_root="${SECGROUPS_CACHE_DIR:-$HOME/.cache/secgroups}"
dest="$cache_root/tofu/$version"
bin="$dest/bin"
stamp="$dest/inputs.sha256"
inputs_hash=$(cat "$tools_dir/go.mod" "$tools_dir/go.sum" | sha256sum | cut -d' ' -f1)

mkdir -p "$dest"
exec 9>"$dest/.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9
fi

if [ -x "$bin/tofu" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$inputs_hash" ]; then
  log "opentofu $version already built in $bin"
else
  log "building opentofu $version into $bin (several minutes on a cold Go build cache)"
  tmp=$(mktemp -d "$dest/build.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  start=$(date +%s)
  (
    cd "$tools_dir"
    export GOFLAGS="${GOFLAGS:+$GOFLAGS }-trimpath -mod=readonly"
    CGO_ENABLED=0 go build -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" \
      -o "$tmp/tofu" github.com/opentofu/opentofu/cmd/tofu
  )
  mkdir -p "$bin"
  mv -f "$tmp/tofu" "$bin/tofu"
  printf '%s\n' "$inputs_hash" >"$stamp"
  log "built in $(($(date +%s) - start))s"
fi

ln -sfn tofu "$bin/terraform"
"$bin/terraform" version >/dev/null || { log "$bin/terraform does not run"; exit 1; }
printf '%s\n' "$bin"
