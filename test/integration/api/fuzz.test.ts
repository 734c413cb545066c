/* eslint-disable @typescript-eslint/no-explicit-any -- API responses are untyped JSON in tests */
/**
 * Property test: random invalid requests (bodies, ids, query strings, headers,
 * odd Unicode, __proto__/constructor keys, numbers as strings, floats) never
 * get a 5xx, every error is an ErrorResponse, writes are refused, and the
 * database is byte-for-byte unchanged afterwards (dump of every table).
 *
 * 5,000 requests on PGlite through app.inject; FUZZ_PG_RUNS (default 800) on
 * PostgreSQL. FUZZ_RUNS overrides the PGlite count; FUZZ_SEED replays a run.
 */
import fc from "fast-check";
import {
  agentHeartbeat,
  expectErrorShape,
  ORG_A,
  rule,
  SECRET,
  tokenFor,
  useCore,
  type Engine,
  type Response,
  type TestCore,
} from "../../support/core";

const RUNS: Record<Engine, number> = {
  pglite: Number(process.env.FUZZ_RUNS ?? 5000),
  postgres: Number(process.env.FUZZ_PG_RUNS ?? 800),
};
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

interface Fixtures {
  activeGroup: any; // no sites: writable
  syncingGroup: any; // attached to an online site whose agent never confirms
  list: any;
  site: any;
}

interface FuzzRequest {
  method: "GET" | "POST" | "PUT" | "DELETE" | "PATCH" | "OPTIONS" | "HEAD";
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  /** True when the request could change state if it were accepted (POST/PUT/DELETE/PATCH). */
  write: boolean;
}

const alnum = fc.constantFrom(..."0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
const body27 = fc.array(alnum, { minLength: 27, maxLength: 27 }).map((a) => a.join(""));
const oddString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "\ud800",
    "\udfff",
    "a\u0000b",
    "\u202e",
    "\ufeff",
    "🔥",
    "١٢٣",
    "0x10",
    "1e3",
    "NaN",
    "Infinity",
    "-0",
    "__proto__",
    "constructor",
    "../../etc/passwd",
    "%00",
    "' OR 1=1 --",
    "$1",
    "null",
    "true",
  ),
);
/** Values that are never valid for any field of the contract when put in the wrong place. */
const junk = fc.oneof(
  oddString,
  fc.double({ noNaN: false }),
  fc.integer({ min: -1e9, max: 1e9 }).map(String),
  fc.constantFrom(null, true, false, 0.5, 6.5, -1, 1e308, [], {}, [null], { a: 1 }),
);

// -------------------------------------------------------------- bodies

const GROUP_KNOWN = new Set(["name", "description", "rules", "sites", "id", "status", "sync_errors", "created_at", "updated_at"]);

function validGroup(f: Fixtures) {
  return {
    name: "fuzz base",
    description: "base",
    rules: [rule(1), rule(2, { protocol: 17, port: "53" }), rule(3, { protocol: 1, port: "", address: f.list.id })],
    sites: [] as string[],
  };
}

