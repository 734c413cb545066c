/**
 * SIGKILL of the control plane (`secgroups serve`, a child process) during a
 * stream of writes and while sites are syncing, on PGlite (--data) and on
 * PostgreSQL (--database-url), several times in a row, restarting on the same
 * data and port each time. Meanwhile dry-run agents (the real agent loop of
 * core/agent with the dry-run enforcer, in this process) poll, report and
 * retry with backoff across each outage.
 *
 * Every write names its rule count and a tag in the group's name and in each
 * rule's description, so after each restart:
 *   - no partial group: every group's rules match exactly one request
 *     (count and tag);
 *   - nothing acknowledged is lost: every 201/200 the client saw is there,
 *     or a later write of the same writer (acknowledged or in flight at the
 *     kill) replaced it;
 * and at the end every site converges (applied = desired, every group active).
 *
 * FAULTS_CRASH_KILLS (default 2) kills per engine.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent } from "../../core/agent/loop";
import { Backoff } from "../../core/agent/backoff";
import { HttpAgentApi } from "../../core/agent/client";
import { DryRunEnforcer } from "../../core/agent/dry-run";
import { createAgentLog } from "../../core/agent/log";
import { signHs256 } from "../../core/api/jwt";
import { startPostgres, type PostgresServer } from "../support/postgres";
import { eventually, tempDir } from "../support/secgroups";
import { JWT_SECRET, ensureBuilt, figure, freePort, http, sleep, startServe, type Serve } from "./support";

jest.setTimeout(600_000);

const KILLS = Number(process.env.FAULTS_CRASH_KILLS ?? 2);
const WRITERS = 4;
const SITES = 4;
const GROUPS = "/vpc/security-groups";
const token = signHs256(
  { org: "org_crash", sub: "faults", iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 7200 },
  JWT_SECRET,
);

interface Write {
  tag: string;
  rules: number;
  sites: string[];
  acked: boolean;
}

function body(tag: string, n: number, sites: string[]) {
  return {
    name: `${tag} n=${n}`,
    description: null,
    rules: Array.from({ length: n }, (_, i) => ({
      direction: "inbound",
      order: i + 1,
      protocol: 6,
      port: String(1000 + i),
      address: `10.${i % 250}.0.0/16`,
      description: `${tag} #${i + 1}`,
    })),
    sites,
  };
}

let pg: PostgresServer | undefined;
afterAll(async () => {
  await pg?.stop();
}, 60_000);

describe.each(["pglite", "postgres"] as const)("SIGKILL of serve (%s)", (engine) => {
  let serve: Serve | undefined;
  const agents: { agent: Agent; running: Promise<void> }[] = [];

  afterAll(async () => {
    for (const a of agents) a.agent.stop();
    await serve?.proc.kill("SIGKILL");
    await Promise.race([Promise.all(agents.map((a) => a.running.catch(() => undefined))), sleep(15_000)]);
  }, 60_000);

  it(`${KILLS} kills during writes and syncing: no partial group, nothing acknowledged lost, every site converges`, async () => {
    ensureBuilt();
    const port = await freePort();
    const options =
      engine === "pglite"
        ? { data: tempDir("sg-faults-crash-"), port, syncTimeout: "1h" }
        : { databaseUrl: await (pg ??= await startPostgres()).createDatabase("crash"), port, syncTimeout: "1h" };
    serve = await startServe(options);
    const base = serve.base;
    const sites: { id: string; token: string }[] = [];
    for (let i = 0; i < SITES; i++) {
      const r = await http(base, { method: "POST", path: "/vpc/sites", token, body: { name: `crash-site-${i}`, platform: "nftables" } });
      if (r.status !== 201) throw new Error(`site: ${r.status} ${r.text}`);
      sites.push(r.json);
    }
    for (const site of sites) {
      const agent = new Agent({
        api: new HttpAgentApi(base, site.token),
        enforcerFor: () => new DryRunEnforcer(),
        resolveControlPlane: async () => [{ address: "127.0.0.1", port }],
        stateDir: mkdtempSync(join(tmpdir(), "sg-faults-crash-agent-")),
        pollWaitSeconds: 5,
        heartbeatMs: 2000,
        driftCheckMs: 60_000,
        backoff: new Backoff({ maxMs: 1000 }),
        log: createAgentLog({ level: "silent" }),
      });
      agents.push({ agent, running: agent.run() });
    }

    /** Per group id: its writes in order (one writer owns each group). */
    const history = new Map<string, Write[]>();
    /** Creates in flight at a kill: tag -> write (the id is unknown). */
    const inflightCreates = new Map<string, Write>();
    const counts = { sent: 0, acked: 0, refused409: 0, noResponse: 0, other: 0 };
    let seq = 0;

    const writer = async (w: number, stop: { now: boolean }) => {
      const mine: string[] = [];
      while (!stop.now) {
        const n = 1 + ((seq * 7 + w * 13) % 60);
        const tag = `w${w}-${engine}-${++seq}`;
        // Half the groups are attached to a site: their writes make the sites sync.
        const attach = seq % 2 === 0 ? [sites[seq % SITES].id] : [];
        const update = mine.length > 0 && seq % 3 === 0;
        const id = update ? mine[seq % mine.length] : undefined;
        const write: Write = { tag, rules: n, sites: attach, acked: false };
        if (id) history.get(id)!.push(write);
        else inflightCreates.set(tag, write);
        counts.sent++;
        let res;
        try {
          res = await http(base, {
            method: id ? "PUT" : "POST",
            path: id ? `${GROUPS}/${id}` : GROUPS,
            token,
            body: body(tag, n, attach),
            timeoutMs: 30_000,
          });
        } catch {
          counts.noResponse++;
          await sleep(200);
          continue; // killed mid-request: not acknowledged, may or may not be stored
        }
        if (res.status === 201 || res.status === 200) {
          counts.acked++;
          write.acked = true;
          if (!id) {
            inflightCreates.delete(tag);
            history.set(res.json.id, [write]);
            mine.push(res.json.id);
          }
        } else {
          // Refused (409 while syncing, 503 while closing): certainly not stored.
          if (res.status === 409) counts.refused409++;
          else counts.other++;
          if (res.status >= 500 && res.status !== 503) throw new Error(`${res.status} ${res.text}`);
          if (id) history.get(id)!.pop();
          else inflightCreates.delete(tag);
        }
      }
    };

    const verify = async (round: number) => {
      const stored: { id: string; name: string; rules: { description: string }[]; sites: string[]; status: string }[] = [];
      for (let cursor: string | undefined; ; ) {
        const r = await http(base, { path: `${GROUPS}?limit=100${cursor ? `&cursor=${cursor}` : ""}`, token });
        if (r.status !== 200) throw new Error(`list: ${r.status} ${r.text}`);
        stored.push(...r.json);
        cursor = r.headers["x-next-cursor"] as string | undefined;
        if (!cursor) break;
      }
      const byId = new Map(stored.map((g) => [g.id, g]));
      const partial: string[] = [];
      const lost: string[] = [];
      for (const g of stored) {
        const m = /^(\S+) n=(\d+)$/.exec(g.name)!;
        const [tag, n] = [m[1], Number(m[2])];
        if (g.rules.length !== n || g.rules.some((r) => !r.description.startsWith(`${tag} #`)))
          partial.push(`${g.id} ${g.name}: ${g.rules.length} rules`);
        const known = history.get(g.id);
        if (!known) {
          // A create in flight at a kill that committed: allowed, and from now on tracked.
          const w = inflightCreates.get(tag);
          if (!w) partial.push(`${g.id} ${g.name}: stored but never sent`);
          else {
            inflightCreates.delete(tag);
            history.set(g.id, [{ ...w, acked: true }]);
          }
        }
      }
      for (const [id, writes] of history) {
        const g = byId.get(id);
        const lastAcked = writes.map((w) => w.acked).lastIndexOf(true);
        if (!g) {
          lost.push(`${id}: missing`);
          continue;
        }
        const at = writes.findIndex((w) => g.name === `${w.tag} n=${w.rules}`);
        // The stored write is the last acknowledged one or a later one (in flight at a kill).
        if (at < lastAcked) lost.push(`${id}: holds ${g.name}, but ${writes[lastAcked].tag} was acknowledged`);
        if (at >= 0) history.set(id, [{ ...writes[at], acked: true }]);
      }
      // Creates in flight that did not commit are gone for good.
      inflightCreates.clear();
      expect({ round, partial }).toEqual({ round, partial: [] });
      expect({ round, lost }).toEqual({ round, lost: [] });
      return stored.length;
    };

    const kills: { writes_before_kill: number; groups_after_restart: number; restart_ms: number }[] = [];
    for (let k = 0; k < KILLS; k++) {
      const stop = { now: false };
      const before = counts.sent;
      const writers = Array.from({ length: WRITERS }, (_, w) => writer(w, stop));
      // Let writes and syncs run, then kill in the middle of them.
      await eventually("writes flowing", () => counts.sent - before >= 20 + 10 * k, 120_000, 50);
      await serve.proc.kill("SIGKILL");
      stop.now = true;
      await Promise.all(writers);
      const restarting = Date.now();
      serve = await startServe(options);
      const restartMs = Date.now() - restarting;
      const n = await verify(k);
      kills.push({ writes_before_kill: counts.sent - before, groups_after_restart: n, restart_ms: restartMs });
    }

    // Every site converges: every group active, applied = desired everywhere.
    const converging = Date.now();
    await eventually(
      "every group active",
      async () => {
        const r = await http(base, { path: `${GROUPS}?limit=100`, token });
        return r.status === 200 && (r.json as { status: string }[]).every((g) => g.status === "active");
      },
      180_000,
      500,
    );
    for (const site of sites) {
      const v = (await http(base, { path: `/vpc/sites/${site.id}`, token })).json;
      expect(v.applied_revision).toBe(v.desired_revision);
    }
    figure(`crash-${engine}`, {
      kills: KILLS,
      ...counts,
      per_kill: kills,
      sites: SITES,
      agents_converged: SITES,
      converge_ms: Date.now() - converging,
    });
  });
});
