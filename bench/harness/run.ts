/**
 * The benchmark harness (issue #8): runs every case (or the named ones), each
 * in its own process, its anchor in the same run; writes results JSON,
 * BENCHMARKS.md and the scaling plots. Started by `npm run bench` (scripts/bench.js).
 *
 *   node dist/bench-build/bench/harness/run.js [--smoke] [--out DIR] [--runs N] [--warmup N] [--platform NAME] [--no-plots] [--render-only] [CASE ...]
 *
 * --smoke: tiny sizes, 1 repetition, no warm-up, everything written to a temp
 * directory (or --out), never to BENCHMARKS.md. --render-only: no case is run;
 * BENCHMARKS.md and the plots are regenerated from bench/results/latest.json. Running some cases only merges
 * them into the existing bench/results/latest.json before regenerating.
 * --platform iptables|nftables: the agent-apply case measures that platform
 * only; the rows of the other platforms are kept from latest.json.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CASES } from "./cases";
import { describeMachine, type Machine } from "./machine";
import { renderMarkdown } from "./report";
import type { CaseOptions, CaseResult } from "./types";

export interface Results {
  machine: Machine;
  smoke: boolean;
  warmup: number;
  runs: number;
  cases: (CaseResult & { run_date?: string; loadavg_at_start?: number[] })[];
}

function findRepo(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, "package.json")) || !existsSync(join(dir, "bench"))) {
    const up = resolve(dir, "..");
    if (up === dir) throw new Error("repository root not found");
    dir = up;
  }
  return dir;
}

/** What --platform takes: the platforms the agent-apply case measures (its rows start with `NAME:`). */
const PLATFORMS = ["nftables", "iptables"];