/** A mutation that makes a valid group definitely invalid. */
function groupMutation(f: Fixtures): fc.Arbitrary<(g: any) => void> {
  const ruleIndex = fc.integer({ min: 0, max: 2 });
  const set = (field: string, values: fc.Arbitrary<unknown>) =>
    fc.tuple(ruleIndex, values).map(([i, v]) => (g: any) => {
      g.rules[i][field] = v;
    });
  return fc.oneof(
    fc
      .constantFrom<unknown>("", "ab", "x".repeat(256), null, 123, "\u0000abc", "ab\ud800", ["abc"], { n: "abc" }, "🔥🔥")
      .map((v) => (g: any) => {
        g.name = v;
      }),
    fc.constantFrom<unknown>("d".repeat(1025), 5, [], {}, true).map((v) => (g: any) => {
      g.description = v;
    }),
    fc.constantFrom<unknown>(null, "rules", 5, {}, { 0: rule(1) }).map((v) => (g: any) => {
      g.rules = v;
    }),
    fc.constant((g: any) => {
      g.rules = Array.from({ length: 251 }, (_, i) => rule((i % 250) + 1));
    }),
    fc.constant((g: any) => delete g.name),
    fc.constant((g: any) => delete g.rules),
    fc.constant((g: any) => delete g.sites),
    set(
      "direction",
      fc.oneof(
        fc.constantFrom("Inbound", "in", "", "egress", null, 1),
        oddString.filter((s) => s !== "inbound" && s !== "outbound"),
      ),
    ),
    set(
      "order",
      fc.oneof(
        fc.constantFrom(0, 251, -1, 1.5, "1", null, 1e10),
        fc.double().filter((d) => !Number.isInteger(d)),
      ),
    ),
    // Lower-case names ("tcp") and ICMP -1 are write forms the API takes: their wrong neighbours are fuzzed.
    set("protocol", fc.oneof(fc.constantFrom(-1, 256, 6.5, "6", "TCP", null, true), fc.integer({ min: 256, max: 1e6 }))),
    fc.tuple(ruleIndex, fc.constantFrom("", "0", "65536", "80-", "a", "2-1", "80;443", " , ", "1e3", "١٢٣")).map(([i, v]) => (g: any) => {
      g.rules[i].protocol = 6;
      g.rules[i].address = "10.0.0.0/8";
      g.rules[i].port = v;
    }),
    set("port", fc.constantFrom<unknown>(80, null, ["80"], { p: 80 })),
    fc.tuple(ruleIndex, fc.constantFrom("80", "1-65535", "x")).map(([i, v]) => (g: any) => {
      g.rules[i].protocol = 1;
      g.rules[i].port = v;
    }),
    set(
      "address",
      fc.oneof(
        fc.constantFrom(
          "10.0.0.1/24",
          "300.0.0.0/8",
          "10.0.0.0/33",
          "",
          "2001:db8::1/64",
          "fe80::%eth0/64",
          "::ffff:0:0/96",
          "10.0.0.0",
          5,
          null,
        ),
        body27.map((b) => `prfx_lst_${b}`),
      ),
    ),
    set("description", fc.constantFrom<unknown>("", "d".repeat(256), null, 7, undefined)),
    set("action", fc.constantFrom<unknown>("reject", "ACCEPT", 1, null)),
    set("log", fc.constantFrom<unknown>("true", 1, null, "false")),
    set("icmp_type", fc.constantFrom<unknown>(256, -2, 8.5, "8")),
    set("icmp_code", fc.constantFrom<unknown>(3)),
    fc
      .tuple(
        ruleIndex,
        oddString.filter(
          (k) =>
            ![
              "direction",
              "order",
              "protocol",
              "port",
              "address",
              "description",
              "action",
              "icmp_type",
              "icmp_code",
              "log",
              "id",
              "status",
              "sync_errors",
              "created_at",
              "updated_at",
              "__proto__",
            ].includes(k),
        ),
        junk,
      )
      .map(([i, k, v]) => (g: any) => {
        g.rules[i][k] = v;
      }),
    fc.constant((g: any) => {
      g.rules[1].order = g.rules[0].order;
    }),
    fc
      .oneof(
        body27.map((b) => [`site_${b}`]),
        fc.constantFrom<unknown>(["site_1"], [1], "site", null, [f.site.id, f.site.id], [null]),
      )
      .map((v) => (g: any) => {
        g.sites = v;
      }),
    fc
      .tuple(
        oddString.filter((k) => !GROUP_KNOWN.has(k) && k !== "__proto__"),
        junk,
      )
      .map(([k, v]) => (g: any) => {
        g[k] = v;
      }),
  );
}

function listMutation(): fc.Arbitrary<(l: any) => void> {
  return fc.oneof(
    fc.constantFrom<unknown>("", "x".repeat(256), null, 1).map((v) => (l: any) => {
      l.name = v;
    }),
    fc.constantFrom<unknown>("d".repeat(1001), 1, []).map((v) => (l: any) => {
      l.description = v;
    }),
    fc.constantFrom<unknown>("10.0.0.1/24", "10.0.0.0/33", "", 5, null, "10.0.0.0/8 ").map((v) => (l: any) => {
      l.prefixes[0].cidr = v;
    }),
    fc.constant((l: any) => {
      l.prefixes.push({ ...l.prefixes[0] });
    }),
    fc.constant((l: any) => {
      l.prefixes = Array.from({ length: 501 }, (_, i) => ({ cidr: `10.${i >> 8}.${i & 255}.0/24` }));
    }),
    body27.map((b) => (l: any) => {
      l.sites = [`site_${b}`];
    }),
    fc.constant((l: any) => {
      l.prefixes[0].description = "p".repeat(256);
    }),
    fc
      .tuple(
        oddString.filter(
          (k) =>
            !["name", "description", "prefixes", "sites", "id", "status", "sync_errors", "created_at", "updated_at", "__proto__"].includes(
              k,
            ),
        ),
        junk,
      )
      .map(([k, v]) => (l: any) => {
        l[k] = v;
      }),
  );
}

