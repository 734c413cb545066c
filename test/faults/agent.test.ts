/**
 * Agent faults on real nftables, in a network namespace where the core
 * (`serve`, PGlite) and the real agent (`secgroups agent`) run; the test
 * reaches the API through a unix-socket relay. What test/integration/
 * agent-e2e.test.ts already proves (kernel-rejected config keeps the old
 * rules, flushed ruleset restored and reported as drift, core SIGKILLed while
 * syncing, agent restarted while the core is down) is not repeated; this adds:
 *
 *   1. the control plane down for FAULTS_OUTAGE_SECONDS (10 in CI, 60 in the
 *      documented long run): the table stays exactly the last policy the
 *      whole time (sampled every second), and a change written meanwhile (by
 *      a maintenance core on the same data, on a port the agent does not
 *      know) is applied once the core is back;
 *   2. the agent SIGKILLed, together with its running `nft -f` (found in
 *      /proc as the agent's child), 0-40 ms after the apply started, over
 *      and over, with a large configuration (250 rules, 500-prefix sets),
 *      while another loop lists the table: every listing is exactly the old
 *      or the new ruleset, never a part of one.
 *
 * FAULTS_AGENT_KILLS (default 4) kill cycles.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { Netns, netnsAvailable, uniqueSuffix } from "../support/netns";
import { Api, Proc, ensureBuilt, eventually, sleep, startAgent, startRelay, startServer, tempDir, userToken } from "../support/secgroups";
import { figure } from "./support";

jest.setTimeout(900_000);

const OUTAGE_SECONDS = Number(process.env.FAULTS_OUTAGE_SECONDS ?? 10);
const KILL_CYCLES = Number(process.env.FAULTS_AGENT_KILLS ?? 4);
const HOST = "127.0.0.1";
const PORT = 8787;
const MAINTENANCE_PORT = 8788;

if (!netnsAvailable()) throw new Error("the agent fault tests need root and iproute2 (network namespaces)");

const suffix = uniqueSuffix();
let ns: Netns;
let dataDir: string;
let stateDir: string;
let core: Proc | undefined;
let agent: Proc | undefined;
let relay: Proc | undefined;
let api: Api;
let site: { id: string; token: string };

/** The table as JSON without handles (they change on every load), or "absent". */
function listTable(): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "ip",
      ["netns", "exec", ns.name, "nft", "-j", "list", "table", "inet", "secgroups"],
      { maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          if (/No such file or directory/.test(stderr)) resolve("absent");
          else reject(new Error(`nft list failed: ${stderr}`));
          return;
        }
        resolve(canonicalListing(stdout));
      },
    );
  });
}

/**
 * `nft -j list table` as the ruleset it is: without handles, and with sets and chains in name
 * order (a delta declares a new set or chain after the others, a full load in file order: the
 * same ruleset lists in another order); a chain's rules keep their order.
 */
function canonicalListing(json: string): string {
  const doc = JSON.parse(json) as { nftables: Record<string, { name?: string; chain?: string }>[] };
  const kinds = ["table", "set", "map", "chain", "rule"];
  const keyOf = (x: Record<string, { name?: string; chain?: string }>) => {
    const kind = Object.keys(x)[0];
    const rank = kinds.indexOf(kind);
    return { rank: rank < 0 ? kinds.length : rank, name: x[kind].chain ?? x[kind].name ?? "" };
  };
  return doc.nftables
    .filter((x) => !("metainfo" in x))
    .map((x, i) => ({ x, i, ...keyOf(x) }))
    .sort((a, b) => a.rank - b.rank || (a.name < b.name ? -1 : a.name > b.name ? 1 : a.i - b.i))
    .map(({ x }) => JSON.stringify(x, (k, v) => (k === "handle" ? undefined : v)))
    .join("\n");
}

function runAgent(): Proc {
  return startAgent(ns, [
    "--endpoint",
    `http://${HOST}:${PORT}`,
    "--site-token",
    site.token,
    "--state-dir",
    stateDir,
    "--poll-wait",
    "5",
    "--heartbeat",
    "1s",
    "--drift-check",
    "2s",
    "--backoff-max",
    "1s",
  ]);
}

async function startCore(port = PORT): Promise<Proc> {
  return startServer({ ns, host: HOST, port, data: dataDir, syncTimeout: "1h" });
}

