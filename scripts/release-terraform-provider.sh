#!/usr/bin/env bash
# Builds the Terraform registry's release artefacts of terraform-provider-secgroups, as
# provider/terraform/.goreleaser.yml describes them, with go and zip only (cross builds,
# CGO off, so no other toolchain):
#   terraform-provider-secgroups_<version>_<os>_<arch>.zip   (terraform-provider-secgroups_v<version>[.exe])
#   terraform-provider-secgroups_<version>_manifest.json     (terraform-registry-manifest.json: protocol 6.0)
#   terraform-provider-secgroups_<version>_SHA256SUMS        (over the zips and the manifest)
# then checks them (sums, manifest, one binary of the right name per zip). Signing the sums
# (SHA256SUMS.sig) needs the release key: `--sign KEY` runs gpg --detach-sign with it.
#
# usage: scripts/release-terraform-provider.sh [--version X.Y.Z] [--out DIR] [--targets os_arch,...] [--sign KEY]
# default targets: linux_amd64,linux_arm64,darwin_amd64,darwin_arm64,windows_amd64,windows_arm64
# prints: the output directory (last line of stdout)
#
# Go caches: $SECGROUPS_CACHE (default ~/.cache/secgroups)/go-build and go-mod.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/provider/terraform"
CACHE="${SECGROUPS_CACHE:-$HOME/.cache/secgroups}"
NAME=terraform-provider-secgroups
VERSION="$(node -p "require('$ROOT/package.json').version" 2>/dev/null || echo 0.1.0)"
OUT=""
TARGETS="linux_amd64,linux_arm64,darwin_amd64,darwin_arm64,windows_amd64,windows_arm64"
SIGN_KEY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --version) VERSION="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --targets) TARGETS="$2"; shift 2 ;;
    --sign) SIGN_KEY="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || { echo "--version must be semantic (1.2.3), got $VERSION" >&2; exit 2; }
OUT="${OUT:-$ROOT/dist/terraform-provider/$VERSION}"
for tool in go zip unzip sha256sum; do
  command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 1; }
done

export GOFLAGS="${GOFLAGS:--trimpath -buildvcs=false}"
export GOCACHE="${GOCACHE:-$CACHE/go-build}"
export GOMODCACHE="${GOMODCACHE:-$CACHE/go-mod}"
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
export CGO_ENABLED=0

rm -rf "$OUT"
mkdir -p "$OUT"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
IFS=, read -r -a targets <<< "$TARGETS"
for target in "${targets[@]}"; do
  [[ "$target" =~ ^(linux|darwin|windows|freebsd)_(amd64|arm64|386|arm)$ ]] || { echo "unknown target $target (os_arch)" >&2; exit 2; }
  goos="${target%_*}"
  goarch="${target#*_}"
  exe=""
  [ "$goos" = windows ] && exe=".exe"
  echo "building $NAME $VERSION $target..." >&2
  mkdir -p "$WORK/$target"
  (cd "$SRC" && GOOS="$goos" GOARCH="$goarch" go build -ldflags "-s -w -X main.version=$VERSION" -o "$WORK/$target/${NAME}_v${VERSION}${exe}" .)
  # Reproducible zips: fixed timestamps, no extra attributes.
  touch -d "@0" "$WORK/$target/${NAME}_v${VERSION}${exe}"
  (cd "$WORK/$target" && zip -q -X -j "$OUT/${NAME}_${VERSION}_${target}.zip" "${NAME}_v${VERSION}${exe}")
done
cp "$SRC/terraform-registry-manifest.json" "$OUT/${NAME}_${VERSION}_manifest.json"
(cd "$OUT" && sha256sum -- *.zip "${NAME}_${VERSION}_manifest.json" > "${NAME}_${VERSION}_SHA256SUMS")
if [ -n "$SIGN_KEY" ]; then
  gpg --batch --local-user "$SIGN_KEY" --detach-sign --output "$OUT/${NAME}_${VERSION}_SHA256SUMS.sig" "$OUT/${NAME}_${VERSION}_SHA256SUMS"
fi

# The check: every artefact listed and matching, the manifest the registry reads, one binary per zip.
(cd "$OUT" && sha256sum --check --quiet "${NAME}_${VERSION}_SHA256SUMS") || { echo "SHA256SUMS does not match the artefacts" >&2; exit 1; }
node -e '
  const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  if (m.version !== 1 || JSON.stringify(m.metadata?.protocol_versions) !== JSON.stringify(["6.0"])) {
    console.error("the registry manifest must be {version: 1, metadata: {protocol_versions: [\"6.0\"]}}"); process.exit(1);
  }' "$OUT/${NAME}_${VERSION}_manifest.json"
for target in "${targets[@]}"; do
  exe=""
  [ "${target%_*}" = windows ] && exe=".exe"
  listed="$(unzip -Z1 "$OUT/${NAME}_${VERSION}_${target}.zip")"
  [ "$listed" = "${NAME}_v${VERSION}${exe}" ] || { echo "${target}.zip holds '$listed', not ${NAME}_v${VERSION}${exe}" >&2; exit 1; }
done
echo "release artefacts of $NAME $VERSION: $(cd "$OUT" && ls | tr '\n' ' ')" >&2
echo "$OUT"
