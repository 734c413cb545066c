#!/usr/bin/env node
/**
 * Writes the Go Terraform provider's limits (provider/terraform/internal/provider/limits_gen.go)
 * from the shape declarations in core/model/shapes, read from dist/ (build first:
 * `npx tsc -p tsconfig.build.json`).
 *
 *   node scripts/generate-provider-limits.js           write the file
 *   node scripts/generate-provider-limits.js --check   exit 1 when the file differs (CI)
 */
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const { PROVIDER_LIMITS_FILE, renderProviderLimits } = require(path.join(root, "dist/core/model/shapes/provider-limits"));
const file = path.join(root, PROVIDER_LIMITS_FILE);
const wanted = renderProviderLimits();

if (process.argv.includes("--check")) {
  const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  if (current !== wanted) {
    console.error(`${PROVIDER_LIMITS_FILE} is stale: run node scripts/generate-provider-limits.js (after npx tsc -p tsconfig.build.json)`);
    process.exit(1);
  }
  console.log(`${PROVIDER_LIMITS_FILE} is up to date`);
} else {
  fs.writeFileSync(file, wanted);
  console.log(`wrote ${PROVIDER_LIMITS_FILE}`);
}