async function statusOf(path: string): Promise<string> {
  return (await api.ok("GET", path)).status;
}

beforeAll(async () => {
  ensureBuilt();
  ns = Netns.create(`sg-flt-${suffix}`);
  dataDir = tempDir("sg-faults-agent-data-");
  stateDir = tempDir("sg-faults-agent-state-");
  core = await startCore();
  const r = await startRelay(ns, HOST, PORT);
  relay = r.proc;
  api = new Api(`http://${HOST}:${PORT}`, userToken(), r.socketPath);
  site = await api.ok("POST", "/vpc/sites", { name: "faults-agent", platform: "nftables" });
  agent = runAgent();
}, 300_000);

afterAll(async () => {
  for (const p of [agent, core, relay]) await p?.kill("SIGKILL").catch(() => undefined);
  ns?.delete();
}, 60_000);

const rule = (order: number, port: number, address: string) => ({
  direction: "inbound",
  order,
  protocol: 6,
  port: String(port),
  address,
  description: `rule ${order}`,
});

test(`control plane down for ${OUTAGE_SECONDS} s: the last policy stays exactly in force, and a change made meanwhile is applied when it returns`, async () => {
  const groupBody = (port: number) => ({
    name: "outage group",
    rules: [rule(1, port, "0.0.0.0/0"), rule(2, 22, "192.0.2.0/24")],
    sites: [site.id],
  });
  const group = await api.ok("POST", "/vpc/security-groups", groupBody(8080));
  await eventually("group active", async () => (await statusOf(`/vpc/security-groups/${group.id}`)) === "active", 120_000);
  const before = await listTable();
  expect(before).toContain("8080");

  await core!.kill("SIGKILL");
  const downAt = Date.now();
  // Sampled every second for the whole outage, the maintenance core's life included.
  let samples = 0;
  const differing: string[] = [];
  let down = true;
  const sampler = (async () => {
    while (down) {
      const t = await listTable();
      samples++;
      if (t !== before) differing.push(t.slice(0, 300));
      await sleep(1000);
    }
  })();
  // A maintenance core on the same data and another port (the agent only knows 8787) takes a change.
  const maintenance = await startCore(MAINTENANCE_PORT);
  const mRelay = await startRelay(ns, HOST, MAINTENANCE_PORT);
  const mApi = new Api(`http://${HOST}:${MAINTENANCE_PORT}`, api.token, mRelay.socketPath);
  await mApi.ok("PUT", `/vpc/security-groups/${group.id}`, groupBody(9090));
  expect((await mApi.ok("GET", `/vpc/security-groups/${group.id}`)).status).toBe("syncing");
  await maintenance.kill("SIGTERM");
  await mRelay.proc.kill("SIGKILL");

  while (Date.now() - downAt < OUTAGE_SECONDS * 1000 || samples < 3) await sleep(200);
  down = false;
  await sampler;
  expect(differing).toEqual([]);
  expect(agent!.text).toMatch(/the last policy stays in force/);
  const outageMs = Date.now() - downAt;

  const back = Date.now();
  core = await startCore();
  await eventually(
    "change applied after the outage",
    async () => (await statusOf(`/vpc/security-groups/${group.id}`)) === "active",
    120_000,
  );
  const catchUpMs = Date.now() - back;
  const after = await listTable();
  expect(after).toContain("9090");
  expect(after).not.toContain("8080");
  const view = await api.ok("GET", `/vpc/sites/${site.id}`);
  expect(view).toMatchObject({ online: true });
  expect(view.applied_revision).toBe(view.desired_revision);
  figure("agent-outage", {
    outage_ms: outageMs,
    table_samples_during_outage: samples,
    all_equal_to_last_policy: true,
    catch_up_ms_after_core_start: catchUpMs,
  });
  await api.ok("DELETE", `/vpc/security-groups/${group.id}`);
  await eventually("table removed", async () => (await listTable()) === "absent", 60_000);
});

