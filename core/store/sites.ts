/** Queries for sites, their agent tokens, revisions and agent reports. */
import { createHash } from "node:crypto";
import { applyLineDelta, type LineHunk, type Platform, type SiteMode } from "../model";
import { MAX_CONFIG_DEPTH } from "./revisions";
import type { Queryable } from "./database";

export interface SiteRow {
  id: string;
  org_id: string;
  name: string;
  platform: Platform;
  mode: SiteMode;
  /** Declared CIDRs (canonical text). */
  addresses: string[];
  /** Host CIDRs the agent last reported. */
  reported_addresses: string[];
  version: number;
  desired_revision: number;
  applied_revision: number | null;
  applied_digest: string | null;
  last_seen: Date | null;
  drift: boolean;
  last_error: string | null;
  created_at: Date;
}

const COLUMNS = `id, org_id, name, platform, mode, addresses, reported_addresses, version, desired_revision, applied_revision, applied_digest, last_seen, drift, last_error, created_at`;

export async function insertSite(
  tx: Queryable,
  site: { id: string; orgId: string; name: string; platform: Platform; mode: SiteMode; addresses?: readonly string[]; tokenHash: string },
): Promise<void> {
  await tx.query(
    `INSERT INTO sites (id, org_id, name, platform, mode, addresses, token_hash) VALUES ($1, $2, $3, $4, $5, $6::text[], $7)`,
    [site.id, site.orgId, site.name, site.platform, site.mode, site.addresses ?? [], site.tokenHash],
  );
}

export async function updateSite(
  tx: Queryable,
  id: string,
  site: { name: string; platform: Platform; mode: SiteMode; addresses: readonly string[] },
): Promise<void> {
  await tx.query(
    `UPDATE sites SET name = $2, platform = $3, mode = $4, addresses = $5::text[], version = version + 1, updated_at = now() WHERE id = $1`,
    [id, site.name, site.platform, site.mode, site.addresses],
  );
}

/**
 * `update` for a delete (conflicts with the FOR KEY SHARE of writers that
 * reference the site); `no key update` for a change that keeps the row, which
 * such writers do not wait for (they go on to lock sites in id order in their
 * deploy, as this writer may: FOR UPDATE here would deadlock with them).
 */
export type SiteLock = "update" | "no key update";

export async function getSite(q: Queryable, orgId: string, id: string, lock?: SiteLock): Promise<SiteRow | undefined> {
  const rows = await q.query<SiteRow>(
    `SELECT ${COLUMNS} FROM sites WHERE org_id = $1 AND id = $2${lock ? ` FOR ${lock.toUpperCase()}` : ""}`,
    [orgId, id],
  );
  return rows[0];
}

export async function listSites(q: Queryable, orgId: string, limit: number, after: string | undefined): Promise<SiteRow[]> {
  return q.query<SiteRow>(`SELECT ${COLUMNS} FROM sites WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3`, [orgId, after ?? "", limit]);
}

