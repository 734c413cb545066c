/**
 * Runs one case in its own process (so that its peak memory is its own) and
 * writes the CaseResult as JSON:  node case-main.js NAME OPTIONS.json RESULT.json
 */
import { readFileSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { CASES } from "./cases";
import type { CaseOptions, CaseResult } from "./types";

async function main(): Promise<void> {
  const [name, optionsFile, resultFile] = process.argv.slice(2);
  const options = JSON.parse(readFileSync(optionsFile, "utf8")) as Omit<CaseOptions, "log">;
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const t0 = performance.now();
  let result: CaseResult;
  try {
    result = await CASES[name]({ ...options, log });
  } catch (err) {
    result = { name, title: name, workload: "", rows: [], notes: [], error: (err as Error).stack ?? String(err) };
  }
  result.elapsed_s = Math.round((performance.now() - t0) / 100) / 10;
  // ru_maxrss of this process, KiB (children, e.g. the Python anchors, report their own).
  result.peak_rss_kib = process.resourceUsage().maxRSS;
  writeFileSync(resultFile, JSON.stringify(result, null, 2));
  // Pollers, pg pools and timers must not keep a finished case alive.
  process.exit(0);
}

void main();
