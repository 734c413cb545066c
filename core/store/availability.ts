/**
 * Telling "the database cannot be reached right now" from every other
 * failure: the first is a 503 the client should retry (core/api maps it), the
 * second a bug or a bad request. node-postgres reports a lost server in
 * several ways: socket errors, SQLSTATE codes sent while the server shuts
 * down or starts, and its own "Connection terminated" errors.
 */

/** The store cannot be reached (server down, restarting, unreachable) or is no longer ours to use. */
export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DatabaseUnavailableError";
  }
}

/** Socket-level failures to reach or keep the server. */
const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EADDRNOTAVAIL",
]);

/**
 * SQLSTATEs of an unavailable server: admin_shutdown, crash_shutdown,
 * cannot_connect_now (starting up, shutting down, in recovery),
 * too_many_connections; class 08 is "connection exception".
 */
const SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300"]);

/** node-postgres' own errors for a connection that went away or never came. */
const PG_MESSAGES =
  /Connection terminated|connection error and is not queryable|Client was closed and is not queryable|timeout exceeded when trying to connect|Connection timeout|the database system is (starting up|shutting down|in recovery mode)/i;

export function isUnavailable(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError) return true;
  if (typeof err !== "object" || err === null) return false;
  const e = err as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof e.code === "string" && (SOCKET_CODES.has(e.code) || SQLSTATES.has(e.code) || /^08/.test(e.code))) return true;
  if (typeof e.message === "string" && PG_MESSAGES.test(e.message)) return true;
  // Connecting to a name with several addresses fails with an AggregateError of each attempt.
  return Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every(isUnavailable);
}

/** Rethrows a connection failure as DatabaseUnavailableError, anything else as it is. */
export function unavailableOr(err: unknown): unknown {
  if (err instanceof DatabaseUnavailableError || !isUnavailable(err)) return err;
  return new DatabaseUnavailableError(`the database is unavailable: ${(err as Error).message || String(err)}`, { cause: err });
}
