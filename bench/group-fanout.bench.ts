/**
 * Group membership fan-out (#15): N simulated agents (the long-pollers of
 * fanout.bench.ts) on sites that one group ("db") is attached to, whose rule
 * allows tcp/5432 from another group ("app") as its peer. One membership
 * change of the referenced group (a site attached to "app", with declared
 * addresses) recompiles all N sites in the write's transaction; timed: from
 * the start of that PUT until every one of the N agents reported the new
 * revision. "db" itself is never written.
 * Target (issue #15): 1,000 sites converge <= 3 s after the change.
 *
 * The anchor is fanout.bench.ts's bareFanout (bare Fastify long-poll, no auth,
 * storage or compilation), run in the same process beside each run.
 *
 *   npx tsc -p bench/harness/tsconfig.json && node dist/bench-build/bench/group-fanout.bench.js [agents]
 */
import { performance } from "node:perf_hooks";
import { buildServer } from "../core/api/server";
import { signHs256 } from "../core/api/jwt";
import { bareFanout, startPoller, until, type Poller } from "./fanout.bench";

const SECRET = "group-fanout-bench-secret-0123456789";

export interface GroupFanoutResult {
  agents: number;
  /** Attach, first convergence (every agent applied a managed revision). */
  first_converge_ms: number;
  /** The PUT of the referenced group's sites (recompiles every referencing site in its transaction). */
  change_write_ms: number;
  /** From the start of the PUT until every agent reported the new revision. */
  change_converge_ms: number;
  /** From the start of the PUT until the referencing group reads `active` again. */
  change_active_ms: number;
}

export async function runGroupFanout(opts: { agents: number; databaseUrl?: string; timeoutMs?: number }): Promise<GroupFanoutResult> {
  const n = opts.agents;
  const timeoutMs = opts.timeoutMs ?? 300_000;
  const server = await buildServer({ auth: { secret: SECRET }, databaseUrl: opts.databaseUrl, syncTimeoutMs: 30 * 60_000 });
  const pollers: Poller[] = [];
  try {
    const base = await server.app.listen({ host: "127.0.0.1", port: 0, backlog: 8192 });
    const auth = {
      authorization: `Bearer ${signHs256({ org: "org_group_fanout", exp: Math.floor(Date.now() / 1000) + 4 * 3600 }, SECRET)}`,
      "content-type": "application/json",
    };
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, { method, headers: auth, body: body === undefined ? undefined : JSON.stringify(body) });
      const json = (await res.json()) as Record<string, unknown>;
      if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
      return json;
    };
    const newSite = async (name: string, addresses: string[] = []) =>
      (await api("POST", "/vpc/sites", { name, platform: "nftables", addresses })) as { id: string; token: string };

    // The referenced group's members declare their addresses; the third joins at the timed change.
    const members = [await newSite("app-0", ["10.20.0.1/32"]), await newSite("app-1", ["10.20.0.2/32", "fd00:20::2/128"])];
    const joiner = await newSite("app-2", ["10.20.0.3/32"]);
    const sites: { id: string; token: string }[] = [];
    for (let i = 0; i < n; i++) sites.push(await newSite(`db-${i}`));

    const latest = new Map<string, number>();
    const managed = new Set<string>();
    for (const site of [...sites, ...members, joiner])
      pollers.push(
        startPoller(base, site.token, (rev, isManaged) => {
          latest.set(site.id, rev);
          if (isManaged) managed.add(site.id);
        }),
      );

    const allOut = { direction: "outbound", order: 100, protocol: 0, port: "", address: "0.0.0.0/0", description: "all out" };
    const appBody = { name: "app", rules: [allOut], sites: members.map((s) => s.id) };
    const app = await api("POST", "/vpc/security-groups", appBody);
    let t = performance.now();
    const dbGroup = await api("POST", "/vpc/security-groups", {
      name: "database",
      rules: [{ direction: "inbound", order: 10, protocol: 6, port: "5432", address: app.id, description: "app to db" }, allOut],
      sites: sites.map((s) => s.id),
    });
    await until("first convergence", () => sites.every((s) => managed.has(s.id)), timeoutMs);
    const first = new Map(sites.map((s) => [s.id, latest.get(s.id)!]));
    const firstMs = performance.now() - t;

    t = performance.now();
    await api("PUT", `/vpc/security-groups/${app.id as string}`, { ...appBody, sites: [...members, joiner].map((s) => s.id) });
    const writeMs = performance.now() - t;
    await until("change convergence", () => sites.every((s) => (latest.get(s.id) ?? -1) > first.get(s.id)!), timeoutMs, 5);
    const convergeMs = performance.now() - t;
    await until(
      "db group active",
      async () => (await api("GET", `/vpc/security-groups/${dbGroup.id as string}`)).status === "active",
      timeoutMs,
    );
    const activeMs = performance.now() - t;

    // Not timed: what converged is each site's desired revision, and "db" was never written.
    for (const s of sites) {
      const view = await api("GET", `/vpc/sites/${s.id}`);
      if (view.desired_revision !== latest.get(s.id))
        throw new Error(`site ${s.id}: agent reported ${latest.get(s.id)}, desired ${String(view.desired_revision)}`);
    }
    if ((await api("GET", `/vpc/security-groups/${dbGroup.id as string}`)).updated_at !== dbGroup.updated_at) {
      throw new Error("the referencing group was written; the change must only touch the referenced group");
    }
    return { agents: n, first_converge_ms: firstMs, change_write_ms: writeMs, change_converge_ms: convergeMs, change_active_ms: activeMs };
  } finally {
    for (const p of pollers) p.stop();
    await Promise.all(pollers.map((p) => p.done));
    await server.close();
  }
}

async function main(): Promise<void> {
  const agents = Number(process.argv[2] ?? 1000);
  const bare = await bareFanout(agents);
  const r = await runGroupFanout({ agents });
  console.log(JSON.stringify({ ...r, bare_fastify_converge_ms: bare, ratio: r.change_converge_ms / bare }, null, 2));
  console.log(
    `group fan-out: ${agents} sites converge ${(r.change_converge_ms / 1000).toFixed(2)} s after a membership change (target <= 3 s); bare Fastify ${bare.toFixed(0)} ms`,
  );
}

if (require.main === module)
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
