/**
 * Incremental apply on nftables, in network namespaces with the real nft:
 *  - after random sequences of revisions (big prefix lists changed by a few
 *    entries, rules changed, lists added and removed) applied one after the
 *    other with their predecessor, the kernel's table reads back equal to a
 *    full load of the last revision in a fresh namespace, and most applies
 *    were deltas;
 *  - a delta batch nft refuses changes nothing, and the revision is then
 *    loaded in full;
 *  - an nft killed (SIGKILL) at random moments of a delta leaves the old or
 *    the new table, never a mix;
 *  - hand edits are seen by the change watch (nft monitor) and reported by
 *    the cheap check, and a running agent restores them within seconds with
 *    no periodic check due.
 */
import { spawn } from "node:child_process";
import { appendFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seededRandom } from "../../core/analyze";
import { diffLoaded } from "../../core/analyze/compare-loaded";
import { createAgentLog } from "../../core/agent/log";
import { Agent } from "../../core/agent/loop";
import type { AgentApi, AgentConfigBody, PollResult } from "../../core/agent/client";
import { compilePolicy } from "../../core/platforms";
import { NftablesEnforcer, nftablesFile, readNftables } from "../../core/platforms/nftables";
import { runCommand, type Runner, type Spawner } from "../../core/platforms/runner";
import { Netns, uniqueSuffix } from "../support/netns";
import { nftElementsBin } from "../support/nft-elements";
import { firstRevision, nextRevision } from "../support/revisions";

jest.setTimeout(300_000);

const CP = [
  { address: "198.51.100.200", port: 8787 },
  { address: "2001:db8:cafe::200", port: 8787 },
];

const namespaces: Netns[] = [];
afterAll(() => namespaces.forEach((ns) => ns.delete()));

function namespace(tag: string): Netns {
  const ns = Netns.create(`sg-dn${tag}-${uniqueSuffix()}`);
  namespaces.push(ns);
  return ns;
}

function tools(ns: Netns): { run: Runner; spawn: Spawner } {
  return {
    run: (cmd, args, stdin, options) => runCommand("ip", ["netns", "exec", ns.name, cmd, ...args], stdin, options),
    spawn: (cmd, args) => spawn("ip", ["netns", "exec", ns.name, cmd, ...args], { stdio: ["pipe", "pipe", "pipe"] }),
  };
}

/** As the agent's package runs it: with the kernel dump (other suites cover nft alone). */
function enforcerIn(ns: Netns): NftablesEnforcer {
  return new NftablesEnforcer({ stateDir: mkdtempSync(join(tmpdir(), "sg-dn-")), elementsDump: nftElementsBin(), ...tools(ns) });
}

const tableOf = (ns: Netns) => readNftables(ns.exec("nft", ["-j", "list", "table", "inet", "secgroups"]));

