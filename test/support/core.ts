/* eslint-disable @typescript-eslint/no-explicit-any -- API responses are untyped JSON in tests */
/**
 * Test helpers for the core service: an in-process core on PGlite (in memory)
 * or on a fresh database of a private PostgreSQL server, tokens for two
 * organizations, `app.inject` request helpers, the seed's example documents,
 * a simulated site agent and a dump of every table.
 *
 *   describe.each(ENGINES)("%s", (engine) => {
 *     const t = useCore(engine);            // registers beforeAll/afterAll
 *     it("...", async () => {
 *       const res = await t.core.post("/vpc/sites", { name: "x", platform: "nftables" });
 *       expect(res.status).toBe(201);
 *     });
 *   });
 *
 * One PostgreSQL server is started per test file (jest module registry) on the
 * first use and stopped when the last core using it closes; each core gets its
 * own database on it.
 */
import "./native-modules";
import { randomBytes } from "node:crypto";
import type { InjectOptions } from "fastify";
import { buildServer, type Server, type ServerOptions } from "../../core/api/server";
import { signHs256 } from "../../core/api/jwt";
import type { Database } from "../../core/store/database";
import { startPostgres, type PostgresServer } from "./postgres";

export type Engine = "pglite" | "postgres";
export const ENGINES: Engine[] = ["pglite", "postgres"];

export const SECRET = "secgroups-test-secret-0123456789";
export const ORG_A = "org_alpha";
export const ORG_B = "org_bravo";

export const ID = {
  securityGroup: /^sec_grp_[0-9a-zA-Z]{27}$/,
  rule: /^fltr_[0-9a-zA-Z]{27}$/,
  prefixList: /^prfx_lst_[0-9a-zA-Z]{27}$/,
  prefix: /^prfx_[0-9a-zA-Z]{27}$/,
  site: /^site_[0-9a-zA-Z]{27}$/,
};

/** A token for `org`; claims may be overridden (exp, nbf ...), `secret` replaced. */
export function tokenFor(org: string, claims: Record<string, unknown> = {}, secret = SECRET): string {
  const now = Math.floor(Date.now() / 1000);
  return signHs256({ org, sub: "test", iat: now, exp: now + 3600, ...claims }, secret);
}

// ---------------------------------------------------------------- PostgreSQL

let shared: { server: Promise<PostgresServer>; users: number } | undefined;
let dbCounter = 0;

/** A fresh database on this file's private PostgreSQL server; release it when done. */
export async function acquirePostgresDatabase(): Promise<{ url: string; release(): Promise<void> }> {
  shared ??= { server: startPostgres(), users: 0 };
  const mine = shared;
  mine.users++;
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    if (--mine.users === 0) {
      if (shared === mine) shared = undefined;
      await (await mine.server).stop();
    }
  };
  try {
    const server = await mine.server;
    const url = await server.createDatabase(`t_${process.pid}_${++dbCounter}_${randomBytes(3).toString("hex")}`);
    return { url, release };
  } catch (err) {
    await release().catch(() => undefined);
    throw err;
  }
}

// ---------------------------------------------------------------- core

export interface Response<T = any> {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  /** Parsed JSON body; undefined when the body is empty or not JSON. */
  json: T;
  body: string;
}

export interface RequestOptions {
  /** Bearer token; org A's by default, `null` for none. */
  token?: string | null;
  headers?: Record<string, string>;
  /** Raw payload (string/Buffer) instead of JSON-encoding `body`. */
  raw?: string | Buffer;
  query?: Record<string, string>;
}

export class TestCore {
  readonly tokenA = tokenFor(ORG_A);
  readonly tokenB = tokenFor(ORG_B);

  constructor(
    readonly engine: Engine,
    readonly server: Server,
    /** PostgreSQL URL of this core's database (postgres engine only). */
    readonly databaseUrl: string | undefined,
    private readonly onClose: () => Promise<void>,
  ) {}

  get app() {
    return this.server.app;
  }

