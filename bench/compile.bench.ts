/**
 * Compile, semantic diff and lint of a large policy: 250 rules over 200 prefix
 * lists of 500 CIDRs (100,000 CIDRs). Prints the median of N runs per step.
 * Targets (issue #3): compile <= 150 ms per target, diff and lint <= 1 s.
 *
 *   npx tsc -p tsconfig.json --outDir /tmp/sg-bench && node /tmp/sg-bench/bench/compile.bench.js [runs]
 *   (or: npx ts-node bench/compile.bench.ts)
 *
 * Besides wall time it prints the median CPU time of the process (user + system):
 * on a loaded machine wall time includes time spent waiting for a core, CPU time
 * much less so (it does include GC helper threads, so it can exceed wall time).
 */
import { performance } from "node:perf_hooks";
import { formatCidr, type FilterRuleWrite } from "../core/model";
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

function main(): void {
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
