/* eslint-disable @typescript-eslint/no-explicit-any -- API responses are untyped JSON in tests */
/**
 * Claims are input: tokens with a VALID signature (the server's own secret)
 * and fuzzed claims, on every route of /openapi.json (plus the agent routes),
 * with a valid body on every write route, so an accepted token would store
 * something. On PGlite and on PostgreSQL, in-process (app.inject).
 *
 * 1. Refused by construction: at least one claim is malformed — the org claim
 *    of the wrong type (numbers up to 1e308, nested objects, arrays, null),
 *    empty, over 128 characters, with NUL/C0/C1/DEL, unpaired surrogates,
 *    bidi and zero-width characters, not NFC, padded with spaces; or exp
 *    missing, expired, of the wrong type, 1e400 (Infinity); nbf/iat in the
 *    future or of the wrong type; plus arbitrary extra claims (nested objects,
 *    `__proto__` keys, long arrays) and raw payload JSON (duplicate keys,
 *    1e400, deep nesting). Every request: 401 `unauthorized` ErrorResponse,
 *    never a 5xx; every table byte-for-byte unchanged at the end.
 * 2. Arbitrary mixes of good and bad claims on create + read of a site: never
 *    a 5xx; a 201 only for a token whose org the model's rule accepts, stored
 *    exactly as sent and invisible to other organizations.
 *
 * TOKEN_FUZZ_RUNS (default 250) token cases per engine for 1; TOKEN_FUZZ_MIXED_RUNS
 * (default 80) for 2; TOKEN_FUZZ_SEED replays a run. Figures: FIGURE token-fuzz-* lines.
 */
import { createHmac } from "node:crypto";
import fc from "fast-check";
import { organizationProblem } from "../../core/model";
import { ENGINES, SECRET, officePrefixList, simpleGroup, useCore, type Engine, type Response } from "../support/core";

jest.setTimeout(600_000);

const RUNS = Number(process.env.TOKEN_FUZZ_RUNS ?? 250);
const MIXED_RUNS = Number(process.env.TOKEN_FUZZ_MIXED_RUNS ?? 80);
const SEED = process.env.TOKEN_FUZZ_SEED ? Number(process.env.TOKEN_FUZZ_SEED) : undefined;
/** Clock-skew leeway of the server (30 s) plus room for a slow run. */
const MARGIN = 30 + 120;
const now = () => Math.floor(Date.now() / 1000);