  get db(): Database {
    return this.server.db;
  }

  async request<T = any>(method: InjectOptions["method"], url: string, body?: unknown, opts: RequestOptions = {}): Promise<Response<T>> {
    const headers: Record<string, string> = {};
    const token = opts.token === undefined ? this.tokenA : opts.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let payload: string | Buffer | undefined;
    if (opts.raw !== undefined) payload = opts.raw;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers["content-type"] = "application/json";
    }
    Object.assign(headers, opts.headers);
    const res = await this.app.inject({ method, url, headers, payload, query: opts.query });
    let json: any;
    if (res.body.length) {
      try {
        json = JSON.parse(res.body);
      } catch {
        json = undefined;
      }
    }
    return { status: res.statusCode, headers: res.headers, json, body: res.body };
  }

  get<T = any>(url: string, opts?: RequestOptions) {
    return this.request<T>("GET", url, undefined, opts);
  }
  post<T = any>(url: string, body: unknown, opts?: RequestOptions) {
    return this.request<T>("POST", url, body, opts);
  }
  put<T = any>(url: string, body: unknown, opts?: RequestOptions) {
    return this.request<T>("PUT", url, body, opts);
  }
  delete<T = any>(url: string, opts?: RequestOptions) {
    return this.request<T>("DELETE", url, undefined, opts);
  }

  /** POST that must succeed with 201; returns the body. */
  async create<T = any>(path: string, body: unknown, opts?: RequestOptions): Promise<T> {
    const res = await this.post<T>(path, body, opts);
    if (res.status !== 201) throw new Error(`POST ${path} -> ${res.status}: ${res.body}`);
    return res.json;
  }

  async createSite(
    name = "site-" + randomBytes(3).toString("hex"),
    opts?: RequestOptions & { platform?: string },
  ): Promise<{ id: string; token: string }> {
    return this.create("/vpc/sites", { name, platform: opts?.platform ?? "nftables" }, opts);
  }

  async createPrefixList(body: Partial<PrefixListBody> = {}, opts?: RequestOptions): Promise<any> {
    return this.create("/vpc/prefix-lists", { ...officePrefixList(), ...body }, opts);
  }

  /** Everything in every table, sorted, for before/after comparisons. */
  dump(): Promise<Record<string, unknown[]>> {
    return dumpTables(this.db);
  }

  close(): Promise<void> {
    return this.onClose();
  }
}

export type StartOptions = Partial<Omit<ServerOptions, "auth" | "db" | "databaseUrl" | "dataDir">>;

/** Starts a core on PGlite (in memory) or on a fresh PostgreSQL database. */
export async function startCore(engine: Engine, options: StartOptions = {}): Promise<TestCore> {
  if (engine === "pglite") {
    const server = await buildServer({ auth: { secret: SECRET }, ...options });
    return new TestCore(engine, server, undefined, () => server.close());
  }
  const pg = await acquirePostgresDatabase();
  try {
    const server = await buildServer({ auth: { secret: SECRET }, databaseUrl: pg.url, ...options });
    return new TestCore(engine, server, pg.url, async () => {
      try {
        await server.close();
      } finally {
        await pg.release();
      }
    });
  } catch (err) {
    await pg.release();
    throw err;
  }
}

/**
 * Registers beforeAll/afterAll that start and stop a core; read `.core` inside
 * tests. The first start on PostgreSQL includes initdb, hence the timeout.
 */
export function useCore(engine: Engine, options: StartOptions = {}): { readonly core: TestCore } {
  let core: TestCore | undefined;
  beforeAll(async () => {
    core = await startCore(engine, options);
  }, 180_000); // PGlite's start alone took 25 s on a 2-core machine under load 17
  afterAll(async () => {
    await core?.close();
  }, 30_000);
  return {
    get core() {
      if (!core) throw new Error("the core is not started (use t.core inside tests only)");
      return core;
    },
  };
}

