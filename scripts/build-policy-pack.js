#!/usr/bin/env node
// After tsc: makes dist/policy a policy pack directory as `pulumi preview --policy-pack`
// loads it from an install (PulumiPolicy.yaml, and a package.json whose version the SDK reads).
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");
const out = path.join(root, "dist", "policy");
const source = JSON.parse(fs.readFileSync(path.join(root, "policy", "package.json"), "utf8"));
fs.copyFileSync(path.join(root, "policy", "PulumiPolicy.yaml"), path.join(out, "PulumiPolicy.yaml"));
const manifest = { name: source.name, version: source.version, private: true, description: source.description, main: "index.js" };
fs.writeFileSync(path.join(out, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
