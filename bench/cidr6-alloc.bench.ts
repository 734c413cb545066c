/**
 * Bytes allocated per CIDR on the IPv6 CIDR hot path (issue #14: it stays
 * allocation-free: no BigInt, no object per address), beside IPv4. A bench,
 * not a test: it reports figures, the harness case `alloc-cidr6` judges them.
 *
 *   node --expose-gc --min-semi-space-size=256 --max-semi-space-size=256 \
 *     dist/bench-build/bench/cidr6-alloc.bench.js [--json] [--lists N (200: 100,000 CIDRs per family)]
 *
 * Method: gc() twice, read process.memoryUsage() (heapUsed: the JS heap;
 * arrayBuffers: typed-array backing stores, which V8 keeps off the heap),
 * make one call and keep its result alive, read again. The deltas are what
 * the call allocated and still holds, provided no garbage collection ran in
 * between: a new space of 2 x 256 MiB holds every workload below, and the
 * count of V8 `gc` performance entries during the call is reported (and must
 * be 0 for the figure to count). Garbage the call made and dropped is in the
 * delta too, since nothing collected it: the figure is all it allocated.
 * Median of 5 measurements (after 2 unmeasured calls, so that compiled code
 * and module scratch exist).
 *
 * Workloads: 100,000 IPv6 CIDRs, the 200 site lists of 500 of the
 * compile-dual case (compile.bench.ts ipv6SiteLists), and its 100,000 IPv4
 * CIDRs (largePolicy(1)); texts as JSON.parse gives them (flat strings).
 */
import { performance, PerformanceObserver } from "node:perf_hooks";
import {
  CIDR6_ROW,
  collapseAddressTexts,
  collapseCidr6Texts,
  collapseCidr6TextsPacked,
  collapseCidrTexts,
  readCidr6Rows,
} from "../core/model";
import { normalizePolicy } from "../core/policy";
import { dualStackPolicy, ipv6SiteLists, largePolicy } from "./compile.bench";

export interface AllocFigure {
  label: string;
  /** CIDRs the call reads. */
  cidrs: number;
  heapBytesPerCidr: number;
  bufferBytesPerCidr: number;
  /** Garbage collections seen during the measured calls (the figure needs 0). */
  gcs: number;
  /** Calls of globalThis.BigInt (it is trapped during the calls). */
  bigintCalls: number;
  /** Wall time of each measured call, ms (no collection ran in them: not comparable with the timed benches). */
  samplesMs: number[];
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Start times of the garbage collections V8 reported (delivered asynchronously, hence compared with each call's window). */
const gcStarts: number[] = [];
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcStarts.push(entry.startTime);
});

/** Garbage collections V8 reports are delivered asynchronously: let them arrive. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

async function measure(label: string, cidrs: number, fn: () => unknown): Promise<AllocFigure> {
  if (!gc) throw new Error("run with node --expose-gc");
  fn();
  fn();
  const heap: number[] = [];
  const buffers: number[] = [];
  let gcs = 0;
  let bigintCalls = 0;
  const samplesMs: number[] = [];
  const realBigInt = globalThis.BigInt;
  for (let k = 0; k < 5; k++) {
    gc();
    gc();
    await settle();
    const before = process.memoryUsage();
    const t0 = performance.now();
    // A trap, not a proof (bigint literals do not call it): the unit test core/model/cidr6-hot-path.test.ts checks the sources too.
    (globalThis as { BigInt: unknown }).BigInt = () => {
      bigintCalls++;
      return 0;
    };
    let kept: unknown;
    try {
      kept = fn();
    } finally {
      globalThis.BigInt = realBigInt;
    }
    const t1 = performance.now();
    samplesMs.push(t1 - t0);
    const after = process.memoryUsage();
    await settle();
    await settle();
    gcs += gcStarts.filter((t) => t >= t0 && t <= t1).length;
    heap.push(after.heapUsed - before.heapUsed);
    buffers.push(after.arrayBuffers - before.arrayBuffers);
    if (kept === undefined) throw new Error(`${label}: nothing returned`);
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return {
    label,
    cidrs,
    heapBytesPerCidr: Math.round((med(heap) / cidrs) * 100) / 100,
    bufferBytesPerCidr: Math.round((med(buffers) / cidrs) * 100) / 100,
    gcs,
    bigintCalls,
    samplesMs,
  };
}

const fmt = (n: number) => n.toLocaleString("en-US");
const flat = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** `lists` lists of 500 per family (200: 100,000 CIDRs each; the harness's smoke run passes 4). */
export async function allocFigures(lists = 200): Promise<AllocFigure[]> {
  observer.observe({ entryTypes: ["gc"] });
  const size = { lists, perList: 500, rules: 250 };
  const v6Lists = flat(ipv6SiteLists(8, lists, 500));
  const v6 = v6Lists.flat();
  const v4Lists = flat(largePolicy(1, size).prefix_lists!.map((l) => l.prefixes.map((p) => p.cidr)));
  const dual = flat(dualStackPolicy(1, size));
  const v4Doc = flat(largePolicy(1, size));
  const n6 = v6.length;
  const n4 = v4Lists.reduce((n, l) => n + l.length, 0);
  const rows = new Uint32Array(n6 * CIDR6_ROW);
  const canonical = new Uint8Array(n6);
  const out: AllocFigure[] = [];
  out.push(
    await measure(`IPv6 parse (readCidr6Rows into a caller's rows), ${fmt(n6)} CIDRs`, n6, () => {
      readCidr6Rows(v6, rows, canonical);
      return rows;
    }),
  );
  out.push(await measure(`IPv6 collapseCidr6TextsPacked, ${lists} lists of 500`, n6, () => v6Lists.map(collapseCidr6TextsPacked)));
  out.push(await measure(`IPv6 collapseCidr6TextsPacked, 1 list of ${fmt(n6)}`, n6, () => collapseCidr6TextsPacked(v6)));
  out.push(await measure(`IPv6 collapseCidr6Texts (ranges as objects), ${lists} lists of 500`, n6, () => v6Lists.map(collapseCidr6Texts)));
  out.push(
    await measure(`IPv6 collapseAddressTexts (what normalizePolicy calls), ${lists} lists of 500`, n6, () =>
      v6Lists.map(collapseAddressTexts),
    ),
  );
  out.push(await measure(`IPv4 collapseCidrTexts, ${lists} lists of 500`, n4, () => v4Lists.map(collapseCidrTexts)));
  out.push(
    await measure(`normalizePolicy, dual stack (${fmt(n4 + n6)} CIDRs: validation + collapse)`, n4 + n6, () => normalizePolicy(dual)),
  );
  out.push(await measure(`normalizePolicy, IPv4 only (${fmt(n4)} CIDRs: validation + collapse)`, n4, () => normalizePolicy(v4Doc)));
  observer.disconnect();
  return out;
}

async function main(): Promise<void> {
  const at = process.argv.indexOf("--lists");
  const figures = await allocFigures(at > 0 ? Number(process.argv[at + 1]) : 200);
  if (process.argv.includes("--json")) {
    console.log(JSON.stringify(figures));
    return;
  }
  console.log(`node ${process.version}; heap and array-buffer bytes per CIDR (median of 5), GCs during the calls, BigInt calls`);
  for (const f of figures)
    console.log(
      `${f.label.padEnd(78)} heap ${f.heapBytesPerCidr.toFixed(2).padStart(7)} B  buffers ${f.bufferBytesPerCidr.toFixed(2).padStart(6)} B  gc ${f.gcs}  BigInt ${f.bigintCalls}`,
    );
}

if (require.main === module) void main();
