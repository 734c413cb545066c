/**
 * Compile, semantic diff and lint of a large policy: 250 rules over 200 prefix
 * lists of 500 CIDRs (100,000 CIDRs). Prints the median of N runs per step.
 * Targets (issue #3): compile <= 150 ms per target, diff and lint <= 1 s.
 *
 *   npx tsc -p tsconfig.json --outDir /tmp/sg-bench && node /tmp/sg-bench/bench/compile.bench.js [runs]
 *   (or: npx ts-node bench/compile.bench.ts)
 *   ... compile.bench.js [runs] dual   the dual-stack workload (dualStackPolicy) beside the IPv4-only one
 *
 * Besides wall time it prints the median CPU time of the process (user + system):
 * on a loaded machine wall time includes time spent waiting for a core, CPU time
 * much less so (it does include GC helper threads, so it can exceed wall time).
 */
import { performance } from "node:perf_hooks";
import { formatCidr, formatCidr6, type FilterRuleWrite, type IPv6Address } from "../core/model";
import { compilePolicy } from "../core/platforms";
import { normalizePolicy, type PolicyDocumentInput } from "../core/policy";
import { lint, seededRandom, semanticDiff } from "../core/analyze";

const RUNS = Number(process.argv[2] ?? 7);
const LISTS = 200;
const PER_LIST = 500;
const RULES = 250;

/** Exported for bench/harness (scaling curves pass smaller or larger sizes). */
export function largePolicy(seed: number, size = { lists: LISTS, perList: PER_LIST, rules: RULES }): PolicyDocumentInput {
  const random = seededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const alnum = (n: number) => Array.from({ length: n }, () => "0123456789abcdefghijklmnopqrstuvwxyz"[int(36)]).join("");
  const lists = Array.from({ length: size.lists }, (_, i) => {
    const cidrs = new Set<string>();
    while (cidrs.size < size.perList) {
      const length = 16 + int(17);
      const network = ((0x0a000000 + int(2 ** 24)) >>> (32 - length)) * 2 ** (32 - length);
      cidrs.add(formatCidr({ network, prefixLength: length }));
    }
    return { id: `prfx_lst_${String(i).padStart(4, "0")}${alnum(23)}`, name: `list ${i}`, prefixes: [...cidrs].map((cidr) => ({ cidr })) };
  });
  const rules: (FilterRuleWrite & { id: string })[] = Array.from({ length: size.rules }, (_, i) => {
    const protocol = [6, 6, 17, 1, 0][i % 5];
    return {
      id: `fltr_${String(i).padStart(4, "0")}${alnum(23)}`,
      direction: i % 3 ? "inbound" : "outbound",
      order: i + 1,
      protocol,
      port: protocol === 6 || protocol === 17 ? `${1 + int(60000)},${1000 + int(1000)}-${3000 + int(1000)}` : "",
      address: i < size.lists ? lists[i].id : `10.${int(256)}.0.0/16`,
      description: `rule ${i}`,
      action: i % 7 === 0 ? "drop" : "accept",
    };
  });
  return {
    prefix_lists: lists,
    security_groups: [0, 1].map((g) => ({ id: `sec_grp_${g}`, name: `group ${g}`, rules: rules.filter((_, i) => i % 2 === g) })),
  };
}

/** A random network of `length` whose first `fixed` bits are those of `base` (exported for bench/cidr6.bench.ts). */
export function network6(random: () => number, base: IPv6Address, fixed: number, length: number): IPv6Address {
  const words = [0, 1, 2, 3].map((w) => {
    const word = Math.floor(random() * 2 ** 32);
    const keep = Math.max(0, Math.min(32, fixed - 32 * w));
    const mine = Math.max(0, Math.min(32, length - 32 * w));
    const keepMask = keep === 0 ? 0 : (0xffffffff << (32 - keep)) >>> 0;
    const netMask = mine === 0 ? 0 : (0xffffffff << (32 - mine)) >>> 0;
    return (((base[w] & keepMask) | (word & ~keepMask)) & netMask) >>> 0;
  });
  return words as unknown as IPv6Address;
}

/**
 * `lists` site lists of `perList` distinct IPv6 CIDRs: list i holds /48-/128
 * networks inside its own /40 (2001:db8:ii00::/40 for i < 256), as a list of
 * one site's networks would; the IPv6 twin of largePolicy's 10.0.0.0/8 /16-/32.
 */
export function ipv6SiteLists(seed: number, lists: number, perList: number): string[][] {
  const random = seededRandom(seed);
  return Array.from({ length: lists }, (_, i) => {
    const site: IPv6Address = [(0x20010db8 + (i >>> 8)) >>> 0, ((i & 255) << 24) >>> 0, 0, 0];
    const cidrs = new Set<string>();
    while (cidrs.size < perList) {
      const length = 48 + Math.floor(random() * 81);
      cidrs.add(formatCidr6({ network: network6(random, site, 40, length), prefixLength: length }));
    }
    return [...cidrs];
  });
}

