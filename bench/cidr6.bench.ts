/**
 * Collapse of 100,000 CIDRs per family (issue #14: the CIDR hot path stays
 * allocation-free for IPv6; IPv4 no slower than before). Prints the median of
 * N runs (after 3 warm-up runs), wall and CPU time (on a loaded machine the
 * CPU time is the steadier figure), of:
 *   - collapseCidrTexts on 100,000 IPv4 CIDRs: one list, and 200 lists of 500
 *     (bench/compile.bench.ts largePolicy(1), the compile case's prefix lists);
 *   - collapseCidr6Texts (ranges as objects) and collapseCidr6TextsPacked (ranges
 *     as packed words) on 100,000 IPv6 CIDRs: one list of uniformly random
 *     networks (/16-/128), and 200 site lists of 500, /48-/128 inside a /40 each
 *     (compile.bench.ts ipv6SiteLists, the IPv6 lists of the compile-dual case);
 *   - the IPv6 parse alone (readCidr6Rows);
 *   - the sort step alone on the random IPv6 rows: sortRowsByKey (radix) beside
 *     an index sort with a comparator over the same rows, the alternative it replaced.
 *
 *   npx tsc -p bench/harness/tsconfig.json && node dist/bench-build/bench/cidr6.bench.js [runs] [v4|v6]
 */
import { performance } from "node:perf_hooks";
import {
  CIDR6_ROW,
  collapseCidr6Texts,
  collapseCidr6TextsPacked,
  collapseCidrTexts,
  formatCidr,
  formatCidr6,
  readCidr6Rows,
  sortRowsByKey,
  type IPv6Address,
} from "../core/model";
import { seededRandom } from "../core/analyze";
import { ipv6SiteLists, largePolicy, network6 } from "./compile.bench";

const RUNS = Number(process.argv[2] ?? 15);
const ONLY = process.argv[3];
const N = 100_000;

function median(label: string, fn: () => unknown): number {
  for (let i = 0; i < 3; i++) fn();
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
    const cpu = process.cpuUsage(cpu0);
    cpuTimes.push((cpu.user + cpu.system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpuTimes.sort((a, b) => a - b);
  const m = times[Math.floor(times.length / 2)];
  console.log(
    `${label.padEnd(58)} median ${m.toFixed(2).padStart(8)} ms  (min ${times[0].toFixed(2)}, max ${times[times.length - 1].toFixed(2)}, ${RUNS} runs)  cpu ${cpuTimes[Math.floor(cpuTimes.length / 2)].toFixed(2)} ms`,
  );
  return m;
}

/** 100,000 random IPv4 CIDRs in 10.0.0.0/8, /16-/32, as largePolicy draws them. */
function randomIPv4(seed: number): string[] {
  const random = seededRandom(seed);
  const out: string[] = [];
  for (let i = 0; i < N; i++) {
    const length = 16 + Math.floor(random() * 17);
    const network = ((0x0a000000 + Math.floor(random() * 2 ** 24)) >>> (32 - length)) * 2 ** (32 - length);
    out.push(formatCidr({ network, prefixLength: length }));
  }
  return out;
}

const mapped = (a: IPv6Address, length: number) => length >= 96 && a[0] === 0 && a[1] === 0 && a[2] === 0xffff;

function randomIPv6(seed: number): string[] {
  const random = seededRandom(seed);
  const out: string[] = [];
  while (out.length < N) {
    const length = 16 + Math.floor(random() * 113);
    const network = network6(random, [0, 0, 0, 0], 0, length);
    if (!mapped(network, length)) out.push(formatCidr6({ network, prefixLength: length }));
  }
  return out;
}

/**
 * The texts as JSON.parse gives them (the API and `secgroups compile FILE` read
 * JSON): flat strings, not the concatenation trees the generators build, which
 * are slower to read character by character.
 */
const flat = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

function comparatorOrder(rows: Uint32Array, n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order.sort((a, b) => {
    const x = a * CIDR6_ROW;
    const y = b * CIDR6_ROW;
    for (let w = 0; w < CIDR6_ROW; w++) if (rows[x + w] !== rows[y + w]) return rows[x + w] - rows[y + w];
    return 0;
  });
}

function main(): void {
  console.log(`node ${process.version}, ${RUNS} runs after 3 warm-up runs`);
  if (ONLY !== "v6") {
    const v4 = flat(randomIPv4(1));
    const v4Lists = flat(largePolicy(1).prefix_lists!.map((l) => l.prefixes.map((p) => p.cidr)));
    median("IPv4 collapseCidrTexts, 1 list of 100,000", () => collapseCidrTexts(v4));
    median("IPv4 collapseCidrTexts, 200 lists of 500", () => v4Lists.map(collapseCidrTexts));
  }
  if (ONLY !== "v4") {
    const v6 = flat(randomIPv6(2));
    const v6Lists = flat(ipv6SiteLists(3, 200, 500));
    median("IPv6 collapseCidr6Texts, 1 list of 100,000 (random)", () => collapseCidr6Texts(v6));
    median("IPv6 collapseCidr6TextsPacked, 1 list of 100,000 (random)", () => collapseCidr6TextsPacked(v6));
    median("IPv6 collapseCidr6Texts, 200 site lists of 500", () => v6Lists.map(collapseCidr6Texts));
    median("IPv6 collapseCidr6TextsPacked, 200 site lists of 500", () => v6Lists.map(collapseCidr6TextsPacked));
    const rows = new Uint32Array(N * CIDR6_ROW);
    readCidr6Rows(v6, rows, new Uint8Array(N));
    median("IPv6 parse only (readCidr6Rows), 100,000 random", () => readCidr6Rows(v6, rows, new Uint8Array(N)));
    median("IPv6 sort step: sortRowsByKey (radix), 100,000", () => sortRowsByKey(rows, CIDR6_ROW, CIDR6_ROW, N));
    median("IPv6 sort step: comparator index sort, 100,000", () => comparatorOrder(rows, N));
  }
}

if (require.main === module) main();
