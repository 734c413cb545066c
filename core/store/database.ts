/**
 * One SQL dialect over two engines: PGlite (embedded, a directory or memory)
 * and a PostgreSQL server (node-postgres pool). Callers see `Database`.
 *
 * Availability: a PGlite directory has one owner (a lock held for the life
 * of the database; a second process is refused, see core/util/directory-lock);
 * a PostgreSQL server may go away and come back, and every failure to reach
 * it is a DatabaseUnavailableError (503 at the API) while the pool and the
 * LISTEN connection reconnect by themselves.
 */
import { PGlite } from "@electric-sql/pglite";
import { Pool, types, type PoolClient } from "pg";
import { lockDirectory, type DirectoryLock } from "../util/directory-lock";
import { DatabaseUnavailableError, isUnavailable, unavailableOr } from "./availability";
import { migrate } from "./migrations";
import { NotificationConnection, type Listener } from "./notifications";

export { DatabaseUnavailableError, isUnavailable } from "./availability";
export type { Listener } from "./notifications";

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

/** What readiness reports: whether queries and cross-replica notifications work right now. */
export interface Readiness {
  ready: boolean;
  /** Why not, when not ready. */
  problem?: string;
}

export interface Database extends Queryable {
  readonly engine: "pglite" | "postgres";
  /** Runs `fn` in one transaction; rolls back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Subscribes to a NOTIFY channel; resolves to an unsubscribe function.
   * `onMissed` runs when notifications may have been lost (after the
   * connection that carries them was re-established).
   */
  listen(channel: string, listener: Listener, onMissed?: () => void): Promise<() => Promise<void>>;
  /** A cheap check that the database answers, bounded in time. */
  readiness(): Promise<Readiness>;
  close(): Promise<void>;
}

class PGliteDatabase implements Database {
  readonly engine = "pglite" as const;
  /** Set when this process no longer owns the directory: nothing more may be read or written. */
  private lost?: DatabaseUnavailableError;

  constructor(
    private readonly db: PGlite,
    private readonly lock?: DirectoryLock,
  ) {}

  /** The lock was taken from us (its helper killed, another process in): stop touching the files. */
  disown(err: Error): void {
    this.lost = new DatabaseUnavailableError(`the database is unavailable: ${err.message}`, { cause: err });
  }

  async query<T>(sql: string, params?: unknown[]): Promise<T[]> {
    if (this.lost) throw this.lost;
    return (await this.db.query<T>(sql, params)).rows;
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    if (this.lost) return Promise.reject(this.lost);
    return this.db.transaction(async (tx) =>
      fn({ query: async <R>(sql: string, params?: unknown[]) => (await tx.query<R>(sql, params)).rows }),
    );
  }

  async listen(channel: string, listener: Listener): Promise<() => Promise<void>> {
    // One process, one connection: no notification can be missed.
    return this.db.listen(channel, listener);
  }

  async readiness(): Promise<Readiness> {
    return this.lost ? { ready: false, problem: this.lost.message } : { ready: true };
  }

  async close(): Promise<void> {
    // Not ours any more: closing would write (a checkpoint) over the new owner's files.
    if (!this.lost) await this.db.close();
    await this.lock?.release();
  }
}

class PostgresDatabase implements Database {
  readonly engine = "postgres" as const;

  constructor(
    private readonly pool: Pool,
    /** One dedicated connection carries every LISTEN of this process. */
    private readonly notifications: NotificationConnection,
  ) {}

  async query<T>(sql: string, params?: unknown[]): Promise<T[]> {
    try {
      return (await this.pool.query(sql, params)).rows as T[];
    } catch (err) {
      throw unavailableOr(err);
    }
  }

  /**
   * Writers lock groups before sites and sites in id order, but a race between
   * writers whose lock sets change under them (attachments re-read under a lock)
   * can still end in a deadlock PostgreSQL breaks by aborting one: that one is
   * run again, as a whole (it was rolled back), a few times.
   */
  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.transactionOnce(fn);
      } catch (err) {
        if (attempt >= TRANSACTION_ATTEMPTS || !RETRYABLE_SQLSTATES.has((err as { code?: unknown }).code as string)) throw err;
      }
    }
  }

  private async transactionOnce<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw unavailableOr(err);
    }
    let broken = false;
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
      broken = isUnavailable(err);
      if (!broken) await client.query("ROLLBACK").catch(() => undefined);
      throw unavailableOr(err);
    } finally {
      // A connection that failed goes, rather than back into the pool.
      client.release(broken || undefined);
    }
  }

  listen(channel: string, listener: Listener, onMissed?: () => void): Promise<() => Promise<void>> {
    return this.notifications.listen(channel, listener, onMissed);
  }

  async readiness(): Promise<Readiness> {
    try {
      await withTimeout(this.pool.query("SELECT 1"), READINESS_TIMEOUT_MS, "the database did not answer within 2 s");
    } catch (err) {
      return { ready: false, problem: `the database is unavailable: ${(err as Error).message}` };
    }
    // Queries work but other replicas' changes are not heard: long polls would sleep through them.
    if (!this.notifications.connected) return { ready: false, problem: "the database's notification connection is reconnecting" };
    return { ready: true };
  }

  async close(): Promise<void> {
    await this.notifications.close();
    await this.pool.end();
  }
}

/** deadlock_detected, serialization_failure. */
const RETRYABLE_SQLSTATES = new Set(["40P01", "40001"]);
const TRANSACTION_ATTEMPTS = 3;

const READINESS_TIMEOUT_MS = 2000;
/** A server that does not answer a connect (partition, firewall) fails in seconds, not never. */
const CONNECT_TIMEOUT_MS = 5000;

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new DatabaseUnavailableError(message)), ms)));
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export interface OpenOptions {
  /** `postgres://...` for a server; otherwise PGlite. */
  databaseUrl?: string;
  /** PGlite data directory (locked for this process); in memory when omitted. */
  dataDir?: string;
}

export async function openDatabase(options: OpenOptions = {}): Promise<Database> {
  let db: Database;
  if (options.databaseUrl) {
    const connection = { connectionString: options.databaseUrl, keepAlive: true, connectionTimeoutMillis: CONNECT_TIMEOUT_MS };
    const pool = new Pool({ ...connection, max: 10, types: { getTypeParser: typeParser } });
    // An idle connection the server closed (restart, admin shutdown) is dropped from the pool; a later query opens a new one.
    pool.on("error", () => undefined);
    db = new PostgresDatabase(pool, new NotificationConnection(connection));
  } else if (options.dataDir) {
    let pglite: PGliteDatabase | undefined;
    const lock = await lockDirectory(options.dataDir, {
      what: "the data directory",
      flag: "--data",
      onLost: (err) => {
        pglite?.disown(err);
        // Rare and serious (someone killed the lock's helper and another process took the directory): say so where operators look.
        console.error(`secgroups: ${err.message}; this process no longer reads or writes ${options.dataDir} and answers 503`);
      },
    });
    try {
      pglite = new PGliteDatabase(new PGlite(lock.dir), lock);
    } catch (err) {
      await lock.release();
      throw err;
    }
    db = pglite;
  } else {
    db = new PGliteDatabase(new PGlite());
  }
  try {
    await migrate(db);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  return db;
}

/** bigint columns (revisions) as numbers, as PGlite returns them; revisions stay far below 2^53. */
const typeParser = ((oid: number, format?: "text" | "binary") =>
  oid === types.builtins.INT8 ? (v: string) => Number(v) : types.getTypeParser(oid, format as "text")) as typeof types.getTypeParser;
