/**
 * The `secgroups` CLI as users run it: `node bin/secgroups.js` (the compiled
 * dist/), in child processes. `serve` is exercised over real HTTP on PGlite
 * (--data) and on PostgreSQL (--database-url); SIGTERM must shut it down with
 * exit code 0. dist/ is rebuilt first when a core source is newer than its
 * compiled file (scripts/test.sh builds anyway).
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { startPostgres, type PostgresServer } from "../support/postgres";

// Every test spawns node processes that load the whole CLI; allow for a busy machine.
jest.setTimeout(120_000);

const ROOT = join(__dirname, "..", "..");
const BIN = join(ROOT, "bin", "secgroups.js");
const SECRET = "cli-test-secret-0123456789abcdef";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, env: { ...process.env, SECGROUPS_JWT_SECRET: SECRET, ...env } },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

function staleDist(): boolean {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [join(dir, e.name)] : [],
    );
  return walk(join(ROOT, "core")).some((src) => {
    const out = join(ROOT, "dist", relative(ROOT, src)).replace(/\.ts$/, ".js");
    return !existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs;
  });
}

beforeAll(async () => {
  if (!staleDist()) return;
  await new Promise<void>((resolve, reject) =>
    execFile(
      process.execPath,
      [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"],
      { cwd: ROOT },
      (err, stdout) => {
        // tsc still emits on type errors elsewhere in the tree; only a missing CLI is fatal
        if (err && !existsSync(join(ROOT, "dist", "core", "cli", "main.js"))) reject(new Error(`build failed: ${stdout}`));
        else resolve();
      },
    ),
  );
}, 180_000);

describe("help", () => {
  it("secgroups --help lists the commands", async () => {
    const r = await cli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: secgroups <command>/);
    for (const c of ["serve", "token"]) expect(r.stdout).toMatch(new RegExp(`^\\s+${c}\\s`, "m"));
    const bare = await cli([]);
    expect(bare.stdout).toBe(r.stdout);
  });
  it("secgroups --version prints the installed package's version", async () => {
    const { version } = require(join(ROOT, "package.json")) as { version: string };
    for (const flag of ["--version", "-v"]) {
      const r = await cli([flag]);
      expect(r).toMatchObject({ code: 0, stdout: `${version}\n` });
    }
  });

  it("serve --help documents its options", async () => {
    const r = await cli(["serve", "--help"]);
    expect(r.code).toBe(0);
    for (const o of [
      "--host",
      "--port",
      "--data",
      "--database-url",
      "--tls-cert",
      "--sync-timeout",
      "--site-offline-after",
      "--jwt-clock-skew",
      "--public-url",
      "SECGROUPS_JWT_SECRET",
    ])
      expect(r.stdout).toContain(o);
  });
  it("token --help documents its options", async () => {
    const r = await cli(["token", "--help"]);
    expect(r.code).toBe(0);
    for (const o of ["--org", "--ttl", "SECGROUPS_JWT_SECRET"]) expect(r.stdout).toContain(o);
  });
  it("each command loads only what it needs: agent --help loads neither Fastify nor PGlite nor pg, serve --help does", async () => {
    // The packages a `secgroups <command> --help` process has loaded once it is done (the CLI as bin/secgroups.js runs it).
    const packagesLoaded = (command: string) =>
      new Promise<string[]>((resolve, reject) => {
        const script = `require(${JSON.stringify(join(ROOT, "dist", "core", "cli", "main.js"))}).main([${JSON.stringify(command)}, "--help"]).then(() => {
          const names = Object.keys(require.cache).map((k) => /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(k)?.[1]).filter(Boolean);
          console.error(JSON.stringify([...new Set(names)]));
        });`;
        execFile(process.execPath, ["-e", script], { cwd: ROOT }, (err, _stdout, stderr) =>
          err ? reject(err) : resolve(JSON.parse(stderr.trim().split("\n").pop()!)),
        );
      });
    const heavy = ["fastify", "@electric-sql/pglite", "pg"];
    expect((await packagesLoaded("agent")).filter((p) => heavy.includes(p))).toEqual([]);
    expect(await packagesLoaded("serve")).toEqual(expect.arrayContaining(["fastify", "pg"]));
  });
  it("usage errors exit 2, other errors 1", async () => {
    expect((await cli(["nope"])).code).toBe(2);
    expect((await cli(["token"])).code).toBe(2); // --org missing
    expect((await cli(["token", "--org", "a", "--ttl", "soon"])).code).toBe(2);
    expect((await cli(["serve", "--bogus"])).code).toBe(2);
    const noSecret = await cli(["token", "--org", "a"], { SECGROUPS_JWT_SECRET: "" });
    expect(noSecret.code).toBe(1);
    expect(noSecret.stderr).toContain("SECGROUPS_JWT_SECRET");
  });
});

describe("durations, organizations and agent logs", () => {
  const agentArgs = (dir: string, ...extra: string[]) => [
    "agent",
    "--endpoint",
    "http://127.0.0.1:1",
    "--site-token",
    "sgs_cli",
    "--dry-run",
    "--state-dir",
    dir,
    ...extra,
  ];

  const refused: [string[], string][] = [
    [["serve", "--sync-timeout", "soon"], "--sync-timeout"],
    [["serve", "--sync-timeout", "0s"], "--sync-timeout"],
    // Below the agent's 30 s heartbeat, healthy sites would flap offline.
    [["serve", "--site-offline-after", "5s"], "--site-offline-after"],
    [["serve", "--jwt-clock-skew", "1h"], "--jwt-clock-skew"],
    [["token", "--org", "a", "--ttl", "1w"], "--ttl"],
    [["token", "--org", "a", "--ttl", "1500ms"], "--ttl"],
    [agentArgs("/nonexistent", "--heartbeat", "0"), "--heartbeat"],
    [agentArgs("/nonexistent", "--drift-check", "fast"), "--drift-check"],
    [agentArgs("/nonexistent", "--backoff-max=-1s"), "--backoff-max"],
    [agentArgs("/nonexistent", "--poll-wait", "90s"), "--poll-wait"],
    [agentArgs("/nonexistent", "--log-format", "xml"), "--log-format"],
  ];
  it.each(refused.map(([args, flag]) => [`${args[0]} ${args.slice(args[0] === "agent" ? 8 : 1).join(" ")}`, args, flag] as const))(
    "%s is a usage error naming the flag",
    async (_label, args, flag) => {
      const r = await cli([...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^secgroups \\w+: ${flag} must be`));
    },
  );

  it("token refuses an organization serve would refuse, and accepts any other", async () => {
    for (const org of [" acme", "cafe\u0301", "acme\u202e", "x".repeat(129)]) {
      const r = await cli(["token", "--org", org]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^secgroups token: --org (must|contains)/);
    }
    for (const org of ["Acme Inc.", "東京", "tenant:eu-1/team"]) expect((await cli(["token", "--org", org])).code).toBe(0);
  });

  it("the agent logs JSON lines with site and revision by default, and plain lines with --log-format text", async () => {
    // The first line about the poll loop's retry (the address watcher may log its own failure first).
    const firstLine = (args: string[]) =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
        let err = "";
        child.stderr!.on("data", (d: Buffer) => {
          err += d.toString();
          const line = err.split("\n").find((l, i, all) => i < all.length - 1 && l.includes("retrying in"));
          if (line !== undefined) {
            child.kill("SIGTERM");
            resolve(line);
          }
        });
        child.once("exit", (code) => reject(new Error(`agent exited ${code} before logging: ${err}`)));
      });
    const dir = mkdtempSync(join(tmpdir(), "secgroups-cli-agent-"));
    try {
      const json = JSON.parse(await firstLine(agentArgs(dir, "--backoff-max", "100ms")));
      expect(json).toMatchObject({ level: 40, name: "secgroups-agent", site: null, revision: null });
      expect(json.msg).toMatch(/retrying in \d+ ms \(the last policy stays in force\)$/);
      const text = await firstLine(agentArgs(dir, "--backoff-max", "100ms", "--log-format", "text"));
      expect(text).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z WARN  - r-  .*retrying in \d+ ms .*retry_ms=\d+$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

interface Served {
  child: ChildProcess;
  url: string;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `secgroups serve` on a free port and waits for its "listening on" line. */
