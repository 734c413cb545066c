/**
 * PostgreSQL stopped and started again under two `serve` replicas (child
 * processes on one private server) and an agent long-polling replica B (the
 * real agent loop of core/agent, in this process, with a recording dry-run
 * enforcer). Issue #20: before, every request was a 500 during the outage
 * and afterwards a write on A took 21.4 s to reach the agent on B, because
 * B's LISTEN connection was never re-established.
 *
 * Per outage (`pg_ctl stop -m fast`, then `-m immediate`, each
 * FAULTS_DB_OUTAGE_SECONDS long, default 10):
 *   - before: the cross-replica wake-up (a PUT on A until the agent's poll on
 *     B returns the new revision), 3 samples;
 *   - during: both replicas probed every 200 ms on reads, writes, the agent
 *     routes and /readyz: every answer is 503 `database_unavailable` with
 *     Retry-After and an ErrorResponse; the agent applies and removes
 *     nothing (its policy stays in force);
 *   - after: time until each replica serves (200 on a list, 200 on /readyz),
 *     and the cross-replica wake-up again, asserted <= 3 s.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent } from "../../core/agent/loop";
import { Backoff } from "../../core/agent/backoff";
import { HttpAgentApi, type AgentApi, type PollResult, type Report } from "../../core/agent/client";
import { DryRunEnforcer } from "../../core/agent/dry-run";
import { createAgentLog } from "../../core/agent/log";
import { signHs256 } from "../../core/api/jwt";
import { startPostgres, type PostgresServer } from "../support/postgres";
import { eventually } from "../support/secgroups";
import { JWT_SECRET, ensureBuilt, figure, http, isErrorResponse, sleep, startServe, type HttpResponse, type Serve } from "./support";

jest.setTimeout(600_000);

const OUTAGE_MS = Number(process.env.FAULTS_DB_OUTAGE_SECONDS ?? 10) * 1000;
const WAKE_SAMPLES = 3;
const WAKE_BAR_MS = 3000;
const GROUPS = "/vpc/security-groups";
const token = signHs256(
  { org: "org_outage", sub: "faults", iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 7200 },
  JWT_SECRET,
);

/** The agent's HTTP client, recording when each poll started and what each call ended with. */
class RecordingApi implements AgentApi {
  pollSince?: number;
  readonly polls: { at: number; revision?: number; error?: string }[] = [];
  readonly failures: string[] = [];
  constructor(private readonly inner: HttpAgentApi) {}

  async poll(etag: string | undefined, waitSeconds: number, signal?: AbortSignal): Promise<PollResult> {
    this.pollSince = Date.now();
    try {
      const result = await this.inner.poll(etag, waitSeconds, signal);
      this.polls.push({ at: Date.now(), revision: result.changed ? result.body.revision : undefined });
      return result;
    } catch (err) {
      this.record(err, "poll");
      throw err;
    } finally {
      this.pollSince = undefined;
    }
  }
  async report(report: Report): Promise<void> {
    await this.inner.report(report).catch((err) => this.record(err, "report", true));
  }
  async heartbeat(): Promise<void> {
    await this.inner.heartbeat().catch((err) => this.record(err, "heartbeat", true));
  }
  private record(err: unknown, what: string, rethrow = false): void {
    const m = /HTTP (\d+)/.exec((err as Error).message);
    this.failures.push(`${what} ${m ? m[1] : "transport"}`);
    this.polls.push({ at: Date.now(), error: (err as Error).message });
    if (rethrow) throw err;
  }
}

class RecordingEnforcer extends DryRunEnforcer {
  applies = 0;
  removes = 0;
  override async apply(): Promise<void> {
    this.applies++;
  }
  override async remove(): Promise<void> {
    this.removes++;
  }
}

let pg: PostgresServer | undefined;
const replicas: Serve[] = [];
let agent: Agent | undefined;
let running: Promise<void> | undefined;
let api: RecordingApi;
const enforcer = new RecordingEnforcer();
let site: { id: string; token: string };
let groupId: string;
let port = 1000;
const stateDir = mkdtempSync(join(tmpdir(), "sg-faults-outage-agent-"));

beforeAll(async () => {
  ensureBuilt();
  pg = await startPostgres({ durableCommits: true });
  const url = await pg.createDatabase("outage");
  // One after the other: the first applies the migrations.
  for (let i = 0; i < 2; i++) replicas.push(await startServe({ databaseUrl: url, syncTimeout: "1h" }));
  const [a, b] = replicas;
  site = (await http(a.base, { method: "POST", path: "/vpc/sites", token, body: { name: "outage-site", platform: "nftables" } })).json;
  groupId = (await http(a.base, { method: "POST", path: GROUPS, token, body: groupBody() })).json.id;
  api = new RecordingApi(new HttpAgentApi(b.base, site.token));
  agent = new Agent({
    api,
    enforcerFor: () => enforcer,
    resolveControlPlane: async () => [{ address: "127.0.0.1", port: b.port }],
    stateDir,
    pollWaitSeconds: 30,
    heartbeatMs: 1000,
    driftCheckMs: 2000,
    backoff: new Backoff({ maxMs: 2000 }),
    log: createAgentLog({ level: "silent" }),
  });
  running = agent.run();
  await eventually("group active", async () => (await groupStatus(a)) === "active", 60_000, 100);
}, 300_000);

afterAll(async () => {
  agent?.stop();
  await Promise.race([running?.catch(() => undefined), sleep(35_000)]);
  for (const r of replicas) await r.proc.kill("SIGKILL");
  await pg?.stop();
}, 120_000);

function groupBody() {
  return {
    name: "outage group",
    rules: [{ direction: "inbound", order: 1, protocol: 6, port: String(port), address: "10.0.0.0/8", description: "port" }],
    sites: [site.id],
  };
}

