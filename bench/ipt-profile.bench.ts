/**
 * Step timings of the iptables enforcer on largePolicy (bench/agent-apply.bench.ts): every tool
 * call timed (wall), and the apply, delta and cheap check as wholes, beside the raw anchor, in a
 * throw-away network namespace; needs root.
 *
 *   npx tsc -p bench/harness/tsconfig.json && node dist/bench-build/bench/ipt-profile.bench.js [runs]
 */
import { execFileSync, spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { compilePolicy } from "../core/platforms";
import { IptablesEnforcer, controlPlaneIpset, splitIptablesConfig } from "../core/platforms/iptables";
import { toolHostRunner, type Runner } from "../core/platforms/runner";
import { largePolicy, onePrefixChanged } from "./agent-apply.bench";

const RUNS = Number(process.argv[2] ?? 5);
const NS = `sg-ipt-prof-${process.pid}`;
const CP = [{ address: "10.0.0.1", port: 8787 }];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const doc = largePolicy() as never;
  const config = compilePolicy(doc, "iptables");
  const config2 = compilePolicy(onePrefixChanged(doc), "iptables");
  execFileSync("ip", ["netns", "add", NS]);
  let log: string[] | undefined;
  let t0 = 0;
  const host = toolHostRunner();
  // Each call as its start and end (ms since the step began) and its arguments.
  const run: Runner = async (cmd, args, stdin, options) => {
    const t = performance.now();
    const r = await host("ip", ["netns", "exec", NS, cmd, ...args], stdin, options);
    const at = (x: number) => (x - t0).toFixed(1).padStart(7);
    log?.push(`${at(t)} ${at(performance.now())} ms  ${cmd} ${args.join(" ")}${stdin ? ` <${stdin.length} B` : ""}`);
    return r;
  };
  const raw = (p: ReturnType<typeof splitIptablesConfig>) => {
    const r = (cmd: string, args: string[], input: string) =>
      spawnSync("ip", ["netns", "exec", NS, cmd, ...args], { input, maxBuffer: 1 << 28 });
    r("ipset", ["restore"], p.ipset + controlPlaneIpset(CP));
    r("iptables-restore", ["--noflush"], p.iptables);
    if (p.ip6tables) r("ip6tables-restore", ["--noflush"], p.ip6tables);
  };
  try {
    const enforcer = new IptablesEnforcer({ run });
    await enforcer.apply(config, CP);
    const parts = [splitIptablesConfig(config), splitIptablesConfig(config2)];
    const times: Record<string, number[]> = { raw: [], full: [], delta: [], quick: [] };
    let at = config;
    for (let i = 0; i < RUNS; i++) {
      let t = performance.now();
      raw(parts[i % 2]);
      times.raw.push(performance.now() - t);
      log = [];
      t = t0 = performance.now();
      await enforcer.apply(config, CP);
      times.full.push(performance.now() - t);
      if (i === RUNS - 1) console.log(`full (${times.full[i].toFixed(1)} ms):\n  ` + log.join("\n  "));
      at = config;
      log = [];
      t = t0 = performance.now();
      const next = config2;
      const outcome = await enforcer.apply(next, CP, { config: at, controlPlane: CP });
      times.delta.push(performance.now() - t);
      if (outcome.mode !== "delta") throw new Error(`full: ${outcome.reason}`);
      if (i === RUNS - 1) console.log(`delta (${times.delta[i].toFixed(1)} ms):\n  ` + log.join("\n  "));
      at = next;
      log = [];
      const c0 = process.cpuUsage();
      t = t0 = performance.now();
      const diff = await enforcer.quickCheck(at, CP);
      times.quick.push(performance.now() - t);
      const c = process.cpuUsage(c0);
      if (diff.length) throw new Error(diff.join("; "));
      if (i === RUNS - 1) console.log(`quick (node cpu ${((c.user + c.system) / 1000).toFixed(1)} ms):\n  ` + log.join("\n  "));
    }
    console.log(`rss ${process.memoryUsage().rss >> 20} MB, heap used ${process.memoryUsage().heapUsed >> 20} MB`);
    for (const [k, v] of Object.entries(times))
      console.log(`${k}: median ${median(v).toFixed(1)} ms  [${v.map((x) => x.toFixed(0)).join(" ")}]`);
  } finally {
    execFileSync("ip", ["netns", "del", NS]);
  }
}

void main();
