/**
 * A private, throw-away PostgreSQL server for tests.
 *
 * Uses the Debian `postgresql` package (binaries in /usr/lib/postgresql/<ver>/bin;
 * `scripts/ensure-postgres.sh` installs it). initdb/postgres refuse to run as root,
 * so when the tests run as root the server runs as the `postgres` OS user
 * (spawned with its uid/gid) in a temp directory owned by that user. The server
 * listens on a free TCP port on 127.0.0.1 only (no Unix socket), with trust auth.
 *
 *   const pg = await startPostgres();          // beforeAll
 *   const url = await pg.createDatabase("t1");  // a fresh database per test file/case
 *   await pg.halt("fast"); await pg.resume();   // an outage: same data, same port
 *   await pg.stop();                            // afterAll
 *
 * Set SECGROUPS_TEST_PG_BIN to use another bin directory.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";

export interface PostgresServer {
  /** URL of the default `postgres` database (superuser `postgres`, no password). */
  url: string;
  /** Creates a new empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /**
   * Stops the server and keeps its data, like `pg_ctl stop -m fast` (SIGINT:
   * clients are disconnected) or `-m immediate` (SIGQUIT: a crash, recovery
   * on the next start).
   */
  halt(mode: "fast" | "immediate"): Promise<void>;
  /** Starts a halted server again on the same data and port; resolves once it accepts queries. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export function findPostgresBin(): string {
  const fromEnv = process.env.SECGROUPS_TEST_PG_BIN;
  if (fromEnv) return fromEnv;
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, "bin", "postgres")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions.length) throw new Error("PostgreSQL binaries not found in /usr/lib/postgresql/*/bin; run scripts/ensure-postgres.sh");
  return join(root, versions[0], "bin");
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

/**
 * Spawn options that run a command as the postgres OS user when we are root.
 * (Node sets uid/gid itself, so signals reach postgres directly; `runuser`
 * in between would turn our SIGINT into SIGTERM + a delayed SIGKILL.)
 */
function asPostgres(ids: Ids | undefined): { uid?: number; gid?: number; env: NodeJS.ProcessEnv; cwd?: string } {
  return {
    ...(ids ? { uid: ids.uid, gid: ids.gid, cwd: "/" } : {}),
    env: { ...process.env, LC_ALL: "C", HOME: ids ? "/var/lib/postgresql" : process.env.HOME },
  };
}

type Ids = { uid: number; gid: number };

function run(cmd: string, args: string[], ids: Ids | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, asPostgres(ids), (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}:\n${log()}`);
    const client = new Client({ connectionString: url });
    client.on("error", () => undefined);
    try {
      await client.connect();
      await client.query("SELECT 1");
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`postgres did not become ready:\n${log()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export interface StartPostgresOptions {
  /**
   * Commits survive a crash of the server (`halt("immediate")`). By default
   * `synchronous_commit=off` trades the last few hundred ms of commits on a
   * server crash for speed; fsync stays off either way (the OS does not crash).
   */
  durableCommits?: boolean;
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const bin = findPostgresBin();
  const dir = mkdtempSync(join(tmpdir(), "secgroups-pg-"));
  const dataDir = join(dir, "data");
  // initdb/postgres refuse to run as root: run them as `postgres`, which must own the directory.
  const ids = isRoot ? await postgresIds() : undefined;
  if (ids) chownSync(dir, ids.uid, ids.gid);
  chmodSync(dir, 0o700);
  await run(join(bin, "initdb"), ["-D", dataDir, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-sync"], ids);

  const port = await freePort();
  const args = [
    "-D",
    dataDir,
    "-p",
    String(port),
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    "unix_socket_directories=",
    "-c",
    "fsync=off",
    "-c",
    `synchronous_commit=${options.durableCommits ? "on" : "off"}`,
    "-c",
    "full_page_writes=off",
    "-c",
    "max_connections=200",
    "-c",
    "shared_buffers=32MB",
  ];
  let output = "";
  const launch = () => {
    const child = spawn(join(bin, "postgres"), args, { ...asPostgres(ids), stdio: ["ignore", "pipe", "pipe"] });
    child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    return { child, exited };
  };
  let server = launch();
  // If the test process dies without stop(), do not leave a server behind.
  const killOnExit = () => server.child.kill("SIGKILL");
  process.once("exit", killOnExit);

  const base = `postgres://postgres@127.0.0.1:${port}`;
  const url = `${base}/postgres`;
  try {
    await waitReady(url, server.child, () => output);
  } catch (err) {
    server.child.kill("SIGKILL");
    await server.exited;
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const halt = async (signal: NodeJS.Signals) => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) return;
    server.child.kill(signal);
    const timer = setTimeout(() => server.child.kill("SIGKILL"), 10_000);
    await server.exited;
    clearTimeout(timer);
  };

  let stopped = false;
  return {
    url,
    async createDatabase(name: string): Promise<string> {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid database name ${name}`);
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `${base}/${name}`;
    },
    async halt(mode): Promise<void> {
      await halt(mode === "fast" ? "SIGINT" : "SIGQUIT");
    },
    async resume(): Promise<void> {
      if (stopped) throw new Error("the server was stopped for good");
      if (server.child.exitCode === null && server.child.signalCode === null) return;
      server = launch();
      await waitReady(url, server.child, () => output);
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      process.removeListener("exit", killOnExit);
      // SIGINT = "fast" shutdown: disconnects clients, no waiting for them.
      await halt("SIGINT");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresIds(): Promise<Ids> {
  const out = await new Promise<string>((resolve, reject) =>
    execFile("id", ["postgres"], (err, stdout) =>
      err ? reject(new Error("no `postgres` OS user; run scripts/ensure-postgres.sh")) : resolve(stdout),
    ),
  );
  const uid = /uid=(\d+)/.exec(out);
  const gid = /gid=(\d+)/.exec(out);
  if (!uid || !gid) throw new Error(`cannot parse: ${out}`);
  return { uid: Number(uid[1]), gid: Number(gid[1]) };
}
