/* eslint-disable @typescript-eslint/no-explicit-any -- API responses are untyped JSON in tests */
/**
 * Every `doc_url` resolves. Over real HTTP to a listening core: provoke errors
 * of every kind the API answers (auth, routing, body, validation, headers,
 * HTTP parser, concurrency, agent protocol), check each `doc_url` is the
 * code's page on this very server, and follow it (200, an HTML page naming the
 * code). Then follow the page of every code in the table (the type ErrorCode
 * makes the table the set of codes the core can emit), and every link of the
 * index page. Also: Host header and --public-url decide the base of the link.
 */
import { connect } from "node:net";
import { request } from "node:http";
import { ERROR_CODES, type ErrorCode } from "../../../core/model";
import { agentApply, agentHeartbeat, ORG_A, rule, simpleGroup, startCore, tokenFor, type TestCore } from "../../support/core";

jest.setTimeout(120_000);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

let core: TestCore;
let base: string;
let port: number;

beforeAll(async () => {
  core = await startCore("pglite");
  await core.app.listen({ host: "127.0.0.1", port: 0 });
  port = (core.app.server.address() as { port: number }).port;
  base = `http://127.0.0.1:${port}`;
}, 180_000);
afterAll(() => core?.close());

function call(
  method: string,
  path: string,
  opts: { token?: string | null; body?: unknown; raw?: string | Buffer; headers?: Record<string, string>; url?: string } = {},
): Promise<Answer> {
  const url = new URL(opts.url ?? base + path);
  const headers: Record<string, string> = { ...opts.headers };
  const token = opts.token === undefined ? core.tokenA : opts.token;
  if (token) headers.authorization = `Bearer ${token}`;
  let payload = opts.raw;
  if (payload === undefined && opts.body !== undefined) {
    payload = JSON.stringify(opts.body);
    headers["content-type"] ??= "application/json";
  }
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        let json: any;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on("error", reject);
    req.end(payload);
  });
}

/** Sends raw bytes and parses the ErrorResponse of the answer (errors Node's parser raises before any route). */
function rawCall(bytes: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(bytes));
    const chunks: Buffer[] = [];
    socket.on("data", (c) => chunks.push(c));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString();
      const [head, body] = [text.slice(0, text.indexOf("\r\n\r\n")), text.slice(text.indexOf("\r\n\r\n") + 4)];
      try {
        resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1]), headers: {}, text: body, json: JSON.parse(body) });
      } catch (err) {
        reject(new Error(`no ErrorResponse in ${JSON.stringify(text.slice(0, 300))}: ${(err as Error).message}`));
      }
    });
  });
}