async function serve(args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [BIN, "serve", "--port", "0", ...args], {
    cwd: ROOT,
    env: { ...process.env, SECGROUPS_JWT_SECRET: SECRET },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /secgroups listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) resolve(m[1]);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    void exit.then(({ code }) => reject(new Error(`serve exited with ${code} before listening:\n${out}`)));
  });
  return { child, url, output: () => out, exit };
}

async function stop(s: Served): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  s.child.kill("SIGTERM");
  return s.exit;
}

async function token(org: string, ttl = "1h"): Promise<string> {
  const r = await cli(["token", "--org", org, "--ttl", ttl]);
  expect(r.code).toBe(0);
  return r.stdout.trim();
}

async function call(base: string, method: string, path: string, tok: string | undefined, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: { ...(tok ? { authorization: `Bearer ${tok}` } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

const groupBody = {
  name: "cli group",
  rules: [{ direction: "inbound", order: 1, protocol: 6, port: "22", address: "10.0.0.0/8", description: "ssh" }],
  sites: [],
};

describe("token", () => {
  it("prints an HS256 JWT with the org claim and the ttl", async () => {
    const before = Math.floor(Date.now() / 1000);
    const jwt = await token("org_cli", "15m");
    const [head, body, sig] = jwt.split(".");
    expect(sig.length).toBeGreaterThan(0);
    expect(JSON.parse(Buffer.from(head, "base64url").toString())).toMatchObject({ alg: "HS256" });
    const claims = JSON.parse(Buffer.from(body, "base64url").toString());
    expect(claims.org).toBe("org_cli");
    expect(claims.exp - claims.iat).toBe(900);
    expect(claims.iat).toBeGreaterThanOrEqual(before);
  });
});

describe("serve on PGlite (--data)", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "secgroups-cli-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("serves the API over HTTP, accepts `token` output, keeps data across restarts, exits 0 on SIGTERM", async () => {
    const data = join(dir, "data");
    const first = await serve(["--data", data, "--quiet"]);
    let id: string;
    try {
      expect(first.output()).toContain("(pglite)");
      const tok = await token("org_cli");
      const health = await call(first.url, "GET", "/healthz", undefined);
      expect(health.json).toEqual({ ok: true, engine: "pglite" });
      expect((await call(first.url, "GET", "/vpc/security-groups", undefined)).status).toBe(401);
      const other = cliTokenWithOtherSecret();
      expect((await call(first.url, "GET", "/vpc/security-groups", other)).status).toBe(401);
      const created = await call(first.url, "POST", "/vpc/security-groups", tok, groupBody);
      expect(created.status).toBe(201);
      id = created.json.id;
      expect(id).toMatch(/^sec_grp_[0-9a-zA-Z]{27}$/);
      expect((await call(first.url, "GET", "/openapi.json", undefined)).status).toBe(200);
    } finally {
      const exited = await stop(first);
      expect(exited).toEqual({ code: 0, signal: null });
    }
    // The one duration syntax: 500ms is a --sync-timeout like any other (it was refused before).
    const second = await serve(["--data", data, "--quiet", "--sync-timeout", "500ms", "--jwt-clock-skew", "0s"]);
    try {
      const got = await call(second.url, "GET", `/vpc/security-groups/${id}`, await token("org_cli"));
      expect(got.status).toBe(200);
      expect(got.json.name).toBe("cli group");
    } finally {
      expect(await stop(second)).toEqual({ code: 0, signal: null });
    }
  }, 120_000);

  it("refuses --data with --database-url", async () => {
    const r = await cli(["serve", "--data", dir, "--database-url", "postgres://x@127.0.0.1/x"]);
    expect(r.code).toBe(2);
  });
});

