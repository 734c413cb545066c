/**
 * Incremental apply on iptables + ipset, in network namespaces with the real
 * tools: after random sequences of revisions applied one after the other with
 * their predecessor, what the host lists (our chains of both families, our
 * sets) reads back equal to a full load of the last revision in a fresh
 * namespace, and the applies were deltas; hand edits of a set or a chain are
 * seen by the cheap check (chain lines and set headers) and a full apply
 * restores them; an enforcer SIGKILLed at a random moment of a delta,
 * together with its tools, leaves each of our sets and each family's chains
 * as the old or the new revision has them (its restart then loads the new).
 * Most enforcers here run as the agent's package does, with
 * secgroups-nft-elements: our chains are then taken as verified while the
 * ruleset's generation has not moved (which these tests show it does with
 * every iptables and ip6tables commit, and not with an ipset change).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seededRandom } from "../../core/analyze";
import { diffLoaded } from "../../core/analyze/compare-loaded";
import { compilePolicy } from "../../core/platforms";
import type { LoadedRuleset } from "../../core/analyze/loaded";
import { IptablesEnforcer, expectedIptables, ipsetName, readIptables, splitIptablesConfig } from "../../core/platforms/iptables";
import { runCommand, type Runner } from "../../core/platforms/runner";
import { Netns, uniqueSuffix } from "../support/netns";
import { nftElementsBin } from "../support/nft-elements";
import { firstRevision, nextRevision } from "../support/revisions";
import { ROOT, ensureBuilt } from "../support/secgroups";

jest.setTimeout(300_000);

const CP = [
  { address: "198.51.100.200", port: 8787 },
  { address: "2001:db8:cafe::200", port: 8787 },
];

const namespaces: Netns[] = [];
afterAll(() => namespaces.forEach((ns) => ns.delete()));

function namespace(tag: string): Netns {
  const ns = Netns.create(`sg-di${tag}-${uniqueSuffix()}`);
  namespaces.push(ns);
  return ns;
}

/** An enforcer in `ns`; `generation: false`: without secgroups-nft-elements (our chains listed every time). `calls` gets each tool's command line. */
function enforcerIn(ns: Netns, { generation = true, calls = [] as string[][] } = {}): IptablesEnforcer {
  const run: Runner = (cmd, args, stdin, options) => {
    calls.push([cmd, ...args]);
    return runCommand("ip", ["netns", "exec", ns.name, cmd, ...args], stdin, options);
  };
  return new IptablesEnforcer({ run, nftElements: generation ? nftElementsBin() : undefined });
}

const generationIn = (ns: Netns) => /^gen (\d+)$/m.exec(ns.exec(nftElementsBin(), ["ip", "filter"]))![1];

/** Our chains and the sets `configs` use, as the host lists them. */
function hostOf(ns: Netns, ...configs: string[]) {
  const sets = new Set(configs.flatMap((config) => [...expectedIptables(config, CP).sets.keys()]));
  return readIptables(
    {
      iptablesSave: ns.exec("iptables-save", ["-t", "filter"]),
      ip6tablesSave: ns.exec("ip6tables-save", ["-t", "filter"]),
      ipsetSave: ns.exec("ipset", ["save"]),
    },
    { sets: (name) => sets.has(name) },
  );
}

test("random revision sequences applied incrementally equal a full load of the last one", async () => {
  const site = namespace("a");
  const modes: string[] = [];
  for (const seed of [1, 2, 3]) {
    const random = seededRandom(100 + seed);
    const enforcer = enforcerIn(site, { generation: seed !== 2 });
    let doc = firstRevision(random, 500);
    let config = compilePolicy(doc, "iptables");
    await enforcer.apply(config, CP);
    for (let step = 0; step < 8; step++) {
      const previous = { config, controlPlane: CP };
      const next = nextRevision(doc, random);
      doc = next.doc;
      config = compilePolicy(doc, "iptables");
      const outcome = await enforcer.apply(config, CP, previous);
      modes.push(outcome.mode === "full" ? `${next.edit}: full: ${outcome.reason}` : "delta");
    }
    expect(await enforcer.check(config, CP)).toEqual([]);
    const fresh = namespace(`f${seed}`);
    await enforcerIn(fresh).apply(config, CP);
    expect({ seed, diff: diffLoaded(hostOf(fresh, config), hostOf(site, config)) }).toEqual({ seed, diff: [] });
  }
  expect(modes.filter((m) => m !== "delta")).toEqual([]);
});