/** The page at `url` answers 200 with HTML that names `code`, its status and its title. */
async function expectPage(url: string, code: ErrorCode): Promise<void> {
  const page = await call("GET", "", { url, token: null });
  if (page.status !== 200) throw new Error(`${url}: ${page.status} ${page.text.slice(0, 200)}`);
  expect(String(page.headers["content-type"])).toMatch(/^text\/html/);
  expect(page.text).toContain(`<h1><code>${code}</code></h1>`);
  expect(page.text).toContain(`<dd>${ERROR_CODES[code].status}</dd>`);
  expect(page.text).toContain(ERROR_CODES[code].title.replace(/'/g, "&#39;"));
}

test("every error the API answers links to its code's page on this server, and the page is there", async () => {
  const site = await core.createSite();
  const attachedSite = await core.createSite();
  // Online, so that its pending revision locks the group (offline sites only queue).
  await agentHeartbeat(core, attachedSite.token);
  const routerSite = await core.createSite(undefined, { platform: "routeros" });
  const list = await core.createPrefixList();
  const free = await core.create("/vpc/security-groups", simpleGroup());
  const usesList = await core.create(
    "/vpc/security-groups",
    simpleGroup({ name: "uses the list", rules: [rule(1, { address: list.id })], sites: [attachedSite.id] }),
  );
  const unknownId = "sec_grp_" + "0".repeat(27);
  const nul = tokenFor("acme\u0000");

  const provoked: [ErrorCode, () => Promise<Answer>][] = [
    ["unauthorized", () => call("GET", "/vpc/security-groups", { token: null })],
    ["unauthorized", () => call("GET", "/vpc/sites", { token: nul })],
    ["route_not_found", () => call("GET", "/no/such/route")],
    ["resource_not_found", () => call("GET", `/vpc/security-groups/${unknownId}`)],
    ["resource_not_found", () => call("GET", "/docs/errors/no_such_code", { token: null })],
    ["malformed_json", () => call("POST", "/vpc/security-groups", { raw: "{nope", headers: { "content-type": "application/json" } })],
    ["unsupported_media_type", () => call("POST", "/vpc/security-groups", { raw: "x", headers: { "content-type": "text/plain" } })],
    ["payload_too_large", () => call("POST", "/vpc/prefix-lists", { body: { name: "x".repeat(2 * 1024 * 1024) } })],
    ["parameter_missing", () => call("POST", "/vpc/security-groups", { body: {} })],
    ["parameter_unknown", () => call("POST", "/vpc/security-groups", { body: simpleGroup({ colour: "red" }) })],
    ["value_too_short", () => call("POST", "/vpc/security-groups", { body: simpleGroup({ name: "ab" }) })],
    ["invalid_port", () => call("POST", "/vpc/security-groups", { body: simpleGroup({ rules: [rule(1, { port: "70000" })] }) })],
    ["invalid_cidr", () => call("POST", "/vpc/security-groups", { body: simpleGroup({ rules: [rule(1, { address: "10.0.0.5/8" })] }) })],
    ["duplicate_order", () => call("POST", "/vpc/security-groups", { body: simpleGroup({ rules: [rule(1), rule(1)] }) })],
    ["reference_not_found", () => call("POST", "/vpc/security-groups", { body: simpleGroup({ sites: ["site_" + "0".repeat(27)] }) })],
    ["invalid_limit", () => call("GET", "/vpc/sites?limit=0")],
    ["invalid_cursor", () => call("GET", "/vpc/sites?cursor=zzz")],
    ["invalid_url", () => call("GET", "/vpc/sites/%E0%A4%A")],
    [
      "invalid_idempotency_key",
      () => call("POST", "/vpc/sites", { body: { name: "x", platform: "nftables" }, headers: { "idempotency-key": "k".repeat(300) } }),
    ],
    [
      "precondition_failed",
      () => call("PUT", `/vpc/security-groups/${free.id}`, { body: simpleGroup(), headers: { "if-match": '"999"' } }),
    ],
    ["resource_syncing", () => call("PUT", `/vpc/security-groups/${usesList.id}`, { body: simpleGroup({ sites: [attachedSite.id] }) })],
    ["prefix_list_in_use", () => call("DELETE", `/vpc/prefix-lists/${list.id}`)],
    ["site_in_use", () => call("DELETE", `/vpc/sites/${attachedSite.id}`)],
    ["invalid_wait", () => call("GET", "/agent/v1/config?wait=99", { token: site.token })],
    ["wrong_platform", () => call("GET", "/agent/v1/routeros.rsc", { token: site.token })],
    ["unknown_revision", () => call("POST", "/agent/v1/report", { token: routerSite.token, body: { revision: 999, status: "applied" } })],
    ["headers_too_large", () => rawCall(`GET /vpc/sites HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`)],
    ["malformed_http", () => rawCall("NOT HTTP AT ALL\r\n\r\n")],
  ];
  const emitted = new Set<string>();
  for (const [code, provoke] of provoked) {
    const res = await provoke();
    if (res.json?.code !== code) throw new Error(`expected ${code}, got ${res.status} ${res.text.slice(0, 300)}`);
    expect(res.status).toBe(ERROR_CODES[code].status);
    expect(res.json.type).toBe(ERROR_CODES[code].type);
    // Node's parser errors come before the request's Host is known: the link uses the address the connection arrived on.
    expect(res.json.doc_url).toBe(`${base}/docs/errors/${code}`);
    await expectPage(res.json.doc_url, code);
    emitted.add(code);
  }
  // Keep the agent protocol honest too: a report for the attached site works, so the link test above did not break it.
  await agentApply(core, attachedSite.token);

  for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) await expectPage(`${base}/docs/errors/${code}`, code);
  console.log(
    `FIGURE error-docs ${JSON.stringify({ provoked: provoked.length, codes_provoked: emitted.size, pages: Object.keys(ERROR_CODES).length })}`,
  );
});

test("the index lists every code, and every link on it and on the code pages resolves", async () => {
  const index = await call("GET", "/docs/errors", { token: null });
  expect(index.status).toBe(200);
  const links = [...index.text.matchAll(/href="([^"]+)"/g)].map((m) => new URL(m[1], `${base}/docs/errors`).href);
  for (const code of Object.keys(ERROR_CODES)) expect(links).toContain(`${base}/docs/errors/${code}`);
  const page = await call("GET", "/docs/errors/unauthorized", { token: null });
  links.push(...[...page.text.matchAll(/href="([^"]+)"/g)].map((m) => new URL(m[1], `${base}/docs/errors/unauthorized`).href));
  for (const link of new Set(links)) {
    const res = await call("GET", "", { url: link, token: null });
    if (res.status !== 200) throw new Error(`${link}: ${res.status}`);
  }
});

test("the link follows the Host the client used, ignores a Host that is not a host name, and --public-url wins", async () => {
  const viaName = await call("GET", "/no/such/route", { headers: { host: "secgroups.test:9999" } });
  expect(viaName.json.doc_url).toBe("http://secgroups.test:9999/docs/errors/route_not_found");
  const viaV6 = await call("GET", "/no/such/route", { headers: { host: "[::1]:8787" } });
  expect(viaV6.json.doc_url).toBe("http://[::1]:8787/docs/errors/route_not_found");
  for (const host of ["evil.example/<script>", "a b", 'x"onload=1', "évil.example"]) {
    const res = await call("GET", "/no/such/route", { headers: { host } }).catch(() => undefined);
    if (!res) continue; // Node's client refuses to send some of these at all
    expect(res.json.doc_url).toBe(`${base}/docs/errors/route_not_found`);
  }

  const behindProxy = await startCore("pglite", { publicUrl: "https://sg.example.com/api" });
  try {
    const res = await behindProxy.get("/vpc/security-groups", { token: null });
    expect(res.json.doc_url).toBe("https://sg.example.com/api/docs/errors/unauthorized");
    expect((await behindProxy.get("/vpc/sites", { token: tokenFor(ORG_A, { exp: 1 }) })).json.doc_url).toBe(
      "https://sg.example.com/api/docs/errors/unauthorized",
    );
  } finally {
    await behindProxy.close();
  }
});
