/* eslint-disable @typescript-eslint/no-explicit-any -- API responses are untyped JSON in tests */
/** Tenancy: another organization sees nothing of ours and can reference nothing of ours. OpenAPI and docs. */
import { ENGINES, expectError, rule, seedGroup, simpleGroup, useCore } from "../../support/core";

describe.each(ENGINES)("tenancy (%s)", (engine) => {
  const t = useCore(engine);
  let a: { group: any; list: any; site: any };

  beforeAll(async () => {
    const list = await t.core.createPrefixList();
    const site = await t.core.createSite("org-a-site");
    const group = await t.core.create("/vpc/security-groups", { ...seedGroup(list.id, []), name: "org A group" });
    a = { group, list, site };
  });

  const asB = () => ({ token: t.core.tokenB });

  it("every route with org B's token is 404 for org A's ids", async () => {
    const routes: [string, string, unknown][] = [
      ["GET", `/vpc/security-groups/${a.group.id}`, undefined],
      ["PUT", `/vpc/security-groups/${a.group.id}`, simpleGroup()],
      ["DELETE", `/vpc/security-groups/${a.group.id}`, undefined],
      ["GET", `/vpc/prefix-lists/${a.list.id}`, undefined],
      ["PUT", `/vpc/prefix-lists/${a.list.id}`, { name: "stolen", prefixes: [] }],
      ["DELETE", `/vpc/prefix-lists/${a.list.id}`, undefined],
      ["GET", `/vpc/sites/${a.site.id}`, undefined],
      ["PUT", `/vpc/sites/${a.site.id}`, { name: "stolen", platform: "nftables" }],
      ["DELETE", `/vpc/sites/${a.site.id}`, undefined],
    ];
    for (const [method, url, body] of routes) {
      const res = await t.core.request(method as "GET", url, body, asB());
      expectError(res, 404, "resource_not_found");
      // the message does not tell B whether the id exists elsewhere
      const unknown = await t.core.request(method as "GET", url.replace(/[0-9a-zA-Z]{27}$/, "0ujsswThIGTUYm2K8FjOOfxcYpw"), body, asB());
      expect(unknown.status).toBe(404);
      expect(res.json.code).toBe(unknown.json.code);
    }
    // nothing changed for A
    expect((await t.core.get(`/vpc/security-groups/${a.group.id}`)).json).toEqual(a.group);
    expect((await t.core.get(`/vpc/prefix-lists/${a.list.id}`)).json.name).toBe("Office");
    expect((await t.core.get(`/vpc/sites/${a.site.id}`)).json.name).toBe("org-a-site");
  });

  it("org B's lists do not contain org A's resources", async () => {
    for (const path of ["/vpc/security-groups", "/vpc/prefix-lists", "/vpc/sites"]) {
      const res = await t.core.get(path, asB());
      expect(res.status).toBe(200);
      const ids = res.json.map((x: { id: string }) => x.id);
      expect(ids).not.toContain(a.group.id);
      expect(ids).not.toContain(a.list.id);
      expect(ids).not.toContain(a.site.id);
    }
  });

  it("org B cannot reference org A's prefix list or site (422 reference_not_found)", async () => {
    const viaRule = await t.core.post("/vpc/security-groups", simpleGroup({ rules: [rule(1, { address: a.list.id })] }), asB());
    expectError(viaRule, 422, "reference_not_found");
    expect(viaRule.json.message).toContain("rules[0].address");
    const viaSite = await t.core.post("/vpc/security-groups", simpleGroup({ sites: [a.site.id] }), asB());
    expectError(viaSite, 422, "reference_not_found");
    expect(viaSite.json.message).toContain("sites[0]");
    const listSite = await t.core.post("/vpc/prefix-lists", { name: "b", prefixes: [], sites: [a.site.id] }, asB());
    expectError(listSite, 422, "reference_not_found");
    // and via PUT of B's own group
    const own = await t.core.create("/vpc/security-groups", simpleGroup(), asB());
    expectError(
      await t.core.put(`/vpc/security-groups/${own.id}`, simpleGroup({ rules: [rule(1, { address: a.list.id })] }), asB()),
      422,
      "reference_not_found",
    );
    expectError(await t.core.put(`/vpc/security-groups/${own.id}`, simpleGroup({ sites: [a.site.id] }), asB()), 422, "reference_not_found");
  });

  it("org A's prefix list stays deletable-guarded only by A's groups", async () => {
    // B's failed attempts above left no reference behind
    const res = await t.core.get(`/vpc/security-groups`, asB());
    for (const g of res.json) for (const r of g.rules) expect(r.address).not.toBe(a.list.id);
  });

  it("reference data needs a token but is the same for every org", async () => {
    const pa = await t.core.get("/vpc/reference/protocols");
    const pb = await t.core.get("/vpc/reference/protocols", asB());
    expect(pa.status).toBe(200);
    expect(pb.json).toEqual(pa.json);
    expect(pa.json.length).toBeGreaterThan(0);
    const services = await t.core.get("/vpc/reference/services");
    expect(services.status).toBe(200);
    expectError(await t.core.get("/vpc/reference/services", { token: null }), 401);
  });
});

