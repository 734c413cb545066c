/** Stored responses of POSTs made with an Idempotency-Key. */
import type { Queryable } from "./database";

export type Claim =
  | { claimed: true }
  | { claimed: false; requestHash: string; route: string; status: number | null; response: string | null };

/**
 * Claims a key inside the caller's transaction. On PostgreSQL a concurrent
 * claim of the same key waits for this transaction, then sees its response.
 */
export async function claimKey(tx: Queryable, orgId: string, key: string, route: string, requestHash: string): Promise<Claim> {
  const inserted = await tx.query(
    `INSERT INTO idempotency_keys (org_id, key, route, request_hash) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING key`,
    [orgId, key, route, requestHash],
  );
  if (inserted.length) return { claimed: true };
  const rows = await tx.query<{ request_hash: string; route: string; status: number | null; response: string | null }>(
    `SELECT request_hash, route, status, response FROM idempotency_keys WHERE org_id = $1 AND key = $2`,
    [orgId, key],
  );
  const row = rows[0];
  return { claimed: false, requestHash: row.request_hash, route: row.route, status: row.status, response: row.response };
}

export async function storeResponse(tx: Queryable, orgId: string, key: string, status: number, response: unknown): Promise<void> {
  await tx.query(`UPDATE idempotency_keys SET status = $3, response = $4 WHERE org_id = $1 AND key = $2`, [
    orgId,
    key,
    status,
    JSON.stringify(response),
  ]);
}
