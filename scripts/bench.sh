#!/usr/bin/env bash
# Setup for `npm run bench` (scripts/bench.js runs this, then the harness):
# installs what the benchmarks and their anchors need, idempotently, and
# builds the project and the harness. Nothing here is part of the test suite.
#   - npm packages (npm ci when node_modules is missing)
#   - as root: nftables, iptables, ipset, iproute2, PostgreSQL (scripts/ensure-system.sh)
#     and Capirca from Debian (python3-capirca, for Debian's /usr/bin/python3)
#   - Aerleon and matplotlib from PyPI into a venv under ~/.cache/secgroups/bench-venv
#   - the Pulumi CLI (scripts/ensure-pulumi.sh; built from Go modules on first use)
#   - tsc: dist/ (the Pulumi programs and `secgroups serve` load it) and dist/bench-build/ (the harness)
# Progress goes to stderr; the last line on stdout is a PATH prefix for the harness.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
log() { printf 'bench setup: %s\n' "$*" >&2; }
cache=${SECGROUPS_CACHE_DIR:-$HOME/.cache/secgroups}
venv=${SECGROUPS_BENCH_VENV:-$cache/bench-venv}

if [ ! -d node_modules ]; then log "npm ci"; npm ci --no-audit --no-fund --loglevel=error >&2; fi

if [ "$(id -u)" = 0 ]; then
  bash scripts/ensure-system.sh >&2
  if ! /usr/bin/python3 -c 'import capirca.lib.nftables' 2>/dev/null; then
    log "apt-get install python3-capirca"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends python3-capirca >&2
  fi
else
  log "not root: agent-apply is skipped and Capirca is used only if already installed"
fi

if ! "$venv/bin/python" -c 'import aerleon.lib.nftables, matplotlib' 2>/dev/null; then
  log "venv $venv: aerleon, matplotlib"
  if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null; then py=/usr/bin/python3; else py=python3; fi
  if [ "$(id -u)" = 0 ] && ! "$py" -c 'import ensurepip' 2>/dev/null; then apt-get install -y -qq --no-install-recommends python3-venv >&2; fi
  "$py" -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check "aerleon==1.18.0" "matplotlib==3.11.2" >&2 || "$venv/bin/pip" install -q --disable-pip-version-check aerleon matplotlib >&2
fi

pulumi_bin=$(bash scripts/ensure-pulumi.sh | tail -n1)

log "tsc -p tsconfig.build.json"
npx tsc -p tsconfig.build.json >&2
log "tsc -p bench/harness/tsconfig.json"
# The harness is compiled with the rest of the tree it imports; a type error elsewhere does not stop emitting.
npx tsc -p bench/harness/tsconfig.json >&2 || log "tsc reported errors (emitted anyway)"
echo "$pulumi_bin"
