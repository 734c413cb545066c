#!/usr/bin/env bash
# Builds the site agent as operators install it: one executable made with Node's single
# executable applications (esbuild bundles packaging/agent/main.ts, postject injects the blob
# into a copy of this Node 20 binary) and a .deb holding it with a hardened systemd unit.
#
# usage: scripts/build-agent-deb.sh [--out DIR]
# prints: the .deb's path (last line of stdout)
#
# Cache: ~/.cache/secgroups/agent-deb (SECGROUPS_CACHE overrides the root), keyed by a digest of
# the bundle, the packaging files and the Node binary, so an unchanged agent is not rebuilt.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${SECGROUPS_CACHE:-$HOME/.cache/secgroups}/agent-deb"
OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

for tool in node dpkg-deb dpkg; do
  command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 1; }
done
NODE="$(readlink -f "$(command -v node)")"
case "$(node --version)" in
  v20.*|v22.*) ;;
  *) echo "Node 20 or 22 is required for --experimental-sea-config, got $(node --version)" >&2; exit 1 ;;
esac
[ -x "$ROOT/node_modules/.bin/esbuild" ] && [ -x "$ROOT/node_modules/.bin/postject" ] || { echo "run npm ci first (esbuild and postject are devDependencies)" >&2; exit 1; }

VERSION="$(node -p "require('$ROOT/package.json').version")"
ARCH="$(dpkg --print-architecture)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

"$ROOT/node_modules/.bin/esbuild" "$ROOT/packaging/agent/main.ts" --bundle --platform=node --target=node20 --format=cjs \
  --define:SECGROUPS_VERSION="\"$VERSION\"" --log-level=warning --outfile="$WORK/agent.js"

# The nftables read-back's kernel dump (a static Go program), installed beside the agent.
ELEMENTS="$(bash "$ROOT/scripts/build-nft-elements.sh" | tail -n1)"

DIGEST="$( { sha256sum "$WORK/agent.js" "$NODE" "$ELEMENTS"; (cd "$ROOT/packaging/agent" && sha256sum $(ls | sort)); echo "$VERSION $ARCH"; } | sed 's#  .*/# #' | sha256sum | cut -c1-16)"
DEB="$CACHE/$DIGEST/secgroups-agent_${VERSION}_${ARCH}.deb"
if [ -f "$DEB" ]; then
  echo "secgroups-agent $VERSION is up to date ($DEB)" >&2
else
  echo "building secgroups-agent $VERSION ($ARCH)..." >&2
  # The single executable: the bundle as a SEA blob injected into a copy of node.
  cat > "$WORK/sea-config.json" <<JSON
{ "main": "$WORK/agent.js", "output": "$WORK/sea-prep.blob", "disableExperimentalSEAWarning": true, "useCodeCache": true }
JSON
  node --experimental-sea-config "$WORK/sea-config.json" >&2
  cp "$NODE" "$WORK/secgroups-agent"
  chmod u+w "$WORK/secgroups-agent"
  "$ROOT/node_modules/.bin/postject" "$WORK/secgroups-agent" NODE_SEA_BLOB "$WORK/sea-prep.blob" \
    --sentinel-fuse NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2 >/dev/null
  "$WORK/secgroups-agent" --version >/dev/null

  PKG="$WORK/pkg"
  install -D -m 0755 "$WORK/secgroups-agent" "$PKG/usr/bin/secgroups-agent"
  install -D -m 0755 "$ELEMENTS" "$PKG/usr/lib/secgroups-agent/secgroups-nft-elements"
  install -D -m 0644 "$ROOT/packaging/agent/secgroups-agent.service" "$PKG/lib/systemd/system/secgroups-agent.service"
  install -D -m 0644 "$ROOT/packaging/agent/agent.env" "$PKG/etc/secgroups/agent.env"
  chmod 0700 "$PKG/etc/secgroups"
  install -D -m 0644 "$ROOT/packaging/agent/README.md" "$PKG/usr/share/doc/secgroups-agent/README.md"
  install -D -m 0644 "$ROOT/LICENSE" "$PKG/usr/share/doc/secgroups-agent/copyright"
  mkdir -p "$PKG/DEBIAN"
  install -m 0755 "$ROOT/packaging/agent/postinst" "$ROOT/packaging/agent/postrm" "$PKG/DEBIAN/"
  echo /etc/secgroups/agent.env > "$PKG/DEBIAN/conffiles"
  cat > "$PKG/DEBIAN/control" <<CONTROL
Package: secgroups-agent
Version: $VERSION
Architecture: $ARCH
Maintainer: secgroups maintainers <secgroups@localhost>
Section: net
Priority: optional
Depends: nftables
Recommends: iptables, ipset
Installed-Size: $(du -sk "$PKG" | cut -f1)
Description: secgroups site agent (firewall policy as code)
 Polls a secgroups control plane for this site's compiled policy and enforces it
 with nftables (or iptables and ipset), atomically, verifying it by reading it back.
 One executable (no Node.js needed) and a hardened systemd unit.
CONTROL
  mkdir -p "$(dirname "$DEB")"
  dpkg-deb --root-owner-group -Zxz --build "$PKG" "$DEB.tmp" >&2
  mv "$DEB.tmp" "$DEB"
fi
if [ -n "$OUT" ]; then
  mkdir -p "$OUT"
  cp "$DEB" "$OUT/"
  DEB="$OUT/$(basename "$DEB")"
fi
echo "$DEB"