test(`agent SIGKILLed with its nft child during applies of a large config (${KILL_CYCLES} cycles): the table is always the old or the new ruleset`, async () => {
  // Two prefix lists of 500 non-adjacent /24s, and a 250-rule group that uses one or the other.
  const prefixes = (a: number) => Array.from({ length: 500 }, (_, i) => ({ cidr: `${a}.${i >> 7}.${(i & 127) * 2}.0/24` }));
  const LA = await api.ok("POST", "/vpc/prefix-lists", { name: "big A", prefixes: prefixes(10), sites: [] });
  const LB = await api.ok("POST", "/vpc/prefix-lists", { name: "big B", prefixes: prefixes(172), sites: [] });
  const body = (variant: "A" | "B") => ({
    name: "big group",
    rules: Array.from({ length: 250 }, (_, i) =>
      rule(i + 1, (variant === "A" ? 11000 : 22000) + i, i % 2 ? (variant === "A" ? LA.id : LB.id) : "0.0.0.0/0"),
    ),
    sites: [site.id],
  });
  const group = await api.ok("POST", "/vpc/security-groups", body("A"));
  const path = `/vpc/security-groups/${group.id}`;
  await eventually("A active", async () => (await statusOf(path)) === "active", 120_000);
  const fingerprints = new Map<string, string>([[await listTable(), "A"]]);
  // No listing is taken while an apply runs: `nft list` during a commit to the table can return a
  // ruleset no transaction left (kernel 6.18, nft 1.0.6; 29 of 197 listings during back-to-back
  // deltas of the input chain and one set showed the untouched output chain's rules twice, and
  // listings during full loads show base chains still accepting): the dump resumes by position
  // while the commit is still relinking objects, under a generation id it has already bumped, so
  // neither the kernel nor nft lists again. Listed once every writer is gone, the table is what
  // the kernel enforces.
  const kills: { after_nft_started_ms: number | string; killed_children: string; table_right_after: string }[] = [];
  let variant: "A" | "B" = "A";
  for (let cycle = 0; cycle < KILL_CYCLES + 1; cycle++) {
    variant = variant === "A" ? "B" : "A";
    await api.ok("PUT", path, body(variant));
    if (cycle === 0) {
      // First B: let it apply cleanly to learn its listing.
      await eventually("B active", async () => (await statusOf(path)) === "active", 120_000);
      fingerprints.set(await listTable(), "B");
      continue;
    }
    // Wait for the agent's `nft -f` (the apply) and kill it, the shell that runs it and the agent
    // while it runs, a few ms apart each cycle so the kill lands at different points of the
    // transaction; the drift-check listings (`nft -j list`) are other processes and do not count.
    const extraMs = [0, 2, 5, 10, 20, 40][cycle % 6];
    const pid = agent!.child.pid!;
    const deadline = Date.now() + 30_000;
    let applying: number | undefined;
    while (applying === undefined && Date.now() < deadline) {
      applying = descendantsOf(pid).find((c) => /^nft -f /.test(commandOf(c)));
      if (applying === undefined) await sleep(1);
    }
    if (applying !== undefined && extraMs) await sleep(extraMs);
    const children = descendantsOf(pid);
    const commands = children.map(commandOf).filter((c) => c.startsWith("nft"));
    for (const p of children) tryKill(p);
    await agent!.kill("SIGKILL");
    // A killed `nft` still in the kernel finishes (or drops) its batch before it exits.
    await eventually("the killed children gone", async () => children.every(gone), 10_000);
    const atKill = fingerprints.get(await listTable());
    const tableRightAfter = atKill === undefined ? "neither" : atKill === variant ? "new" : "old";
    kills.push({
      after_nft_started_ms: applying === undefined ? "never seen" : extraMs,
      killed_children: commands.join(" | ") || "none (nft had finished)",
      table_right_after: tableRightAfter,
    });
    agent = runAgent();
    await eventually(`${variant} active after the restart`, async () => (await statusOf(path)) === "active", 180_000);
    expect(fingerprints.get(await listTable())).toBe(variant);
  }
  figure("agent-kill-mid-apply", { cycles: KILL_CYCLES, kills });
  expect(kills.filter((k) => k.table_right_after === "neither")).toEqual([]);
});

/** The processes under `pid`: the agent runs its tools through a shell that holds the lock. */
function descendantsOf(pid: number): number[] {
  let children: number[];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
  return children.flatMap((c) => [c, ...descendantsOf(c)]);
}

/** The command line of a process, e.g. "nft -f /path" (to tell an apply from a drift-check listing). */
function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8")
      .split("\0")
      .filter(Boolean)
      .slice(0, 3)
      .join(" ")
      .replace(/\S*\/(?=nft)/, "");
  } catch {
    return "gone";
  }
}

/** Exited (reaped, or a zombie that runs no more). */
function gone(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

function tryKill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}
