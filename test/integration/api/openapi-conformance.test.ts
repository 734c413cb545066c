/* eslint-disable @typescript-eslint/no-explicit-any -- the OpenAPI document and the responses are untyped JSON */
/**
 * What /openapi.json documents is what the server does, read off the served
 * document itself (compiled with ajv, as Fastify's own validator would):
 *   - every documented route is served and every served API route documented;
 *   - every request below is answered with a status its route documents, and
 *     its body validates against the schema documented for that status (an
 *     empty body where none is documented, text where text/plain is);
 *   - every documented 2xx and 4xx status of every route is provoked at least once;
 *   - request bodies and parameters derived from the document: at each
 *     documented constraint (required, type, lengths in characters, ranges,
 *     enums, item counts, unique items, patterns, unknown fields, null), a
 *     value the document calls invalid is refused with a 4xx naming the field,
 *     and one it calls valid is accepted. Fields whose remaining rules are
 *     semantic (CIDRs, ports against protocols, references) get only the
 *     invalid side.
 */
import AjvCompiler from "@fastify/ajv-compiler";
import { agentHeartbeat, rule, useCore, type RequestOptions, type Response } from "../../support/core";

jest.setTimeout(180_000);

type Method = "GET" | "POST" | "PUT" | "DELETE";
type Validate = ((data: unknown) => boolean) & { errors?: unknown };

const t = useCore("pglite");
let doc: any;
let ajv: { addSchema(schema: unknown, key: string): void; compile(schema: unknown): Validate };
const observed = new Map<string, Set<string>>();
const validators = new Map<string, Validate>();

/** Non-API routes: the document itself, its UI and error pages, liveness and readiness. */
const UNDOCUMENTED = [/^\/openapi\.json$/, /^\/healthz$/, /^\/readyz$/, /^\/docs(\/|$)/];

beforeAll(async () => {
  const res = await t.core.request("GET", "/openapi.json", undefined, { token: null });
  expect(res.status).toBe(200);
  doc = res.json;
  AjvCompiler()(
    {},
    {
      customOptions: { strict: false, coerceTypes: false, useDefaults: false, removeAdditional: false, allErrors: true },
      onCreate: (instance) => (ajv = instance as unknown as typeof ajv),
    },
  );
  ajv.addSchema(doc, "openapi");
});

/** An ajv validator of a schema inside the document (refs resolve against it). */
function validatorAt(pointer: string): Validate {
  let validate = validators.get(pointer);
  if (!validate) validators.set(pointer, (validate = ajv.compile({ $ref: `openapi#${pointer}` })));
  return validate;
}

const escape = (segment: string) => segment.replace(/~/g, "~0").replace(/\//g, "~1");
const operationPointer = (method: Method, template: string) => `/paths/${escape(template)}/${method.toLowerCase()}`;
const operation = (method: Method, template: string) => doc.paths[template]?.[method.toLowerCase()];

/** One request to a documented route; its status and body are checked against the document. */
async function call(method: Method, template: string, opts: RequestOptions & { id?: string; body?: unknown } = {}): Promise<Response> {
  const op = operation(method, template);
  if (!op) throw new Error(`${method} ${template} is not documented`);
  const url = template.replace("{id}", opts.id ?? "");
  const res = await t.core.request(method, url, opts.body, opts);
  const key = `${method} ${template}`;
  if (!observed.has(key)) observed.set(key, new Set());
  observed.get(key)!.add(String(res.status));
  const documented = op.responses[String(res.status)];
  if (!documented && !(res.status >= 500 && op.responses.default)) {
    throw new Error(`${key} answered ${res.status}, which it does not document: ${res.body.slice(0, 300)}`);
  }
  const status = documented ? String(res.status) : "default";
  const content = op.responses[status].content as Record<string, { schema: unknown }> | undefined;
  const type = String(res.headers["content-type"] ?? "");
  if (!content) {
    if (res.body !== "") throw new Error(`${key} ${res.status} documents no body but sent ${res.body.slice(0, 200)}`);
  } else if (content["application/json"]) {
    expect(type).toMatch(/^application\/json/);
    const validate = validatorAt(`${operationPointer(method, template)}/responses/${status}/content/application~1json/schema`);
    if (!validate(res.json)) {
      throw new Error(
        `${key} ${res.status}: the body does not match the documented schema: ${JSON.stringify(validate.errors)}\n${res.body.slice(0, 500)}`,
      );
    }
  } else if (content["text/plain"]) {
    expect(type).toMatch(/^text\/plain/);
    expect(res.body.length).toBeGreaterThan(0);
  } else throw new Error(`${key} ${res.status}: undocumented content types ${Object.keys(content)}`);
  return res;
}

/** Routes Fastify serves, from its route tree (HEAD routes are Fastify's own, from GET). */
function servedRoutes(): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of t.core.app.printRoutes({ commonPrefix: false }).split("\n")) {
    const m = /^((?:[│ ] {3})*)[├└]── (\S+) \(([A-Z, ]+)\)$/.exec(line);
    if (!m) continue;
    const depth = m[1].length / 4;
    stack.length = depth;
    stack.push(m[2]);
    const path = stack.join("").replace(/\/\/+/g, "/");
    for (const method of m[3].split(", ")) if (method !== "HEAD") out.push(`${method} ${path}`);
  }
  return out;
}

