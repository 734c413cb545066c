/**
 * Two `serve` replicas (separate processes) on one real PostgreSQL, 20 agents
 * split across them. The agents are the real agent loop (core/agent) with the
 * dry-run enforcer, in this process: they poll, report and heartbeat over
 * HTTP exactly like `secgroups agent --dry-run`. Long polls are held 30 s, so
 * convergence within seconds shows that a change written on one replica wakes
 * the agents waiting on the other (LISTEN/NOTIFY).
 */
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent } from "../../core/agent/loop";
import { Backoff } from "../../core/agent/backoff";
import { HttpAgentApi } from "../../core/agent/client";
import { DryRunEnforcer } from "../../core/agent/dry-run";
import { createAgentLog } from "../../core/agent/log";
import { startPostgres, type PostgresServer } from "../support/postgres";
import { Api, Proc, ensureBuilt, eventually, startServer, userToken } from "../support/secgroups";

jest.setTimeout(90_000);

const AGENTS = 20;
let pg: PostgresServer | undefined;
const replicas: Proc[] = [];
const apis: Api[] = [];
const agents: { agent: Agent; running: Promise<void> }[] = [];
const sites: { id: string; token: string }[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

beforeAll(async () => {
  ensureBuilt();
  pg = await startPostgres();
  const url = await pg.createDatabase("replicas");
  const token = userToken();
  // One after the other: the first applies the migrations.
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    replicas.push(await startServer({ host: "127.0.0.1", port, databaseUrl: url, syncTimeout: "60s" }));
    apis.push(new Api(`http://127.0.0.1:${port}`, token));
  }
}, 90_000);

afterAll(async () => {
  for (const a of agents) a.agent.stop();
  await Promise.all(agents.map((a) => a.running.catch(() => undefined)));
  for (const r of replicas) await r.kill("SIGTERM").catch(() => undefined);
  await pg?.stop();
}, 60_000);

async function statusEverywhere(groupId: string): Promise<string[]> {
  return Promise.all(apis.map(async (api) => (await api.ok("GET", `/vpc/security-groups/${groupId}`)).status));
}

test("20 agents on two replicas converge, and a change on either replica reaches all of them", async () => {
  for (let i = 0; i < AGENTS; i++)
    sites.push(await apis[i % 2].ok("POST", "/vpc/sites", { name: `replica-site-${i}`, platform: "nftables" }));
  for (const [i, site] of sites.entries()) {
    const base = apis[i % 2].base;
    const agent = new Agent({
      api: new HttpAgentApi(base, site.token),
      enforcerFor: () => new DryRunEnforcer(),
      resolveControlPlane: async () => [{ address: "127.0.0.1", port: Number(new URL(base).port) }],
      stateDir: mkdtempSync(join(tmpdir(), "sg-replica-agent-")),
      pollWaitSeconds: 30,
      heartbeatMs: 2000,
      driftCheckMs: 60_000,
      backoff: new Backoff({ maxMs: 2000 }),
      log: createAgentLog({ level: "silent" }),
    });
    agents.push({ agent, running: agent.run() });
  }

  const rules = [{ direction: "inbound", order: 10, protocol: 6, port: "443", address: "0.0.0.0/0", description: "https" }];
  const started = Date.now();
  const group = await apis[1].ok("POST", "/vpc/security-groups", { name: "fleet", rules, sites: sites.map((s) => s.id) });
  await eventually("active on both replicas", async () => (await statusEverywhere(group.id)).every((s) => s === "active"), 20_000, 100);
  const firstMs = Date.now() - started;

  const changed = Date.now();
  await apis[0].ok("PUT", `/vpc/security-groups/${group.id}`, {
    name: "fleet",
    rules: [{ ...rules[0], port: "443,8443" }],
    sites: sites.map((s) => s.id),
  });
  expect(await statusEverywhere(group.id)).toEqual(["syncing", "syncing"]);
  await eventually(
    "change active on both replicas",
    async () => (await statusEverywhere(group.id)).every((s) => s === "active"),
    20_000,
    100,
  );
  const changeMs = Date.now() - changed;
  // Far below the 30 s long-poll: the agents on replica 1 were woken by a write on replica 0.
  expect(changeMs).toBeLessThan(10_000);

  for (const api of apis) {
    for (const site of sites) {
      const view = await api.ok("GET", `/vpc/sites/${site.id}`);
      expect(view.applied_revision).toBe(view.desired_revision);
      expect(view.online).toBe(true);
    }
  }
  console.log(`replicas: ${AGENTS} agents active ${firstMs} ms after create, ${changeMs} ms after a change`);
});
