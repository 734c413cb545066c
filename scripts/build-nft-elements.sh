#!/usr/bin/env bash
# Builds secgroups-nft-elements (core/platforms/nftables/kernel-dump): the agent's fast
# read-back of nftables interval sets over netlink (see kernel-dump.ts).
#
# usage: scripts/build-nft-elements.sh
# prints: the binary's path (last line of stdout)
#
# Cache: ~/.cache/secgroups/nft-elements (SECGROUPS_CACHE overrides the root), keyed by a
# digest of the Go sources, so an unchanged program is not rebuilt.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/core/platforms/nftables/kernel-dump"
CACHE="${SECGROUPS_CACHE:-$HOME/.cache/secgroups}"
case "${1:-}" in
  -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
  "") ;;
  *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
esac

source "$ROOT/scripts/go-env.sh"
go_env "secgroups-nft-elements" 1.25

DIGEST="$(cd "$SRC" && { sha256sum go.mod go.sum $(ls *.go | grep -v '_test.go$' | sort); go env GOOS GOARCH; } | sha256sum | cut -c1-16)"
BIN="$CACHE/nft-elements/$DIGEST/secgroups-nft-elements"
if [ -x "$BIN" ]; then
  echo "secgroups-nft-elements is up to date ($BIN)" >&2
else
  echo "building secgroups-nft-elements..." >&2
  mkdir -p "$(dirname "$BIN")"
  (cd "$SRC" && CGO_ENABLED=0 go build -ldflags "-s -w" -o "$BIN.tmp" .)
  mv "$BIN.tmp" "$BIN"
fi
echo "$BIN"