const siteMutation: fc.Arbitrary<(s: any) => void> = fc.oneof(
  fc.constantFrom<unknown>("pf", "", null, 1, "NFTABLES").map((v) => (s: any) => {
    s.platform = v;
  }),
  fc.constantFrom<unknown>("", null, "x".repeat(256)).map((v) => (s: any) => {
    s.name = v;
  }),
  fc.constantFrom<unknown>("bridge", 1).map((v) => (s: any) => {
    s.mode = v;
  }),
);

/** Raw payloads that are not acceptable JSON documents or are poisoned. */
const rawPayload = fc.oneof(
  fc.constantFrom(
    '{"__proto__": {"admin": true}, "name": "abc", "rules": [], "sites": []}',
    '{"name": "abc", "rules": [], "sites": [], "constructor": {"prototype": {"admin": true}}}',
    '{"name":"abc","rules":[{"__proto__":{"order":1}}],"sites":[]}',
    "{",
    "[",
    '{"name": "abc",}',
    "nul",
    "undefined",
    "'x'",
    '{"a":1}}',
    "\u0000",
    '"\\ud800"',
    "1e999",
    "-",
    "[]",
    "{}",
    "null",
    "true",
    "42",
    '"string"',
    '{"name": "abc", "rules": [], "sites": [], "name": "ab"}',
  ),
  fc.string({ unit: "binary", maxLength: 60 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
);

// -------------------------------------------------------------- requests

function requests(f: Fixtures): fc.Arbitrary<FuzzRequest> {
  const A = tokenFor(ORG_A);
  const B = tokenFor("org_fuzz_other");
  const auth = (t: string) => ({ authorization: `Bearer ${t}` });
  const json = { "content-type": "application/json" };
  const now = Math.floor(Date.now() / 1000);
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

  const badAuth = fc.oneof(
    fc.constant({}),
    fc.constantFrom(
      { authorization: "Bearer" },
      { authorization: "Bearer abc.def.ghi" },
      { authorization: `Bearer ${tokenFor(ORG_A, {}, "wrong-secret")}` },
      { authorization: `Bearer ${tokenFor(ORG_A, { exp: now - 3600 })}` },
      { authorization: `Bearer ${tokenFor(ORG_A, { nbf: now + 3600 })}` },
      { authorization: `Bearer ${b64({ alg: "none" })}.${b64({ org: ORG_A, exp: now + 3600 })}.` },
      { authorization: `Bearer ${tokenFor(ORG_A, { org: ["a"] })}` },
      { authorization: `Bearer ${tokenFor(ORG_A, { org: "x".repeat(300) })}` },
      { authorization: `Basic ${Buffer.from(`${ORG_A}:${SECRET}`).toString("base64")}` },
      { authorization: `Bearer ${A}.extra` },
    ),
    oddString.filter((s) => /^[\t\x20-\x7e]*$/.test(s)).map((s) => ({ authorization: `Bearer ${s}` })),
  );

  const idPaths = [
    `/vpc/security-groups/${f.activeGroup.id}`,
    `/vpc/security-groups/${f.syncingGroup.id}`,
    `/vpc/prefix-lists/${f.list.id}`,
    `/vpc/sites/${f.site.id}`,
  ];
  const collections = ["/vpc/security-groups", "/vpc/prefix-lists", "/vpc/sites"];
  const anyPath = fc.oneof(
    fc.constantFrom(
      ...idPaths,
      ...collections,
      "/vpc/reference/protocols",
      "/vpc/reference/services",
      "/agent/v1/config",
      "/agent/v1/report",
      "/agent/v1/heartbeat",
    ),
    fc.tuple(fc.constantFrom(...collections), oddString).map(([c, s]) => `${c}/${enc(s)}`),
  );

  const bodyFor = (path: string): fc.Arbitrary<unknown> => {
    if (path.startsWith("/vpc/security-groups")) return groupMutation(f).map((m) => mutate(validGroup(f), m));
    if (path.startsWith("/vpc/prefix-lists"))
      return listMutation().map((m) => mutate({ name: "pl", prefixes: [{ cidr: "10.0.0.0/8" }], sites: [] }, m));
    return siteMutation.map((m) => mutate({ name: "site", platform: "nftables" }, m));
  };

  // 1. bad credentials on any route
  const unauthenticated = fc
    .tuple(
      fc.constantFrom("GET", "POST", "PUT", "DELETE"),
      anyPath.filter((p) => !p.startsWith("/agent")),
      badAuth,
      fc.option(fc.constant(validGroup(f))),
    )
    .map(
      ([method, url, headers, body]): FuzzRequest => ({
        method: method as FuzzRequest["method"],
        url,
        headers: body ? { ...headers, ...json } : headers,
        payload: body ? JSON.stringify(body) : undefined,
        write: method !== "GET",
      }),
    );

  // 2. invalid bodies on creates and replaces (org A, own ids; the syncing group is locked anyway)
  const invalidWrite = fc
    .tuple(
      fc.constantFrom("POST", "PUT"),
      fc.constantFrom("/vpc/security-groups", "/vpc/prefix-lists", "/vpc/sites"),
      fc.option(fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 8 })),
    )
    .chain(([method, collection, key]) =>
      bodyFor(collection).map((body): FuzzRequest => {
        const url = method === "POST" ? collection : idPaths.find((p) => p.startsWith(collection) && !p.includes(f.syncingGroup.id))!;
        const headers: Record<string, string> = { ...auth(A), ...json };
        if (key !== null && method === "POST") headers["idempotency-key"] = key;
        return { method: method as "POST", url, headers, payload: JSON.stringify(body), write: true };
      }),
    );

  // 3. raw/poisoned payloads and wrong content types
  const rawWrite = fc
    .tuple(
      fc.constantFrom("POST", "PUT"),
      fc.constantFrom(...collections),
      rawPayload,
      fc.constantFrom(
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "application/xml",
        "application/x-www-form-urlencoded",
        "",
        "application/jsonx",
        "APPLICATION/JSON",
      ),
    )
    .map(([method, collection, payload, ct]): FuzzRequest => {
      const url = method === "POST" ? collection : idPaths.find((p) => p.startsWith(collection))!;
      const headers: Record<string, string> = { ...auth(A) };
      if (ct) headers["content-type"] = ct;
      return { method: method as "POST", url, headers, payload, write: true };
    });

  // 4. ids that do not exist here: odd ids, unknown ids, org A's ids with org B's token
  const wrongIds = fc
    .tuple(
      fc.constantFrom("GET", "PUT", "DELETE"),
      fc.oneof(
        fc
          .tuple(fc.constantFrom("/vpc/security-groups/sec_grp_", "/vpc/prefix-lists/prfx_lst_", "/vpc/sites/site_"), body27)
          .map(([p, b]) => p + b),
        fc.tuple(fc.constantFrom(...collections), oddString).map(([c, s]) => `${c}/${enc(s)}`),
        fc.tuple(fc.constantFrom(...collections), oddString).map(([c, s]) => `${c}/${s.replace(/[?#]/g, "")}`),
      ),
    )
    .chain(([method, url]) =>
      (method === "PUT" ? bodyFor(url).map((b) => b) : fc.constant(undefined)).map(
        (body): FuzzRequest => ({
          method: method as "GET",
          url,
          headers: { ...auth(A), ...(body !== undefined ? json : {}) },
          // a valid body would do too: the id does not exist in org A
          payload: body !== undefined ? JSON.stringify(body) : undefined,
          write: method !== "GET",
        }),
      ),
    );
  const otherOrg = fc.tuple(fc.constantFrom("GET", "PUT", "DELETE"), fc.constantFrom(...idPaths)).map(([method, url]): FuzzRequest => {
    const body = url.includes("security-groups")
      ? validGroup(f)
      : url.includes("prefix-lists")
        ? { name: "pl", prefixes: [] }
        : { name: "s", platform: "nftables" };
    return {
      method: method as "GET",
      url,
      headers: { ...auth(B), ...(method === "PUT" ? json : {}) },
      payload: method === "PUT" ? JSON.stringify(body) : undefined,
      write: method !== "GET",
    };
  });

  // 5. valid bodies, but a stale If-Match (412) or the syncing lock (409)
  const preconditions = fc.oneof(
    fc
      .oneof(
        fc.constantFrom('"v0"', '"v999"', 'W/"v0"', '""', "v1", '"r1"'),
        oddString.filter(
          (s) => /^[\t\x20-\x7e]*$/.test(s) && !s.split(",").some((x) => ["*", '"v1"'].includes(x.trim().replace(/^W\//, ""))),
        ),
      )
      .map(
        (etag): FuzzRequest => ({
          method: "PUT",
          url: `/vpc/security-groups/${f.activeGroup.id}`,
          headers: { ...auth(A), ...json, "if-match": etag },
          payload: JSON.stringify(validGroup(f)),
          write: true,
        }),
      ),
    fc.constantFrom<FuzzRequest>(
      {
        method: "PUT",
        url: `/vpc/security-groups/${f.syncingGroup.id}`,
        headers: { ...auth(A), ...json },
        payload: JSON.stringify({ ...validGroup(f), sites: [f.site.id] }),
        write: true,
      },
      { method: "DELETE", url: `/vpc/security-groups/${f.syncingGroup.id}`, headers: auth(A), write: true },
      { method: "DELETE", url: `/vpc/prefix-lists/${f.list.id}`, headers: auth(A), write: true }, // referenced by groups
      { method: "DELETE", url: `/vpc/sites/${f.site.id}`, headers: auth(A), write: true }, // attached
    ),
  );

  // 6. list query strings (reads: any status < 500 is fine)
  const queryKey = fc.oneof(
    fc.constantFrom("limit", "cursor", "limit[]", "cursor[]", "__proto__", "constructor", "wait", "token"),
    oddString,
  );
  const queryValue = fc.oneof(
    fc.constantFrom("0", "101", "-1", "1.5", "1e2", "", " 5", "0x10", "Infinity", "NaN", "100", "1"),
    oddString,
    body27.map((b) => Buffer.from(`sec_grp_${b}`).toString("base64url")),
  );
  const reads = fc
    .tuple(
      fc.constantFrom(...collections, "/vpc/reference/protocols", "/agent/v1/config"),
      fc.array(fc.tuple(queryKey, queryValue), { minLength: 1, maxLength: 4 }),
    )
    .map(([path, pairs]): FuzzRequest => {
      const qs = pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join("&");
      return { method: "GET", url: `${path}?${qs}`, headers: auth(A), write: false };
    });
  // raw, possibly broken percent-encoding
  const rawQuery = fc
    .tuple(
      fc.constantFrom(...collections),
      fc.constantFrom(
        "limit=%",
        "limit=%zz",
        "cursor=%ff%fe",
        "cursor=%C0%AF",
        "limit=1%00",
        "cursor=a%00b",
        "limit=%E2%82",
        "%=1",
        "limit=1&limit=2",
        "cursor[a]=1",
        "limit=5&&&",
      ),
    )
    .map(([path, qs]): FuzzRequest => ({ method: "GET", url: `${path}?${qs}`, headers: auth(A), write: false }));

  // 7. methods and routes that do not exist, odd headers
  const odd = fc.oneof(
    fc
      .tuple(
        fc.constantFrom("PATCH", "OPTIONS", "POST", "PUT", "DELETE"),
        fc.constantFrom(...idPaths, ...collections, "/", "/vpc", "/docs/x", "/openapi.json"),
      )
      .map(
        ([method, url]): FuzzRequest => ({
          method: method as "PATCH",
          url:
            method === "POST" && collections.includes(url)
              ? `${url}/${url.length}`
              : method === "PUT" || method === "DELETE"
                ? collections.includes(url)
                  ? url
                  : `${url}/x`
                : url,
          headers: { ...auth(A), ...json },
          payload: "{}",
          write: true,
        }),
      ),
    fc
      .tuple(
        fc.constantFrom("/agent/v1/report", "/agent/v1/heartbeat", "/agent/v1/config", "/agent/v1/routeros.rsc"),
        fc.option(oddString.filter((s) => /^[\x21-\x7e]+$/.test(s))),
      )
      .map(
        ([url, tok]): FuzzRequest => ({
          method: url.endsWith("config") || url.endsWith(".rsc") ? "GET" : "POST",
          url: tok ? `${url}?token=${enc(tok)}` : url,
          headers: { ...(tok ? { authorization: `Bearer sgs_${tok}` } : {}), ...json },
          payload: url.endsWith("config") || url.endsWith(".rsc") ? undefined : JSON.stringify({ revision: 1, status: "applied" }),
          write: true,
        }),
      ),
  );

  return fc.oneof(
    { arbitrary: unauthenticated, weight: 2 },
    { arbitrary: invalidWrite, weight: 5 },
    { arbitrary: rawWrite, weight: 2 },
    { arbitrary: wrongIds, weight: 2 },
    { arbitrary: otherOrg, weight: 1 },
    { arbitrary: preconditions, weight: 1 },
    { arbitrary: reads, weight: 2 },
    { arbitrary: rawQuery, weight: 1 },
    { arbitrary: odd, weight: 1 },
  );
}

/** Percent-encodes any string, lone surrogates included (as U+FFFD). */
function enc(s: string): string {
  return encodeURIComponent(s.toWellFormed());
}

function mutate<T>(base: T, m: (x: any) => void): T {
  const copy = structuredClone(base);
  m(copy);
  return copy;
}

async function send(core: TestCore, r: FuzzRequest): Promise<Response> {
  const res = await core.app.inject({ method: r.method, url: r.url, headers: r.headers, payload: r.payload });
  let json: unknown;
  try {
    json = res.body ? JSON.parse(res.body) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, json, body: res.body };
}

describe.each(["pglite", "postgres"] as Engine[])("random invalid requests (%s)", (engine) => {
  // A sync deadline far beyond the run, so the syncing fixture stays locked however slow the machine is.
  // The site heartbeats once and stays online (so it holds the syncing lock) for the whole run.
  const t = useCore(engine, { syncTimeoutMs: 7 * 24 * 3600 * 1000, siteOfflineAfterMs: 7 * 24 * 3600 * 1000 });
  let fixtures: Fixtures;

  beforeAll(async () => {
    const { core } = t;
    const list = await core.createPrefixList();
    const site = await core.createSite("fuzz-site");
    await agentHeartbeat(core, site.token);
    const activeGroup = await core.create("/vpc/security-groups", validGroup({ list } as Fixtures));
    const syncingGroup = await core.create("/vpc/security-groups", {
      ...validGroup({ list } as Fixtures),
      name: "syncing",
      sites: [site.id],
    });
    expect(syncingGroup.status).toBe("syncing");
    fixtures = { activeGroup, syncingGroup, list, site };
  }, 60_000);

  it(`${RUNS[engine]} requests: no 5xx, ErrorResponse errors, writes refused, database unchanged`, async () => {
    const before = await t.core.dump();
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(requests(fixtures), async (r) => {
        const res = await send(t.core, r);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500) throw new Error(`${res.status} for ${r.method} ${r.url}: ${res.body}`);
        if (r.write && res.status < 400)
          throw new Error(`write accepted: ${res.status} for ${r.method} ${r.url} ${String(r.payload).slice(0, 300)}`);
        if (res.status >= 400 && !(r.method === "HEAD")) expectErrorShape(res);
      }),
      { numRuns: RUNS[engine], seed: SEED, endOnFailure: true },
    );
    const after = await t.core.dump();
    expect(after).toEqual(before);
    // the run covered the error classes
    for (const s of [400, 401, 404, 409, 412, 415, 422]) expect(statuses.get(s) ?? 0).toBeGreaterThan(0);
    if (process.env.FUZZ_VERBOSE) console.log(engine, Object.fromEntries(statuses));
  }, 600_000);
});
