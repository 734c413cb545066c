/**
 * Bad input beyond test/integration/api/fuzz.test.ts (which sends 5,000
 * random invalid requests in-process): the extremes, over real HTTP to a
 * `secgroups serve` child process — 10 MB bodies, 100,000-deep arrays and
 * objects, `__proto__`/`constructor`/`prototype` keys at every level,
 * numbers as strings and floats, odd Unicode, huge headers, bad ids in paths,
 * bad query strings. Every one: no 5xx, an ErrorResponse, nothing stored
 * (every table of the database compared before and after), and the server's
 * RSS after the burst within 3x of its value after a warm-up round (the figures are printed).
 *
 * FAULTS_INPUT_ROUNDS (default 2) measured rounds of the whole case list, after one warm-up round.
 */
import { signHs256 } from "../../core/api/jwt";
import { startPostgres, type PostgresServer } from "../support/postgres";
import {
  JWT_SECRET,
  dumpPostgres,
  ensureBuilt,
  figure,
  http,
  isErrorResponse,
  rssKiB,
  startServe,
  type HttpRequest,
  type HttpResponse,
  type Serve,
} from "./support";

jest.setTimeout(240_000);

const ROUNDS = Number(process.env.FAULTS_INPUT_ROUNDS ?? 2);
const ORG = "org_input";
const now = () => Math.floor(Date.now() / 1000);
const token = signHs256({ org: ORG, sub: "faults", iat: now(), exp: now() + 7200 }, JWT_SECRET);
const GROUPS = "/vpc/security-groups";
const LISTS = "/vpc/prefix-lists";
const SITES = "/vpc/sites";

const rule = (order: unknown, extra: Record<string, unknown> = {}) => ({
  direction: "inbound",
  order,
  protocol: 6,
  port: "443",
  address: "10.0.0.0/8",
  description: `r${String(order)}`,
  ...extra,
});
const group = (extra: Record<string, unknown> = {}) => ({ name: "input group", description: null, rules: [rule(1)], sites: [], ...extra });
const list = (extra: Record<string, unknown> = {}) => ({ name: "input list", prefixes: [{ cidr: "10.1.0.0/16" }], sites: [], ...extra });

