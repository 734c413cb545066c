#!/usr/bin/env bash
# Regenerates every committed generated file and fails when any differs from
# what is committed (or a generator adds a file), like the scaffolding
# provider's CI job. Run after scripts/env.sh (needs the built provider,
# terraform and Go).
#   bash scripts/check-generated.sh          check (exit 1 on a difference)
#   bash scripts/check-generated.sh --write  regenerate only
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# generated paths, and the command that writes them
GENERATED=(constructs/cdktf/generated provider/terraform/schema.json provider/terraform/docs provider/terraform/internal/provider/limits_gen.go README.md)
npx tsc -p tsconfig.build.json
node scripts/generate-provider-limits.js >&2
node scripts/generate-icmpv6-docs.js >&2
bash scripts/generate-cdktf-bindings.sh >&2
bash scripts/generate-terraform-docs.sh >&2

[ "${1:-}" = --write ] && exit 0
changed=$(git status --porcelain -- "${GENERATED[@]}")
if [ -n "$changed" ]; then
  echo "generated files differ from what is committed (run: bash scripts/check-generated.sh --write, then commit):" >&2
  echo "$changed" >&2
  git --no-pager diff --stat -- "${GENERATED[@]}" >&2
  exit 1
fi
echo "generated files are fresh: ${GENERATED[*]}" >&2
