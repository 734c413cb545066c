/**
 * Concurrent writers on PostgreSQL (a pool of 10 connections: really
 * concurrent transactions) and PGlite (one connection: serialized), through
 * the in-process core (test/support/core.ts):
 *   - 50 parallel PUTs with If-Match from one GET: one 200, every other 412,
 *     final state = the winner's body (no lost update);
 *   - 50 parallel PUTs without If-Match on a group attached to a site: the
 *     first wins, every other 409 resource_syncing;
 *   - 50 parallel creates with one Idempotency-Key: one group;
 *   - parallel changes to prefix lists used by many groups, group rewrites
 *     and delete attempts: no deadlock, no 5xx, references consistent;
 *   - create-referencing vs delete races (prefix list, site): no 5xx and no
 *     group left referencing something that is gone.
 * FAULTS_CONCURRENCY_ROUNDS (default 2) repeats the races.
 */
import { agentApply, ENGINES, rule, simpleGroup, tokenFor, useCore, type Response, type TestCore } from "../support/core";

jest.setTimeout(240_000);

const ROUNDS = Number(process.env.FAULTS_CONCURRENCY_ROUNDS ?? 2);
const GROUPS = "/vpc/security-groups";
const LISTS = "/vpc/prefix-lists";

function tally(responses: Response[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const r of responses) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
}
function no5xx(responses: Response[]): void {
  const bad = responses.filter((r) => r.status >= 500);
  if (bad.length)
    throw new Error(
      `${bad.length} 5xx: ${bad
        .slice(0, 3)
        .map((r) => `${r.status} ${r.body}`)
        .join(" | ")}`,
    );
}