function deepArray(depth: number, inner = "1"): string {
  return "[".repeat(depth) + inner + "]".repeat(depth);
}
function deepObject(depth: number, key = "a"): string {
  return `{"${key}":`.repeat(depth) + "1" + "}".repeat(depth);
}
/** JSON text of `value` with `extra` keys (raw JSON) injected into every object, at every level. */
function withKeysEverywhere(value: unknown, extra: string): string {
  if (Array.isArray(value)) return `[${value.map((v) => withKeysEverywhere(v, extra)).join(",")}]`;
  if (value && typeof value === "object") {
    const fields = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${withKeysEverywhere(v, extra)}`);
    return `{${[extra, ...fields].join(",")}}`;
  }
  return JSON.stringify(value);
}

interface Case {
  name: string;
  req: HttpRequest;
  /** Status expected; default: any 4xx. */
  status?: number;
}

function cases(f: { groupId: string; listId: string; siteId: string; siteToken: string }): Case[] {
  const out: Case[] = [];
  const writes: [string, string, () => unknown][] = [
    ["POST", GROUPS, () => group()],
    ["PUT", `${GROUPS}/${f.groupId}`, () => group()],
    ["POST", LISTS, () => list()],
    ["PUT", `${LISTS}/${f.listId}`, () => list()],
    ["POST", SITES, () => ({ name: "input site", platform: "nftables" })],
  ];
  const tenMB = 10 * 1024 * 1024;
  for (const [method, path, valid] of writes) {
    const at = `${method} ${path.replace(/\/[a-z_]+_[0-9A-Za-z]{27}$/, "/:id")}`;
    // Size and depth.
    out.push({
      name: `${at} 10 MB JSON (huge description)`,
      req: { method, path, raw: JSON.stringify({ ...(valid() as object), description: "x".repeat(tenMB) }) },
      status: 413,
    });
    out.push({ name: `${at} 10 MB of [`, req: { method, path, raw: "[".repeat(tenMB) }, status: 413 });
    out.push({ name: `${at} 100,000-deep array`, req: { method, path, raw: deepArray(100_000) } });
    out.push({ name: `${at} 100,000-deep object`, req: { method, path, raw: deepObject(100_000) } });
    out.push({ name: `${at} 400,000-deep array (just under 1 MiB)`, req: { method, path, raw: deepArray(400_000) } });
    out.push({
      name: `${at} 100,000-deep array in a field`,
      req: { method, path, raw: JSON.stringify(valid()).replace(/"name":/, `"extra":${deepArray(100_000, '"x"')},"name":`) },
      status: 422,
    });
    out.push({
      name: `${at} 100,000-deep object as the name`,
      req: { method, path, raw: JSON.stringify(valid()).replace(/"name":"[^"]*"/, `"name":${deepObject(100_000, "__proto__")}`) },
    });
    // Prototype keys at every level.
    for (const extra of [
      '"__proto__":{"admin":true}',
      '"constructor":{"prototype":{"admin":true}}',
      '"prototype":{"admin":true}',
      '"__proto__":null',
      '"constructor":"x"',
    ]) {
      out.push({ name: `${at} ${extra.split(":")[0]} at every level`, req: { method, path, raw: withKeysEverywhere(valid(), extra) } });
    }
    out.push({
      name: `${at} unicode-escaped __proto__`,
      req: { method, path, raw: JSON.stringify(valid()).replace("{", '{"\\u005f_proto__":{"admin":true},') },
    });
  }
  // Numbers as strings, floats, out-of-range numbers (each makes the body invalid).
  const numberCases: [string, Record<string, unknown>][] = [
    ['protocol "6"', { protocol: "6" }],
    ['order "1"', { order: "1" }],
    ["order 1.5", { order: 1.5 }],
    ["protocol 6.5", { protocol: 6.5 }],
    ['protocol "0x6"', { protocol: "0x6" }],
    ["order -0.5", { order: -0.5 }],
    ["order 1e21", { order: 1e21 }],
    ["protocol 2^53+1", { protocol: 9007199254740993 }],
    ["order -1", { order: -1 }],
    ["protocol 256", { protocol: 256 }],
    ["port 443 (number)", { port: 443 }],
    ["port 443.0 string", { port: "443.0" }],
    ["port 1e3", { port: "1e3" }],
    ['icmp_type "8"', { protocol: 1, port: "", icmp_type: "8" }],
    ["log 1", { log: 1 }],
  ];
  for (const [name, fields] of numberCases)
    out.push({
      name: `POST group, ${name}`,
      req: { method: "POST", path: GROUPS, body: group({ rules: [rule(1, fields)] }) },
      status: 422,
    });
  out.push({
    name: "POST group, order 1e400 (Infinity)",
    req: { method: "POST", path: GROUPS, raw: JSON.stringify(group()).replace('"order":1', '"order":1e400') },
    status: 422,
  });
  out.push({
    name: "POST group, order NaN (not JSON)",
    req: { method: "POST", path: GROUPS, raw: JSON.stringify(group()).replace('"order":1', '"order":NaN') },
    status: 400,
  });
  // Odd Unicode.
  const unicode: [string, string][] = [
    ["lone high surrogate", "ab\\ud800c"],
    ["lone low surrogate", "ab\\udfffc"],
    ["reversed pair", "ab\\udc00\\ud800"],
    ["NUL", "ab\\u0000c"],
    ["256 emoji", "🔥".repeat(256)],
  ];
  for (const [name, text] of unicode) {
    out.push({
      name: `POST group, name with ${name}`,
      req: { method: "POST", path: GROUPS, raw: JSON.stringify(group()).replace('"input group"', `"${text}"`) },
      status: 422,
    });
    out.push({
      name: `POST list, prefix description with ${name}`,
      req: {
        method: "POST",
        path: LISTS,
        raw: JSON.stringify(list({ prefixes: [{ cidr: "10.1.0.0/16", description: "PLACEHOLDER" }] })).replace(
          '"PLACEHOLDER"',
          `"${text}"`,
        ),
      },
      status: 422,
    });
  }
  out.push({
    name: "POST group, raw NUL byte in a string",
    req: { method: "POST", path: GROUPS, raw: JSON.stringify(group()).replace("input group", "in\u0000put") },
    status: 400,
  });
  out.push({
    name: "POST group, 2 emoji name (3-255 characters)",
    req: { method: "POST", path: GROUPS, body: group({ name: "🔥🔥" }) },
    status: 422,
  });
  out.push({
    name: "POST group, 256 emoji rule description",
    req: { method: "POST", path: GROUPS, body: group({ rules: [rule(1, { description: "🔥".repeat(256) })] }) },
    status: 422,
  });
  out.push({
    name: "POST group, RTL override in an address",
    req: { method: "POST", path: GROUPS, body: group({ rules: [rule(1, { address: "\u202e8/0.0.0.01" })] }) },
    status: 422,
  });
  out.push({
    name: "POST group, fullwidth digits in a port",
    req: { method: "POST", path: GROUPS, body: group({ rules: [rule(1, { port: "４４３" })] }) },
    status: 422,
  });
  out.push({
    name: "POST group, Arabic-Indic digits in a CIDR",
    req: { method: "POST", path: GROUPS, body: group({ rules: [rule(1, { address: "١٠.0.0.0/8" })] }) },
    status: 422,
  });
  // IPv6 text at its extremes (random IPv6 text: test/integration/api/ipv6-fuzz.test.ts).
  const ipv6Addresses: [string, string][] = [
    ["100,000-character IPv6 address", "1:".repeat(50_000) + ":/64"],
    ["10,000-character zone id", "fe80::1%" + "e".repeat(10_000) + "/64"],
    ["fullwidth colons", "2001：db8::/32"],
    ["zero-width space in an IPv6 CIDR", "2001:db8::\u200b/32"],
    ["RTL override in an IPv6 CIDR", "\u202e2001:db8::/32"],
    ["NUL in an IPv6 CIDR", "2001:db8::\u0000/32"],
    ["IPv4-mapped network", "::ffff:10.0.0.0/104"],
    ["IPv6 host bits", "2001:db8::1/64"],
  ];
  for (const [name, text] of ipv6Addresses) {
    out.push({
      name: `POST group, ${name} as an address`,
      req: { method: "POST", path: GROUPS, body: group({ rules: [rule(1, { address: text })] }) },
      status: 422,
    });
    out.push({
      name: `PUT list, ${name} as a cidr`,
      req: {
        method: "PUT",
        path: `${LISTS}/${f.listId}`,
        body: list({ prefixes: [{ cidr: text }] }),
      },
      status: 422,
    });
  }
  const longest = (i: number) => `ffff:ffff:ffff:ffff:ffff:${i.toString(16)}:255.255.255.255/128`;
  out.push({
    name: "PUT list, 500 IPv6 prefixes in long text, the last a second spelling of the first",
    req: {
      method: "PUT",
      path: `${LISTS}/${f.listId}`,
      body: list({
        prefixes: [...Array.from({ length: 499 }, (_, i) => ({ cidr: longest(i) })), { cidr: "FFFF:ffff:ffff:ffff:ffff:0:ffff:ffff/128" }],
      }),
    },
    status: 422,
  });
  out.push({
    name: "POST group, protocol 58 with an IPv4 address",
    req: { method: "POST", path: GROUPS, body: group({ rules: [rule(1, { protocol: 58, port: "", icmp_type: 128 })] }) },
    status: 422,
  });
  out.push({
    name: "POST group, UTF-16 body",
    req: { method: "POST", path: GROUPS, raw: Buffer.from(JSON.stringify(group()), "utf16le") },
    status: 400,
  });
  out.push({ name: "POST group, BOM + JSON", req: { method: "POST", path: GROUPS, raw: "\ufeff" + JSON.stringify(group({ name: 5 })) } });
  // Huge headers (Node's 16 KiB limit answers before Fastify).
  out.push({ name: "GET, one 64 KiB header", req: { path: GROUPS, headers: { "x-junk": "a".repeat(64 * 1024) } }, status: 431 });
  out.push({
    name: "GET, 64 KiB Authorization",
    req: { path: GROUPS, token: null, headers: { authorization: "Bearer " + "a".repeat(64 * 1024) } },
    status: 431,
  });
  out.push({
    name: "GET, 300 headers of 100 bytes",
    req: { path: GROUPS, headers: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x-h${i}`, "v".repeat(100)])) },
    status: 431,
  });
  out.push({
    name: "GET, 12 KiB Authorization (under the limit)",
    req: { path: GROUPS, token: null, headers: { authorization: "Bearer " + "a".repeat(12 * 1024) } },
    status: 401,
  });
  out.push({
    name: "POST, 10 KiB Idempotency-Key",
    req: { method: "POST", path: GROUPS, body: group(), headers: { "idempotency-key": "k".repeat(10 * 1024) } },
    status: 400,
  });
  out.push({
    name: "PUT, 10 KiB If-Match",
    req: {
      method: "PUT",
      path: `${GROUPS}/${f.groupId}`,
      body: group({ name: "changed name" }),
      headers: { "if-match": '"v' + "9".repeat(10 * 1024) + '"' },
    },
    status: 412,
  });
  out.push({ name: "GET, 100 KiB URL", req: { path: `${GROUPS}?cursor=${"a".repeat(100 * 1024)}` }, status: 431 });
  // Bad ids in paths.
  const badIds = [
    "..%2F..%2Fetc%2Fpasswd",
    "%00",
    `sec_grp_${"a".repeat(27)}%00`,
    "a".repeat(8000),
    "%F0%9F%94%A5",
    "%ED%A0%80",
    "%C0%AF",
    "sec_grp_%27%20OR%201%3D1%20--",
    f.groupId.toLowerCase(),
    f.groupId + "x",
    f.groupId.slice(0, -1),
    `sec_grp_${"Z".repeat(27)}`,
    "__proto__",
    "constructor",
    "%20",
    "sec_grp_" + encodeURIComponent("🔥".repeat(27)),
  ];
  for (const id of badIds) {
    for (const method of ["GET", "PUT", "DELETE"]) {
      for (const base of [GROUPS, LISTS, SITES]) {
        const body =
          method === "PUT" ? (base === GROUPS ? group() : base === LISTS ? list() : { name: "x site", platform: "nftables" }) : undefined;
        // Not UTF-8 once percent-decoded: 400 invalid_url; every other id: 404.
        out.push({
          name: `${method} ${base}/${id.slice(0, 40)}`,
          req: { method, path: `${base}/${id}`, body },
          status: /%ED|%C0/.test(id) ? 400 : 404,
        });
      }
    }
  }
  // An id of another kind (and of another resource) in each path.
  for (const [base, id] of [
    [GROUPS, f.listId],
    [LISTS, f.groupId],
    [SITES, f.groupId],
    [GROUPS, f.siteId],
  ]) {
    for (const method of ["GET", "DELETE"])
      out.push({ name: `${method} ${base}/<id of another kind>`, req: { method, path: `${base}/${id}` }, status: 404 });
  }
  out.push({ name: "GET lone % in a path", req: { path: `${GROUPS}/%` } });
  out.push({ name: "GET %zz in a path", req: { path: `${GROUPS}/%zz` } });
  // Query strings.
  // (Unknown parameters such as `limit[]` are ignored, as HTTP APIs do.)
  const queries = [
    "limit=1e2",
    "limit=-1",
    "limit=0",
    "limit=101",
    "limit=1.5",
    "limit=%00",
    "limit=1&limit=2",
    "limit=0x10",
    "limit=%EF%BC%91",
    "limit=",
    "cursor=%ff%fe",
    "cursor=" + Buffer.from(f.siteToken).toString("base64url"),
    "cursor=" + "A".repeat(5000),
    "__proto__[limit]=5&limit=500",
    "constructor[prototype][limit]=500&limit=500",
    "limit=5&limit=500",
    "%ED%A0%80=1&limit=1000",
    "cursor=%ED%A0%80",
  ];
  for (const q of queries)
    for (const base of [GROUPS, LISTS, SITES])
      out.push({ name: `GET ${base}?${q.slice(0, 40)}`, req: { path: `${base}?${q}` }, status: 400 });
  for (const q of ["wait=-1", "wait=61", "wait=NaN", "wait=1.5", "wait=1&wait=2", "wait=%00", "wait=99999999999999999999"]) {
    out.push({ name: `GET agent config ?${q}`, req: { path: `/agent/v1/config?${q}`, token: f.siteToken }, status: 400 });
  }
  return out.map((c) => ({ ...c, req: { token, ...c.req } }));
}

