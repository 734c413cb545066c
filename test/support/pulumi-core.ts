/* eslint-disable @typescript-eslint/no-explicit-any -- API responses and Pulumi state are untyped JSON in tests */
/**
 * A real core for provider tests: the API server in this process on PGlite,
 * a token for a fresh organization, a lightweight site agent that confirms
 * revisions through the agent API, and a proxy that drops a response.
 */
import "./native-modules";
import { randomUUID } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { buildServer, type Server } from "../../core/api/server";
import { signHs256 } from "../../core/api/jwt";

export const JWT_SECRET = "pulumi-provider-tests";

export interface Core {
  endpoint: string;
  token: string;
  org: string;
  server: Server;
  /** Fetch against the API as this organization. */
  api(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export function tokenFor(org: string, ttlSeconds = 3600): string {
  const now = Math.floor(Date.now() / 1000);
  return signHs256({ org, sub: "pulumi-tests", iat: now, exp: now + ttlSeconds, jti: randomUUID() }, JWT_SECRET);
}

export async function startCore(options: { dataDir?: string; syncTimeoutMs?: number } = {}): Promise<Core> {
  const server = await buildServer({ auth: { secret: JWT_SECRET }, dataDir: options.dataDir, syncTimeoutMs: options.syncTimeoutMs });
  await server.app.listen({ port: 0, host: "127.0.0.1" });
  const port = (server.app.server.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}`;
  const org = `org-${randomUUID().slice(0, 8)}`;
  const token = tokenFor(org);
  return {
    endpoint,
    token,
    org,
    server,
    async api(method, path, body, headers = {}) {
      const response = await fetch(endpoint + path, {
        method,
        headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
    },
    close: () => server.close(),
  };
}

/**
 * A stand-in for `secgroups agent` that enforces nothing: it long-polls each
 * site's config and reports every revision applied (or failed, per site), as
 * a real agent does after `nft -f`. Sites are added by token as they appear.
 */
export class ReportingAgent {
  private readonly tokens = new Map<string, { fail?: string }>();
  private stopped = false;
  private readonly loops: Promise<void>[] = [];
  readonly applied: { site: string; revision: number }[] = [];

  constructor(private readonly endpoint: string) {}

  add(siteToken: string, behaviour: { fail?: string } = {}): void {
    if (this.tokens.has(siteToken)) return;
    this.tokens.set(siteToken, behaviour);
    this.loops.push(this.run(siteToken));
  }

  private async run(siteToken: string): Promise<void> {
    let etag: string | undefined;
    while (!this.stopped) {
      try {
        const response = await fetch(`${this.endpoint}/agent/v1/config?wait=1`, {
          headers: { Authorization: `Bearer ${siteToken}`, ...(etag ? { "If-None-Match": etag } : {}) },
        });
        if (response.status === 304) continue;
        if (response.status !== 200) {
          await sleep(100);
          continue;
        }
        const config = (await response.json()) as { site_id: string; revision: number; digest: string };
        etag = response.headers.get("etag") ?? undefined;
        const fail = this.tokens.get(siteToken)?.fail;
        await fetch(`${this.endpoint}/agent/v1/report`, {
          method: "POST",
          headers: { Authorization: `Bearer ${siteToken}`, "Content-Type": "application/json" },
          body: JSON.stringify(
            fail
              ? { revision: config.revision, status: "failed", error: fail }
              : { revision: config.revision, status: "applied", digest: config.digest },
          ),
        });
        this.applied.push({ site: config.site_id, revision: config.revision });
      } catch {
        if (!this.stopped) await sleep(100);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }
}

/**
 * An HTTP proxy to `target` that, for the first request matching `drop`,
 * forwards it, lets the server answer, and then cuts the client's connection
 * without passing the answer on: a response lost on the way back.
 */
export async function startDroppingProxy(
  target: string,
  drop: (req: http.IncomingMessage) => boolean,
): Promise<{ url: string; dropped: number; forwarded: number; close(): Promise<void> }> {
  const state = { url: "", dropped: 0, forwarded: 0, close: async () => {} };
  let armed = true;
  const proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const dropThis = armed && drop(req);
      if (dropThis) armed = false;
      const upstream = http.request(target + req.url, { method: req.method, headers: req.headers }, (up) => {
        const body: Buffer[] = [];
        up.on("data", (c: Buffer) => body.push(c));
        up.on("end", () => {
          state.forwarded++;
          if (dropThis) {
            state.dropped++;
            req.socket.destroy();
            return;
          }
          res.writeHead(up.statusCode ?? 502, up.headers);
          res.end(Buffer.concat(body));
        });
      });
      upstream.on("error", () => res.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      proxy.closeAllConnections();
      proxy.close(() => resolve());
    });
  return state;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
