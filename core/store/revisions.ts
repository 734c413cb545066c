/** Queries for compiled site revisions and the sync targets resources wait on. */
import type { Queryable } from "./database";

export async function latestRevision(q: Queryable, siteId: string, revision: number): Promise<{ digest: string } | undefined> {
  const rows = await q.query<{ digest: string }>(`SELECT digest FROM site_revisions WHERE site_id = $1 AND revision = $2`, [siteId, revision]);
  return rows[0];
}

export async function insertRevision(
  tx: Queryable,
  siteId: string,
  revision: number,
  config: { digest: string; body: string; managed: boolean },
): Promise<void> {
  await tx.query(`INSERT INTO configs (digest, body) VALUES ($1, $2) ON CONFLICT (digest) DO NOTHING`, [config.digest, config.body]);
  await tx.query(`INSERT INTO site_revisions (site_id, revision, digest, managed) VALUES ($1, $2, $3, $4)`, [
    siteId,
    revision,
    config.digest,
    config.managed,
  ]);
  await tx.query(`UPDATE sites SET desired_revision = $2 WHERE id = $1`, [siteId, revision]);
}

export interface SyncTarget {
  resource_id: string;
  site_id: string;
  revision: number;
  state: "pending" | "applied" | "failed";
  error: string | null;
  deadline: Date;
}

/** Replaces what `resourceId` waits for with the given site revisions. */
export async function replaceSyncTargets(
  tx: Queryable,
  resourceId: string,
  targets: { siteId: string; revision: number; applied: boolean }[],
  timeoutMs: number,
): Promise<void> {
  await tx.query(`DELETE FROM sync_targets WHERE resource_id = $1`, [resourceId]);
  if (!targets.length) return;
  await tx.query(
    `INSERT INTO sync_targets (resource_id, site_id, revision, state, deadline)
     SELECT $1, t.site_id, t.revision, t.state, now() + ($3::int * interval '1 millisecond')
     FROM json_to_recordset($2::json) AS t(site_id text, revision bigint, state text)`,
    [resourceId, JSON.stringify(targets.map((t) => ({ site_id: t.siteId, revision: t.revision, state: t.applied ? "applied" : "pending" }))), timeoutMs],
  );
}

export async function deleteSyncTargets(tx: Queryable, resourceId: string): Promise<void> {
  await tx.query(`DELETE FROM sync_targets WHERE resource_id = $1`, [resourceId]);
}

/** A site enforced `revision`: everything waiting on it or an earlier one is done (even if it had failed). */
export async function markApplied(tx: Queryable, siteId: string, revision: number): Promise<void> {
  await tx.query(
    `UPDATE sync_targets SET state = 'applied', error = NULL WHERE site_id = $1 AND revision <= $2 AND state <> 'applied'`,
    [siteId, revision],
  );
}

/** A site could not enforce `revision`: everything still waiting on it or an earlier one failed. */
export async function markFailed(tx: Queryable, siteId: string, revision: number, error: string): Promise<void> {
  await tx.query(`UPDATE sync_targets SET state = 'failed', error = $3 WHERE site_id = $1 AND revision <= $2 AND state = 'pending'`, [
    siteId,
    revision,
    error,
  ]);
}

export async function syncTargets(q: Queryable, resourceIds: readonly string[]): Promise<SyncTarget[]> {
  if (!resourceIds.length) return [];
  return q.query<SyncTarget>(
    `SELECT resource_id, site_id, revision, state, error, deadline FROM sync_targets
     WHERE resource_id = ANY($1::text[]) AND state <> 'applied' ORDER BY resource_id, site_id`,
    [resourceIds],
  );
}