test.each([true, false])("hand edits of a set or a chain are seen by the cheap check (generation: %s)", async (generation) => {
  const ns = namespace("h");
  const random = seededRandom(9);
  const doc = firstRevision(random, 500);
  const config = compilePolicy(doc, "iptables");
  const enforcer = enforcerIn(ns, { generation });
  await enforcer.apply(config, CP);
  expect(await enforcer.quickCheck(config, CP)).toEqual([]);
  const big = (doc.prefix_lists ?? []).reduce((a, b) => (b.prefixes.length > a.prefixes.length ? b : a)).id;
  ns.exec("ipset", ["add", ipsetName(big, 4), "192.0.2.0/24"]);
  expect(await enforcer.quickCheck(config, CP)).toEqual([expect.stringMatching(new RegExp(`set ${ipsetName(big, 4)}`))]);
  await enforcer.apply(config, CP);
  ns.exec("iptables", ["-F", "secgroups-input"]);
  expect(await enforcer.quickCheck(config, CP)).toEqual([expect.stringMatching(/secgroups-input/)]);
  await enforcer.apply(config, CP);
  ns.exec("ip6tables", ["-I", "secgroups-input", "1", "-p", "tcp", "--dport", "22", "-j", "ACCEPT"]);
  expect(await enforcer.quickCheck(config, CP)).toEqual([expect.stringMatching(/secgroups-input/)]);
  // The agent applies the revision again over a difference: restored.
  await enforcer.apply(config, CP);
  expect(await enforcer.quickCheck(config, CP)).toEqual([]);
  expect(await enforcer.check(config, CP)).toEqual([]);
});

test("the ruleset generation moves on with each iptables and ip6tables commit, not with an ipset change", () => {
  const ns = namespace("g");
  ns.exec("iptables", ["-N", "secgroups-input"]);
  ns.exec("ip6tables", ["-N", "secgroups-input"]);
  ns.exec("ipset", ["create", "sg-gen-test", "hash:net"]);
  const seen = [generationIn(ns)];
  ns.exec("ipset", ["add", "sg-gen-test", "192.0.2.0/24"]);
  expect(generationIn(ns)).toBe(seen[0]);
  for (const [tool, args] of [
    ["iptables", ["-A", "secgroups-input", "-j", "ACCEPT"]],
    ["ip6tables", ["-A", "secgroups-input", "-j", "ACCEPT"]],
    ["iptables-restore", ["--noflush"]],
    ["iptables", ["-I", "INPUT", "1", "-j", "secgroups-input"]],
    ["ip6tables", ["-F", "secgroups-input"]],
  ] as const) {
    ns.exec(tool, [...args], tool === "iptables-restore" ? "*filter\n:secgroups-input - [0:0]\nCOMMIT\n" : undefined);
    const gen = generationIn(ns);
    expect({ tool, args, moved: !seen.includes(gen) }).toEqual({ tool, args, moved: true });
    seen.push(gen);
  }
});

test("with the generation, a delta that changes no chain lists neither table, and the cheap check neither", async () => {
  const ns = namespace("n");
  const random = seededRandom(31);
  const calls: string[][] = [];
  const enforcer = enforcerIn(ns, { calls });
  let doc = firstRevision(random, 500);
  let config = compilePolicy(doc, "iptables");
  await enforcer.apply(config, CP);
  // The first load inserted our jumps after it read the generation: the next check lists the tables, then proves them by it.
  expect(await enforcer.quickCheck(config, CP)).toEqual([]);
  const saves = () => calls.filter((c) => c[0].endsWith("tables-save")).length;
  let deltas = 0;
  for (let step = 0; step < 6; step++) {
    const previous = { config, controlPlane: CP };
    const next = nextRevision(doc, random);
    const nextConfig = compilePolicy(next.doc, "iptables");
    const [was, is] = [config, nextConfig].map((c) => splitIptablesConfig(c));
    const chainsSame = was.iptables === is.iptables && was.ip6tables === is.ip6tables;
    const listed = saves();
    const outcome = await enforcer.apply(nextConfig, CP, previous);
    expect(outcome.mode).toBe("delta");
    if (chainsSame) {
      expect({ step, edit: next.edit, listings: saves() - listed }).toEqual({ step, edit: next.edit, listings: 0 });
      deltas++;
    }
    const checked = saves();
    expect(await enforcer.quickCheck(nextConfig, CP)).toEqual([]);
    expect(saves()).toBe(checked);
    doc = next.doc;
    config = nextConfig;
  }
  expect(deltas).toBeGreaterThan(0);
  expect(await enforcer.check(config, CP)).toEqual([]);
});

/**
 * The enforcer in a child process (as in `secgroups agent`: its tools started by its helper): loads the old
 * revision in full (so that it holds it verified in force), says "ready", and on a line on stdin applies the new
 * one with the old as its predecessor (a delta).
 */
const ENFORCER_CHILD = `
const [dist, ns, oldFile, newFile, cp, nftElements] = process.argv.slice(1);
const { IptablesEnforcer } = require(dist + "/core/platforms/iptables");
const { toolHostRunner } = require(dist + "/core/platforms/runner");
const fs = require("node:fs");
const host = toolHostRunner();
const enforcer = new IptablesEnforcer({ run: (cmd, args, stdin, options) => host("ip", ["netns", "exec", ns, cmd, ...args], stdin, options), nftElements });
const controlPlane = JSON.parse(cp);
const [old, next] = [fs.readFileSync(oldFile, "utf8"), fs.readFileSync(newFile, "utf8")];
enforcer.apply(old, controlPlane).then(() => {
  process.stdout.write("ready\\n");
  process.stdin.once("data", () =>
    enforcer.apply(next, controlPlane, { config: old, controlPlane }).then((o) => process.stdout.write(o.mode + "\\n")),
  );
}, (err) => { process.stderr.write(String(err) + "\\n"); process.exit(1); });
`;

