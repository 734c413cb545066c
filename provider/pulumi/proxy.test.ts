/**
 * The Pulumi provider's client through a real local proxy: HTTPS_PROXY
 * (CONNECT tunnel, TLS end to end), HTTP_PROXY (absolute-URI forwarding),
 * NO_PROXY and loopback endpoints (direct). Host names under .test are never
 * looked up: the proxy sends every request to 127.0.0.1, and a direct
 * connection resolves them to 127.0.0.1 through the agent's `lookup`.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import {
  createServer as createHttpServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { connect, type AddressInfo, type LookupFunction, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiClient, isLoopbackEndpoint } from "./client";

const PROXY_VARS = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"];
const HOST = "api.secgroups.test";

const toLoopback: LookupFunction = (_hostname, options, callback) => {
  if (options.all)
    (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: "127.0.0.1", family: 4 }]);
  else callback(null, "127.0.0.1", 4);
};

let dir: string;
let cert: string;
let https: Server;
let http: Server;
let proxy: Server;
let seen: string[];
const saved: Record<string, string | undefined> = {};

function port(server: Server): number {
  return (server.address() as AddressInfo).port;
}

const sockets = new Set<Socket>();

function listen(server: Server): Promise<void> {
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
}

function answer(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader("Content-Type", "application/json");
  res.setHeader("ETag", '"v1"');
  res.end(JSON.stringify({ id: "site_1", host: req.headers.host }));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "secgroups-proxy-"));
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
    "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "1",
    "-subj", `/CN=${HOST}`, "-addext", `subjectAltName=DNS:${HOST}`,
  ], { stdio: ["ignore", "pipe", "pipe"] }); // prettier-ignore
  cert = readFileSync(join(dir, "cert.pem"), "utf8");
  https = createHttpsServer({ cert, key: readFileSync(join(dir, "key.pem")) }, answer);
  http = createHttpServer(answer);
  // The proxy: CONNECT tunnels and absolute-URI forwarding, always to 127.0.0.1.
  proxy = createHttpServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const target = new URL(req.url ?? "");
    const upstream = httpRequest(
      { host: "127.0.0.1", port: target.port, method: req.method, path: target.pathname + target.search, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  proxy.on("connect", (req: IncomingMessage, socket, head: Buffer) => {
    seen.push(`CONNECT ${req.url}`);
    sockets.add(socket as Socket);
    const upstream = connect(Number(new URL(`http://${req.url}`).port), "127.0.0.1", () => {
      sockets.add(upstream);
      socket.write("HTTP/1.1 200 Connection established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on("error", () => socket.destroy());
    socket.on("error", () => upstream.destroy());
  });
  await Promise.all([listen(https), listen(http), listen(proxy)]);
  for (const name of PROXY_VARS) saved[name] = process.env[name];
});

afterAll(async () => {
  for (const name of PROXY_VARS) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  // Keep-alive and tunnel sockets would hold close() open.
  for (const socket of sockets) socket.destroy();
  await Promise.all([https, http, proxy].map((s) => new Promise((resolve) => s.close(resolve))));
  rmSync(dir, { recursive: true, force: true });
});

function environment(vars: Record<string, string>): void {
  seen = [];
  for (const name of PROXY_VARS) delete process.env[name];
  const proxyUrl = `http://127.0.0.1:${port(proxy)}`;
  for (const [name, value] of Object.entries(vars)) process.env[name] = value.replace("PROXY", proxyUrl);
}

function client(endpoint: string): ApiClient {
  return new ApiClient({ endpoint, token: "t", maxAttempts: 1, httpsAgentOptions: { ca: cert, lookup: toLoopback } });
}

test("HTTPS_PROXY: an https endpoint is reached through a CONNECT tunnel", async () => {
  environment({ HTTPS_PROXY: "PROXY", HTTP_PROXY: "http://127.0.0.1:9" });
  const got = await client(`https://${HOST}:${port(https)}`).get<{ id: string; host: string }>("/vpc/sites/site_1");
  expect(got).toEqual({ body: { id: "site_1", host: `${HOST}:${port(https)}` }, etag: '"v1"' });
  expect(seen).toEqual([`CONNECT ${HOST}:${port(https)}`]);
});

test("lower-case https_proxy is honoured too", async () => {
  environment({ https_proxy: "PROXY" });
  await client(`https://${HOST}:${port(https)}`).get("/vpc/sites/site_1");
  expect(seen).toEqual([`CONNECT ${HOST}:${port(https)}`]);
});

test("HTTP_PROXY: an http endpoint is forwarded with its absolute URL", async () => {
  environment({ HTTP_PROXY: "PROXY", HTTPS_PROXY: "http://127.0.0.1:9" });
  const endpoint = `http://${HOST}:${port(http)}`;
  const got = await client(endpoint).get<{ host: string }>("/vpc/sites/site_1");
  expect(got?.body.host).toBe(`${HOST}:${port(http)}`);
  expect(seen).toEqual([`GET ${endpoint}/vpc/sites/site_1`]);
});

test.each([
  ["the host", HOST],
  ["a domain suffix", ".secgroups.test"],
  ["a list with the host and port", `internal.example, ${HOST}:PORT`],
])("NO_PROXY naming %s: direct", async (_what, noProxy) => {
  environment({ HTTPS_PROXY: "PROXY", NO_PROXY: noProxy.replace("PORT", String(port(https))) });
  const got = await client(`https://${HOST}:${port(https)}`).get<{ id: string }>("/vpc/sites/site_1");
  expect(got?.body.id).toBe("site_1");
  expect(seen).toEqual([]);
});

test.each(["127.0.0.1", "localhost"])("a loopback endpoint (%s) is never proxied", async (host) => {
  environment({ HTTP_PROXY: "PROXY", HTTPS_PROXY: "PROXY" });
  const got = await client(`http://${host}:${port(http)}`).get<{ id: string }>("/vpc/sites/site_1");
  expect(got?.body.id).toBe("site_1");
  expect(seen).toEqual([]);
});

test("isLoopbackEndpoint names loopback hosts only", () => {
  for (const e of [
    "http://127.0.0.1:8787",
    "http://127.9.8.7",
    "http://[::1]:8787",
    "https://localhost",
    "http://LOCALHOST:1",
    "http://[::ffff:127.0.0.1]/",
  ]) {
    expect([e, isLoopbackEndpoint(e)]).toEqual([e, true]);
  }
  for (const e of [
    "http://10.0.0.1",
    "https://api.secgroups.test",
    "http://[2001:db8::1]",
    "http://128.0.0.1",
    "not a url",
    "http://localhost.example",
  ]) {
    expect([e, isLoopbackEndpoint(e)]).toEqual([e, false]);
  }
});
