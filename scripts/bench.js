#!/usr/bin/env node
/**
 * `npm run bench [-- [--smoke] [--out DIR] [--runs N] [--warmup N] [--platform iptables|nftables] [--no-plots] [--render-only] [--skip-setup] [CASE ...]]`
 *
 * Sets up what the benchmarks and anchors need (scripts/bench.sh), then runs
 * the harness (bench/harness/run.ts): every case, or the named ones, each
 * beside its anchor; writes bench/results/latest.json, BENCHMARKS.md and the
 * scaling plots bench/*.png. `--smoke` runs tiny sizes once into a temp
 * directory (or --out) and leaves BENCHMARKS.md alone. Benchmarks are not
 * part of `npm test`. `--platform NAME` makes the agent-apply case measure
 * one platform only (its other platforms' rows are kept from the last run).
 */
const { spawnSync } = require("node:child_process");
const path = require("node:path");

const repo = path.resolve(__dirname, "..");
const args = process.argv.slice(2);
const skipSetup = args.includes("--skip-setup");
const harnessArgs = args.filter((a) => a !== "--skip-setup");

let pathPrefix = "";
if (!skipSetup) {
  const setup = spawnSync("bash", [path.join(repo, "scripts/bench.sh")], {
    cwd: repo,
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
  });
  if (setup.status !== 0) {
    console.error(`bench: setup failed (scripts/bench.sh exited ${setup.status})`);
    process.exit(1);
  }
  pathPrefix = setup.stdout.trim().split("\n").pop() || "";
} else {
  const tsc = spawnSync(process.execPath, [path.join(repo, "node_modules/typescript/bin/tsc"), "-p", "bench/harness/tsconfig.json"], {
    cwd: repo,
    stdio: "inherit",
  });
  if (tsc.status !== 0) console.error("bench: tsc reported errors (emitted anyway)");
}

const env = { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true" };
if (pathPrefix) env.PATH = `${pathPrefix}:${env.PATH}`;
// 10,000 simulated agents hold two sockets each in one process: raise the open-file limit as far as allowed.
const raiseFiles = 'ulimit -n 200000 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"';
const run = spawnSync(
  "bash",
  ["-c", raiseFiles, process.execPath, path.join(repo, "dist/bench-build/bench/harness/run.js"), ...harnessArgs],
  {
    cwd: repo,
    stdio: "inherit",
    env,
  },
);
process.exit(run.status ?? 1);
