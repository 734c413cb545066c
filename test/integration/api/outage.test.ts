/**
 * PostgreSQL goes away under the API and comes back: every route that needs
 * the store answers 503 `database_unavailable` with Retry-After (never a
 * 500), the readiness endpoint says so, and once the server is back both
 * in-process replicas serve again and hear each other's changes (the pool
 * and the LISTEN connection reconnect by themselves; a long poll that waited
 * through the outage is woken by a write on the other replica).
 */
import "../../support/native-modules";
import { buildServer } from "../../../core/api/server";
import { startPostgres, type PostgresServer } from "../../support/postgres";
import { SECRET, TestCore, expectError, officePrefixList, rule, simpleGroup, type Response } from "../../support/core";
import { eventually, sleep } from "../../support/secgroups";

jest.setTimeout(120_000);

const GROUPS = "/vpc/security-groups";
const LISTS = "/vpc/prefix-lists";
const SITES = "/vpc/sites";

let pg: PostgresServer | undefined;
const replicas: TestCore[] = [];

beforeAll(async () => {
  pg = await startPostgres({ durableCommits: true });
  const url = await pg.createDatabase("outage");
  for (let i = 0; i < 2; i++) {
    const server = await buildServer({ auth: { secret: SECRET }, databaseUrl: url });
    replicas.push(new TestCore("postgres", server, url, () => server.close()));
  }
}, 120_000);

afterAll(async () => {
  for (const r of replicas) await r.close().catch(() => undefined);
  await pg?.stop();
}, 60_000);

test.each(["fast", "immediate"] as const)(
  "PostgreSQL stopped (%s): 503 with Retry-After on every store route, then both replicas serve and wake each other again",
  async (mode) => {
    const [a, b] = replicas;
    const site = await a.createSite();
    const list = await a.createPrefixList();
    const group = await a.create(GROUPS, simpleGroup({ sites: [site.id] }));
    const poll = await b.get("/agent/v1/config", { token: site.token });
    expect(poll.status).toBe(200);
    expect((await a.post("/agent/v1/report", { revision: poll.json.revision, status: "applied" }, { token: site.token })).status).toBe(204);
    const etag = String(poll.headers.etag);

    // A long poll on b that waits through the whole outage (given time to read before the server goes).
    const waiting = b.get("/agent/v1/config", { token: site.token, headers: { "if-none-match": etag }, query: { wait: "60" } });
    await sleep(500);

    await pg!.halt(mode);
    const site2 = { token: site.token };
    const routes: [string, string, unknown?, object?][] = [
      ["GET", GROUPS],
      ["POST", GROUPS, simpleGroup()],
      ["GET", `${GROUPS}/${group.id}`],
      ["PUT", `${GROUPS}/${group.id}`, simpleGroup()],
      ["DELETE", `${GROUPS}/${group.id}`],
      ["GET", LISTS],
      ["POST", LISTS, officePrefixList()],
      ["GET", `${LISTS}/${list.id}`],
      ["PUT", `${LISTS}/${list.id}`, officePrefixList()],
      ["DELETE", `${LISTS}/${list.id}`],
      ["GET", SITES],
      ["POST", SITES, { name: "during outage", platform: "nftables" }],
      ["GET", `${SITES}/${site.id}`],
      ["PUT", `${SITES}/${site.id}`, { name: "renamed", platform: "nftables" }],
      ["DELETE", `${SITES}/${site.id}`],
      ["GET", "/agent/v1/config", undefined, site2],
      ["POST", "/agent/v1/report", { revision: poll.json.revision, status: "applied" }, site2],
      ["POST", "/agent/v1/heartbeat", undefined, site2],
      ["GET", "/agent/v1/routeros.rsc", undefined, site2],
      ["GET", "/readyz", undefined, { token: null }],
    ];
    for (const core of replicas) {
      for (const [method, path, body, opts] of routes) {
        const res: Response = await core.request(method as "GET", path, body, opts);
        expectError(res, 503, "database_unavailable");
        expect({ path, type: res.json.type, retryAfter: res.headers["retry-after"] }).toEqual({ path, type: "api_error", retryAfter: "2" });
      }
      // Not the store's: liveness and reference data keep answering.
      expect((await core.get("/healthz", { token: null })).status).toBe(200);
      expect((await core.get("/vpc/reference/protocols")).status).toBe(200);
    }

    await pg!.resume();
    const back = Date.now();
    for (const core of replicas)
      await eventually("ready again", async () => (await core.get("/readyz", { token: null })).status === 200, 30_000, 50);
    const readyMs = Date.now() - back;

    // The change is written on a; the poll that waited on b through the outage returns with it.
    const put = await a.put(
      `${GROUPS}/${group.id}`,
      simpleGroup({ sites: [site.id], description: `after ${mode}`, rules: [rule(1, { port: mode === "fast" ? "8443" : "9443" })] }),
    );
    expect(put.status).toBe(200);
    const written = Date.now();
    const woken = await waiting;
    const wakeMs = Date.now() - written;
    expect(woken.status).toBe(200);
    expect(woken.json.revision).toBeGreaterThan(poll.json.revision);
    // Far below the 60 s the poll was held: it was woken, not timed out.
    expect(wakeMs).toBeLessThan(10_000);
    expect((await b.get(`${GROUPS}/${group.id}`)).json.description).toBe(`after ${mode}`);
    console.log(
      `outage (${mode}): both replicas ready ${readyMs} ms after PostgreSQL was back; waiting poll woken ${wakeMs} ms after the write`,
    );
  },
);

test("the LISTEN connection comes back by itself and reports the gap, so subscribers re-check", async () => {
  const db = replicas[1].db;
  const heard: string[] = [];
  let gaps = 0;
  const unlisten = await db.listen(
    "outage_test",
    (payload) => heard.push(payload),
    () => gaps++,
  );
  await replicas[0].db.query("SELECT pg_notify('outage_test', 'before')");
  await eventually("heard before", () => heard.includes("before"), 10_000, 20);
  expect(gaps).toBe(0);

  await pg!.halt("fast");
  await expect(replicas[0].db.query("SELECT 1")).rejects.toThrow(/the database is unavailable/);
  expect((await db.readiness()).ready).toBe(false);
  await pg!.resume();
  await eventually("gap reported", () => gaps === 1, 15_000, 20);
  expect(await db.readiness()).toEqual({ ready: true });
  await replicas[0].db.query("SELECT pg_notify('outage_test', 'after')");
  await eventually("heard after", () => heard.includes("after"), 10_000, 20);
  expect(heard).toEqual(["before", "after"]);
  await unlisten();
});
