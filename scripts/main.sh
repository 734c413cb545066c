#!/usr/bin/env bash
# The main job (README): installs what it needs, then brings the example stack
# up against an embedded core with real agents in network namespaces.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh || exit 1
exec node scripts/quickstart.js "$@"
