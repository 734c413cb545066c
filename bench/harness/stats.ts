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

/** CPU time (ms) of process `pid` and its reaped children (the tools it ran), from /proc (clock ticks of 10 ms). */
export function reapedCpuMs(pid: number | "self" = "self"): number {
  const { readFileSync } = require("node:fs") as typeof import("node:fs");
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 10;
}

/** CPU time (ms) used by process `pid`, its reaped children and its live descendants, from /proc (clock ticks of 10 ms). */
export function treeCpuMs(pid: number = process.pid): number {
  const { readdirSync, readFileSync } = require("node:fs") as typeof import("node:fs");
  const stat = (p: number | string) => {
    try {
      const text = readFileSync(`/proc/${p}/stat`, "utf8");
      return text.slice(text.lastIndexOf(")") + 2).split(" ");
    } catch {
      return undefined;
    }
  };
  const all = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  const parents = new Map<string, string[]>();
  for (const d of all) {
    const f = stat(d);
    if (f) parents.set(f[1], [...(parents.get(f[1]) ?? []), d]);
  }
  // Fields after the command: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
  const own = (f: string[]) => Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  let ticks = 0;
  const visit = (p: string) => {
    const f = stat(p);
    if (!f) return;
    ticks += own(f);
    for (const child of parents.get(p) ?? []) visit(child);
  };
  visit(String(pid));
  return ticks * 10;
}

/** Like timeIt, with the CPU time of this process and the tools it ran (reapedCpuMs) beside the wall time. */
export async function timeItWithCpu(
  fn: () => unknown,
  opts: { warmup: number; runs: number },
  /** The CPU clock: reapedCpuMs; treeCpuMs where the tools run under a live helper (its reaped children count; its /proc scan, about 3 ms, too). */
  cpuMs: () => number = reapedCpuMs,
): Promise<Summary> {
  for (let i = 0; i < opts.warmup; i++) await fn();
  const into = { wall: [] as number[], cpu: [] as number[] };
  for (let i = 0; i < opts.runs; i++) await sample(fn, cpuMs, into);
  return summarize(into.wall, into.cpu);
}

/** One timed run of `fn`: its wall and CPU time added to `into`. */
async function sample(fn: () => unknown, cpuMs: () => number, into: { wall: number[]; cpu: number[] }): Promise<void> {
  const c0 = cpuMs();
  const t0 = performance.now();
  await fn();
  into.wall.push(performance.now() - t0);
  into.cpu.push(cpuMs() - c0);
}

/** One side of timeInterleaved: what is timed, and what must hold before each of its runs (untimed). */
export interface InterleavedSide {
  run: () => unknown;
  before?: () => unknown;
}

/**
 * Two workloads timed in alternation (a, b, then b, a, ...), each with its CPU
 * time: both see the same machine, where timing one block after the other lets
 * load that changes between the blocks move their ratio.
 */
export async function timeInterleaved(
  a: InterleavedSide,
  b: InterleavedSide,
  opts: { warmup: number; runs: number },
  cpuMs: () => number = reapedCpuMs,
): Promise<[Summary, Summary]> {
  const sides = [a, b];
  const samples = sides.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
  for (let i = 0; i < opts.warmup; i++) {
    for (const side of sides) {
      await side.before?.();
      await side.run();
    }
  }
  for (let i = 0; i < opts.runs; i++) {
    for (const k of i % 2 ? [1, 0] : [0, 1]) {
      await sides[k].before?.();
      await sample(sides[k].run, cpuMs, samples[k]);
    }
  }
  return [summarize(samples[0].wall, samples[0].cpu), summarize(samples[1].wall, samples[1].cpu)];
}