/** Every site of the organization, by id (the overview counts them all). */
export async function allSites(q: Queryable, orgId: string): Promise<SiteRow[]> {
  return q.query<SiteRow>(`SELECT ${COLUMNS} FROM sites WHERE org_id = $1 ORDER BY id`, [orgId]);
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
  const rows = await q.query<{ id: string }>(`SELECT id FROM sites WHERE org_id = $1 AND id = ANY($2::text[]) ORDER BY id FOR KEY SHARE`, [
    orgId,
    ids,
  ]);
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

const AGENT_VIEW = `SELECT s.token_hash, s.id, s.platform, s.mode, s.desired_revision, r.digest, r.managed
     FROM sites s LEFT JOIN site_revisions r ON r.site_id = s.id AND r.revision = s.desired_revision`;

/** What a config poll needs, by token hash: one indexed lookup plus the revision row. */
export async function siteByTokenHash(q: Queryable, tokenHash: string): Promise<AgentView | undefined> {
  return (await sitesByTokenHashes(q, [tokenHash])).get(tokenHash);
}

/** The same for many agents at once, in one query (index lookups on token_hash); unknown hashes are absent. */
export async function sitesByTokenHashes(q: Queryable, tokenHashes: readonly string[]): Promise<Map<string, AgentView>> {
  if (!tokenHashes.length) return new Map();
  const rows =
    tokenHashes.length === 1
      ? await q.query<AgentView & { token_hash: string }>(`${AGENT_VIEW} WHERE s.token_hash = $1`, [tokenHashes[0]])
      : await q.query<AgentView & { token_hash: string }>(`${AGENT_VIEW} WHERE s.token_hash = ANY($1::text[])`, [tokenHashes]);
  return new Map(rows.map(({ token_hash, ...view }) => [token_hash, view]));
}

export async function configBody(q: Queryable, digest: string): Promise<string | undefined> {
  // The configuration and the chain of bases it is a delta of, in one statement (one snapshot).
  const rows = await q.query<{ body: string; base_digest: string | null }>(
    `WITH RECURSIVE chain AS (
       SELECT body, base_digest, 0 AS n FROM configs WHERE digest = $1
       UNION ALL
       SELECT c.body, c.base_digest, chain.n + 1 FROM configs c JOIN chain ON c.digest = chain.base_digest WHERE chain.n < $2
     ) SELECT body, base_digest FROM chain ORDER BY n DESC`,
    [digest, MAX_CONFIG_DEPTH + 1],
  );
  if (!rows.length) return undefined;
  if (rows[0].base_digest !== null) throw new Error(`stored configuration ${digest} has no full text within ${MAX_CONFIG_DEPTH} deltas`);
  let text = rows[0].body;
  for (const row of rows.slice(1)) text = applyLineDelta(text, JSON.parse(row.body) as LineHunk[]);
  if (rows.length > 1 && createHash("sha256").update(text).digest("hex") !== digest) {
    throw new Error(`stored configuration ${digest} does not rebuild to its digest`);
  }
  return text;
}

/**
 * Records a heartbeat of the site with this token hash, in one statement;
 * false when no site has it. A site coming online (never seen, or not for
 * `onlineWindowMs`) gets `syncTimeoutMs` from now to confirm what queued
 * for it, instead of failing at once on deadlines that passed while it was away.
 */
export async function recordHeartbeat(
  q: Queryable,
  tokenHash: string,
  comeback: { onlineWindowMs: number; syncTimeoutMs: number } = { onlineWindowMs: 90_000, syncTimeoutMs: 120_000 },
): Promise<boolean> {
  const rows = await q.query<{ id: string }>(
    `WITH site AS (
       UPDATE sites s SET last_seen = now() FROM sites old
       WHERE s.token_hash = $1 AND old.id = s.id
       RETURNING s.id, old.last_seen AS prev
     ), targets AS (
       UPDATE sync_targets t SET deadline = GREATEST(t.deadline, now() + $3::bigint * interval '1 millisecond')
       FROM site
       WHERE t.site_id = site.id AND t.state = 'pending'
         AND (site.prev IS NULL OR site.prev <= now() - $2::bigint * interval '1 millisecond')
     )
     SELECT id FROM site`,
    [tokenHash, comeback.onlineWindowMs, comeback.syncTimeoutMs],
  );
  return rows.length > 0;
}

export interface AgentReport {
  revision: number;
  applied: boolean;
  digest: string | null;
  error: string | null;
  drift: boolean;
}

/**
 * Records agents' reports, one statement for all of them (atomic without an
 * explicit transaction): each site's applied revision or last error, and what
 * waited on that revision or an earlier one: `applied` (even if it had
 * failed) or, for a failure, `failed` where still pending. Touches only the
 * reporting sites' rows and, through the partial index on pending targets,
 * only their open targets: no scan of other sites' targets and no status
 * recomputation. The sites are locked in id order first, as every deploy
 * locks them (a batch must not deadlock with one on PostgreSQL).
 *
 * At most one report per token hash. A report applies only when its site
 * exists and `revision` was issued to it (at most its desired revision):
 * the result maps the token hashes of those that applied to their site ids.
 */
export async function recordReports(
  q: Queryable,
  reports: ReadonlyMap<string, { report: AgentReport; failure: string }>,
): Promise<Map<string, string>> {
  if (!reports.size) return new Map();
  const rows = [...reports];
  const found = await q.query<{ token_hash: string; id: string }>(
    `WITH r AS MATERIALIZED (
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::boolean[], $4::text[], $5::text[], $6::boolean[], $7::text[])
         AS r(token_hash, revision, applied, digest, error, drift, failure)
     ), locked AS MATERIALIZED (
       SELECT s.id, r.* FROM sites s JOIN r ON s.token_hash = r.token_hash
       WHERE s.desired_revision >= r.revision
       ORDER BY s.id FOR NO KEY UPDATE OF s
     ), site AS (
       UPDATE sites s SET
         applied_revision = CASE WHEN l.applied THEN GREATEST(COALESCE(s.applied_revision, 0), l.revision) ELSE s.applied_revision END,
         applied_digest = CASE WHEN l.applied THEN l.digest ELSE s.applied_digest END,
         last_error = CASE WHEN l.applied THEN NULL ELSE l.error END,
         drift = l.drift, last_seen = now()
       FROM locked l WHERE s.id = l.id
       RETURNING s.id, l.token_hash, l.revision, l.applied, l.failure
     ), targets AS (
       UPDATE sync_targets t SET
         state = CASE WHEN site.applied THEN 'applied' ELSE 'failed' END,
         error = CASE WHEN site.applied THEN NULL ELSE site.failure END
       FROM site
       WHERE t.site_id = site.id AND t.revision <= site.revision AND t.state <> 'applied'
         AND (site.applied OR t.state = 'pending')
     )
     SELECT token_hash, id FROM site`,
    [
      rows.map(([hash]) => hash),
      rows.map(([, r]) => r.report.revision),
      rows.map(([, r]) => r.report.applied),
      rows.map(([, r]) => r.report.digest),
      rows.map(([, r]) => r.report.error),
      rows.map(([, r]) => r.report.drift),
      rows.map(([, r]) => r.failure),
    ],
  );
  return new Map(found.map((f) => [f.token_hash, f.id]));
}

/** The address lists of the site with this token hash; undefined when no site has it. */
export async function addressesByTokenHash(
  q: Queryable,
  tokenHash: string,
): Promise<{ id: string; addresses: string[]; reported_addresses: string[] } | undefined> {
  const rows = await q.query<{ id: string; addresses: string[]; reported_addresses: string[] }>(
    `SELECT id, addresses, reported_addresses FROM sites WHERE token_hash = $1`,
    [tokenHash],
  );
  return rows[0];
}

/** Replaces what the site's agent reported (validated host addresses). */
export async function setReportedAddresses(tx: Queryable, id: string, addresses: readonly string[]): Promise<void> {
  await tx.query(`UPDATE sites SET reported_addresses = $2::text[] WHERE id = $1`, [id, addresses]);
}