describe("serve on PostgreSQL (--database-url)", () => {
  let pg: PostgresServer;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await pg?.stop();
  });

  it("two replicas on one database share state; SIGTERM exits 0", async () => {
    const url = await pg.createDatabase("cli_serve");
    const a = await serve(["--database-url", url]);
    const b = await serve(["--database-url", url, "--quiet"]);
    try {
      expect(a.output()).toContain("(postgres)");
      const tok = await token("org_cli_pg");
      const created = await call(a.url, "POST", "/vpc/security-groups", tok, groupBody);
      expect(created.status).toBe(201);
      const viaB = await call(b.url, "GET", `/vpc/security-groups/${created.json.id}`, tok);
      expect(viaB.status).toBe(200);
      expect(viaB.json).toEqual(created.json);
      expect((await call(b.url, "GET", "/healthz", undefined)).json.engine).toBe("postgres");
      // request logs go to stdout without --quiet
      expect(a.output()).toMatch(/"url":"\/vpc\/security-groups"/);
    } finally {
      const [ea, eb] = await Promise.all([stop(a), stop(b)]);
      expect(ea).toEqual({ code: 0, signal: null });
      expect(eb).toEqual({ code: 0, signal: null });
    }
  }, 120_000);
});

function cliTokenWithOtherSecret(): string {
  const b = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const h = b({ alg: "HS256", typ: "JWT" });
  const p = b({ org: "org_cli", exp: now + 600 });
  return `${h}.${p}.${createHmac("sha256", "not-the-secret").update(`${h}.${p}`).digest("base64url")}`;
}