export async function dumpTables(db: Database): Promise<Record<string, unknown[]>> {
  const tables = await db.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`);
  const out: Record<string, unknown[]> = {};
  for (const { tablename } of tables) {
    const rows = await db.query<{ j: string }>(`SELECT row_to_json(t)::text AS j FROM "${tablename}" t`);
    out[tablename] = rows.map((r) => r.j).sort();
  }
  return out;
}

// ---------------------------------------------------------------- seed documents

export interface PrefixListBody {
  name: string;
  description?: string | null;
  prefixes: { cidr: string; description?: string | null }[];
  sites?: string[];
}

export function officePrefixList(): PrefixListBody {
  return {
    name: "Office",
    description: "Office networks",
    prefixes: [
      { cidr: "203.0.113.0/24", description: "HQ" },
      { cidr: "198.51.100.16/28", description: "Branch" },
    ],
    sites: [],
  };
}

/** The security group of seed 000/002 with real prefix-list and site ids. */
export function seedGroup(prefixListId: string, siteIds: string[]) {
  return {
    name: "Web Application Servers",
    description: "Allows HTTP/S from the world and SSH from the office.",
    rules: [
      { direction: "inbound", order: 10, protocol: 6, port: "443", address: "0.0.0.0/0", description: "Allow HTTPS" },
      { direction: "inbound", order: 20, protocol: 6, port: "80", address: "0.0.0.0/0", description: "Allow HTTP" },
      { direction: "inbound", order: 30, protocol: 6, port: "22", address: prefixListId, description: "Allow SSH from Office" },
    ],
    sites: siteIds,
  };
}

export function rule(order: number, extra: Record<string, unknown> = {}) {
  return { direction: "inbound", order, protocol: 6, port: "443", address: "10.0.0.0/8", description: `rule ${order}`, ...extra };
}

/** A valid group without sites (status active on creation). */
export function simpleGroup(extra: Record<string, unknown> = {}) {
  return { name: "simple group", description: null, rules: [rule(1)], sites: [], ...extra };
}

// ---------------------------------------------------------------- simulated agent

/** Polls the site's config like an agent and reports the outcome. */
export async function agentApply(
  core: TestCore,
  siteToken: string,
  outcome: { status: "applied" | "failed"; error?: string } = { status: "applied" },
): Promise<{ revision: number; digest: string }> {
  const poll = await core.get("/agent/v1/config", { token: siteToken });
  if (poll.status !== 200) throw new Error(`agent poll -> ${poll.status}: ${poll.body}`);
  const { revision, digest } = poll.json as { revision: number; digest: string };
  const report = await core.post("/agent/v1/report", { revision, digest, ...outcome }, { token: siteToken });
  if (report.status !== 204) throw new Error(`agent report -> ${report.status}: ${report.body}`);
  return { revision, digest };
}

/** A heartbeat like an agent's: the site counts as online (and so holds the syncing lock) for 90 s. */
export async function agentHeartbeat(core: TestCore, siteToken: string): Promise<void> {
  const res = await core.post("/agent/v1/heartbeat", {}, { token: siteToken });
  if (res.status !== 204 && res.status !== 200) throw new Error(`agent heartbeat -> ${res.status}: ${res.body}`);
}

// ---------------------------------------------------------------- assertions

/** Asserts an ErrorResponse {type, code, message, doc_url} with this status. */
export function expectError(res: Response, status: number, code?: string | RegExp): void {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${res.body}`);
  expectErrorShape(res);
  if (code !== undefined) expect(res.json.code).toEqual(typeof code === "string" ? code : expect.stringMatching(code));
}

export function isErrorResponse(json: unknown): boolean {
  if (typeof json !== "object" || json === null) return false;
  const o = json as Record<string, unknown>;
  return (
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

export function expectErrorShape(res: Response): void {
  expect(String(res.headers["content-type"])).toMatch(/^application\/json/);
  if (!isErrorResponse(res.json)) throw new Error(`not an ErrorResponse: ${res.status} ${res.body}`);
}