/** Until the change watch has come up and a full verification with it running proves the table (as the agent's next check does). */
async function proven(enforcer: NftablesEnforcer, config: string): Promise<void> {
  await until(
    "the watch proves the table",
    async () => {
      await enforcer.quickCheck(config, CP);
      return enforcer.proven;
    },
    90_000,
  );
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("random revision sequences applied incrementally equal a full load of the last one", async () => {
  const site = namespace("a");
  const fresh = namespace("b");
  const modes: string[] = [];
  for (const seed of [1, 2, 3, 4]) {
    const random = seededRandom(seed);
    const enforcer = enforcerIn(site);
    enforcer.watch(() => undefined);
    let doc = firstRevision(random, 500);
    let config = compilePolicy(doc, "nftables");
    try {
      await enforcer.apply(config, CP);
      await proven(enforcer, config);
      for (let step = 0; step < 8; step++) {
        const previous = { config, controlPlane: CP };
        const next = nextRevision(doc, random);
        doc = next.doc;
        config = compilePolicy(doc, "nftables");
        const outcome = await enforcer.apply(config, CP, previous);
        modes.push(outcome.mode === "full" ? `${next.edit}: full: ${outcome.reason}` : "delta");
      }
    } finally {
      enforcer.unwatch();
    }
    expect(await enforcer.check(config, CP)).toEqual([]);
    const reference = enforcerIn(fresh);
    await reference.apply(config, CP);
    expect({ seed, diff: diffLoaded(tableOf(fresh), tableOf(site)) }).toEqual({ seed, diff: [] });
  }
  // The deltas did the work: no full load once the watch proved the table.
  expect(modes.filter((m) => m !== "delta")).toEqual([]);
});

test("a delta batch nft refuses leaves the table as it was, and the revision is loaded in full", async () => {
  const ns = namespace("r");
  const random = seededRandom(11);
  const { run, spawn: spawner } = tools(ns);
  let refusedTable: ReturnType<typeof tableOf> | undefined;
  let included = 0;
  // The delta's one `nft -j -i` includes the batch from the state directory: that copy gets a line nft refuses.
  const refusing: Runner = async (cmd, args, stdin, options) => {
    const include = /^include "([^"]+)"\n/.exec(stdin ?? "");
    if (!include) return run(cmd, args, stdin, options);
    included++;
    appendFileSync(include[1], "add element inet secgroups no_such_set { 192.0.2.1 }\n");
    const r = await run(cmd, args, stdin, options);
    refusedTable = tableOf(ns);
    return r;
  };
  const enforcer = new NftablesEnforcer({
    stateDir: mkdtempSync(join(tmpdir(), "sg-dn-")),
    elementsDump: nftElementsBin(),
    run: refusing,
    spawn: spawner,
  });
  enforcer.watch(() => undefined);
  try {
    const doc = firstRevision(random, 500);
    const config = compilePolicy(doc, "nftables");
    await enforcer.apply(config, CP);
    await proven(enforcer, config);
    const before = tableOf(ns);
    // One entry of the big list changed: a delta of that one set.
    const big = doc.prefix_lists!.find((l) => l.prefixes.length === 500)!;
    const changed = {
      ...doc,
      prefix_lists: doc.prefix_lists!.map((l) => (l === big ? { ...l, prefixes: [...l.prefixes.slice(1), { cidr: "192.0.2.0/24" }] } : l)),
    };
    const next = compilePolicy(changed, "nftables");
    const outcome = await enforcer.apply(next, CP, { config, controlPlane: CP });
    expect(included).toBe(1);
    expect(diffLoaded(before, refusedTable!)).toEqual([]);
    expect(outcome).toEqual({ mode: "full", reason: expect.stringMatching(/^the delta failed \(nft refused the delta: .*no_such_set/s) });
    expect(await enforcer.check(next, CP)).toEqual([]);
    const reference = namespace("rf");
    await enforcerIn(reference).apply(next, CP);
    expect(diffLoaded(tableOf(reference), tableOf(ns))).toEqual([]);
  } finally {
    enforcer.unwatch();
  }
});

test("an nft killed during a delta leaves the old or the new table", async () => {
  const ns = namespace("k");
  const random = seededRandom(7);
  const { run, spawn: spawner } = tools(ns);
  let killAfterMs: number | undefined;
  let killedInteractive = 0;
  const killing: Runner = (cmd, args, stdin, options) => {
    // The loads: `nft -f FILE`, and the `nft -j -i` whose first line is a delta of sets (not a listing).
    const loads = args[0] === "-f" || (args.includes("-i") && !!stdin && !stdin.startsWith("list "));
    if (!loads || killAfterMs === undefined) return run(cmd, args, stdin, options);
    if (args[0] !== "-f") killedInteractive++;
    const delay = killAfterMs;
    return run(cmd, args, stdin, {
      ...options,
      onSpawn(pid) {
        options?.onSpawn?.(pid);
        setTimeout(() => {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // Already done.
          }
        }, delay);
      },
    });
  };
  let doc = firstRevision(random, 500);
  let config = compilePolicy(doc, "nftables");
  const outcomes = { old: 0, new: 0 };
  for (let n = 0; n < 12; n++) {
    const enforcer = new NftablesEnforcer({ stateDir: mkdtempSync(join(tmpdir(), "sg-dk-")), run: killing, spawn: spawner });
    enforcer.watch(() => undefined);
    killAfterMs = undefined;
    await enforcer.apply(config, CP);
    await proven(enforcer, config);
    const before = tableOf(ns);
    const previous = { config, controlPlane: CP };
    const next = nextRevision(doc, random);
    const nextConfig = compilePolicy(next.doc, "nftables");
    killAfterMs = Math.floor(random() * 40);
    await enforcer.apply(nextConfig, CP, previous).catch(() => undefined);
    enforcer.unwatch();
    const now = tableOf(ns);
    const sameAsOld = diffLoaded(before, now).length === 0;
    // Loading the new revision in full somewhere else gives the "new" side.
    const isNew = diffLoaded(tableAfter(nextConfig), now).length === 0;
    expect({ n, oldOrNew: sameAsOld || isNew }).toEqual({ n, oldOrNew: true });
    if (isNew) {
      outcomes.new++;
      doc = next.doc;
      config = nextConfig;
    } else outcomes.old++;
  }
  // Kills did land before the commit (the old table stayed) at least once, and some hit a delta of sets only.
  expect(outcomes.old).toBeGreaterThan(0);
  expect(killedInteractive).toBeGreaterThan(0);
});