const BIG = "x".repeat(1024 * 1024 + 100);
const jsonHeaders = { "content-type": "application/json" };

/** The requests every body route gets: malformed JSON, too large, not JSON. */
async function bodyRefusals(method: Method, template: string, id?: string) {
  expect((await call(method, template, { id, raw: "{", headers: jsonHeaders })).status).toBe(400);
  expect((await call(method, template, { id, raw: JSON.stringify({ name: BIG }), headers: jsonHeaders })).status).toBe(413);
  expect((await call(method, template, { id, raw: "name=x", headers: { "content-type": "text/plain" } })).status).toBe(415);
}

const UNKNOWN = {
  security: "sec_grp_0ujsswThIGTUYm2K8FjOOfxcYpw",
  list: "prfx_lst_0ujsswThIGTUYm2K8FjOOfxcYpw",
  site: "site_0ujsswThIGTUYm2K8FjOOfxcYpw",
};

describe("openapi conformance", () => {
  // A site whose agent is online (heartbeats) but never reports: what is attached to it stays syncing and locked.
  let pending: { id: string; token: string };
  let agentSite: { id: string; token: string };
  let routerSite: { id: string; token: string };

  beforeAll(async () => {
    pending = await t.core.createSite("pending");
    agentSite = await t.core.createSite("agent");
    routerSite = await t.core.createSite("router", { platform: "routeros" });
  });

  it("documents every route it serves and serves every documented route", () => {
    const documented = Object.entries<any>(doc.paths).flatMap(([template, item]) =>
      Object.keys(item)
        .filter((m) => ["get", "put", "post", "delete", "patch"].includes(m))
        .map((m) => `${m.toUpperCase()} ${template.replace(/\{(\w+)\}/g, ":$1")}`),
    );
    const served = servedRoutes().filter((r) => !UNDOCUMENTED.some((re) => re.test(r.split(" ")[1])));
    expect(served.length).toBeGreaterThan(10);
    expect([...served].sort()).toEqual([...documented].sort());
  });

  describe.each([
    ["/vpc/security-groups", "group"],
    ["/vpc/prefix-lists", "list"],
    ["/vpc/sites", "site"],
  ] as const)("%s", (base, kind) => {
    const one = `${base}/{id}`;
    const body = () =>
      kind === "group"
        ? { name: "conformance", rules: [rule(1)], sites: [] }
        : kind === "list"
          ? { name: "conformance", prefixes: [{ cidr: "10.0.0.0/8" }], sites: [] }
          : { name: "conformance", platform: "nftables" };
    const unknownId = kind === "group" ? UNKNOWN.security : kind === "list" ? UNKNOWN.list : UNKNOWN.site;
    const create = async () => (await call("POST", base, { body: body() })).json.id as string;
    /** A resource the document's 409 applies to: syncing to a site that never confirms, or in use. */
    const conflicted = async () => {
      if (kind === "site") {
        const site = await t.core.createSite("in use");
        await t.core.create("/vpc/security-groups", { name: "uses it", rules: [], sites: [site.id] });
        return site.id;
      }
      await agentHeartbeat(t.core, pending.token);
      return (await call("POST", base, { body: { ...body(), sites: [pending.id] } })).json.id as string;
    };

    it("POST", async () => {
      expect((await call("POST", base, { body: body() })).status).toBe(201);
      expect((await call("POST", base, { body: body(), headers: { "idempotency-key": "has space" } })).status).toBe(400);
      expect((await call("POST", base, { body: body(), token: null })).status).toBe(401);
      expect((await call("POST", base, { body: { ...body(), name: "" } })).status).toBe(422);
      await bodyRefusals("POST", base);
    });

    it("GET list", async () => {
      await create();
      expect((await call("GET", base)).status).toBe(200);
      expect((await call("GET", base, { query: { limit: "0" } })).status).toBe(400);
      expect((await call("GET", base, { token: null })).status).toBe(401);
    });

    it("GET one", async () => {
      const id = await create();
      expect((await call("GET", one, { id })).status).toBe(200);
      expect((await call("GET", one, { id, token: null })).status).toBe(401);
      expect((await call("GET", one, { id: unknownId })).status).toBe(404);
    });

    it("PUT", async () => {
      const id = await create();
      expect((await call("PUT", one, { id, body: { ...body(), name: "renamed" } })).status).toBe(200);
      expect((await call("PUT", one, { id, body: body(), token: null })).status).toBe(401);
      expect((await call("PUT", one, { id: unknownId, body: body() })).status).toBe(404);
      expect((await call("PUT", one, { id, body: body(), headers: { "if-match": '"v999"' } })).status).toBe(412);
      expect((await call("PUT", one, { id, body: { ...body(), name: "" } })).status).toBe(422);
      if (kind !== "site") expect((await call("PUT", one, { id: await conflicted(), body: body() })).status).toBe(409);
      await bodyRefusals("PUT", one, id);
    });

    it("DELETE", async () => {
      const id = await create();
      expect((await call("DELETE", one, { id, token: null })).status).toBe(401);
      expect((await call("DELETE", one, { id, headers: { "if-match": '"v999"' } })).status).toBe(412);
      expect((await call("DELETE", one, { id })).status).toBe(204);
      expect((await call("DELETE", one, { id })).status).toBe(404);
      expect((await call("DELETE", one, { id: await conflicted() })).status).toBe(409);
    });
  });

  it("reference data", async () => {
    for (const path of ["/vpc/reference/protocols", "/vpc/reference/services"]) {
      expect((await call("GET", path)).status).toBe(200);
      expect((await call("GET", path, { token: null })).status).toBe(401);
    }
  });

  it("agent protocol", async () => {
    await t.core.create("/vpc/security-groups", { name: "agent group", rules: [rule(1)], sites: [agentSite.id, routerSite.id] });
    const as = (site: { token: string }) => ({ token: site.token });
    const config = await call("GET", "/agent/v1/config", as(agentSite));
    expect(config.status).toBe(200);
    const etag = String(config.headers.etag);
    expect((await call("GET", "/agent/v1/config", { ...as(agentSite), headers: { "if-none-match": etag } })).status).toBe(304);
    expect((await call("GET", "/agent/v1/config", { ...as(agentSite), query: { wait: "61" } })).status).toBe(400);
    expect((await call("GET", "/agent/v1/config", { token: "sgs_nobody" })).status).toBe(401);

    const report = { revision: config.json.revision, status: "applied", digest: config.json.digest };
    expect((await call("POST", "/agent/v1/report", { ...as(agentSite), body: report })).status).toBe(204);
    expect((await call("POST", "/agent/v1/report", { token: "sgs_nobody", body: report })).status).toBe(401);
    expect((await call("POST", "/agent/v1/report", { ...as(agentSite), body: { ...report, status: "ok" } })).status).toBe(422);
    for (const [raw, type, status] of [
      ["{", "application/json", 400],
      [JSON.stringify({ ...report, error: BIG }), "application/json", 413],
      ["revision=1", "text/plain", 415],
    ] as const) {
      expect((await call("POST", "/agent/v1/report", { ...as(agentSite), raw, headers: { "content-type": type } })).status).toBe(status);
    }

    expect((await call("POST", "/agent/v1/heartbeat", as(agentSite))).status).toBe(204);
    expect((await call("POST", "/agent/v1/heartbeat", { token: "sgs_nobody" })).status).toBe(401);

    const addresses = { addresses: ["10.0.1.5/32", "2001:db8::5/128"] };
    expect((await call("PUT", "/agent/v1/addresses", { ...as(agentSite), body: addresses })).status).toBe(204);
    expect((await call("PUT", "/agent/v1/addresses", { token: "sgs_nobody", body: addresses })).status).toBe(401);
    expect((await call("PUT", "/agent/v1/addresses", { ...as(agentSite), body: { addresses: ["0.0.0.0/0"] } })).status).toBe(422);
    for (const [raw, type, status] of [
      ["{", "application/json", 400],
      [JSON.stringify({ addresses: [BIG] }), "application/json", 413],
      ["addresses=1", "text/plain", 415],
    ] as const) {
      expect((await call("PUT", "/agent/v1/addresses", { ...as(agentSite), raw, headers: { "content-type": type } })).status).toBe(status);
    }

    expect((await call("GET", "/agent/v1/routeros.rsc", as(routerSite))).status).toBe(200);
    expect((await call("GET", "/agent/v1/routeros.rsc", { token: null, query: { token: routerSite.token } })).status).toBe(200);
    expect((await call("GET", "/agent/v1/routeros.rsc", as(agentSite))).status).toBe(400);
    expect((await call("GET", "/agent/v1/routeros.rsc", { token: "sgs_nobody" })).status).toBe(401);
  });

  describe("requests the document calls invalid are refused, valid ones accepted", () => {
    /** Fields whose valid values the document gives in prose: only the invalid side of their constraints is derived. */
    const SEMANTIC = new Set([
      "FilterRuleWrite.protocol", // ports and ICMP fields depend on it
      "FilterRuleWrite.port",
      "FilterRuleWrite.address",
      "FilterRuleWrite.icmp_type",
      "FilterRuleWrite.icmp_code",
      "PrefixWrite.cidr",
      "SecurityGroupWrite.sites", // references to existing sites
      "PrefixListWrite.sites",
      "AgentReport.revision", // must be a revision issued to the site
    ]);
    /** Distinct valid items, for arrays at their item limit. */
    const ITEMS: Record<string, (i: number) => unknown> = {
      "SecurityGroupWrite.rules": (i) => rule(i + 1),
      "PrefixListWrite.prefixes": (i) => ({ cidr: `10.${i >> 8}.${i & 255}.0/24` }),
    };

    for (const [route, component, base] of [
      ["/vpc/security-groups", "SecurityGroupWrite", () => ({ name: "derived", description: "d", rules: [rule(1)], sites: [] })],
      [
        "/vpc/prefix-lists",
        "PrefixListWrite",
        () => ({ name: "derived", description: "d", prefixes: [{ cidr: "10.0.0.0/8", description: "p" }] }),
      ],
      ["/vpc/sites", "SiteWrite", () => ({ name: "derived", platform: "nftables", mode: "host" })],
      ["/agent/v1/report", "AgentReport", () => ({ revision: 0, status: "applied", error: null, digest: null, drift: false })],
    ] as const) {
      it(`POST ${route} (${component})`, async () => {
        const site = route.startsWith("/agent") ? await t.core.createSite("reports") : undefined;
        const opts = site ? { token: site.token } : {};
        const cases = derive(doc.components.schemas[component], component, base(), [], SEMANTIC, ITEMS);
        expect(cases.length).toBeGreaterThan(8);
        for (const c of cases) {
          const validate = validatorAt(`/components/schemas/${component}`);
          if (validate(c.body) !== c.valid)
            throw new Error(`the document disagrees with the case "${c.name}": ${JSON.stringify(validate.errors)}`);
          const res = await call("POST", route, { ...opts, body: c.body });
          if (c.valid) {
            if (res.status >= 300) throw new Error(`valid by the document, refused: ${c.name}: ${res.status} ${res.body.slice(0, 300)}`);
          } else {
            if (res.status !== 422) throw new Error(`invalid by the document, got ${res.status}: ${c.name}: ${res.body.slice(0, 300)}`);
            const paths = [res.json.message.split(":")[0], ...(res.json.errors ?? []).map((e: any) => e.path)];
            if (!paths.includes(c.path)) throw new Error(`${c.name}: the 422 does not name ${c.path}: ${res.json.message}`);
          }
        }
      });
    }

    it("query and header parameters at their documented bounds", async () => {
      for (const [method, path, parameter, opts] of [
        ["GET", "/vpc/sites", "limit", {}],
        ["GET", "/agent/v1/config", "wait", { token: agentSite.token }],
      ] as const) {
        const schema = operation(method, path).parameters.find((p: any) => p.name === parameter).schema;
        for (const [value, ok] of [
          [schema.maximum, true],
          [schema.minimum, true],
          [schema.maximum + 1, false],
          [schema.minimum - 1, false],
        ]) {
          const res = await call(method, path, { ...opts, query: { [parameter]: String(value) } });
          expect([parameter, value, res.status < 300]).toEqual([parameter, value, ok]);
        }
      }
      const key = operation("POST", "/vpc/sites").parameters.find((p: any) => p.name === "idempotency-key").schema;
      const keyMatches = (value: string) => new RegExp(key.pattern, "u").test(value);
      for (const value of ["k".repeat(255), "k".repeat(256), "a b"]) {
        const res = await call("POST", "/vpc/sites", {
          body: { name: "keyed", platform: "nftables" },
          headers: { "idempotency-key": value },
        });
        expect([value.slice(0, 8), res.status < 300]).toEqual([value.slice(0, 8), keyMatches(value)]);
      }
      const idPattern = new RegExp(operation("GET", "/vpc/sites/{id}").parameters.find((p: any) => p.name === "id").schema.pattern, "u");
      for (const id of ["site_short", UNKNOWN.list]) {
        expect(idPattern.test(id)).toBe(false);
        expect((await call("GET", "/vpc/sites/{id}", { id })).status).toBe(404);
      }
    });
  });

  it("every documented 2xx and 4xx status was provoked", async () => {
    const missing: string[] = [];
    for (const [template, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        for (const status of Object.keys(op.responses)) {
          if (!/^[24]\d\d$/.test(status) && status !== "304") continue;
          if (!observed.get(`${method.toUpperCase()} ${template}`)?.has(status))
            missing.push(`${method.toUpperCase()} ${template} ${status}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});

interface DerivedCase {
  name: string;
  body: unknown;
  valid: boolean;
  /** The field the server must name (our path syntax: rules[0].port). */
  path: string;
}

const pathText = (path: (string | number)[]) =>
  path.reduce<string>((text, key) => (typeof key === "number" ? `${text}[${key}]` : text ? `${text}.${key}` : key), "");

function resolve(schema: any): any {
  if (!schema.$ref) return schema;
  const name = String(schema.$ref).split("/").pop()!;
  return { ...doc.components.schemas[name], $name: name };
}

function withValue(body: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(body) as any;
  let target = copy;
  for (const key of path.slice(0, -1)) target = target[key];
  const last = path[path.length - 1];
  if (value === DELETE) delete target[last];
  else target[last] = value;
  return copy;
}
const DELETE = Symbol("delete");

const wrongType: Record<string, unknown> = {
  string: 12345,
  integer: "1",
  boolean: "true",
  array: { not: "an array" },
  object: ["not an object"],
};

/** Cases at every constraint the document states for the object `schema` at `path` of `base`. */
function derive(
  schemaRef: any,
  name: string,
  base: unknown,
  path: (string | number)[],
  semantic: Set<string>,
  items: Record<string, (i: number) => unknown>,
): DerivedCase[] {
  const schema = resolve(schemaRef);
  const owner = schema.$name ?? name;
  const cases: DerivedCase[] = [];
  const at = (field: string | number) => [...path, field];
  const add = (label: string, fieldPath: (string | number)[], value: unknown, valid: boolean) =>
    cases.push({
      name: `${pathText(fieldPath) || "body"}: ${label}`,
      body: withValue(base, fieldPath, value),
      valid,
      path: pathText(fieldPath),
    });
  const current = path.reduce<any>((o, k) => o[k], base);

  if (schema.additionalProperties === false) add("an unknown field", at("no_such_field"), 1, false);
  for (const [field, propertyRef] of Object.entries<any>(schema.properties)) {
    const property = resolve(propertyRef);
    const here = at(field);
    const key = `${owner}.${field}`;
    const free = !semantic.has(key);
    if (property.readOnly) {
      add("an echoed read-only field", here, "anything", true);
      continue;
    }
    if ((schema.required ?? []).includes(field)) add("missing", here, DELETE, false);
    else if (field in current) add("omitted (optional)", here, DELETE, true);
    add(property.nullable ? "null (nullable)" : "null", here, null, property.nullable === true);
    if (property.type in wrongType) add(`not ${property.type}`, here, wrongType[property.type], false);
    if (property.enum) {
      add("not one of the enum", here, "no-such-value", false);
      if (free) for (const value of property.enum) add(`enum value ${value}`, here, value, true);
    }
    if (property.type === "string" && !property.enum) {
      // Astral characters: lengths count characters (code points), not UTF-16 units.
      if (property.maxLength !== undefined) {
        add(`maxLength + 1`, here, "😀".repeat(property.maxLength + 1), false);
        if (free) add(`maxLength`, here, "😀".repeat(property.maxLength), true);
      }
      if (property.minLength) {
        add(`minLength - 1`, here, "x".repeat(property.minLength - 1), false);
        if (free) add(`minLength`, here, "😀".repeat(property.minLength), true);
      }
      if (property.pattern) add("not matching the pattern", here, "x", false);
    }
    if (property.type === "integer") {
      add("not an integer", here, 1.5, false);
      add("maximum + 1", here, property.maximum + 1, false);
      add("minimum - 1", here, property.minimum - 1, false);
      if (free) {
        add("maximum", here, property.maximum, true);
        add("minimum", here, property.minimum, true);
      }
    }
    if (property.type === "array") {
      const item = resolve(property.items);
      const make = items[key];
      if (property.maxItems !== undefined) {
        const sample = (current[field] ?? [])[0] ?? (item.pattern ? "x" : undefined);
        add(
          "maxItems + 1",
          here,
          Array.from({ length: property.maxItems + 1 }, (_, i) => make?.(i) ?? sample),
          false,
        );
        if (make)
          add(
            "maxItems",
            here,
            Array.from({ length: property.maxItems }, (_, i) => make(i)),
            true,
          );
      }
      if (property.uniqueItems && item.pattern) {
        const valid = `site_${"0".repeat(27)}`;
        add("a duplicate item", at(field), [valid, valid], false);
        cases[cases.length - 1].path = pathText([...here, 1]);
      }
      if (item.pattern) {
        add("an item not matching the pattern", here, ["x"], false);
        cases[cases.length - 1].path = pathText([...here, 0]);
      }
      if (item.type === "object" && (current[field] ?? []).length)
        cases.push(...derive(property.items, key, base, [...here, 0], semantic, items));
    }
  }
  return cases;
}
