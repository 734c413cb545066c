/**
 * Helpers of the fault suite: the real `secgroups serve` as a child process
 * (PGlite --data or PostgreSQL --database-url, any extra flags and
 * environment), a raw HTTP client that never throws on odd responses, the
 * server's RSS from /proc, and a dump of every table of a PostgreSQL database.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { request, Agent as HttpAgent } from "node:http";
import { createServer } from "node:net";
import { join } from "node:path";
import { Client } from "pg";
import { JWT_SECRET, Proc, ROOT, ensureBuilt, sleep } from "../support/secgroups";

export { JWT_SECRET, ensureBuilt, sleep };
export const BIN = join(ROOT, "bin", "secgroups.js");

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

export interface ServeOptions {
  port?: number;
  data?: string;
  databaseUrl?: string;
  syncTimeout?: string;
  /** Extra flags (e.g. --jwks-url URL). */
  args?: string[];
  /** Environment; SECGROUPS_JWT_SECRET is JWT_SECRET unless set here (undefined removes it). */
  env?: Record<string, string | undefined>;
}

export interface Serve {
  proc: Proc;
  port: number;
  base: string;
  pid: number;
}

/** Starts `secgroups serve` on 127.0.0.1 and waits until it listens. */
export async function startServe(options: ServeOptions): Promise<Serve> {
  const port = options.port ?? (await freePort());
  const args = [BIN, "serve", "--host", "127.0.0.1", "--port", String(port), "--quiet"];
  if (options.databaseUrl) args.push("--database-url", options.databaseUrl);
  else args.push("--data", options.data!);
  if (options.syncTimeout) args.push("--sync-timeout", options.syncTimeout);
  args.push(...(options.args ?? []));
  const env: Record<string, string | undefined> = { ...process.env, SECGROUPS_JWT_SECRET: JWT_SECRET, ...options.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const child = spawn(process.execPath, args, { env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
  const proc = new Proc(child, `serve :${port}`);
  await proc.waitFor(/secgroups listening on/, 180_000);
  return { proc, port, base: `http://127.0.0.1:${port}`, pid: child.pid! };
}

/** Resident set size of a process in KiB (VmRSS of /proc/PID/status). */
export function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]);
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export interface HttpRequest {
  method?: string;
  path: string;
  token?: string | null;
  headers?: Record<string, string>;
  /** JSON-encoded unless `raw` is given. */
  body?: unknown;
  raw?: string | Buffer;
  timeoutMs?: number;
  agent?: HttpAgent;
}

/**
 * One HTTP request. Resolves with the response even when the server closed
 * the connection while the body was still being sent (a 413 to a 10 MB
 * upload); rejects only when no response arrived at all.
 */
export function http(base: string, r: HttpRequest): Promise<HttpResponse> {
  const url = new URL(base);
  const headers: Record<string, string> = {};
  if (r.token) headers.authorization = `Bearer ${r.token}`;
  let payload: string | Buffer | undefined = r.raw;
  if (payload === undefined && r.body !== undefined) {
    payload = JSON.stringify(r.body);
    headers["content-type"] = "application/json";
  }
  if (payload !== undefined && r.raw !== undefined && !Object.keys(r.headers ?? {}).some((h) => h.toLowerCase() === "content-type")) {
    headers["content-type"] = "application/json";
  }
  Object.assign(headers, r.headers);
  return new Promise((resolve, reject) => {
    let done = false;
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: r.path,
        method: r.method ?? "GET",
        headers,
        agent: r.agent ?? false,
        timeout: r.timeoutMs ?? 60_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (b: Buffer) => chunks.push(b));
        const finish = () => {
          if (done) return;
          done = true;
          const text = Buffer.concat(chunks).toString();
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        };
        res.on("end", finish);
        res.on("close", finish);
        res.on("error", finish);
      },
    );
    req.on("error", (err) => {
      // EPIPE/ECONNRESET after the response started are the server refusing the rest of the body.
      setTimeout(() => {
        if (!done) {
          done = true;
          reject(err);
        }
      }, 200);
    });
    req.on("timeout", () => req.destroy(new Error(`${r.method ?? "GET"} ${r.path}: timed out`)));
    if (payload === undefined) req.end();
    else if (payload.length <= 1024 * 1024) req.end(payload);
    else {
      // Large bodies go in 64 KiB chunks and stop once the server has answered
      // (a 413 comes right after the headers): writing on into a closed socket
      // would lose the response to EPIPE/ECONNRESET.
      const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
      req.setHeader("content-length", String(data.length));
      let answered = false;
      req.once("response", () => (answered = true));
      void (async () => {
        for (let at = 0; at < data.length && !answered && !req.destroyed; at += 65536) {
          if (!req.write(data.subarray(at, at + 65536))) {
            await new Promise<void>((resolve) => {
              const go = () => {
                req.off("drain", go).off("close", go).off("response", go);
                resolve();
              };
              req.on("drain", go).on("close", go).on("response", go);
            });
          }
        }
        if (!answered && !req.destroyed) req.end();
      })();
    }
  });
}

/** An ErrorResponse {type, code, message, doc_url} served as JSON. */
export function isErrorResponse(res: HttpResponse): boolean {
  const o = res.json as Record<string, unknown> | undefined;
  return (
    /^application\/json/.test(String(res.headers["content-type"])) &&
    typeof o === "object" &&
    o !== null &&
    typeof o.type === "string" &&
    o.type.length > 0 &&
    typeof o.code === "string" &&
    o.code.length > 0 &&
    typeof o.message === "string" &&
    o.message.length > 0 &&
    typeof o.doc_url === "string" &&
    /^https?:\/\//.test(o.doc_url)
  );
}

/** Every row of every public table of a PostgreSQL database, sorted. */
export async function dumpPostgres(url: string): Promise<Record<string, string[]>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
    );
    const out: Record<string, string[]> = {};
    for (const { tablename } of tables.rows) {
      const rows = await client.query<{ j: string }>(`SELECT row_to_json(t)::text AS j FROM "${tablename}" t`);
      out[tablename] = rows.rows.map((r) => r.j).sort();
    }
    return out;
  } finally {
    await client.end();
  }
}

/** p-quantile (0..1) of a list of numbers. */
export function quantile(values: number[], q: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/** Prints a figure line the RELIABILITY.md tables are built from. */
export function figure(name: string, data: Record<string, unknown>): void {
  console.log(`FIGURE ${name} ${JSON.stringify(data)}`);
}
