#!/usr/bin/env node
// Adds up jest's JSON report, `go test -json` output and the gates into one plain line,
// "N passed, N failed". A suite that failed to run counts as one failure.
"use strict";
const fs = require("node:fs");

const args = process.argv.slice(2);
const fileAfter = (flag) => {
  const i = args.indexOf(flag);
  return i >= 0 && fs.existsSync(args[i + 1]) ? args[i + 1] : undefined;
};
let passed = 0;
let failed = 0;
const failures = [];

const jestFile = fileAfter("--jest");
if (args.includes("--jest")) {
  if (!jestFile) failed += 1;
  else {
    const report = JSON.parse(fs.readFileSync(jestFile, "utf8"));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    for (const suite of report.testResults) {
      if (suite.status === "failed" && suite.assertionResults.every((a) => a.status !== "failed")) {
        failed += 1;
        failures.push(`${suite.name}: ${String(suite.message).split("\n").slice(0, 5).join(" ")}`);
      }
      for (const a of suite.assertionResults) if (a.status === "failed") failures.push(`${suite.name}: ${a.fullName}`);
    }
  }
}

const goFile = fileAfter("--go");
if (goFile) {
  let buildFailed = false;
  for (const line of fs.readFileSync(goFile, "utf8").split("\n")) {
    if (!line.startsWith("{")) continue;
    const e = JSON.parse(line);
    if (!e.Test) {
      if (e.Action === "fail" && !e.Elapsed) buildFailed = true;
      continue;
    }
    if (e.Action === "pass") passed += 1;
    if (e.Action === "fail") {
      failed += 1;
      failures.push(`go ${e.Package} ${e.Test}`);
    }
  }
  if (buildFailed) failed += 1;
}

// Gates (scripts/gates.sh): one "name<TAB>passed|failed" line each.
const gatesFile = fileAfter("--gates");
if (args.includes("--gates")) {
  if (!gatesFile) failed += 1;
  else {
    for (const line of fs.readFileSync(gatesFile, "utf8").split("\n").filter(Boolean)) {
      const [name, result] = line.split("\t");
      if (result === "passed") passed += 1;
      else {
        failed += 1;
        failures.push(`gate: ${name}`);
      }
    }
  }
}

if (failures.length) console.error("failed:\n  " + failures.join("\n  "));
if (!args.includes("--failures")) console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