/** What a full load of `config` lists, from a namespace of its own. */
function tableAfter(config: string) {
  const ns = namespace("r");
  ns.exec("nft", ["-f", "-"], nftablesFile(config, CP));
  const table = tableOf(ns);
  ns.delete();
  return table;
}

test("hand edits are seen by the watch and restored by a running agent within seconds", async () => {
  const ns = namespace("h");
  const random = seededRandom(11);
  const doc = firstRevision(random, 500);
  const config = compilePolicy(doc, "nftables");
  const body: AgentConfigBody = {
    site_id: "site_delta0000000000000000000",
    revision: 1,
    digest: "d".repeat(64),
    managed: true,
    platform: "nftables",
    mode: "host",
    config,
  };
  let served = false;
  const api: AgentApi = {
    async poll(_etag, _wait, signal): Promise<PollResult> {
      if (!served) {
        served = true;
        return { changed: true, etag: '"1"', body };
      }
      await new Promise((r) => (signal ? signal.addEventListener("abort", r, { once: true }) : setTimeout(r, 1000)));
      return { changed: false };
    },
    report: async () => undefined,
    heartbeat: async () => undefined,
  };
  const enforcer = enforcerIn(ns);
  const agent = new Agent({
    api,
    enforcerFor: () => enforcer,
    resolveControlPlane: async () => CP,
    stateDir: mkdtempSync(join(tmpdir(), "sg-dh-")),
    // No periodic check is due during the test: only the watch can see the edits.
    driftCheckMs: 600_000,
    fullVerifyMs: 600_000,
    log: createAgentLog({ level: "silent" }),
  });
  const running = agent.run();
  const bigSet = (doc.prefix_lists ?? []).reduce((a, b) => (b.prefixes.length > a.prefixes.length ? b : a)).id;
  const holds = (element: string) => ns.tryExec("nft", ["get", "element", "inet", "secgroups", bigSet, `{ ${element} }`]).code === 0;
  try {
    await until("the first revision is in force", async () => (await enforcer.check(config, CP)).length === 0, 60_000);
    // The watch subscribes only after nft has read the whole table (seconds on a loaded host); the
    // edits below are the watch's to see once its proof (a full verification with it running) holds.
    await until("the watch proves the table", () => enforcer.proven, 90_000);
    ns.exec("nft", ["add", "element", "inet", "secgroups", bigSet, "{ 192.0.2.0/24 }"]);
    await until("the added element is removed again", () => !holds("192.0.2.0/24"), 10_000);
    ns.exec("nft", ["flush", "chain", "inet", "secgroups", "input"]);
    await until("the flushed chain is restored", () => tableOf(ns).chains.get("input")!.rules.length > 3, 10_000);
    expect(await enforcer.check(config, CP)).toEqual([]);
  } finally {
    agent.stop();
    await running;
  }
});
