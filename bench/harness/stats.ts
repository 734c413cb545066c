import { performance } from "node:perf_hooks";
import type { Summary } from "./types";

export function summarize(samples: number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const r = (n: number) => Math.round(n * 100) / 100;
  const median = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { median_ms: r(median), min_ms: r(s[0]), max_ms: r(s[s.length - 1]), runs: s.length, samples_ms: samples.map(r) };
}

/** `warmup` untimed calls, then `runs` timed ones. */
export async function timeIt(fn: () => unknown, opts: { warmup: number; runs: number }): Promise<Summary> {
  for (let i = 0; i < opts.warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < opts.runs; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return summarize(samples);
}

export function ratio(ours: Summary, anchor: Summary | undefined): number | undefined {
  if (!anchor || !anchor.median_ms) return undefined;
  return Math.round((ours.median_ms / anchor.median_ms) * 1000) / 1000;
}