describe.each(ENGINES)("concurrency (%s)", (engine) => {
  const t = useCore(engine);
  const figures: Record<string, unknown> = {};
  afterAll(() => console.log(`FIGURE concurrency-${engine} ${JSON.stringify(figures)}`));

  it("50 parallel PUTs with one ETag: one wins, 49 get 412, the winner's body is stored", async () => {
    const core: TestCore = t.core;
    const g = await core.create(GROUPS, simpleGroup({ name: "etag race" }));
    const read = await core.get(`${GROUPS}/${g.id}`);
    const etag = String(read.headers.etag);
    const bodies = Array.from({ length: 50 }, (_, i) =>
      simpleGroup({ name: `writer ${i}`, rules: [rule(1, { port: String(1000 + i) }), rule(2, { port: String(2000 + i) })] }),
    );
    const responses = await Promise.all(bodies.map((b) => core.put(`${GROUPS}/${g.id}`, b, { headers: { "if-match": etag } })));
    no5xx(responses);
    figures.etag_race = tally(responses);
    const winners = responses.map((r, i) => [r, i] as const).filter(([r]) => r.status === 200);
    expect(winners).toHaveLength(1);
    expect(responses.filter((r) => r.status === 412)).toHaveLength(49);
    const i = winners[0][1];
    const final = (await core.get(`${GROUPS}/${g.id}`)).json;
    expect(final.name).toBe(`writer ${i}`);
    expect(final.rules.map((r: { port: string }) => r.port)).toEqual([String(1000 + i), String(2000 + i)]);
  });

  it("50 parallel PUTs without If-Match on a group attached to a site: the first wins, the rest 409 resource_syncing", async () => {
    const core: TestCore = t.core;
    const site = await core.createSite();
    const g = await core.create(GROUPS, simpleGroup({ name: "syncing race", sites: [site.id] }));
    await agentApply(core, site.token);
    expect((await core.get(`${GROUPS}/${g.id}`)).json.status).toBe("active");
    const bodies = Array.from({ length: 50 }, (_, i) =>
      simpleGroup({ name: `sync writer ${i}`, rules: [rule(1, { port: String(3000 + i) })], sites: [site.id] }),
    );
    const responses = await Promise.all(bodies.map((b) => core.put(`${GROUPS}/${g.id}`, b)));
    no5xx(responses);
    figures.syncing_race = tally(responses);
    const winners = responses.map((r, i) => [r, i] as const).filter(([r]) => r.status === 200);
    expect(winners).toHaveLength(1);
    const losers = responses.filter((r) => r.status !== 200);
    expect(losers.every((r) => r.status === 409 && r.json.code === "resource_syncing")).toBe(true);
    const final = (await core.get(`${GROUPS}/${g.id}`)).json;
    expect(final.name).toBe(`sync writer ${winners[0][1]}`);
    expect(final.status).toBe("syncing");
    // The site's desired config carries exactly the winner's port.
    const poll = await core.get("/agent/v1/config", { token: site.token });
    expect(poll.json.config).toContain(String(3000 + winners[0][1]));
    await agentApply(core, site.token);
    expect((await core.get(`${GROUPS}/${g.id}`)).json.status).toBe("active");
  });

  it("50 parallel creates with one Idempotency-Key make one group", async () => {
    const core: TestCore = t.core;
    const token = tokenFor(`org_idem_50_${engine}`);
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        core.post(GROUPS, simpleGroup({ name: "idem 50" }), { token, headers: { "idempotency-key": "fifty" } }),
      ),
    );
    no5xx(responses);
    figures.idempotent_creates = tally(responses);
    expect(responses.every((r) => r.status === 201)).toBe(true);
    expect(new Set(responses.map((r) => r.json.id)).size).toBe(1);
    expect((await core.get(GROUPS, { token })).json).toHaveLength(1);
  });

  it("parallel changes to prefix lists used by many groups: no deadlock, no 5xx, consistent references", async () => {
    const core: TestCore = t.core;
    const token = tokenFor(`org_lists_${engine}`);
    const L = await core.createPrefixList({ name: "L" }, { token });
    const M = await core.createPrefixList({ name: "M" }, { token });
    const groupBody = (i: number, first: string, second: string) =>
      simpleGroup({
        name: `user ${i}`,
        rules: [rule(1, { address: first, port: "22" }), rule(2, { address: second, port: String(4000 + i) })],
      });
    const groups = [];
    for (let i = 0; i < 20; i++) groups.push(await core.create(GROUPS, groupBody(i, L.id, M.id), { token }));
    const listBody = (name: string, n: number) => ({
      name,
      description: null,
      prefixes: [
        { cidr: `10.${n}.0.0/16`, description: null },
        { cidr: `192.168.${n}.0/24`, description: null },
      ],
      sites: [],
    });
    let total = 0;
    const statuses: Record<string, number> = {};
    for (let round = 0; round < ROUNDS; round++) {
      const ops: Promise<Response>[] = [];
      for (let i = 0; i < 10; i++) ops.push(core.put(`${LISTS}/${L.id}`, listBody("L", 10 * round + i), { token }));
      for (let i = 0; i < 10; i++) ops.push(core.put(`${LISTS}/${M.id}`, listBody("M", 100 + 10 * round + i), { token }));
      // Groups rewritten with the references in the other order (lock order differs from the lists').
      for (const [i, g] of groups.entries()) ops.push(core.put(`${GROUPS}/${g.id}`, groupBody(i, M.id, L.id), { token }));
      for (let i = 0; i < 5; i++) ops.push(core.delete(`${LISTS}/${i % 2 ? L.id : M.id}`, { token }));
      for (let i = 0; i < 5; i++) ops.push(core.post(GROUPS, groupBody(100 + i, L.id, M.id), { token }));
      const responses = await Promise.all(ops);
      no5xx(responses);
      total += responses.length;
      for (const [k, v] of Object.entries(tally(responses))) statuses[k] = (statuses[k] ?? 0) + v;
      // Deletes of a referenced list are refused; everything else succeeds (no If-Match, no sites).
      expect(responses.slice(0, 40).every((r) => r.status === 200)).toBe(true);
      expect(responses.slice(40, 45).every((r) => r.status === 409 && r.json.code === "prefix_list_in_use")).toBe(true);
      expect(responses.slice(45).every((r) => r.status === 201)).toBe(true);
      // The stored list is one of the bodies written in this round.
      const l = (await core.get(`${LISTS}/${L.id}`, { token })).json;
      const n = Number(/^10\.(\d+)\./.exec(l.prefixes[0].cidr)![1]);
      expect(n).toBeGreaterThanOrEqual(10 * round);
      expect(n).toBeLessThan(10 * round + 10);
      expect(l.prefixes.map((p: { cidr: string }) => p.cidr)).toEqual([`10.${n}.0.0/16`, `192.168.${n}.0/24`]);
    }
    const all = (await core.get(`${GROUPS}?limit=100`, { token })).json;
    for (const g of all) for (const r of g.rules) expect([L.id, M.id]).toContain(r.address);
    figures.prefix_list_storm = { requests: total, statuses };
  });

  it("create-referencing vs delete races: no 5xx, no group left referencing a deleted prefix list or site", async () => {
    const core: TestCore = t.core;
    const token = tokenFor(`org_refrace_${engine}`);
    const outcome: Record<string, number> = {};
    const count = (k: string) => (outcome[k] = (outcome[k] ?? 0) + 1);
    for (let round = 0; round < ROUNDS * 4; round++) {
      const L = await core.createPrefixList({ name: `race ${round}` }, { token });
      const site = await core.createSite(`race-site-${round}`, { token });
      const ops: Promise<Response>[] = [];
      for (let i = 0; i < 4; i++)
        ops.push(core.post(GROUPS, simpleGroup({ name: `ref ${round}.${i}`, rules: [rule(1, { address: L.id })] }), { token }));
      ops.splice(2, 0, core.delete(`${LISTS}/${L.id}`, { token }));
      const siteOps: Promise<Response>[] = [];
      for (let i = 0; i < 4; i++)
        siteOps.push(core.post(GROUPS, simpleGroup({ name: `site ref ${round}.${i}`, sites: [site.id] }), { token }));
      siteOps.splice(2, 0, core.delete(`/vpc/sites/${site.id}`, { token }));
      const responses = await Promise.all([...ops, ...siteOps]);
      no5xx(responses);
      for (const r of responses) count(`${r.status}${r.json?.code ? " " + r.json.code : ""}`);
      const listGone = (await core.get(`${LISTS}/${L.id}`, { token })).status === 404;
      const siteGone = (await core.get(`/vpc/sites/${site.id}`, { token })).status === 404;
      for (const r of responses.filter((x) => x.status === 201)) {
        const g = (await core.get(`${GROUPS}/${r.json.id}`, { token })).json;
        if (listGone) expect(g.rules.map((x: { address: string }) => x.address)).not.toContain(L.id);
        if (siteGone) expect(g.sites).not.toContain(site.id);
      }
    }
    figures.reference_races = outcome;
  });
});
