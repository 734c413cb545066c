/**
 * `secgroups review` of two large policies: 250 rules over 200 prefix lists of
 * 500 CIDRs (100,000 CIDRs) each; head changes a few rules and a few hundred
 * CIDRs. Times the whole command path (read both files, rule diff, semantic
 * diff, lint of both sides, Markdown) and prints the median of N runs.
 * Target (issue #7): <= 1 s.
 *
 *   npx tsc -p tsconfig.json --outDir /tmp/sg-bench && node /tmp/sg-bench/bench/review.bench.js [runs]
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { formatCidr, type FilterRuleWrite } from "../core/model";
import { seededRandom } from "../core/analyze";
import { loadReviewInput, renderMarkdown, reviewSnapshots, sidesOf } from "../core/review";

const RUNS = Number(process.argv[2] ?? 7);
const LISTS = 200;
const PER_LIST = 500;
const RULES = 250;
const SITES = ["site_0000000000000000000000web1", "site_0000000000000000000000web2"];

export interface Doc {
  sites: { id: string; name: string }[];
  prefix_lists: { id: string; name: string; prefixes: { cidr: string }[] }[];
  security_groups: { id: string; name: string; sites: string[]; rules: FilterRuleWrite[] }[];
}

export function largePolicy(seed: number): Doc {
  const random = seededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const cidr = () => {
    const length = 16 + int(17);
    return formatCidr({ network: ((0x0a000000 + int(2 ** 24)) >>> (32 - length)) * 2 ** (32 - length), prefixLength: length });
  };
  const lists = Array.from({ length: LISTS }, (_, i) => {
    const cidrs = new Set<string>();
    while (cidrs.size < PER_LIST) cidrs.add(cidr());
    return { id: `prfx_lst_${String(i).padStart(27, "0")}`, name: `list ${i}`, prefixes: [...cidrs].map((c) => ({ cidr: c })) };
  });
  const rules: FilterRuleWrite[] = Array.from({ length: RULES }, (_, i) => {
    const protocol = [6, 6, 17, 1, 0][i % 5];
    return {
      direction: i % 3 ? "inbound" : "outbound",
      order: i + 1,
      protocol,
      port: protocol === 6 || protocol === 17 ? `${1 + int(60000)},${1000 + int(1000)}-${3000 + int(1000)}` : "",
      address: i < LISTS ? lists[i].id : `10.${int(256)}.0.0/16`,
      description: `rule ${i + 1}`,
      action: i % 7 === 0 ? "drop" : "accept",
    };
  });
  return {
    sites: SITES.map((id, i) => ({ id, name: `web-${i + 1}` })),
    prefix_lists: lists,
    security_groups: [{ id: "sec_grp_000000000000000000000000web", name: "web", sites: SITES, rules }],
  };
}

/** Head: five rules with other ports, one opened to the world, and 1% of the CIDRs of every tenth list replaced. */
export function modified(base: Doc): Doc {
  const head: Doc = JSON.parse(JSON.stringify(base));
  const rules = head.security_groups[0].rules;
  for (const i of [3, 50, 101, 150, 201]) if (rules[i].port) rules[i].port = "8443";
  rules[10].address = "0.0.0.0/0";
  head.prefix_lists.forEach((list, i) => {
    if (i % 10) return;
    for (let k = 0; k < PER_LIST / 100; k++) list.prefixes[k] = { cidr: `172.${16 + (i % 16)}.${k}.0/24` };
  });
  return head;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), "sg-review-bench-"));
  const base = largePolicy(7);
  const basePath = join(dir, "base.json");
  const headPath = join(dir, "head.json");
  writeFileSync(basePath, JSON.stringify(base));
  writeFileSync(headPath, JSON.stringify(modified(base)));
  const cidrs = base.prefix_lists.reduce((n, l) => n + l.prefixes.length, 0);
  console.log(`review bench: ${base.security_groups[0].rules.length} rules, ${cidrs.toLocaleString("en-US")} CIDRs per side, ${RUNS} runs`);

  const times = { read: [] as number[], review: [] as number[], render: [] as number[], total: [] as number[] };
  let lines = 0;
  for (let run = 0; run < RUNS; run++) {
    const t0 = performance.now();
    const sides = sidesOf(loadReviewInput(basePath), loadReviewInput(headPath));
    const t1 = performance.now();
    const review = reviewSnapshots(sides.base, sides.head);
    const t2 = performance.now();
    const text = renderMarkdown(review);
    const t3 = performance.now();
    times.read.push(t1 - t0);
    times.review.push(t2 - t1);
    times.render.push(t3 - t2);
    times.total.push(t3 - t0);
    lines = text.split("\n").length;
    if (run === 0)
      console.log(
        `  report: ${lines} lines, ${review.opened.length} newly allowed, ${review.closed.length} no longer allowed, ${review.findings.length} findings`,
      );
  }
  for (const [step, xs] of Object.entries(times))
    console.log(
      `  ${step.padEnd(7)} median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`,
    );
  const total = median(times.total);
  console.log(`review total median ${total.toFixed(0)} ms (target <= 1000 ms): ${total <= 1000 ? "ok" : "OVER TARGET"}`);
}

// Standalone use; bench/harness imports largePolicy and modified.
if (require.main === module) main();
