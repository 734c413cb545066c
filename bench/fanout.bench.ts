/**
 * Fan-out: N simulated agents (lightweight long-pollers in this process: poll
 * /agent/v1/config with If-None-Match and wait=30, report `applied` for each
 * new revision, nothing else) on one `secgroups` API server (in-process, real
 * HTTP on 127.0.0.1, PGlite in memory unless a database URL is given). One
 * change to what all of them enforce, then the time until every agent has
 * reported the new revision and the change reads `active`.
 * Target (issue #4): 1,000 agents converge <= 10 s after one change to a group
 * attached to all of them.
 *
 * The anchor (`bareFanout`): the same long-poll shape on a bare Fastify route
 * (held requests released by one event, then a POST per poller), no auth,
 * storage or compilation: the floor of this machine's HTTP fan-out.
 *
 *   npx tsc -p bench/harness/tsconfig.json && node dist/bench-build/bench/fanout.bench.js [agents]
 */
import Fastify from "fastify";
import { performance } from "node:perf_hooks";
import { buildServer } from "../core/api/server";
import { signHs256 } from "../core/api/jwt";

const SECRET = "fanout-bench-secret-0123456789";
/** The API's limit of sites per group: larger fleets get one group per 1,000 sites. */
const SITES_PER_GROUP = 1000;

export interface FanoutResult {
  agents: number;
  /** What changed: one group attached to every site, or one prefix list every group refers to. */
  change: "group" | "prefix_list";
  /** Creating the sites (POST /vpc/sites each). */
  create_sites_ms: number;
  /** Attach and first convergence (every agent has applied the first revision). */
  first_converge_ms: number;
  /** The write itself: the PUT, which compiles each distinct site policy once and writes every affected site's new revision in its transaction. */
  change_write_ms: number;
  /** From the start of the PUT until every agent reported the new revision. */
  change_converge_ms: number;
  /** From the start of the PUT until the API reads `active` for the changed resource. */
  change_active_ms: number;
}

export interface Poller {
  stop(): void;
  done: Promise<void>;
}

/** A lightweight agent: poll, report applied, repeat. `applied(rev)` is called after each report. */
export function startPoller(base: string, token: string, applied: (revision: number, managed: boolean) => void): Poller {
  let stopped = false;
  const controller = new AbortController();
  const headers = { authorization: `Bearer ${token}` };
  const done = (async () => {
    let etag: string | undefined;
    while (!stopped) {
      try {
        const res = await fetch(`${base}/agent/v1/config?wait=30`, {
          headers: etag ? { ...headers, "if-none-match": etag } : headers,
          signal: controller.signal,
        });
        if (res.status === 304) {
          await res.arrayBuffer();
          continue;
        }
        if (!res.ok) throw new Error(`poll: HTTP ${res.status}`);
        etag = res.headers.get("etag") ?? undefined;
        const body = (await res.json()) as { revision: number; digest: string; managed: boolean };
        const rep = await fetch(`${base}/agent/v1/report`, {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body: JSON.stringify({ revision: body.revision, status: "applied", digest: body.digest }),
          signal: controller.signal,
        });
        await rep.arrayBuffer();
        if (!rep.ok) throw new Error(`report: HTTP ${rep.status}`);
        applied(body.revision, body.managed);
      } catch (err) {
        if (stopped) return;
        await new Promise((r) => setTimeout(r, 200));
        void err;
      }
    }
  })();
  return {
    stop() {
      stopped = true;
      controller.abort();
    },
    done,
  };
}

export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * N agents on one in-process server. `change: "group"` needs N <= 1,000 (one
 * group attached to all); `"prefix_list"` edits a list that every group (one
 * per 1,000 sites) refers to.
 */
