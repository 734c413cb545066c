/**
 * The real `secgroups` CLI in tests: serve and agent as child processes
 * (optionally inside a network namespace), and an API client that reaches a
 * namespaced server through a unix-socket relay (the test process stays in
 * the root namespace, which has no route into the test namespaces).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { request } from "node:http";
import { join } from "node:path";
import type { Netns } from "./netns";

export const ROOT = join(__dirname, "..", "..");
const BIN = join(ROOT, "bin", "secgroups.js");
export const JWT_SECRET = "integration-test-secret-0123456789";

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds dist/ when it is missing or older than the sources the CLI runs. */
export function ensureBuilt(): void {
  const marker = join(ROOT, "dist", "core", "cli", "commands", "agent-command.js");
  if (existsSync(marker) && statSync(marker).mtimeMs >= newestMtime(join(ROOT, "core"))) return;
  execFileSync(join(ROOT, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "inherit" });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

function command(ns: Netns | undefined, args: string[]): [string, string[]] {
  return ns ? ["ip", ["netns", "exec", ns.name, process.execPath, BIN, ...args]] : [process.execPath, [BIN, ...args]];
}

/** `secgroups ARGS` from the checkout's bin/ (dist/), asynchronously: a core in this process can answer it. */
export function cli(
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, SECGROUPS_JWT_SECRET: JWT_SECRET, ...options.env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b));
    child.stderr.on("data", (b: Buffer) => (stderr += b));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

export function userToken(org = "org_test"): string {
  return execFileSync(process.execPath, [BIN, "token", "--org", org, "--ttl", "1h"], {
    env: { ...process.env, SECGROUPS_JWT_SECRET: JWT_SECRET },
    encoding: "utf8",
  }).trim();
}

/** A child process whose output is kept for failure messages. */
export class Proc {
  readonly output: string[] = [];
  readonly exited: Promise<number | null>;

  constructor(
    readonly child: ChildProcess,
    readonly label: string,
  ) {
    const keep = (b: Buffer) => {
      this.output.push(b.toString());
      if (this.output.length > 400) this.output.splice(0, 100);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  }

  get text(): string {
    return this.output.join("");
  }

  async waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<void> {
    const start = Date.now();
    while (!pattern.test(this.text)) {
      if (this.child.exitCode !== null) throw new Error(`${this.label} exited (${this.child.exitCode}) before ${pattern}:\n${this.text}`);
      if (Date.now() - start > timeoutMs) throw new Error(`${this.label}: no ${pattern} within ${timeoutMs} ms:\n${this.text}`);
      await sleep(50);
    }
  }

  async kill(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    // `ip netns exec` execs the command, so this pid is the node process itself.
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

export async function startServer(options: {
  ns?: Netns;
  host: string;
  port: number;
  data?: string;
  databaseUrl?: string;
  syncTimeout?: string;
}): Promise<Proc> {
  const args = ["serve", "--host", options.host, "--port", String(options.port), "--quiet"];
  if (options.databaseUrl) args.push("--database-url", options.databaseUrl);
  else args.push("--data", options.data!);
  if (options.syncTimeout) args.push("--sync-timeout", options.syncTimeout);
  const [cmd, argv] = command(options.ns, args);
  const proc = new Proc(
    spawn(cmd, argv, { env: { ...process.env, SECGROUPS_JWT_SECRET: JWT_SECRET }, stdio: ["ignore", "pipe", "pipe"] }),
    `serve ${options.host}:${options.port}`,
  );
  // PGlite creates its data directory on first start: tens of seconds on a busy machine.
  await proc.waitFor(/secgroups listening on/, 120_000);
  return proc;
}

export function startAgent(ns: Netns | undefined, args: string[]): Proc {
  const [cmd, argv] = command(ns, ["agent", ...args]);
  return new Proc(spawn(cmd, argv, { env: process.env, stdio: ["ignore", "pipe", "pipe"] }), `agent ${ns?.name ?? ""}`);
}

/** Relays connections on a unix socket (not namespaced) to host:port inside a namespace. */
const RELAY_SCRIPT = `
const net = require("net");
const [path, host, port] = process.argv.slice(1);
net.createServer((c) => {
  const u = net.connect(Number(port), host);
  c.pipe(u).on("error", () => u.destroy());
  u.pipe(c).on("error", () => c.destroy());
  u.on("error", () => c.destroy());
  c.on("error", () => u.destroy());
}).listen(path, () => console.log("relaying"));
`;

export async function startRelay(ns: Netns, host: string, port: number): Promise<{ socketPath: string; proc: Proc }> {
  const socketPath = join(tempDir("sg-relay-"), "api.sock");
  const proc = new Proc(
    ns.spawn(process.execPath, ["-e", RELAY_SCRIPT, socketPath, host, String(port)], { stdio: ["ignore", "pipe", "pipe"] }),
    `relay ${ns.name}`,
  );
  await proc.waitFor(/relaying/);
  return { socketPath, proc };
}

export interface ApiResponse {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

/** Calls the API over `socketPath` (a relay into the server's namespace) or plain TCP to `base`. */
export class Api {
  constructor(
    readonly base: string,
    readonly token: string,
    readonly socketPath?: string,
  ) {}

  call(method: string, path: string, body?: unknown, token = this.token): Promise<ApiResponse> {
    const url = new URL(this.base + path);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          socketPath: this.socketPath,
          host: this.socketPath ? undefined : url.hostname,
          port: this.socketPath ? undefined : url.port,
          path: url.pathname + url.search,
          method,
          headers: { host: url.host, authorization: `Bearer ${token}`, ...(payload ? { "content-type": "application/json" } : {}) },
          timeout: 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (b: Buffer) => chunks.push(b));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString();
            let parsed: unknown;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              parsed = undefined;
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, text });
          });
        },
      );
      req.on("error", reject);
      req.on("timeout", () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.end(payload);
    });
  }

  async ok(method: string, path: string, body?: unknown): Promise<ApiResponse["body"]> {
    const r = await this.call(method, path, body);
    if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${path}: HTTP ${r.status} ${r.text}`);
    return r.body;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it returns a truthy value; the last value and error go in the failure message. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
  everyMs = 200,
): Promise<T> {
  const start = Date.now();
  let last: unknown;
  for (;;) {
    try {
      last = await check();
      if (last) return last as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() - start > timeoutMs)
      throw new Error(`${what}: not within ${timeoutMs} ms; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await sleep(everyMs);
  }
}
