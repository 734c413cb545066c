#!/usr/bin/env bash
# The test command (README, .ci/run): installs what the suite runs against,
# builds, runs every test, and ends with one line "N passed, N failed".
#   bash scripts/test.sh            everything
#   bash scripts/test.sh unit       only the unit tests (no root, no network namespaces)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$(pwd)
scope=${1:-all}
results=$(mktemp -d)
log() { printf 'test: %s\n' "$*" >&2; }

source scripts/env.sh || { echo "0 passed, 1 failed"; exit 1; }

if [ "$scope" = unit ]; then
  npx jest --ci --selectProjects unit --json --outputFile="$results/jest.json"
else
  if [ -d provider/terraform ] && [ -f provider/terraform/go.mod ]; then
    log "go tests of the Terraform provider (TF_ACC=1)"
    (cd provider/terraform && TF_ACC=1 go test -count=1 -json ./... > "$results/go.json" 2> "$results/go.stderr")
  fi
  log "go tests of secgroups-nft-elements (the nftables read-back's kernel dump)"
  (cd core/platforms/nftables/kernel-dump && go test -count=1 -json ./... >> "$results/go.json" 2>> "$results/go.stderr")
  node scripts/summarize-tests.js --go "$results/go.json" --failures >&2 || true
  log "gates: lint, types, generated files"
  bash scripts/gates.sh "$results/gates.tsv"
  log "jest: unit, integration, faults"
  npx jest --ci --runInBand --selectProjects unit integration faults --json --outputFile="$results/jest.json"
fi
if [ "$scope" = unit ]; then
  node scripts/summarize-tests.js --jest "$results/jest.json"
else
  node scripts/summarize-tests.js --jest "$results/jest.json" --go "$results/go.json" --gates "$results/gates.tsv"
fi
