/**
 * One SQL dialect over two engines: PGlite (embedded, a directory or memory)
 * and a PostgreSQL server (node-postgres pool). Callers see `Database`.
 */
import { PGlite } from "@electric-sql/pglite";
import { Pool, Client, types, type PoolClient } from "pg";
import { migrate } from "./migrations";

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export type Listener = (payload: string) => void;

export interface Database extends Queryable {
  readonly engine: "pglite" | "postgres";
  /** Runs `fn` in one transaction; rolls back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Subscribes to a NOTIFY channel; resolves to an unsubscribe function. */
  listen(channel: string, listener: Listener): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

class PGliteDatabase implements Database {
  readonly engine = "pglite" as const;
  constructor(private readonly db: PGlite) {}

  async query<T>(sql: string, params?: unknown[]): Promise<T[]> {
    return (await this.db.query<T>(sql, params)).rows;
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) =>
      fn({ query: async <R>(sql: string, params?: unknown[]) => (await tx.query<R>(sql, params)).rows }),
    );
  }

  async listen(channel: string, listener: Listener): Promise<() => Promise<void>> {
    return this.db.listen(channel, listener);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

class PostgresDatabase implements Database {
  readonly engine = "postgres" as const;
  private listenClient?: Promise<Client>;
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(
    private readonly pool: Pool,
    private readonly url: string,
  ) {}

  async query<T>(sql: string, params?: unknown[]): Promise<T[]> {
    return (await this.pool.query(sql, params)).rows as T[];
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client: PoolClient = await this.pool.connect();
    try {
      await client.query("BEGIN");
      // One connection runs one query at a time; callers may still issue several at once (Promise.all).
      let tail: Promise<unknown> = Promise.resolve();
      const query = <R>(sql: string, params?: unknown[]): Promise<R[]> => {
        const next = tail.then(async () => (await client.query(sql, params)).rows as R[]);
        tail = next.catch(() => undefined);
        return next;
      };
      const result = await fn({ query });
      await client.query("COMMIT");
      return result;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** One dedicated connection carries every LISTEN of this process. */
  private connectListener(): Promise<Client> {
    this.listenClient ??= (async () => {
      const client = new Client({ connectionString: this.url });
      client.on("notification", (msg) => {
        for (const l of this.listeners.get(msg.channel) ?? []) l(msg.payload ?? "");
      });
      client.on("error", () => undefined);
      await client.connect();
      return client;
    })();
    return this.listenClient;
  }

  async listen(channel: string, listener: Listener): Promise<() => Promise<void>> {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
    const client = await this.connectListener();
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      await client.query(`LISTEN ${channel}`);
    }
    set.add(listener);
    return async () => {
      set.delete(listener);
    };
  }

  async close(): Promise<void> {
    if (this.listenClient) await (await this.listenClient).end().catch(() => undefined);
    await this.pool.end();
  }
}

export interface OpenOptions {
  /** `postgres://...` for a server; otherwise PGlite. */
  databaseUrl?: string;
  /** PGlite data directory; in memory when omitted. */
  dataDir?: string;
}

export async function openDatabase(options: OpenOptions = {}): Promise<Database> {
  let db: Database;
  if (options.databaseUrl) {
    const pool = new Pool({ connectionString: options.databaseUrl, max: 10, types: { getTypeParser: typeParser } });
    pool.on("error", () => undefined);
    db = new PostgresDatabase(pool, options.databaseUrl);
  } else {
    db = new PGliteDatabase(options.dataDir ? new PGlite(options.dataDir) : new PGlite());
  }
  await migrate(db);
  return db;
}

/** bigint columns (revisions) as numbers, as PGlite returns them; revisions stay far below 2^53. */
const typeParser = ((oid: number, format?: "text" | "binary") =>
  oid === types.builtins.INT8 ? (v: string) => Number(v) : types.getTypeParser(oid, format as "text")) as typeof types.getTypeParser;