function parseArgs(argv: string[]) {
  const out = {
    smoke: false,
    outDir: undefined as string | undefined,
    runs: undefined as number | undefined,
    warmup: undefined as number | undefined,
    plots: true,
    renderOnly: false,
    platform: undefined as string | undefined,
    names: [] as string[],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--smoke") out.smoke = true;
    else if (a === "--out") out.outDir = argv[++i];
    else if (a === "--runs") out.runs = Number(argv[++i]);
    else if (a === "--warmup") out.warmup = Number(argv[++i]);
    else if (a === "--no-plots") out.plots = false;
    else if (a === "--render-only") out.renderOnly = true;
    else if (a === "--platform") out.platform = argv[++i];
    else if (a.startsWith("-")) throw new Error(`unknown option ${a}`);
    else out.names.push(a);
  }
  if (out.platform !== undefined && !PLATFORMS.includes(out.platform))
    throw new Error(`unknown platform ${out.platform}; platforms: ${PLATFORMS.join(", ")}`);
  for (const n of out.names) if (!CASES[n]) throw new Error(`unknown case ${n}; cases: ${Object.keys(CASES).join(", ")}`);
  return out;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const repo = findRepo();
  const outDir = args.outDir ? resolve(args.outDir) : args.smoke ? mkdtempSync(join(tmpdir(), "sg-bench-smoke-")) : repo;
  const resultsDir = args.smoke || args.outDir ? outDir : join(repo, "bench/results");
  const plotDir = args.smoke || args.outDir ? outDir : join(repo, "bench");
  const mdPath = join(outDir, "BENCHMARKS.md");
  mkdirSync(resultsDir, { recursive: true });
  const venv = process.env.SECGROUPS_BENCH_VENV ?? join(homedir(), ".cache/secgroups/bench-venv");
  const names = args.renderOnly ? [] : args.names.length ? args.names : Object.keys(CASES);
  const workDir = mkdtempSync(join(tmpdir(), "sg-bench-work-"));
  const options: Omit<CaseOptions, "log"> = {
    smoke: args.smoke,
    warmup: args.warmup ?? (args.smoke ? 0 : 2),
    runs: args.runs ?? (args.smoke ? 1 : 7),
    python: { capirca: process.env.SECGROUPS_BENCH_CAPIRCA_PYTHON ?? "/usr/bin/python3", aerleon: join(venv, "bin/python") },
    repo,
    workDir,
    ...(args.platform ? { platform: args.platform } : {}),
  };
  const optionsFile = join(workDir, "options.json");
  writeFileSync(optionsFile, JSON.stringify(options));
  const machine = describeMachine(repo);
  console.error(
    `bench: ${names.join(", ")} (${args.smoke ? "smoke" : "full"}; load average ${machine.loadavg_start.join(", ")}; ${machine.nproc} cores)`,
  );

  const resultsFile = join(resultsDir, "latest.json");
  const fresh: Results["cases"] = [];
  for (const name of names) {
    const resultFile = join(workDir, `${name}.result.json`);
    const load = loadavg().map((n) => Math.round(n * 100) / 100);
    const child = spawnSync(
      process.execPath,
      ["--max-old-space-size=8192", join(__dirname, "case-main.js"), name, optionsFile, resultFile],
      { stdio: ["ignore", "inherit", "inherit"], timeout: 3 * 60 * 60_000 },
    );
    let result: CaseResult;
    if (existsSync(resultFile)) result = JSON.parse(readFileSync(resultFile, "utf8")) as CaseResult;
    else
      result = {
        name,
        title: name,
        workload: "",
        rows: [],
        notes: [],
        error: `case process ended with ${child.status ?? child.signal ?? child.error?.message} and no result`,
      };
    fresh.push({ ...result, run_date: new Date().toISOString(), loadavg_at_start: load });
    const summary = result.skipped
      ? `skipped: ${result.skipped}`
      : result.error
        ? `ERROR: ${result.error.split("\n")[0]}`
        : result.rows.map((r) => `${r.metric}: ${r.ours.median_ms} ms${r.ratio !== undefined ? ` (x${r.ratio})` : ""}`).join("; ");
    console.error(`bench: ${name} done in ${result.elapsed_s} s: ${summary.slice(0, 600)}`);
  }
  machine.loadavg_end = loadavg().map((n) => Math.round(n * 100) / 100);
  // Read at the end, so that runs of other cases that finished meanwhile are kept.
  let previous: Results | undefined;
  if (!args.smoke && (args.names.length || args.renderOnly) && existsSync(resultsFile))
    previous = JSON.parse(readFileSync(resultsFile, "utf8")) as Results;
  const merged = previous
    ? [...previous.cases.filter((c) => !names.includes(c.name)), ...fresh.map((c) => withOtherPlatforms(c, previous!, args.platform))]
    : fresh;
  const order = Object.keys(CASES);
  merged.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  if (args.renderOnly && previous) Object.assign(machine, previous.machine);
  const results: Results = { machine, smoke: args.smoke, warmup: options.warmup, runs: options.runs, cases: merged };
  writeFileSync(resultsFile, JSON.stringify(results, null, 2) + "\n");

  const plots: string[] = [];
  if (args.plots) {
    const script = join(repo, "bench/harness/plot.py");
    const python = existsSync(join(venv, "bin/python")) ? join(venv, "bin/python") : "python3";
    const r = spawnSync(python, [script, resultsFile, plotDir], { encoding: "utf8" });
    if (r.status === 0) plots.push(...r.stdout.trim().split("\n").filter(Boolean));
    else {
      // Without matplotlib, keep the plots of curves this run did not measure (their figures did not change).
      const kept = merged
        .filter((c) => !names.includes(c.name))
        .flatMap((c) => (c.curves ?? []).map((curve) => join(plotDir, `${curve.id}.png`)))
        .filter((file) => existsSync(file));
      plots.push(...kept);
      console.error(
        `bench: plots not made (${python}): ${r.stderr.trim().split("\n").slice(-2).join(" ")}; kept ${kept.length} existing plot(s) of curves not run`,
      );
    }
  }
  writeFileSync(
    mdPath,
    renderMarkdown(
      results,
      plots.map((p) => p.replace(`${plotDir}/`, args.smoke || args.outDir ? "" : "bench/")),
    ),
  );
  rmSync(workDir, { recursive: true, force: true });
  console.error(`bench: wrote ${resultsFile}, ${mdPath}${plots.length ? `, ${plots.length} plots` : ""}`);
  const failed = fresh.filter((c) => c.error);
  if (failed.length) console.error(`bench: ${failed.length} case(s) failed: ${failed.map((c) => c.name).join(", ")}`);
  process.exitCode = failed.length ? 1 : 0;
}

/** A case measured for one platform, with the previous run's rows of the other platforms (in their places). */
function withOtherPlatforms<C extends CaseResult>(fresh: C, previous: Results, platform: string | undefined): C {
  const before = previous.cases.find((c) => c.name === fresh.name);
  if (!platform || !before || fresh.error || fresh.skipped) return fresh;
  const ours = (metric: string) => metric.startsWith(`${platform}:`);
  const rows = before.rows.flatMap((r, i) => {
    if (!ours(r.metric)) return [r];
    // The fresh rows take the place of the first row of this platform.
    return before.rows.findIndex((b) => ours(b.metric)) === i ? fresh.rows : [];
  });
  if (!before.rows.some((r) => ours(r.metric))) rows.push(...fresh.rows);
  return { ...fresh, rows };
}

main();
