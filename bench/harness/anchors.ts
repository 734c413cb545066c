/**
 * The Capirca / Aerleon anchors (bench/anchors/capirca_nftables.py), run as a
 * Python process per call: samples of wall and CPU time of parse + render in
 * that process, its peak RSS and output size.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { summarize } from "./stats";
import type { CaseOptions, Summary } from "./types";

export interface AnchorRun {
  summary?: Summary;
  error?: string;
  peak_rss_kib?: number;
  output_bytes?: number;
}

export function pythonAnchor(
  opts: CaseOptions,
  impl: "capirca" | "aerleon",
  policyFile: string,
  runs: number,
  warmup: number,
  outFile?: string,
): AnchorRun {
  const script = join(opts.repo, "bench/anchors/capirca_nftables.py");
  const args = [script, "--impl", impl, policyFile, "--runs", String(runs), "--warmup", String(warmup)];
  if (outFile) args.push("--out", outFile);
  const r = spawnSync(opts.python[impl], args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: 60 * 60_000 });
  if (r.error) return { error: `${impl}: ${r.error.message}` };
  if (r.status !== 0)
    return { error: `${impl} exited ${r.status}: ${(r.stderr || "").trim().split("\n").slice(-3).join(" | ").slice(0, 400)}` };
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as {
    samples_ms: number[];
    cpu_samples_ms?: number[];
    peak_rss_kib: number;
    output_bytes: number;
  };
  return { summary: summarize(out.samples_ms, out.cpu_samples_ms), peak_rss_kib: out.peak_rss_kib, output_bytes: out.output_bytes };
}

/** Python anchors are slow: at most 3 timed runs and 1 warm-up. */
export const anchorRuns = (opts: CaseOptions) => ({ runs: Math.min(opts.runs, 3), warmup: Math.min(opts.warmup, 1) });
