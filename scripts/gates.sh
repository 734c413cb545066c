#!/usr/bin/env bash
# The checks besides tests, each counted as one test in the summary line:
# lint (eslint + prettier), the type check of everything (tests and bench
# included), and the freshness of every committed generated file.
#   bash scripts/gates.sh RESULTS_FILE    appends "name<TAB>passed|failed" lines
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=${1:?usage: scripts/gates.sh RESULTS_FILE}
gate() {
  local name=$1
  shift
  printf 'gate: %s\n' "$name" >&2
  if "$@" >&2; then printf '%s\tpassed\n' "$name" >> "$out"; else printf '%s\tfailed\n' "$name" >> "$out"; fi
}
gate "lint (npm run lint)" npm run --silent lint
gate "types (tsc --noEmit: product, tests, bench)" npx tsc --noEmit -p tsconfig.json
gate "types of the web console (tsc --noEmit, DOM)" npx tsc --noEmit -p core/console/web/tsconfig.json
gate "generated files are fresh" bash scripts/check-generated.sh