let pg: PostgresServer | undefined;
let dbUrl: string;
let serve: Serve | undefined;
let fixtures: { groupId: string; listId: string; siteId: string; siteToken: string };

beforeAll(async () => {
  ensureBuilt();
  pg = await startPostgres();
  dbUrl = await pg.createDatabase("faults_input");
  serve = await startServe({ databaseUrl: dbUrl, syncTimeout: "1h" });
  const post = async (path: string, body: unknown) => {
    const r = await http(serve!.base, { method: "POST", path, body, token });
    if (r.status !== 201) throw new Error(`${path}: ${r.status} ${r.text}`);
    return r.json;
  };
  const site = await post(SITES, { name: "input site", platform: "nftables" });
  const l = await post(LISTS, list());
  const g = await post(GROUPS, group());
  fixtures = { groupId: g.id, listId: l.id, siteId: site.id, siteToken: site.token };
}, 240_000);

afterAll(async () => {
  await serve?.proc.kill("SIGTERM");
  await pg?.stop();
}, 60_000);

test("every bad request is a 4xx ErrorResponse, nothing is stored, RSS stays within 3x of its value after a warm-up round", async () => {
  const all = cases(fixtures);
  const before = await dumpPostgres(dbUrl);
  const rssStart = rssKiB(serve!.pid);
  let rssBefore = rssStart;
  const rssSamples: number[] = [rssStart];
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  let sent = 0;
  let resets = 0;
  let bytes = 0;
  const started = Date.now();
  // Round 0 warms up (V8 grows its heap for the first 10 MB bodies); RSS is compared after it.
  for (let round = 0; round <= ROUNDS; round++) {
    // Four at a time: parallel enough to overlap, gentle enough for a busy 2-core machine.
    const queue = [...all];
    const worker = async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        let res: HttpResponse;
        try {
          res = await http(serve!.base, c.req);
        } catch (err) {
          // A body far over the 1 MiB limit: the server answers 413 after the headers and closes;
          // closing with unread data makes the kernel send RST, which can discard the 413 before
          // the client reads it. Counted apart: refused, but not an ErrorResponse the client saw.
          const code = (err as NodeJS.ErrnoException).code;
          if ((c.req.raw?.length ?? 0) > 2 * 1024 * 1024 && (code === "EPIPE" || code === "ECONNRESET")) {
            sent++;
            resets++;
            continue;
          }
          failures.push(`${c.name}: no response (${(err as Error).message})`);
          continue;
        }
        sent++;
        bytes += c.req.raw?.length ?? 0;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const statusOk = c.status === undefined ? res.status >= 400 && res.status < 500 : res.status === c.status;
        if (!statusOk) failures.push(`${c.name}: ${res.status} (expected ${c.status ?? "4xx"}) ${res.text.slice(0, 200)}`);
        else if (!isErrorResponse(res)) failures.push(`${c.name}: ${res.status} is not an ErrorResponse: ${res.text.slice(0, 200)}`);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    rssSamples.push(rssKiB(serve!.pid));
    if (round === 0) rssBefore = rssSamples[1];
  }
  const seconds = (Date.now() - started) / 1000;
  const rssAfter = rssKiB(serve!.pid);
  const after = await dumpPostgres(dbUrl);
  figure("input", {
    cases: all.length,
    rounds: ROUNDS + 1,
    rss_kib_at_start: rssStart,
    requests: sent,
    uploaded_mb: Math.round(bytes / 1048576),
    seconds,
    statuses: Object.fromEntries([...statuses].sort()),
    reset_during_10mb_upload: resets,
    rss_kib_after_warmup_round: rssBefore,
    rss_kib_after: rssAfter,
    rss_kib_per_round: rssSamples,
    failures: failures.length,
  });
  expect(failures).toEqual([]);
  expect(after).toEqual(before);
  // The process is alive and still answers.
  expect((await http(serve!.base, { path: GROUPS, token })).status).toBe(200);
  // Generous: RSS swings by ~50% with 10 MB uploads in flight and garbage not yet collected (see RELIABILITY.md);
  // a leak of the refused bodies would add hundreds of MB per round.
  expect(rssAfter).toBeLessThan(3 * rssBefore);
});

test("edge cases that are valid are stored exactly: 255 emoji (one character each), RTL override, combining marks", async () => {
  const names = ["🔥".repeat(255), "\u202egnp.exe", "e\u0301\u0301\u0301", "👩‍👩‍👧‍👦 family", "\u{10FFFF}ab", "a\u200db"];
  for (const name of names) {
    const created = await http(serve!.base, {
      method: "POST",
      path: GROUPS,
      token,
      body: group({ name, rules: [rule(1, { description: "🔥".repeat(255) })] }),
    });
    expect(created.status).toBe(201);
    const read = await http(serve!.base, { path: `${GROUPS}/${created.json.id}`, token });
    expect(read.json.name).toBe(name);
    expect(read.json.rules[0].description).toBe("🔥".repeat(255));
  }
  // Numbers that JSON itself normalizes are the numbers they denote.
  const r = await http(serve!.base, {
    method: "POST",
    path: GROUPS,
    token,
    raw: JSON.stringify(group({ name: "json numbers" }))
      .replace('"order":1', '"order":1.0e1')
      .replace('"protocol":6', '"protocol":6.000'),
  });
  expect(r.status).toBe(201);
  expect(r.json.rules[0]).toMatchObject({ order: 10, protocol: 6 });
});
