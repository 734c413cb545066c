import { performance } from "node:perf_hooks";
import type { Summary } from "./types";

const median = (sorted: number[]) =>
  sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
const r2 = (n: number) => Math.round(n * 100) / 100;

/** Wall-time samples (and, where measured, the CPU time of the same runs) as a Summary. */
export function summarize(samples: number[], cpuSamples?: number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const out: Summary = {
    median_ms: r2(median(s)),
    min_ms: r2(s[0]),
    max_ms: r2(s[s.length - 1]),
    runs: s.length,
    samples_ms: samples.map(r2),
  };
  if (cpuSamples?.length) {
    out.cpu_median_ms = r2(median([...cpuSamples].sort((a, b) => a - b)));
    out.cpu_samples_ms = cpuSamples.map(r2);
  }
  return out;
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

/** Wall and CPU time (user + system of this process, ms) of one synchronous call. */
export function timeOnce(fn: () => unknown): { wall: number; cpu: number } {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1000 };
}

export function ratio(ours: Summary, anchor: Summary | undefined): number | undefined {
  if (!anchor || !anchor.median_ms) return undefined;
  return Math.round((ours.median_ms / anchor.median_ms) * 1000) / 1000;
}
