/** Every error class: status and ErrorResponse {type, code, message, doc_url}, on both engines. */
import { createHmac } from "node:crypto";
import { ENGINES, ORG_A, ORG_B, SECRET, agentHeartbeat, expectError, rule, simpleGroup, tokenFor, useCore } from "../../support/core";

const GROUPS = "/vpc/security-groups";
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

describe.each(ENGINES)("error responses (%s)", (engine) => {
  const t = useCore(engine);

  describe("404", () => {
    it.each([
      ["GET", "/nope"],
      ["GET", "/vpc"],
      ["POST", "/vpc/security-groups/extra/segments"],
      ["PATCH", "/vpc/security-groups"],
      ["GET", "/vpc/security-groupsX"],
    ])("unknown route %s %s", async (method, url) => {
      const res = await t.core.request(method as "GET", url);
      expectError(res, 404, "route_not_found");
      expect(res.json.type).toBe("not_found_error");
    });
    const validList = { name: "pl", prefixes: [] };
    const validSite = { name: "s", platform: "nftables" };
    it.each([
      [`${GROUPS}/sec_grp_0ujsswThIGTUYm2K8FjOOfxcYpw`, simpleGroup()],
      [`${GROUPS}/not-an-id`, simpleGroup()],
      [`${GROUPS}/sec_grp_short`, simpleGroup()],
      [`${GROUPS}/prfx_lst_0ujsswThIGTUYm2K8FjOOfxcYpw`, simpleGroup()],
      ["/vpc/prefix-lists/prfx_lst_0ujsswThIGTUYm2K8FjOOfxcYpw", validList],
      ["/vpc/sites/site_0ujsswThIGTUYm2K8FjOOfxcYpw", validSite],
      [`${GROUPS}/%F0%9F%94%A5`, simpleGroup()],
    ])("unknown id %s on GET, PUT (valid body) and DELETE", async (url, body) => {
      expectError(await t.core.get(url), 404, "resource_not_found");
      expectError(await t.core.put(url, body), 404);
      expectError(await t.core.delete(url), 404);
    });
    it("another organization's id", async () => {
      const g = await t.core.create(GROUPS, simpleGroup());
      const asB = { token: t.core.tokenB };
      expectError(await t.core.get(`${GROUPS}/${g.id}`, asB), 404, "resource_not_found");
      expectError(await t.core.put(`${GROUPS}/${g.id}`, simpleGroup(), asB), 404);
      expectError(await t.core.delete(`${GROUPS}/${g.id}`, asB), 404);
      expect((await t.core.get(`${GROUPS}/${g.id}`)).status).toBe(200);
    });
  });

  it("413 for a body over 1 MiB", async () => {
    const big = JSON.stringify({ ...simpleGroup(), description: "x".repeat(1024 * 1024) });
    const res = await t.core.request("POST", GROUPS, undefined, { raw: big, headers: { "content-type": "application/json" } });
    expectError(res, 413, "payload_too_large");
  });

  it("a body just under 1 MiB reaches validation (422, not 413)", async () => {
    const body = JSON.stringify({ ...simpleGroup(), description: "x".repeat(1024 * 1024 - 200) });
    expect(body.length).toBeLessThan(1024 * 1024);
    const res = await t.core.request("POST", GROUPS, undefined, { raw: body, headers: { "content-type": "application/json" } });
    expectError(res, 422, "value_too_long");
  });

  describe("400 malformed JSON", () => {
    it.each(['{"name": "abc",', "{'name': 'abc'}", "nul", '{"a":1}}', "\u0000", '{"name":"\\ud800"'])("%p", async (raw) => {
      const res = await t.core.request("POST", GROUPS, undefined, { raw, headers: { "content-type": "application/json" } });
      expectError(res, 400, "malformed_json");
    });
    it("empty body with a JSON content type", async () => {
      const res = await t.core.request("POST", GROUPS, undefined, { raw: "", headers: { "content-type": "application/json" } });
      expectError(res, 400);
    });
    it("on PUT too", async () => {
      const g = await t.core.create(GROUPS, simpleGroup());
      const res = await t.core.request("PUT", `${GROUPS}/${g.id}`, undefined, {
        raw: "{",
        headers: { "content-type": "application/json" },
      });
      expectError(res, 400, "malformed_json");
    });
  });

  describe("415 wrong content type", () => {
    it.each(["text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"])("%s", async (ct) => {
      const res = await t.core.request("POST", GROUPS, undefined, { raw: JSON.stringify(simpleGroup()), headers: { "content-type": ct } });
      expectError(res, 415, "unsupported_media_type");
    });
    it("application/json with a charset is fine", async () => {
      const res = await t.core.request("POST", GROUPS, undefined, {
        raw: JSON.stringify(simpleGroup()),
        headers: { "content-type": "application/json; charset=utf-8" },
      });
      expect(res.status).toBe(201);
    });
  });

  describe("401", () => {
    const now = () => Math.floor(Date.now() / 1000);
    const cases: [string, () => Record<string, string>][] = [
      ["missing Authorization", () => ({})],
      ["not Bearer", () => ({ authorization: `Basic ${Buffer.from("a:b").toString("base64")}` })],
      ["Bearer without a token", () => ({ authorization: "Bearer " })],
      ["not a JWT", () => ({ authorization: "Bearer abc.def" })],
      ["garbage segments", () => ({ authorization: "Bearer !!!.???.***" })],
      ["invalid signature", () => ({ authorization: `Bearer ${tokenFor(ORG_A, {}, "another-secret")}` })],
      [
        "tampered payload",
        () => {
          const [h, , s] = tokenFor(ORG_A).split(".");
          return { authorization: `Bearer ${h}.${b64({ org: ORG_B, exp: now() + 3600 })}.${s}` };
        },
      ],
      ["expired", () => ({ authorization: `Bearer ${tokenFor(ORG_A, { exp: now() - 3600 })}` })],
      ["not yet valid (nbf)", () => ({ authorization: `Bearer ${tokenFor(ORG_A, { nbf: now() + 3600 })}` })],
      ["without exp", () => ({ authorization: `Bearer ${tokenFor(ORG_A, { exp: undefined })}` })],
      ["alg none", () => ({ authorization: `Bearer ${b64({ alg: "none", typ: "JWT" })}.${b64({ org: ORG_A, exp: now() + 3600 })}.` })],
      [
        "alg none with a signature",
        () => {
          const head = b64({ alg: "none" });
          const body = b64({ org: ORG_A, exp: now() + 3600 });
          return { authorization: `Bearer ${head}.${body}.${createHmac("sha256", SECRET).update(`${head}.${body}`).digest("base64url")}` };
        },
      ],
      [
        "HS512",
        () => {
          const head = b64({ alg: "HS512", typ: "JWT" });
          const body = b64({ org: ORG_A, exp: now() + 3600 });
          return { authorization: `Bearer ${head}.${body}.${createHmac("sha512", SECRET).update(`${head}.${body}`).digest("base64url")}` };
        },
      ],
      ["no org claim", () => ({ authorization: `Bearer ${tokenFor(ORG_A, { org: undefined })}` })],
      ["empty org claim", () => ({ authorization: `Bearer ${tokenFor("")}` })],
      ["numeric org claim", () => ({ authorization: `Bearer ${tokenFor(ORG_A, { org: 42 })}` })],
      ["a site token", () => ({ authorization: "Bearer sgs_abcdefghijklmnopqrstuvwxyz" })],
    ];
    it.each(cases)("%s", async (_, headers) => {
      for (const [method, url] of [
        ["GET", GROUPS],
        ["POST", GROUPS],
        ["GET", "/vpc/prefix-lists"],
        ["GET", "/vpc/sites"],
        ["GET", "/vpc/reference/protocols"],
      ]) {
        const res = await t.core.request(method as "GET", url, method === "POST" ? simpleGroup() : undefined, {
          token: null,
          headers: headers(),
        });
        expectError(res, 401, "unauthorized");
        expect(res.json.type).toBe("authentication_error");
      }
    });
    it("a token within the 30 s clock-skew leeway is accepted", async () => {
      const res = await t.core.get(GROUPS, { token: tokenFor(ORG_A, { exp: now() - 5 }) });
      expect(res.status).toBe(200);
    });
  });

  describe("409", () => {
    it("modifying or deleting a group syncing to an online site, with Retry-After", async () => {
      const site = await t.core.createSite();
      await agentHeartbeat(t.core, site.token);
      const g = await t.core.create(GROUPS, simpleGroup({ sites: [site.id] }));
      expect(g.status).toBe("syncing");
      const put = await t.core.put(`${GROUPS}/${g.id}`, simpleGroup({ name: "changed" }));
      expectError(put, 409, "resource_syncing");
      expect(Number(put.headers["retry-after"])).toBeGreaterThan(0);
      const del = await t.core.delete(`${GROUPS}/${g.id}`);
      expectError(del, 409, "resource_syncing");
      expect(del.headers["retry-after"]).toBeDefined();
      expect((await t.core.get(`${GROUPS}/${g.id}`)).json.name).toBe(g.name);
    });
    it("modifying a prefix list syncing to an online site", async () => {
      const site = await t.core.createSite();
      await agentHeartbeat(t.core, site.token);
      const list = await t.core.createPrefixList({ sites: [site.id] });
      expect(list.status).toBe("syncing");
      const put = await t.core.put(`/vpc/prefix-lists/${list.id}`, { name: "x", prefixes: [] });
      expectError(put, 409, "resource_syncing");
      expect(put.headers["retry-after"]).toBeDefined();
    });
    it("deleting a prefix list a group references", async () => {
      const list = await t.core.createPrefixList();
      const g = await t.core.create(GROUPS, simpleGroup({ rules: [rule(1, { address: list.id })] }));
      const del = await t.core.delete(`/vpc/prefix-lists/${list.id}`);
      expectError(del, 409, "prefix_list_in_use");
      expect(del.json.message).toContain(g.id);
      // after the rule goes, the list can be deleted
      expect((await t.core.put(`${GROUPS}/${g.id}`, simpleGroup())).status).toBe(200);
      expect((await t.core.delete(`/vpc/prefix-lists/${list.id}`)).status).toBe(204);
    });
    it("deleting a site still attached", async () => {
      const site = await t.core.createSite();
      await t.core.create(GROUPS, simpleGroup({ sites: [site.id] }));
      expectError(await t.core.delete(`/vpc/sites/${site.id}`), 409, "site_in_use");
    });
  });

  describe("412 If-Match", () => {
    it("mismatch on PUT and DELETE; the current ETag passes", async () => {
      const g = await t.core.create(GROUPS, simpleGroup());
      const read = await t.core.get(`${GROUPS}/${g.id}`);
      const etag = String(read.headers.etag);
      const stale = await t.core.put(`${GROUPS}/${g.id}`, simpleGroup({ name: "new" }), { headers: { "if-match": '"v999"' } });
      expectError(stale, 412, "precondition_failed");
      expectError(await t.core.delete(`${GROUPS}/${g.id}`, { headers: { "if-match": '"nope"' } }), 412);
      const ok = await t.core.put(`${GROUPS}/${g.id}`, simpleGroup({ name: "new" }), { headers: { "if-match": etag } });
      expect(ok.status).toBe(200);
      expect(ok.headers.etag).not.toBe(etag);
      // the old ETag is stale now
      expectError(await t.core.put(`${GROUPS}/${g.id}`, simpleGroup({ name: "newer" }), { headers: { "if-match": etag } }), 412);
      expect((await t.core.delete(`${GROUPS}/${g.id}`, { headers: { "if-match": String(ok.headers.etag) } })).status).toBe(204);
    });
    it("If-Match: * and weak tags match", async () => {
      const g = await t.core.create(GROUPS, simpleGroup());
      expect((await t.core.put(`${GROUPS}/${g.id}`, simpleGroup(), { headers: { "if-match": "*" } })).status).toBe(200);
      const etag = String((await t.core.get(`${GROUPS}/${g.id}`)).headers.etag);
      expect((await t.core.put(`${GROUPS}/${g.id}`, simpleGroup(), { headers: { "if-match": `W/${etag}` } })).status).toBe(200);
    });
    it("on prefix lists and sites too", async () => {
      const list = await t.core.createPrefixList();
      expectError(await t.core.put(`/vpc/prefix-lists/${list.id}`, { name: "x", prefixes: [] }, { headers: { "if-match": '"v0"' } }), 412);
      const site = await t.core.createSite();
      expectError(await t.core.put(`/vpc/sites/${site.id}`, { name: "x", platform: "nftables" }, { headers: { "if-match": '"v0"' } }), 412);
    });
  });

  it("422 names the field path in the message", async () => {
    const res = await t.core.post(GROUPS, simpleGroup({ rules: [rule(1), rule(2), rule(3, { port: "99999" })] }));
    expectError(res, 422, "invalid_port");
    expect(res.json.message).toContain("rules[2].port");
    expect(res.json.doc_url).toMatch(/invalid_port$/);
  });

  it("400 for an invalid Idempotency-Key", async () => {
    const res = await t.core.post(GROUPS, simpleGroup(), { headers: { "idempotency-key": "has space" } });
    expectError(res, 400, "invalid_idempotency_key");
  });

  describe("agent routes", () => {
    it("401 without or with a wrong site token", async () => {
      expectError(await t.core.get("/agent/v1/config", { token: null }), 401);
      expectError(await t.core.get("/agent/v1/config", { token: t.core.tokenA }), 401);
      expectError(await t.core.post("/agent/v1/report", { revision: 1, status: "applied" }, { token: "sgs_nope" }), 401);
    });
    it("422 for a bad report and for a revision never issued", async () => {
      const site = await t.core.createSite();
      expectError(await t.core.post("/agent/v1/report", { revision: "1", status: "ok" }, { token: site.token }), 422);
      expectError(
        await t.core.post("/agent/v1/report", { revision: 99, status: "applied" }, { token: site.token }),
        422,
        "unknown_revision",
      );
      expectError(await t.core.get("/agent/v1/config?wait=61", { token: site.token }), 400, "invalid_wait");
    });
  });
});
