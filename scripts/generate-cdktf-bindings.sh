#!/usr/bin/env bash
# Generates the CDKTF TypeScript bindings of the secgroups Terraform provider
# (constructs/cdktf/generated) from the provider's own schema:
#   1. builds the provider into the local filesystem mirror (build-terraform-provider.sh),
#   2. `terraform providers schema -json` against it (no registry),
#   3. @cdktf/provider-generator's generateProviderBindingsFromSchema.
# Also writes provider/terraform/schema.json (used by generate-terraform-docs.sh).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/constructs/cdktf/generated"
if [ -x "$ROOT/scripts/ensure-terraform.sh" ]; then
  PATH="$("$ROOT/scripts/ensure-terraform.sh" | tail -n1):$PATH"
fi
TERRAFORM="${TERRAFORM_BINARY_NAME:-terraform}"
export TF_CLI_CONFIG_FILE="$("$ROOT/scripts/build-terraform-provider.sh" | tail -n1)"
VERSION="${SECGROUPS_PROVIDER_VERSION:-0.1.0}"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cat > "$WORK/main.tf" <<TF
terraform {
  required_providers {
    secgroups = {
      source  = "secgroups/secgroups"
      version = "$VERSION"
    }
  }
}
TF
(cd "$WORK" && "$TERRAFORM" init -input=false -no-color >&2 && "$TERRAFORM" providers schema -json > schema.json)

# Keep only our provider, keyed by its registry.terraform.io address (OpenTofu
# reports registry.opentofu.org), sorted, so the committed file is stable.
node -e '
const fs = require("fs");
const s = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
const key = Object.keys(s.provider_schemas).find((k) => k.endsWith("/secgroups/secgroups"));
const sort = (v) => Array.isArray(v) ? v.map(sort) : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort(v[k])])) : v;
const out = {
  format_version: s.format_version,
  provider_schemas: { "registry.terraform.io/secgroups/secgroups": sort(s.provider_schemas[key]) },
  // Read by the generator: the version cdktf writes into required_providers.
  provider_versions: { "registry.terraform.io/secgroups/secgroups": process.argv[3] },
};
fs.writeFileSync(process.argv[2], JSON.stringify(out, null, 2) + "\n");
' "$WORK/schema.json" "$ROOT/provider/terraform/schema.json" "$VERSION"

rm -rf "$OUT"
node -e '
const { generateProviderBindingsFromSchema } = require("@cdktf/provider-generator");
const schema = require(process.argv[1]);
generateProviderBindingsFromSchema(process.argv[2], schema).catch((e) => { console.error(e); process.exit(1); });
' "$ROOT/provider/terraform/schema.json" "$OUT"
# The repository compiles with noImplicitOverride; the generator omits `override`.
find "$OUT" -name '*.ts' -print0 | xargs -0 sed -i -E \
  -e 's/protected (synthesizeAttributes|synthesizeHclAttributes)\(/protected override \1(/' \
  -e 's/public (get|set) alias\(/public override \1 alias(/' \
  -e 's/constructor\(protected terraformResource: cdktf\.IInterpolatingParent, protected terraformAttribute: string, protected wrapsSet: boolean\)/constructor(protected override terraformResource: cdktf.IInterpolatingParent, protected override terraformAttribute: string, protected override wrapsSet: boolean)/'
echo "generated $(find "$OUT" -name '*.ts' | wc -l) files under ${OUT#$ROOT/}" >&2
