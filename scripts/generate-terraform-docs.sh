#!/usr/bin/env bash
# Generates provider/terraform/docs with tfplugindocs (installed from the Go
# module proxy into ~/.cache/secgroups/bin) from provider/terraform/schema.json
# (written by generate-cdktf-bindings.sh) and provider/terraform/examples.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${SECGROUPS_CACHE:-$HOME/.cache/secgroups}"
TFPLUGINDOCS_VERSION="${TFPLUGINDOCS_VERSION:-v0.25.0}"
export GOFLAGS="${GOFLAGS:--trimpath -buildvcs=false}" GOCACHE="${GOCACHE:-$CACHE/go-build}" GOMODCACHE="${GOMODCACHE:-$CACHE/go-mod}" GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
BIN="$CACHE/bin/tfplugindocs"
if [ ! -x "$BIN" ]; then
  GOBIN="$CACHE/bin" go install "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs@$TFPLUGINDOCS_VERSION"
fi
[ -f "$ROOT/provider/terraform/schema.json" ] || "$ROOT/scripts/generate-cdktf-bindings.sh"
cd "$ROOT/provider/terraform"
# tfplugindocs finds a schema under the bare provider name or hashicorp/<name>.
TMP="$(mktemp)"
trap 'rm -f "$TMP"' EXIT
node -e '
const s = require(process.argv[1]);
s.provider_schemas = { secgroups: Object.values(s.provider_schemas)[0] };
delete s.provider_versions;
require("fs").writeFileSync(process.argv[2], JSON.stringify(s));
' "$PWD/schema.json" "$TMP"
"$BIN" generate --provider-name secgroups --rendered-provider-name secgroups --providers-schema "$TMP"
