#!/usr/bin/env node
// Builds the web console (core/console/web) into dist/console: one script bundle (Preact and
// our code, minified, no eval), one stylesheet, the page and its icon. `npm run build` runs it;
// core/console serves exactly these files at /console.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const esbuild = require("esbuild");

const root = path.join(__dirname, "..");
const source = path.join(root, "core", "console", "web");
const out = path.join(root, "dist", "console");

async function main() {
  fs.mkdirSync(out, { recursive: true });
  await esbuild.build({
    entryPoints: { console: path.join(source, "main.tsx") },
    outdir: out,
    bundle: true,
    minify: true,
    format: "iife",
    target: ["es2022"],
    tsconfig: path.join(source, "tsconfig.json"),
    legalComments: "none",
    logLevel: "warning",
  });
  for (const name of ["index.html", "icon.svg"]) fs.copyFileSync(path.join(source, name), path.join(out, name));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
