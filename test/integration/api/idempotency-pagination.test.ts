/** Idempotency-Key on creates, and list pagination; both engines (concurrency is real on PostgreSQL). */
import { ENGINES, ID, expectError, simpleGroup, tokenFor, useCore } from "../../support/core";

const GROUPS = "/vpc/security-groups";

describe.each(ENGINES)("Idempotency-Key (%s)", (engine) => {
  const t = useCore(engine);

  it("the same key and body replay the first response", async () => {
    const key = `key-${engine}-1`;
    const first = await t.core.post(GROUPS, simpleGroup({ name: "idem" }), { headers: { "idempotency-key": key } });
    expect(first.status).toBe(201);
    expect(first.headers["idempotent-replayed"]).toBeUndefined();
    const second = await t.core.post(GROUPS, simpleGroup({ name: "idem" }), { headers: { "idempotency-key": key } });
    expect(second.status).toBe(201);
    expect(second.headers["idempotent-replayed"]).toBe("true");
    expect(second.json.id).toBe(first.json.id);
    expect(second.json).toEqual(first.json);
    const all = await t.core.get(GROUPS, { query: { limit: "100" } });
    expect(all.json.filter((g: { name: string }) => g.name === "idem")).toHaveLength(1);
  });

  it("the same key with another body is 422 and creates nothing", async () => {
    const key = `key-${engine}-2`;
    const before = (await t.core.get(GROUPS, { query: { limit: "100" } })).json.length;
    expect((await t.core.post(GROUPS, simpleGroup({ name: "first body" }), { headers: { "idempotency-key": key } })).status).toBe(201);
    const other = await t.core.post(GROUPS, simpleGroup({ name: "other body" }), { headers: { "idempotency-key": key } });
    expectError(other, 422, "idempotency_key_reused");
    // the key on another route is another request too
    const otherRoute = await t.core.post("/vpc/prefix-lists", { name: "pl", prefixes: [] }, { headers: { "idempotency-key": key } });
    expectError(otherRoute, 422, "idempotency_key_reused");
    expect((await t.core.get(GROUPS, { query: { limit: "100" } })).json.length).toBe(before + 1);
  });

  it("keys are per organization", async () => {
    const key = `key-${engine}-3`;
    const a = await t.core.post(GROUPS, simpleGroup(), { headers: { "idempotency-key": key } });
    const b = await t.core.post(GROUPS, simpleGroup(), { headers: { "idempotency-key": key }, token: t.core.tokenB });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.headers["idempotent-replayed"]).toBeUndefined();
    expect(b.json.id).not.toBe(a.json.id);
  });

  it("a failed validation does not burn the key", async () => {
    const key = `key-${engine}-4`;
    expect((await t.core.post(GROUPS, simpleGroup({ name: "x" }), { headers: { "idempotency-key": key } })).status).toBe(422);
    const ok = await t.core.post(GROUPS, simpleGroup({ name: "after 422" }), { headers: { "idempotency-key": key } });
    expect(ok.status).toBe(201);
  });

  it("a reference error rolls the key back too", async () => {
    const key = `key-${engine}-5`;
    const bad = await t.core.post(GROUPS, simpleGroup({ sites: ["site_0ujsswThIGTUYm2K8FjOOfxcYpw"] }), {
      headers: { "idempotency-key": key },
    });
    expectError(bad, 422, "reference_not_found");
    const ok = await t.core.post(GROUPS, simpleGroup({ name: "after ref error" }), { headers: { "idempotency-key": key } });
    expect(ok.status).toBe(201);
    expect(ok.headers["idempotent-replayed"]).toBeUndefined();
  });

  it("parallel creates with one key make one group", async () => {
    const org = `org_parallel_${engine}`;
    const token = tokenFor(org);
    const key = "parallel-key";
    const body = simpleGroup({ name: "parallel" });
    const responses = await Promise.all(
      Array.from({ length: 12 }, () => t.core.post(GROUPS, body, { token, headers: { "idempotency-key": key } })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(12).fill(201));
    const ids = new Set(responses.map((r) => r.json.id));
    expect(ids.size).toBe(1);
    expect(responses.filter((r) => r.headers["idempotent-replayed"] === undefined)).toHaveLength(1);
    const stored = await t.core.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM security_groups WHERE org_id = $1`, [org]);
    expect(stored[0].n).toBe(1);
  });

  it("parallel creates without a key make as many groups", async () => {
    const org = `org_parallel_nokey_${engine}`;
    const token = tokenFor(org);
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) => t.core.post(GROUPS, simpleGroup({ name: `p${i}xx` }), { token })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(new Set(responses.map((r) => r.json.id)).size).toBe(8);
  });
});

describe.each(ENGINES)("pagination (%s)", (engine) => {
  const t = useCore(engine);

  async function pages(path: string, token: string, limit: number) {
    const seen: string[][] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 50; i++) {
      const res = await t.core.get(path, { token, query: { limit: String(limit), ...(cursor ? { cursor } : {}) } });
      expect(res.status).toBe(200);
      expect(res.json.length).toBeLessThanOrEqual(limit);
      seen.push(res.json.map((x: { id: string }) => x.id));
      cursor = res.headers["x-next-cursor"] as string | undefined;
      if (res.json.length < limit) expect(cursor).toBeUndefined();
      if (!cursor) break;
    }
    return seen;
  }

  it("walks every item once in a stable order with limit and X-Next-Cursor", async () => {
    const token = tokenFor(`org_pages_${engine}`);
    const created: string[] = [];
    for (let i = 0; i < 7; i++) created.push((await t.core.create(GROUPS, simpleGroup({ name: `page ${i}` }), { token })).id);
    const walked = await pages(GROUPS, token, 3);
    expect(walked.map((p) => p.length)).toEqual([3, 3, 1]);
    const flat = walked.flat();
    expect(new Set(flat)).toEqual(new Set(created));
    expect(flat).toEqual([...flat].sort()); // ordered by id (K-sortable)
    expect(await pages(GROUPS, token, 3)).toEqual(walked); // stable
    const all = await t.core.get(GROUPS, { token });
    expect(all.json.map((g: { id: string }) => g.id)).toEqual(flat); // default limit covers all 7
    expect(all.headers["x-next-cursor"]).toBeUndefined();
    // exact multiple: the last full page has a cursor, the next page is empty
    const six = await pages(GROUPS, token, 7);
    expect(six).toEqual([flat, []]);
  });

  it("a write between pages neither repeats nor skips earlier items", async () => {
    const token = tokenFor(`org_pages2_${engine}`);
    for (let i = 0; i < 4; i++) await t.core.create(GROUPS, simpleGroup({ name: `w ${i}` }), { token });
    const first = await t.core.get(GROUPS, { token, query: { limit: "2" } });
    const cursor = String(first.headers["x-next-cursor"]);
    await t.core.delete(`${GROUPS}/${first.json[0].id}`, { token });
    const second = await t.core.get(GROUPS, { token, query: { limit: "2", cursor } });
    expect(second.json.map((g: { id: string }) => g.id).some((id: string) => first.json.some((f: { id: string }) => f.id === id))).toBe(
      false,
    );
    expect(second.json).toHaveLength(2);
  });

  it("pages prefix lists and sites too", async () => {
    const token = tokenFor(`org_pages3_${engine}`);
    for (let i = 0; i < 3; i++) {
      await t.core.createPrefixList({ name: `pl ${i}` }, { token });
      await t.core.createSite(`s${i}`, { token });
    }
    expect((await pages("/vpc/prefix-lists", token, 2)).map((p) => p.length)).toEqual([2, 1]);
    const sites = await pages("/vpc/sites", token, 2);
    expect(sites.map((p) => p.length)).toEqual([2, 1]);
    for (const id of sites.flat()) expect(id).toMatch(ID.site);
  });

  it.each([
    ["cursor", "garbage!"],
    ["cursor", Buffer.from("sec_grp_tooshort").toString("base64url")],
    ["cursor", Buffer.from("prfx_lst_0ujsswThIGTUYm2K8FjOOfxcYpw").toString("base64url")],
    ["cursor", ""],
    ["limit", "0"],
    ["limit", "101"],
    ["limit", "-1"],
    ["limit", "1.5"],
    ["limit", "ten"],
    ["limit", ""],
  ])("400 for %s=%p", async (name, value) => {
    const res = await t.core.get(GROUPS, { query: { [name]: value } });
    expectError(res, 400, name === "cursor" ? "invalid_cursor" : "invalid_limit");
  });

  it("a cursor of one resource is refused on another", async () => {
    const token = tokenFor(`org_pages4_${engine}`);
    for (let i = 0; i < 2; i++) await t.core.create(GROUPS, simpleGroup(), { token });
    const first = await t.core.get(GROUPS, { token, query: { limit: "1" } });
    const cursor = String(first.headers["x-next-cursor"]);
    expectError(await t.core.get("/vpc/sites", { token, query: { cursor } }), 400, "invalid_cursor");
  });
});
