/** Queries for sites, their agent tokens, revisions and agent reports. */
import type { Platform, SiteMode } from "../model";
import type { Queryable } from "./database";

export interface SiteRow {
  id: string;
  org_id: string;
  name: string;
  platform: Platform;
  mode: SiteMode;
  version: number;
  desired_revision: number;
  applied_revision: number | null;
  applied_digest: string | null;
  last_seen: Date | null;
  drift: boolean;
  last_error: string | null;
  created_at: Date;
}

const COLUMNS = `id, org_id, name, platform, mode, version, desired_revision, applied_revision, applied_digest, last_seen, drift, last_error, created_at`;

export async function insertSite(
  tx: Queryable,
  site: { id: string; orgId: string; name: string; platform: Platform; mode: SiteMode; tokenHash: string },
): Promise<void> {
  await tx.query(`INSERT INTO sites (id, org_id, name, platform, mode, token_hash) VALUES ($1, $2, $3, $4, $5, $6)`, [
    site.id,
    site.orgId,
    site.name,
    site.platform,
    site.mode,
    site.tokenHash,
  ]);
}

export async function updateSite(tx: Queryable, id: string, site: { name: string; platform: Platform; mode: SiteMode }): Promise<void> {
  await tx.query(`UPDATE sites SET name = $2, platform = $3, mode = $4, version = version + 1, updated_at = now() WHERE id = $1`, [
    id,
    site.name,
    site.platform,
    site.mode,
  ]);
}

export async function getSite(q: Queryable, orgId: string, id: string, forUpdate = false): Promise<SiteRow | undefined> {
  const rows = await q.query<SiteRow>(
    `SELECT ${COLUMNS} FROM sites WHERE org_id = $1 AND id = $2${forUpdate ? " FOR UPDATE" : ""}`,
    [orgId, id],
  );
  return rows[0];
}

export async function listSites(q: Queryable, orgId: string, limit: number, after: string | undefined): Promise<SiteRow[]> {
  return q.query<SiteRow>(`SELECT ${COLUMNS} FROM sites WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3`, [orgId, after ?? "", limit]);
}

/**
 * Locks sites in id order (a fixed order, so concurrent deploys cannot deadlock).
 * FOR NO KEY UPDATE: deploys still exclude each other, but do not conflict with
 * the FOR KEY SHARE of existingSites, which the same writers took before (a
 * share lock upgraded to FOR UPDATE by two writers would deadlock).
 */
export async function lockSites(tx: Queryable, ids: readonly string[]): Promise<SiteRow[]> {
  if (!ids.length) return [];
  return tx.query<SiteRow>(`SELECT ${COLUMNS} FROM sites WHERE id = ANY($1::text[]) ORDER BY id FOR NO KEY UPDATE`, [ids]);
}

/**
 * The ids that exist, locked FOR KEY SHARE until the transaction ends: a
 * concurrent delete (FOR UPDATE) waits, then sees the new reference, instead
 * of removing the site between this check and the write that references it.
 */
export async function existingSites(q: Queryable, orgId: string, ids: readonly string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const rows = await q.query<{ id: string }>(`SELECT id FROM sites WHERE org_id = $1 AND id = ANY($2::text[]) ORDER BY id FOR KEY SHARE`, [orgId, ids]);
  return new Set(rows.map((r) => r.id));
}

/** Groups and prefix lists attached to a site. */
export async function siteAttachments(q: Queryable, id: string): Promise<{ groups: string[]; prefixLists: string[] }> {
  const [groups, lists] = await Promise.all([
    q.query<{ group_id: string }>(`SELECT group_id FROM group_sites WHERE site_id = $1 ORDER BY group_id`, [id]),
    q.query<{ prefix_list_id: string }>(`SELECT prefix_list_id FROM prefix_list_sites WHERE site_id = $1 ORDER BY prefix_list_id`, [id]),
  ]);
  return { groups: groups.map((g) => g.group_id), prefixLists: lists.map((l) => l.prefix_list_id) };
}

export async function deleteSite(tx: Queryable, id: string): Promise<void> {
  await tx.query(`DELETE FROM sites WHERE id = $1`, [id]);
}

// --- agent side -------------------------------------------------------------

export interface AgentView {
  id: string;
  platform: Platform;
  mode: SiteMode;
  desired_revision: number;
  digest: string | null;
  managed: boolean | null;
}

/** What a config poll needs, by token hash: one indexed lookup plus the revision row. */
export async function siteByTokenHash(q: Queryable, tokenHash: string): Promise<AgentView | undefined> {
  const rows = await q.query<AgentView>(
    `SELECT s.id, s.platform, s.mode, s.desired_revision, r.digest, r.managed
     FROM sites s LEFT JOIN site_revisions r ON r.site_id = s.id AND r.revision = s.desired_revision
     WHERE s.token_hash = $1`,
    [tokenHash],
  );
  return rows[0];
}

export async function configBody(q: Queryable, digest: string): Promise<string | undefined> {
  const rows = await q.query<{ body: string }>(`SELECT body FROM configs WHERE digest = $1`, [digest]);
  return rows[0]?.body;
}

export async function recordHeartbeat(q: Queryable, siteId: string): Promise<void> {
  await q.query(`UPDATE sites SET last_seen = now() WHERE id = $1`, [siteId]);
}

export async function recordReport(
  tx: Queryable,
  siteId: string,
  report: { revision: number; applied: boolean; digest: string | null; error: string | null; drift: boolean },
): Promise<void> {
  if (report.applied) {
    await tx.query(
      `UPDATE sites SET applied_revision = GREATEST(COALESCE(applied_revision, 0), $2), applied_digest = $3,
         last_error = NULL, drift = $4, last_seen = now() WHERE id = $1`,
      [siteId, report.revision, report.digest, report.drift],
    );
  } else {
    await tx.query(`UPDATE sites SET last_error = $2, drift = $3, last_seen = now() WHERE id = $1`, [siteId, report.error, report.drift]);
  }
}
