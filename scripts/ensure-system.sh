#!/usr/bin/env bash
# Installs the Debian packages the project runs against (idempotent):
# nftables, iptables + ipset, iproute2 (network namespaces), a PostgreSQL server, and the
# tools the agent's packaging test uses, and chromium for the console's browser tests.
set -euo pipefail
need=()
command -v nft >/dev/null || need+=(nftables)
command -v iptables-restore >/dev/null || need+=(iptables)
command -v ipset >/dev/null || need+=(ipset)
command -v ip >/dev/null || need+=(iproute2)
# The agent's .deb test (test/integration/agent-deb.test.ts): a private CA, the unit's
# capability set without systemd as PID 1, and systemd's offline security check.
command -v openssl >/dev/null || need+=(openssl)
command -v setpriv >/dev/null || need+=(util-linux)
command -v systemd-analyze >/dev/null || need+=(systemd)
command -v curl >/dev/null || need+=(curl)
# The web console's browser tests and benchmark drive Debian's chromium (test/support/browser.ts).
[ -x /usr/bin/chromium ] || need+=(chromium)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
  # The package starts a cluster of its own; tests start private servers instead.
  if command -v pg_ctlcluster >/dev/null; then pg_lsclusters -h 2>/dev/null | awk '{print $1, $2}' | while read -r v c; do pg_ctlcluster "$v" "$c" stop 2>/dev/null || true; done; fi
fi