export async function runFanout(opts: {
  agents: number;
  change?: "group" | "prefix_list";
  databaseUrl?: string;
  timeoutMs?: number;
}): Promise<FanoutResult> {
  const n = opts.agents;
  const change = opts.change ?? (n <= SITES_PER_GROUP ? "group" : "prefix_list");
  const timeoutMs = opts.timeoutMs ?? 300_000;
  const server = await buildServer({ auth: { secret: SECRET }, databaseUrl: opts.databaseUrl, syncTimeoutMs: 30 * 60_000 });
  const pollers: Poller[] = [];
  try {
    const base = await server.app.listen({ host: "127.0.0.1", port: 0, backlog: 8192 });
    const auth = {
      authorization: `Bearer ${signHs256({ org: "org_fanout", exp: Math.floor(Date.now() / 1000) + 4 * 3600 }, SECRET)}`,
      "content-type": "application/json",
    };
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, { method, headers: auth, body: body === undefined ? undefined : JSON.stringify(body) });
      const json = (await res.json()) as Record<string, unknown>;
      if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
      return json;
    };
    let t = performance.now();
    const sites: { id: string; token: string }[] = [];
    for (let i = 0; i < n; i++)
      sites.push((await api("POST", "/vpc/sites", { name: `fanout-${i}`, platform: "nftables" })) as { id: string; token: string });
    const createSitesMs = performance.now() - t;

    const latest = new Map<string, number>();
    const managed = new Map<string, number>();
    for (const site of sites)
      pollers.push(
        startPoller(base, site.token, (rev, isManaged) => {
          latest.set(site.id, rev);
          if (isManaged && !managed.has(site.id)) managed.set(site.id, rev);
        }),
      );
    const desired = async () => {
      const out = new Map<string, number>();
      for (const s of sites) out.set(s.id, (await api("GET", `/vpc/sites/${s.id}`)).desired_revision as number);
      return out;
    };
    const allAt = (want: Map<string, number>) => sites.every((s) => (latest.get(s.id) ?? -1) >= want.get(s.id)!);

    const list = await api("POST", "/vpc/prefix-lists", { name: "fleet", prefixes: [{ cidr: "10.10.0.0/16" }] });
    const rules = [
      { direction: "inbound", order: 10, protocol: 6, port: "443", address: "0.0.0.0/0", description: "https" },
      { direction: "inbound", order: 20, protocol: 6, port: "22", address: list.id, description: "ssh from the fleet list" },
      { direction: "outbound", order: 100, protocol: 0, port: "", address: "0.0.0.0/0", description: "all out" },
    ];
    const groups: { id: string; sites: string[] }[] = [];
    t = performance.now();
    for (let g = 0; g * SITES_PER_GROUP < n; g++) {
      const ids = sites.slice(g * SITES_PER_GROUP, (g + 1) * SITES_PER_GROUP).map((s) => s.id);
      groups.push({ id: (await api("POST", "/vpc/security-groups", { name: `fleet-${g}`, rules, sites: ids })).id as string, sites: ids });
    }
    // Converged when every agent applied a managed configuration (its site has a group now).
    await until("first convergence", () => managed.size === n, timeoutMs);
    // A late second revision (a group created after the first) must settle before the change.
    if (groups.length > 1) await new Promise((r) => setTimeout(r, 2000));
    const first = new Map(sites.map((s) => [s.id, latest.get(s.id)!]));
    const firstMs = performance.now() - t;

    const changedId = change === "group" ? groups[0].id : (list.id as string);
    if (change === "group" && groups.length > 1) throw new Error("change=group needs at most 1,000 agents");
    t = performance.now();
    if (change === "group")
      await api("PUT", `/vpc/security-groups/${changedId}`, {
        name: "fleet-0",
        rules: [{ ...rules[0], port: "443,8443" }, ...rules.slice(1)],
        sites: groups[0].sites,
      });
    else
      await api("PUT", `/vpc/prefix-lists/${changedId}`, { name: "fleet", prefixes: [{ cidr: "10.10.0.0/16" }, { cidr: "10.11.0.0/16" }] });
    const writeMs = performance.now() - t;
    // Every site gets a new revision: converged when every agent reported one past the first convergence.
    await until("change convergence", () => sites.every((s) => (latest.get(s.id) ?? -1) > first.get(s.id)!), timeoutMs, 5);
    const convergeMs = performance.now() - t;
    const path = change === "group" ? `/vpc/security-groups/${changedId}` : `/vpc/prefix-lists/${changedId}`;
    await until("status active", async () => (await api("GET", path)).status === "active", timeoutMs, 20);
    const activeMs = performance.now() - t;
    // Check (not timed, and only for fleets small enough to read one by one) that what converged is the latest revision.
    if (n <= 1000) {
      const want = await desired();
      if (!allAt(want)) throw new Error("an agent reported a revision other than its site's desired one");
    }
    return {
      agents: n,
      change,
      create_sites_ms: createSitesMs,
      first_converge_ms: firstMs,
      change_write_ms: writeMs,
      change_converge_ms: convergeMs,
      change_active_ms: activeMs,
    };
  } finally {
    for (const p of pollers) p.stop();
    await Promise.all(pollers.map((p) => p.done));
    await server.close();
  }
}

/** The anchor: N long-pollers on a bare Fastify route released by one event, each then POSTs a report. Returns ms from the event to the last report. */
export async function bareFanout(agents: number): Promise<number> {
  const app = Fastify({ bodyLimit: 1024 * 1024 });
  let revision = 1;
  let waiting: (() => void)[] = [];
  let reported = 0;
  app.get("/poll", async (request, reply) => {
    const known = Number((request.headers["if-none-match"] as string | undefined) ?? 0);
    if (known >= revision) await new Promise<void>((resolve) => waiting.push(resolve));
    reply.header("etag", String(revision));
    return { revision, config: "table inet secgroups {}" };
  });
  app.post("/report", async (request) => {
    if ((request.body as { revision: number }).revision === 2) reported++;
    return {};
  });
  const base = await app.listen({ host: "127.0.0.1", port: 0, backlog: 8192 });
  let stopped = false;
  const pollers = Array.from({ length: agents }, async () => {
    let etag = "0";
    while (!stopped) {
      try {
        const res = await fetch(`${base}/poll`, { headers: { "if-none-match": etag } });
        const body = (await res.json()) as { revision: number };
        etag = res.headers.get("etag") ?? etag;
        await (
          await fetch(`${base}/report`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ revision: body.revision }),
          })
        ).arrayBuffer();
        if (body.revision === 2) return;
      } catch {
        // A connection refused or reset under load: retry, as the real pollers do.
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  try {
    // Everyone is holding a request for revision 1.
    await until("pollers waiting", () => waiting.length === agents, 120_000, 5);
    const t = performance.now();
    revision = 2;
    const release = waiting;
    waiting = [];
    for (const r of release) r();
    await until("bare convergence", () => reported === agents, 120_000, 2);
    return performance.now() - t;
  } finally {
    stopped = true;
    await Promise.all(pollers);
    await app.close();
  }
}

async function main(): Promise<void> {
  const agents = Number(process.argv[2] ?? 1000);
  const bare = await bareFanout(agents);
  const r = await runFanout({ agents });
  console.log(JSON.stringify({ ...r, bare_fastify_converge_ms: bare, ratio: r.change_converge_ms / bare }, null, 2));
  console.log(
    `fan-out: ${agents} agents converge ${(r.change_converge_ms / 1000).toFixed(2)} s after one change (target <= 10 s); bare Fastify ${bare.toFixed(0)} ms`,
  );
}

// Standalone use; bench/harness imports runFanout and bareFanout.
if (require.main === module)
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
