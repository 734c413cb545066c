#!/usr/bin/env bash
# Make the PostgreSQL server binaries available for the integration tests.
#
# Idempotent: if /usr/lib/postgresql/<ver>/bin/postgres exists, prints that bin
# directory and does nothing else. Otherwise installs the Debian package
# `postgresql` with apt-get (needs root) and prints the bin directory.
# It never starts a cluster: test/support/postgres.ts starts a private,
# throw-away server per test file (initdb in a temp dir, free port on 127.0.0.1).
# The last line on stdout is the bin directory:
#   SECGROUPS_TEST_PG_BIN="$(scripts/ensure-postgres.sh | tail -n1)"
set -euo pipefail

log() { printf 'ensure-postgres: %s\n' "$*" >&2; }

find_bin() {
  local d
  # newest major version first
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
    if [ -x "$d/postgres" ] && [ -x "$d/initdb" ]; then
      echo "$d"
      return 0
    fi
  done
  return 1
}

if bin=$(find_bin); then
  log "using $bin"
  echo "$bin"
  exit 0
fi

if [ "$(id -u)" != "0" ]; then
  log "PostgreSQL is not installed and we are not root; install the 'postgresql' package"
  exit 1
fi

log "installing postgresql with apt-get"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends postgresql >&2
# The package may start (and enable) the default cluster; the tests do not use it.
if command -v pg_ctlcluster >/dev/null 2>&1; then
  for c in $(ls -d /etc/postgresql/*/main 2>/dev/null); do
    v=$(basename "$(dirname "$c")")
    pg_ctlcluster "$v" main stop >&2 2>/dev/null || true
  done
fi

bin=$(find_bin) || { log "postgresql installed but no server binary found"; exit 1; }
log "installed $bin"
echo "$bin"
