/**
 * Bytes allocated per CIDR on the IPv6 CIDR hot path (issue #14: it stays
 * allocation-free), from bench/cidr6-alloc.bench.ts in its own process (it
 * needs --expose-gc and a new space large enough that no collection runs
 * during a measured call).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { AllocFigure } from "../cidr6-alloc.bench";
import { summarize } from "./stats";
import type { CaseOptions, CaseResult, Row } from "./types";

/** Below this many JS heap bytes per CIDR a call allocates less than one object per CIDR (an array slot is 8 B). */
const PER_CIDR_OBJECT = 16;

export async function allocCidr6Case(opts: CaseOptions): Promise<CaseResult> {
  const script = join(__dirname, "../cidr6-alloc.bench.js");
  const r = spawnSync(
    process.execPath,
    ["--expose-gc", "--min-semi-space-size=256", "--max-semi-space-size=256", script, "--json", "--lists", opts.smoke ? "4" : "200"],
    {
      encoding: "utf8",
      maxBuffer: 16 * 1024 * 1024,
      timeout: 30 * 60_000,
    },
  );
  if (r.status !== 0) throw new Error(`cidr6-alloc.bench.js exited ${r.status}: ${(r.stderr || "").slice(-600)}`);
  const figures = JSON.parse(r.stdout.trim().split("\n").pop()!) as AllocFigure[];
  const judged = (label: string) => label.startsWith("IPv6 parse") || label.startsWith("IPv6 collapseCidr6TextsPacked");
  const rows: Row[] = figures.map((f) => {
    const valid = f.gcs === 0;
    return {
      metric: `${f.label}: ${f.heapBytesPerCidr.toFixed(2)} B JS heap + ${f.bufferBytesPerCidr.toFixed(2)} B typed arrays per CIDR (ours: time of those calls)`,
      ours: summarize(f.samplesMs),
      target: judged(f.label)
        ? {
            text: `allocation-free per address: < ${PER_CIDR_OBJECT} B of JS heap per CIDR and no BigInt call`,
            met: valid ? f.heapBytesPerCidr < PER_CIDR_OBJECT && f.bigintCalls === 0 : undefined,
          }
        : undefined,
      note:
        `${f.heapBytesPerCidr.toFixed(2)} B/CIDR JS heap, ${f.bufferBytesPerCidr.toFixed(2)} B/CIDR typed-array backing stores, ` +
        `${f.bigintCalls} BigInt calls${valid ? "" : `; INVALID: ${f.gcs} garbage collection(s) ran during the calls`}`,
    };
  });
  return {
    name: "alloc-cidr6",
    title: "Allocation per CIDR, IPv6 hot path",
    workload:
      "100,000 IPv6 CIDRs (200 site lists of 500, compile.bench.ts ipv6SiteLists), 100,000 IPv4 CIDRs (largePolicy(1)), the compile-dual policy; bench/cidr6-alloc.bench.ts",
    rows,
    notes: [
      "Bytes = process.memoryUsage() deltas over one call after gc(), median of 5 calls, in a process with a 2 x 256 MiB new space so that no collection runs during a call (checked with V8's gc performance entries): everything the call allocated, kept or not. The ours cell is the wall time of those calls (without garbage collection: not comparable with the timed cases). globalThis.BigInt is trapped during the calls; core/model/cidr6-hot-path.test.ts asserts the same and that the hot-path sources hold no BigInt.",
      "The judged rows are the IPv6 CIDR hot path of core/model/cidr6*.ts (parse into rows, collapse to packed words and texts): their heap bytes are the output array of CIDR texts (8 B a slot: collapseCidr6TextsPacked allocates it once at its bound, one slot per input) and the headers of a few typed arrays per call; the typed-array bytes are a fixed number of buffers per call (rows 20 B, order and spare 8 B, ranges 32 B, a flag 1 B per CIDR). The other rows show what builds objects per range or per CIDR above that hot path: the AddressRange6 objects of collapseCidr6Texts (NormalizedPrefixList.ranges6 is an array of them), and normalizePolicy's validation.",
    ],
  };
}