async function groupStatus(s: Serve): Promise<string | undefined> {
  const r = await http(s.base, { path: `${GROUPS}/${groupId}`, token });
  return r.status === 200 ? r.json.status : undefined;
}

/** A PUT on A (a new revision for the site) until the agent's poll on B returns it. */
async function wakeUp(): Promise<number> {
  const [a, b] = replicas;
  // The agent must be held in a long poll on B (not between polls), and the group unlocked.
  await eventually("group active", async () => (await groupStatus(a)) === "active", 60_000, 50);
  await eventually("agent held in a poll", () => api.pollSince !== undefined && Date.now() - api.pollSince > 300, 60_000, 20);
  const desired = (await http(b.base, { path: `/vpc/sites/${site.id}`, token })).json.desired_revision as number;
  port++;
  const sent = Date.now();
  const put = await http(a.base, { method: "PUT", path: `${GROUPS}/${groupId}`, token, body: groupBody() });
  if (put.status !== 200) throw new Error(`PUT: ${put.status} ${put.text}`);
  await eventually("agent got the new revision", () => api.polls.some((p) => p.at >= sent && (p.revision ?? 0) > desired), 60_000, 5);
  const ms = api.polls.find((p) => p.at >= sent && (p.revision ?? 0) > desired)!.at - sent;
  // Applied, saved and reported before anything else is measured.
  await eventually("change active", async () => (await groupStatus(a)) === "active", 60_000, 50);
  return ms;
}

test.each(["fast", "immediate"] as const)("PostgreSQL stopped (%s) and started under two replicas and an agent", async (mode) => {
  const [a, b] = replicas;
  const before: number[] = [];
  for (let i = 0; i < WAKE_SAMPLES; i++) before.push(await wakeUp());
  const stateFile = join(stateDir, "applied.json");
  const stateBefore = readFileSync(stateFile, "utf8");
  const enforced = { applies: enforcer.applies, removes: enforcer.removes };
  const agentFailures = api.failures.length;

  await pg!.halt(mode);
  const down = Date.now();
  const statuses: Record<string, number> = {};
  const unexpected: string[] = [];
  let probes = 0;
  const probe = async (s: Serve, name: string, method: string, path: string, body?: unknown, auth: string | null = token) => {
    const r = await http(s.base, { method, path, token: auth, body, timeoutMs: 15_000 }).catch(
      (e: Error): HttpResponse => ({ status: 0, headers: {}, text: e.message, json: undefined }),
    );
    probes++;
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    const ok =
      r.status === 503 &&
      r.headers["retry-after"] === "2" &&
      isErrorResponse(r) &&
      (r.json as { code: string }).code === "database_unavailable";
    if (!ok) unexpected.push(`${name} ${method} ${path}: ${r.status} ${r.text.slice(0, 200)}`);
  };
  while (Date.now() - down < OUTAGE_MS) {
    await Promise.all(
      replicas.flatMap((s, i) => [
        probe(s, `replica ${i}`, "GET", `${GROUPS}?limit=10`),
        probe(s, `replica ${i}`, "GET", `${GROUPS}/${groupId}`),
        probe(s, `replica ${i}`, "POST", GROUPS, { ...groupBody(), name: "during outage", sites: [] }),
        probe(s, `replica ${i}`, "PUT", `${GROUPS}/${groupId}`, groupBody()),
        probe(s, `replica ${i}`, "GET", `/vpc/sites/${site.id}`),
        probe(s, `replica ${i}`, "POST", "/agent/v1/heartbeat", undefined, site.token),
        probe(s, `replica ${i}`, "GET", "/agent/v1/config", undefined, site.token),
        probe(s, `replica ${i}`, "GET", "/readyz", undefined, null),
      ]),
    );
    await sleep(200);
  }
  // The agent kept its policy: nothing applied, nothing removed, its state untouched.
  const duringOutage = { applies: enforcer.applies - enforced.applies, removes: enforcer.removes - enforced.removes };
  const agentSaw = api.failures.slice(agentFailures);
  const stateAfterOutage = readFileSync(stateFile, "utf8");

  await pg!.resume();
  const back = Date.now();
  const serving = await Promise.all(
    replicas.map(async (s) => {
      await eventually("list 200", async () => (await http(s.base, { path: GROUPS, token })).status === 200, 60_000, 20);
      const listMs = Date.now() - back;
      await eventually("ready", async () => (await http(s.base, { path: "/readyz" })).status === 200, 60_000, 20);
      return { list_200_ms: listMs, readyz_200_ms: Date.now() - back };
    }),
  );
  const after: number[] = [];
  for (let i = 0; i < WAKE_SAMPLES; i++) after.push(await wakeUp());

  figure(`database-outage-${mode}`, {
    outage_ms: back - down,
    probes,
    statuses,
    unexpected: unexpected.length,
    agent_saw: agentSaw.reduce<Record<string, number>>((n, f) => ((n[f] = (n[f] ?? 0) + 1), n), {}),
    agent_during_outage: duringOutage,
    serving_again: serving,
    wake_before_ms: before,
    wake_after_ms: after,
  });
  expect(unexpected).toEqual([]);
  expect(statuses).toEqual({ 503: probes });
  expect(duringOutage).toEqual({ applies: 0, removes: 0 });
  expect(stateAfterOutage).toBe(stateBefore);
  for (const ms of after) expect(ms).toBeLessThanOrEqual(WAKE_BAR_MS);
  // Both replicas see the last write.
  for (const s of [a, b]) expect((await http(s.base, { path: `${GROUPS}/${groupId}`, token })).json.rules[0].port).toBe(String(port));
});