/** Whether a process of group `pgid` still runs (zombies, waiting for a reaper, do not). */
function groupRuns(pgid: number): boolean {
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue;
    }
    const [state, , group] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(group) === pgid && state !== "Z") return true;
  }
  return false;
}

/** The parts of a host's listing that one transaction each replaces: each family's chains, each set. */
function partsOf(host: LoadedRuleset, sets: Iterable<string>): Map<string, LoadedRuleset> {
  const chains = (family: 4 | 6) => new Map([...host.chains].filter(([name]) => name.startsWith("ip6 ") === (family === 6)));
  const parts = new Map<string, LoadedRuleset>([
    ["IPv4 chains", { chains: chains(4), sets: new Map() }],
    ["IPv6 chains", { chains: chains(6), sets: new Map() }],
  ]);
  for (const name of sets) {
    const set = host.sets.get(name);
    parts.set(`set ${name}`, { chains: new Map(), sets: set ? new Map([[name, set]]) : new Map() });
  }
  return parts;
}

test("an enforcer SIGKILLed with its tools during a delta leaves each set and each table old or new", async () => {
  ensureBuilt();
  const site = namespace("k");
  const random = seededRandom(23);
  const dir = mkdtempSync(join(tmpdir(), "sg-dik-"));
  let doc = firstRevision(random, 500);
  let config = compilePolicy(doc, "iptables");
  const whole = { old: 0, new: 0, mixed: 0 };
  for (let n = 0; n < 12; n++) {
    const next = nextRevision(doc, random);
    const nextConfig = compilePolicy(next.doc, "iptables");
    writeFileSync(join(dir, "old"), config);
    writeFileSync(join(dir, "new"), nextConfig);
    const child = spawn(
      process.execPath,
      ["-e", ENFORCER_CHILD, join(ROOT, "dist"), site.name, join(dir, "old"), join(dir, "new"), JSON.stringify(CP), nftElementsBin()],
      { detached: true, stdio: ["pipe", "pipe", "inherit"] },
    );
    const exited = new Promise((resolve) => child.on("exit", resolve));
    await saysReady(child);
    const before = hostOf(site, config, nextConfig);
    // From before the delta starts to after it ends (30-150 ms for these sizes).
    const killAfterMs = Math.floor(random() * 200);
    child.stdin!.write("go\n");
    await new Promise((r) => setTimeout(r, killAfterMs));
    // The enforcer, its helper and whatever tool runs: the whole process group.
    process.kill(-child.pid!, "SIGKILL");
    await exited;
    for (const end = Date.now() + 10_000; groupRuns(child.pid!); ) {
      if (Date.now() > end) throw new Error("the killed enforcer's tools still run after 10 s");
      await new Promise((r) => setTimeout(r, 20));
    }
    const now = hostOf(site, config, nextConfig);
    const fresh = namespace(`r${n}`);
    await enforcerIn(fresh).apply(nextConfig, CP);
    const after = hostOf(fresh, config, nextConfig);
    fresh.delete();
    const names = new Set([...expectedIptables(config, CP).sets.keys(), ...expectedIptables(nextConfig, CP).sets.keys()]);
    const [was, is, will] = [before, now, after].map((host) => partsOf(host, names));
    const same = (a: LoadedRuleset, b: LoadedRuleset) => diffLoaded(a, b).length === 0;
    for (const [part, listed] of is) {
      const oldOrNew = same(was.get(part)!, listed) || same(will.get(part)!, listed);
      expect({ n, killAfterMs, part, oldOrNew }).toEqual({ n, killAfterMs, part, oldOrNew: true });
    }
    const isOld = [...is].every(([part, listed]) => same(was.get(part)!, listed));
    const isNew = [...is].every(([part, listed]) => same(will.get(part)!, listed));
    whole[isNew && !isOld ? "new" : isOld ? "old" : "mixed"]++;
    // The agent's restart: the revision it holds loaded in full, verified.
    const restarted = enforcerIn(site);
    await restarted.apply(nextConfig, CP);
    expect(await restarted.check(nextConfig, CP)).toEqual([]);
    doc = next.doc;
    config = nextConfig;
  }
  // Kills landed before the delta's commit (the old revision stayed) and after it.
  expect(whole.old).toBeGreaterThan(0);
  expect(whole.new + whole.mixed).toBeGreaterThan(0);
});

/** Until the child has loaded the old revision (its "ready" line). */
function saysReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      if (out.includes("ready\n")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`the enforcer child ended (${code}) before it was ready`)));
  });
}
