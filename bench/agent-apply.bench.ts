/**
 * The agent's apply of a large nftables policy (100,000 CIDRs in 200 prefix
 * lists, 250 rules): raw `nft -f` of the file versus the agent's apply
 * (write, one `nft -f`, `nft -j list table` read-back, semantic comparison),
 * and a drift check alone (read-back + comparison). Runs in a throw-away
 * network namespace; needs root. Prints the median of N runs.
 *
 *   npx tsc -p tsconfig.json --outDir /tmp/sg-bench && node /tmp/sg-bench/bench/agent-apply.bench.js [runs]
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { formatCidr } from "../core/model";
import { compilePolicy } from "../core/platforms";
import { NftablesEnforcer, nftablesFile } from "../core/platforms/nftables";
import { runCommand, type Runner } from "../core/platforms/runner";

const RUNS = require.main === module ? Number(process.argv[2] ?? 5) : 5;
const LISTS = 200;
const PER_LIST = 500;
const RULES = 250;
const NS = `sg-bench-${process.pid}`;
const CP = [{ address: "10.0.0.1", port: 8787 }];

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

export function largePolicy() {
  const r = random(42);
  const int = (n: number) => Math.floor(r() * n);
  const lists = Array.from({ length: LISTS }, (_, i) => {
    const cidrs = new Set<string>();
    while (cidrs.size < PER_LIST) {
      const length = 16 + int(17);
      const network = ((0x0a000000 + int(2 ** 24)) >>> (32 - length)) * 2 ** (32 - length);
      cidrs.add(formatCidr({ network, prefixLength: length }));
    }
    return {
      id: `prfx_lst_${String(i).padStart(4, "0")}${"x".repeat(23)}`,
      name: `list ${i}`,
      prefixes: [...cidrs].map((cidr) => ({ cidr })),
    };
  });
  const rules = Array.from({ length: RULES }, (_, i) => ({
    direction: i % 5 === 0 ? "outbound" : "inbound",
    order: i + 1,
    protocol: 6,
    port: String(1000 + i),
    address: lists[i % LISTS].id,
    description: `rule ${i}`,
  }));
  return { prefix_lists: lists, security_groups: [{ id: "sec_grp_bench00000000000000000000", name: "bench", rules, sites: [] }] };
}

/** `doc` with the first prefix of its first list replaced by another (a one-prefix change). */
export function onePrefixChanged<T>(doc: T): T {
  const d = doc as unknown as { prefix_lists: { prefixes: { cidr: string }[] }[] };
  const [first, ...rest] = d.prefix_lists;
  const prefixes = [{ cidr: "192.0.2.0/24" }, ...first.prefixes.slice(1)];
  return { ...(doc as object), prefix_lists: [{ ...first, prefixes }, ...rest] } as T;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const config = compilePolicy(largePolicy() as never, "nftables");
  const dir = mkdtempSync(join(tmpdir(), "sg-bench-"));
  const file = join(dir, "raw.nft");
  writeFileSync(file, nftablesFile(config, CP)); // byte for byte the file the agent loads
  execFileSync("ip", ["netns", "add", NS]);
  const inNs: Runner = (cmd, args, stdin, options) => runCommand("ip", ["netns", "exec", NS, cmd, ...args], stdin, options);
  try {
    const enforcer = new NftablesEnforcer({ stateDir: dir, run: inNs });
    const raw: number[] = [];
    const agent: number[] = [];
    const check: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      let t = performance.now();
      execFileSync("ip", ["netns", "exec", NS, "nft", "-f", file]);
      raw.push(performance.now() - t);
      t = performance.now();
      await enforcer.apply(config, CP);
      agent.push(performance.now() - t);
      t = performance.now();
      const diff = await enforcer.check(config, CP);
      check.push(performance.now() - t);
      if (diff.length) throw new Error(`unexpected drift: ${diff.join("; ")}`);
    }
    console.log(
      `policy: ${LISTS * PER_LIST} CIDRs in ${LISTS} prefix lists, ${RULES} rules; file ${(config.length / 1e6).toFixed(1)} MB; median of ${RUNS}`,
    );
    console.log(`raw nft -f:                      ${median(raw).toFixed(0)} ms`);
    console.log(`agent apply (load+read+compare): ${median(agent).toFixed(0)} ms`);
    console.log(`drift check (read+compare):      ${median(check).toFixed(0)} ms`);
  } finally {
    execFileSync("ip", ["netns", "del", NS]);
  }
}

// Standalone use; bench/harness imports largePolicy.
if (require.main === module)
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
