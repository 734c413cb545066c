/**
 * The web console case (issue #19): the overview of an organization with 1,000 sites,
 * interactive in the browser (bench/console.bench.ts), beside the same API reads from Node
 * without a browser (the part of the figure that is the API's).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadavg } from "node:os";
import { measureConsoleOverview } from "../console.bench";
import { ratio, summarize } from "./stats";
import type { CaseOptions, CaseResult } from "./types";

export async function consoleCase(opts: CaseOptions): Promise<CaseResult> {
  const sites = opts.smoke ? 20 : 1000;
  const base: CaseResult = {
    name: "console",
    title: "Web console: the overview of 1,000 sites, in the browser",
    workload: `${sites.toLocaleString("en-US")} sites, ${Math.ceil(sites / 100)} groups of 100 sites, 5 prefix lists; 60% of the agents heartbeat, 1 in 30 of those reports a failure (bench/console.bench.ts)`,
    rows: [],
    notes: [],
  };
  if (!existsSync(join(opts.repo, "dist", "console", "console.js")))
    return { ...base, skipped: "the console is not built (npm run build)" };
  const chromium = process.env.SECGROUPS_CHROMIUM ?? "/usr/bin/chromium";
  if (!existsSync(chromium)) return { ...base, skipped: `no ${chromium} (scripts/ensure-system.sh installs Debian's chromium)` };
  const load = loadavg()[0];
  const r = await measureConsoleOverview({
    repo: opts.repo,
    sites,
    runs: Math.max(opts.runs, opts.smoke ? 1 : 7),
    warmup: Math.max(opts.warmup, 1),
    log: opts.log,
  });
  const ours = summarize(r.interactive_ms);
  const reads = summarize(r.api_reads_ms);
  base.rows.push({
    metric: `overview interactive: navigation start to the first render with data (${sites.toLocaleString("en-US")} sites)`,
    ours,
    anchor: { name: "the same API reads from Node (no browser, no rendering)", summary: reads },
    ratio: ratio(ours, reads),
    target: { text: "<= 1 s (median)", met: ours.median_ms <= 1000 },
  });
  base.notes.push(
    "Each run opens a fresh browser context (nothing cached) with the token already in the tab's sessionStorage, loads /console and reads the `console:interactive` performance mark, which the overview sets in the effect after its first render with the API's data (GET /vpc/overview: counts, and what needs attention first). Debian's chromium 156 headless through playwright-core, against `secgroups serve` on PGlite, both on this machine.",
    `The load average was ${load.toFixed(1)} (1 min) when the case started, on 2 cores shared with other work: wall times are inflated accordingly.`,
  );
  return base;
}