/**
 * The dual-stack workload of issue #14: largePolicy(seed, size) unchanged (its
 * IPv4 lists and 2 groups) plus its IPv6 twin of the same shape: as many IPv6
 * lists of as many CIDRs (ipv6SiteLists) and 2 more groups whose rules are
 * largePolicy's with IPv6 in place of IPv4 (list i -> IPv6 list i, the inline
 * 10.x.0.0/16 -> 2001:db8:x::/48, ICMP -> ICMPv6). At the default size 100,000
 * IPv4 + 100,000 IPv6 CIDRs, 400 sets, 500 rules.
 */
export function dualStackPolicy(seed: number, size = { lists: LISTS, perList: PER_LIST, rules: RULES }): PolicyDocumentInput {
  const v4 = largePolicy(seed, size);
  const random = seededRandom(seed + 1_000_003);
  const int = (n: number) => Math.floor(random() * n);
  const id6 = (id: string) => id.replace(/_(\d{4})/, (_, n: string) => `_${String(5000 + Number(n)).padStart(4, "0")}`);
  const lists6 = ipv6SiteLists(seed + 7, size.lists, size.perList).map((cidrs, i) => ({
    id: id6(v4.prefix_lists![i].id),
    name: `list6 ${i}`,
    prefixes: cidrs.map((cidr) => ({ cidr })),
  }));
  const listIndex = new Map(v4.prefix_lists!.map((l, i) => [l.id, i]));
  const groups6 = v4.security_groups.map((g, k) => ({
    id: `sec_grp_${k + 2}`,
    name: `group ${k + 2} (IPv6)`,
    rules: g.rules.map((r) => {
      const list = listIndex.get(r.address);
      return {
        ...r,
        id: id6((r as { id: string }).id),
        protocol: r.protocol === 1 ? 58 : r.protocol,
        address: list !== undefined ? lists6[list].id : `2001:db8:${(1 + int(0xffff)).toString(16)}::/48`,
        description: `${r.description} (IPv6)`,
      };
    }),
  }));
  return { prefix_lists: [...v4.prefix_lists!, ...lists6], security_groups: [...v4.security_groups, ...groups6] };
}

function median(label: string, fn: () => unknown): number {
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
  const cpuMedian = cpuTimes[Math.floor(cpuTimes.length / 2)];
  console.log(
    `${label.padEnd(28)} median ${m.toFixed(1).padStart(8)} ms  (min ${times[0].toFixed(1)}, max ${times[times.length - 1].toFixed(1)}, ${RUNS} runs)  cpu ${cpuMedian.toFixed(1)} ms`,
  );
  return m;
}

/** `dual`: normalize and compile (every target) of dualStackPolicy(1) beside the IPv4-only largePolicy(1), interleaved. */
function mainDual(): void {
  const dual = dualStackPolicy(1);
  const v4 = largePolicy(1);
  const count = (doc: PolicyDocumentInput, family: string) =>
    doc.prefix_lists!.reduce((n, l) => n + l.prefixes.filter((p) => p.cidr.includes(":") === (family === "6")).length, 0);
  console.log(`dual-stack policy: ${count(dual, "4")} IPv4 + ${count(dual, "6")} IPv6 CIDRs in ${dual.prefix_lists!.length} lists`);
  for (let round = 0; round < 2; round++) {
    median("normalize (IPv4 only)", () => normalizePolicy(v4));
    median("normalize (dual stack)", () => normalizePolicy(dual));
    median("nftables (IPv4 only)", () => compilePolicy(v4, "nftables"));
    median("nftables (dual stack)", () => compilePolicy(dual, "nftables"));
  }
}

function main(): void {
  if (process.argv[3] === "dual") return mainDual();
  const before = largePolicy(1);
  const after = largePolicy(1);
  // A realistic change: a few rules edited.
  for (const g of after.security_groups) {
    g.rules = g.rules.map((r, i) =>
      i % 40 === 0 ? { ...r, port: r.port ? "22" : r.port, action: r.action === "drop" ? "accept" : "drop" } : r,
    );
  }
  const cidrs = before.prefix_lists!.reduce((n, l) => n + l.prefixes.length, 0);
  console.log(`policy: ${RULES} rules, ${before.prefix_lists!.length} prefix lists, ${cidrs} CIDRs`);
  median("normalize", () => normalizePolicy(before));
  for (const target of ["nftables", "iptables", "routeros"] as const)
    median(`compile --target ${target}`, () => compilePolicy(before, target));
  const nb = normalizePolicy(before);
  const na = normalizePolicy(after);
  median("semantic diff (normalized)", () => semanticDiff(nb, na));
  median("semantic diff (documents)", () => semanticDiff(before, after));
  median("lint", () => lint(before));
}

// Standalone use; bench/harness imports largePolicy only.
if (require.main === module) main();