/** An HS256 token over exactly these payload bytes, signed with the server's secret. */
function signRaw(payloadJson: string): string {
  const signed = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString("base64url")}.${Buffer.from(payloadJson).toString("base64url")}`;
  return `${signed}.${createHmac("sha256", SECRET).update(signed).digest("base64url")}`;
}

// ---------------------------------------------------------------- claim values

const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.string({ unit: "binary", maxLength: 20 }),
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("__proto__", "constructor", "org")), tie("value"), {
      maxKeys: 4,
    }),
  ),
})).value;

const controlChar = fc
  .oneof(fc.integer({ min: 0, max: 0x1f }), fc.constant(0x7f), fc.integer({ min: 0x80, max: 0x9f }))
  .map((c) => String.fromCharCode(c));
const invisible = fc.constantFrom("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202a", "\u202e", "\u2066", "\u2069", "\u00ad");
const loneSurrogate = fc
  .oneof(fc.integer({ min: 0xd800, max: 0xdbff }), fc.integer({ min: 0xdc00, max: 0xdfff }))
  .map((c) => String.fromCharCode(c));
const otherSpace = fc.constantFrom("\u00a0", "\u2028", "\u2029", "\u3000", "\u2003");
const privateUse = fc.integer({ min: 0xe000, max: 0xf8ff }).map((c) => String.fromCharCode(c));
const goodText = fc.string({ unit: fc.constantFrom(..."abcxyzABC019_-.:@/ "), minLength: 1, maxLength: 20 }).map((s) => `o${s}o`);
/** A string with one bad character at a random place. */
const withBadChar = fc
  .tuple(goodText, fc.oneof(controlChar, invisible, loneSurrogate, otherSpace, privateUse), fc.nat())
  .map(([s, bad, at]) => s.slice(0, at % (s.length + 1)) + bad + s.slice(at % (s.length + 1)));
/** Decomposed forms (base letter + combining mark that composes): valid characters, but not NFC. */
const notNfc = fc
  .tuple(goodText, fc.constantFrom("e\u0301", "a\u0308", "n\u0303", "A\u030a", "\u1100\u1161", "c\u0327"))
  .map(([s, d]) => s + d);

/** An organization claim that breaks the rule, and the rule it breaks. */
const badOrg: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>("acme\u0000", "\u0000", "", " ", " acme", "acme ", "acme\n", "acme\r\nX-Evil: 1", "\ud800", "\udfff\ud800"),
  withBadChar,
  notNfc,
  fc.integer({ min: 129, max: 4000 }).map((n) => "x".repeat(n)),
  fc.integer({ min: 129, max: 600 }).map((n) => "é".repeat(n)),
  fc.constantFrom<unknown>(0, -1, 42, 1e308, -1e308, 2 ** 53 + 1, 0.5, true, false, null, [], ["acme"], {}, { $ne: "" }, { org: "acme" }),
  fc.double().filter((d) => Number.isFinite(d)),
  fc.array(jsonish, { minLength: 1, maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 5 }), jsonish, { minKeys: 1, maxKeys: 4 }),
);

/** Claims with exactly one malformed time (org fine): the token must be refused. */
const badTimes: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.constant({ exp: undefined }),
  fc.integer({ min: MARGIN, max: 10 ** 9 }).map((ago) => ({ exp: now() - ago })),
  fc.constantFrom<unknown>(-1e308, 0, -0, 1e-300, -1).map((exp) => ({ exp })),
  fc
    .oneof(fc.string({ maxLength: 12 }), fc.constantFrom<unknown>(null, true, [], {}, [1], { $gt: 0 }))
    .map((exp) => ({ exp: exp ?? null })),
  fc.integer({ min: MARGIN, max: 10 ** 9 }).map((ahead) => ({ nbf: now() + ahead })),
  fc.constantFrom<unknown>(1e308, "0", null, true, {}, []).map((nbf) => ({ nbf })),
  fc.integer({ min: MARGIN, max: 10 ** 9 }).map((ahead) => ({ iat: now() + ahead })),
  fc.constantFrom<unknown>(1e308, "0", null, false, { t: 1 }, [0]).map((iat) => ({ iat })),
);

/** Claims we do not read (the times are set per case, so they are left out here). */
const extraClaims = fc.dictionary(
  fc
    .oneof(fc.string({ maxLength: 8 }), fc.constantFrom("__proto__", "constructor", "prototype", "sub", "aud", "iss", "jti"))
    .filter((k) => !["exp", "nbf", "iat", "org"].includes(k)),
  jsonish,
  { maxKeys: 5 },
);

/** Raw payloads JSON.stringify cannot make: Infinity, duplicate keys, deep nesting. */
const rawBad: fc.Arbitrary<string> = fc
  .oneof(
    fc.constant(() => `{"org":"acme","exp":1e400}`),
    fc.constant(() => `{"org":"acme","exp":${now() + 3600},"nbf":-1e400}`),
    fc.constant(() => `{"org":"acme","exp":${now() + 3600},"iat":1e400}`),
    fc.constant(() => `{"org":"acme","exp":${now() + 3600},"org":"acme\\u0000"}`),
    fc.constant(() => `{"org":"acme","exp":${now() + 3600},"org":{"a":1}}`),
    fc.constant(() => `{"org":1e400,"exp":${now() + 3600}}`),
    fc.integer({ min: 10, max: 2000 }).map((d) => () => `{"org":${"[".repeat(d)}"acme"${"]".repeat(d)},"exp":${now() + 3600}}`),
    fc.integer({ min: 10, max: 2000 }).map((d) => () => `{"org":${'{"a":'.repeat(d)}1${"}".repeat(d)},"exp":${now() + 3600}}`),
    fc.constant(() => `[{"org":"acme","exp":${now() + 3600}}]`),
    fc.constant(() => `"acme"`),
    fc.constant(() => `null`),
    fc.constant(() => `{"org":"acme","exp":${now() + 3600}`),
  )
  .map((make) => make());

/** A token with a valid signature and claims that must be refused. */
const refusedToken: fc.Arbitrary<{ token: string; why: string }> = fc.oneof(
  fc.tuple(badOrg, extraClaims).map(([org, extra]) => ({
    token: signRaw(JSON.stringify({ ...extra, org, sub: "fuzz", iat: now(), exp: now() + 3600 })),
    why: "org",
  })),
  fc.tuple(badTimes, extraClaims).map(([times, extra]) => ({
    token: signRaw(JSON.stringify({ ...extra, org: "org_fuzz_ok", sub: "fuzz", iat: now(), exp: now() + 3600, ...times })),
    why: "time",
  })),
  rawBad.map((raw) => ({ token: signRaw(raw), why: "raw" })),
);

// ---------------------------------------------------------------- routes

interface Route {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  body?: unknown;
}

/** Every operation of the OpenAPI document with real ids and a valid body, plus the agent routes. */
async function routesOf(t: { core: any }, fixtures: { group: string; list: string; site: string }): Promise<Route[]> {
  const doc = (await t.core.get("/openapi.json", { token: null })).json;
  const bodies: Record<string, unknown> = {
    "/vpc/security-groups": simpleGroup({ name: "fuzz group" }),
    "/vpc/prefix-lists": officePrefixList(),
    "/vpc/sites": { name: "fuzz site", platform: "nftables" },
    "/agent/v1/report": { revision: 1, status: "applied" },
    "/agent/v1/heartbeat": {},
  };
  const ids: Record<string, string> = {
    "/vpc/security-groups": fixtures.group,
    "/vpc/prefix-lists": fixtures.list,
    "/vpc/sites": fixtures.site,
  };
  const routes: Route[] = [];
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
    const collection = path.replace(/\/\{[^}]+\}$/, "");
    const concrete = path.replace(/\{[^}]+\}/, ids[collection] ?? "x");
    for (const method of Object.keys(ops).map((m) => m.toUpperCase()) as Route["method"][]) {
      if (!["GET", "POST", "PUT", "DELETE"].includes(method)) continue;
      routes.push({ method, path: concrete, body: method === "POST" || method === "PUT" ? bodies[collection] : undefined });
    }
  }
  for (const agentPath of ["/agent/v1/config", "/agent/v1/routeros.rsc"]) {
    if (!routes.some((r) => r.path === agentPath)) routes.push({ method: "GET", path: agentPath });
  }
  for (const agentPath of ["/agent/v1/report", "/agent/v1/heartbeat"]) {
    if (!routes.some((r) => r.path === agentPath)) routes.push({ method: "POST", path: agentPath, body: bodies[agentPath] });
  }
  return routes;
}

function tally(statuses: Record<string, number>, res: Response): void {
  statuses[res.status] = (statuses[res.status] ?? 0) + 1;
}

describe.each(ENGINES)("signed tokens with fuzzed claims on %s", (engine: Engine) => {
  const t = useCore(engine);

  test("malformed claims are a 401 naming what is wrong, on every route; nothing is stored", async () => {
    const started = Date.now();
    const group = await t.core.create("/vpc/security-groups", simpleGroup({ name: "owned by alpha" }));
    const list = await t.core.createPrefixList();
    const site = await t.core.createSite();
    const routes = await routesOf(t, { group: group.id, list: list.id, site: site.id });
    expect(routes.length).toBeGreaterThanOrEqual(17);
    const before = await t.core.dump();
    const statuses: Record<string, number> = {};
    let requests = 0;
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(refusedToken, async ({ token, why }) => {
        for (const route of routes) {
          const res = await t.core.request(route.method, route.path, route.body, { token });
          requests++;
          tally(statuses, res);
          const ok =
            res.status === 401 &&
            res.json?.code === "unauthorized" &&
            res.json.type === "authentication_error" &&
            typeof res.json.message === "string" &&
            (why !== "org" || res.json.message.startsWith('token claim "org" ') || route.path.startsWith("/agent/"));
          if (!ok) failures.push(`${route.method} ${route.path} (${why}): ${res.status} ${res.body.slice(0, 300)}`);
          if (failures.length) return false;
        }
        return true;
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    expect(failures).toEqual([]);
    const after = await t.core.dump();
    expect(after).toEqual(before);
    const fiveXx = Object.entries(statuses)
      .filter(([s]) => Number(s) >= 500)
      .reduce((n, [, c]) => n + c, 0);
    console.log(
      `FIGURE token-fuzz-refused ${JSON.stringify({ engine, token_cases: RUNS, routes: routes.length, requests, statuses, five_xx: fiveXx, tables_changed: 0, seconds: (Date.now() - started) / 1000 })}`,
    );
  });

  test("any mix of claims: never a 5xx; an accepted organization is stored exactly and is its own tenant", async () => {
    const started = Date.now();
    const goodOrg = fc.oneof(
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }),
      fc.constantFrom("Acme", "acme", "ACME", "東京", "café", "🚀 launch", "tenant:eu-1/team@acme", "x".repeat(128)),
    );
    const claims = fc.record({
      org: fc.oneof({ arbitrary: goodOrg, weight: 3 }, { arbitrary: badOrg, weight: 1 }),
      times: fc.oneof({ arbitrary: fc.constant({}), weight: 3 }, { arbitrary: badTimes, weight: 1 }),
      extra: extraClaims,
    });
    const statuses: Record<string, number> = {};
    let requests = 0;
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(claims, async ({ org, times, extra }) => {
        const token = signRaw(JSON.stringify({ ...extra, org, sub: "fuzz", iat: now(), exp: now() + 3600, ...times }));
        const sitesBefore = (await t.core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM sites"))[0].n;
        const created = await t.core.post("/vpc/sites", { name: "mixed", platform: "nftables" }, { token });
        const listed = await t.core.get("/vpc/sites", { token });
        requests += 2;
        tally(statuses, created);
        tally(statuses, listed);
        expect(created.status).toBeLessThan(500);
        expect(listed.status).toBeLessThan(500);
        const valid = typeof org === "string" && organizationProblem(org) === undefined && Object.keys(times).length === 0;
        if (!valid) {
          expect([created.status, listed.status]).toEqual([401, 401]);
          expect((await t.core.db.query<{ n: number }>("SELECT count(*)::int AS n FROM sites"))[0].n).toBe(sitesBefore);
          return;
        }
        accepted++;
        expect(created.status).toBe(201);
        const rows = await t.core.db.query<{ org_id: string }>("SELECT org_id FROM sites WHERE id = $1", [created.json.id]);
        expect(rows.map((r) => r.org_id)).toEqual([org]);
        expect(listed.status).toBe(200);
        expect((await t.core.get(`/vpc/sites/${created.json.id}`, { token })).json?.id).toBe(created.json.id);
        // Another organization (org A) does not see it.
        expect((await t.core.get(`/vpc/sites/${created.json.id}`)).status).toBe(404);
        requests += 2;
      }),
      { numRuns: MIXED_RUNS, seed: SEED },
    );
    console.log(
      `FIGURE token-fuzz-mixed ${JSON.stringify({ engine, cases: MIXED_RUNS, requests, accepted, statuses, seconds: (Date.now() - started) / 1000 })}`,
    );
  });
});