describe("OpenAPI document and docs (pglite)", () => {
  // one engine is enough: the document does not depend on storage
  const t = useCore("pglite");

  it("GET /openapi.json is an OpenAPI 3 document with every API path, all $refs resolving", async () => {
    const res = await t.core.get("/openapi.json", { token: null });
    expect(res.status).toBe(200);
    const doc = res.json;
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(typeof doc.info.title).toBe("string");
    expect(typeof doc.info.version).toBe("string");
    const paths = Object.keys(doc.paths);
    for (const p of [
      "/vpc/security-groups",
      "/vpc/security-groups/{id}",
      "/vpc/prefix-lists",
      "/vpc/prefix-lists/{id}",
      "/vpc/sites",
      "/vpc/sites/{id}",
      "/vpc/reference/protocols",
      "/vpc/reference/services",
    ]) {
      expect(paths).toContain(p);
    }
    expect(Object.keys(doc.paths["/vpc/security-groups"]).sort()).toEqual(["get", "post"]);
    expect(Object.keys(doc.paths["/vpc/security-groups/{id}"]).sort()).toEqual(["delete", "get", "put"]);
    const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
    for (const [p, item] of Object.entries<Record<string, any>>(doc.paths)) {
      expect(p.startsWith("/")).toBe(true);
      for (const [m, op] of Object.entries<any>(item)) {
        if (!methods.includes(m)) continue;
        expect(Object.keys(op.responses ?? {}).length).toBeGreaterThan(0);
        for (const code of Object.keys(op.responses)) expect(code).toMatch(/^([1-5]\d\d|default)$/);
        for (const param of op.parameters ?? []) {
          expect(["query", "header", "path", "cookie"]).toContain(param.in);
          if (param.in === "path") {
            expect(param.required).toBe(true);
            expect(p).toContain(`{${param.name}}`);
          }
        }
      }
    }
    // the contract's schemas are there, with the seed's limits
    const schemas = doc.components.schemas;
    for (const name of ["SecurityGroupWrite", "SecurityGroup", "FilterRuleWrite", "FilterRule", "ErrorResponse", "PrefixList", "Site"]) {
      expect(schemas[name]).toBeDefined();
    }
    expect(schemas.SecurityGroupWrite.properties.name).toMatchObject({ minLength: 3, maxLength: 255 });
    expect(schemas.SecurityGroupWrite.properties.rules.maxItems).toBe(250);
    expect(schemas.ErrorResponse.required).toEqual(expect.arrayContaining(["type", "code", "message", "doc_url"]));
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    // every $ref points inside the document
    const refs: string[] = [];
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === "object") {
        for (const [k, x] of Object.entries(v)) {
          if (k === "$ref" && typeof x === "string") refs.push(x);
          else walk(x);
        }
      }
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref.startsWith("#/")).toBe(true);
      const target = ref
        .slice(2)
        .split("/")
        .reduce<any>((o, k) => o?.[k.replace(/~1/g, "/").replace(/~0/g, "~")], doc);
      if (target === undefined) throw new Error(`unresolved $ref ${ref}`);
    }
  });

  it("GET /docs serves HTML without a token", async () => {
    const res = await t.core.request("GET", "/docs", undefined, { token: null });
    const final =
      res.status >= 300 && res.status < 400
        ? await t.core.request(
            "GET",
            String(res.headers.location).startsWith("/") ? String(res.headers.location) : `/docs/${res.headers.location}`,
            undefined,
            { token: null },
          )
        : res;
    expect(final.status).toBe(200);
    expect(String(final.headers["content-type"])).toMatch(/text\/html/);
    expect(final.body).toMatch(/<html/i);
  });
});
