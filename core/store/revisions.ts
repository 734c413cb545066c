/** Queries for compiled site revisions and the sync targets resources wait on. */
import { lineDelta } from "../model";
import { assembleSnapshot, snapshotPieces, type Content } from "./policy-snapshots";
import { configBody } from "./sites";
import type { Queryable } from "./database";

/** A configuration to store; with `base` (an already stored one) it may be stored as a delta of it. */
export interface NewConfig {
  digest: string;
  body: string;
  base?: { digest: string; body: string; depth: number };
}

/** Longest chain of deltas before a configuration is stored in full again (bounds the cost of reading one). */
export const MAX_CONFIG_DEPTH = 16;

/** The row of a configuration: its delta from `base` when that is much smaller than the text. */
function configRow(c: NewConfig): { digest: string; body: string; base_digest: string | null; depth: number } {
  if (c.base && c.base.depth < MAX_CONFIG_DEPTH && c.base.digest !== c.digest) {
    const delta = JSON.stringify(lineDelta(c.base.body, c.body));
    if (delta.length * 4 < c.body.length) return { digest: c.digest, body: delta, base_digest: c.base.digest, depth: c.base.depth + 1 };
  }
  return { digest: c.digest, body: c.body, base_digest: null, depth: 0 };
}

/** How many deltas each stored configuration is from a full text. */
export async function configDepths(q: Queryable, digests: readonly string[]): Promise<Map<string, number>> {
  if (!digests.length) return new Map();
  const rows = await q.query<{ digest: string; depth: number }>(`SELECT digest, depth FROM configs WHERE digest = ANY($1::text[])`, [
    digests,
  ]);
  return new Map(rows.map((r) => [r.digest, r.depth]));
}

/** A site revision to store: which configuration (by digest) the site should enforce next. */
export interface NewRevision {
  siteId: string;
  revision: number;
  digest: string;
  managed: boolean;
  /** The digest of the policy document (in `policies`) the configuration was compiled from. */
  policyDigest?: string;
}

/**
 * The digest of each given site revision, in one query; sites whose revision
 * does not exist are absent from the map.
 */
export async function revisionDigests(q: Queryable, wanted: readonly { siteId: string; revision: number }[]): Promise<Map<string, string>> {
  if (!wanted.length) return new Map();
  const rows = await q.query<{ site_id: string; digest: string }>(
    `SELECT r.site_id, r.digest
     FROM unnest($1::text[], $2::bigint[]) AS w(site_id, revision)
     JOIN site_revisions r ON r.site_id = w.site_id AND r.revision = w.revision`,
    [wanted.map((w) => w.siteId), wanted.map((w) => w.revision)],
  );
  return new Map(rows.map((r) => [r.site_id, r.digest]));
}

/** The digest of one site revision and whether it was managed; undefined when the site has no such revision. */
export async function siteRevision(
  q: Queryable,
  siteId: string,
  revision: number,
): Promise<{ digest: string; managed: boolean } | undefined> {
  const rows = await q.query<{ digest: string; managed: boolean }>(
    `SELECT digest, managed FROM site_revisions WHERE site_id = $1 AND revision = $2`,
    [siteId, revision],
  );
  return rows[0];
}

/**
 * Stores new site revisions in a fixed number of statements: each distinct
 * configuration once (content-addressed by digest), one row per site
 * revision, and every site's `desired_revision`.
 */
export async function insertRevisions(
  tx: Queryable,
  configs: readonly NewConfig[],
  revisions: readonly NewRevision[],
  policies: readonly (Content & { pieces?: readonly Content[] })[] = [],
): Promise<void> {
  if (!revisions.length) return;
  // Digest order: concurrent writers storing the same configurations wait on each other in one order.
  const distinct = [...new Map(configs.map((c) => [c.digest, c])).values()]
    .sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0))
    .map(configRow);
  if (distinct.length === 1) {
    // One configuration (the common case of one site's change): plain parameters cost about half an array's for megabytes of text.
    const c = distinct[0];
    await tx.query(`INSERT INTO configs (digest, body, base_digest, depth) VALUES ($1, $2, $3, $4) ON CONFLICT (digest) DO NOTHING`, [
      c.digest,
      c.body,
      c.base_digest,
      c.depth,
    ]);
  } else if (distinct.length) {
    await tx.query(
      `INSERT INTO configs (digest, body, base_digest, depth)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::integer[]) ON CONFLICT (digest) DO NOTHING`,
      [distinct.map((c) => c.digest), distinct.map((c) => c.body), distinct.map((c) => c.base_digest), distinct.map((c) => c.depth)],
    );
  }
  await insertPieces(
    tx,
    policies.flatMap((p) => p.pieces ?? []),
  );
  await insertContent(tx, "policy_snapshots", policies);
  const ids = revisions.map((r) => r.siteId);
  const numbers = revisions.map((r) => r.revision);
  await tx.query(
    `INSERT INTO site_revisions (site_id, revision, digest, managed, policy_digest)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::boolean[], $5::text[])`,
    [ids, numbers, revisions.map((r) => r.digest), revisions.map((r) => r.managed), revisions.map((r) => r.policyDigest ?? null)],
  );
  await tx.query(
    `UPDATE sites s SET desired_revision = n.revision FROM unnest($1::text[], $2::bigint[]) AS n(id, revision) WHERE s.id = n.id`,
    [ids, numbers],
  );
}

/** The prefix lists' pieces not stored yet: the stored ones are not sent again (megabytes for a big policy). */
async function insertPieces(tx: Queryable, pieces: readonly Content[]): Promise<void> {
  const digests = [...new Set(pieces.map((p) => p.digest))];
  if (!digests.length) return;
  const stored = await tx.query<{ digest: string }>(`SELECT digest FROM policy_pieces WHERE digest = ANY($1::text[])`, [digests]);
  const have = new Set(stored.map((r) => r.digest));
  await insertContent(
    tx,
    "policy_pieces",
    pieces.filter((p) => !have.has(p.digest)),
  );
}

/** Content-addressed bodies (policy snapshots and their pieces), each stored once. */
async function insertContent(tx: Queryable, table: "policy_snapshots" | "policy_pieces", items: readonly Content[]) {
  // Digest order: concurrent writers storing the same bodies wait on each other in one order.
  const distinct = [...new Map(items.map((c) => [c.digest, c.body]))].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (!distinct.length) return;
  await tx.query(`INSERT INTO ${table} (digest, body) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (digest) DO NOTHING`, [
    distinct.map(([d]) => d),
    distinct.map(([, b]) => b),
  ]);
}

export interface SiteRevisionRow {
  revision: number;
  digest: string;
  managed: boolean;
  created_at: Date;
  /** Whether the policy document it was compiled from is stored (not for revisions older than that). */
  has_policy: boolean;
}

/** A site's revisions, newest first (at most `limit`). */
export async function listSiteRevisions(q: Queryable, siteId: string, limit: number): Promise<SiteRevisionRow[]> {
  return q.query<SiteRevisionRow>(
    `SELECT revision, digest, managed, created_at, policy_digest IS NOT NULL AS has_policy
     FROM site_revisions WHERE site_id = $1 ORDER BY revision DESC LIMIT $2`,
    [siteId, limit],
  );
}

/**
 * One site revision's compiled text and the policy document it came from (null
 * when not stored). The text may be stored as a delta of an earlier one: read
 * through configBody (store/sites.ts).
 */
export async function siteRevisionDetail(
  q: Queryable,
  siteId: string,
  revision: number,
): Promise<{ revision: number; managed: boolean; created_at: Date; config: string; policy: string | null } | undefined> {
  const rows = await q.query<{ revision: number; digest: string; managed: boolean; created_at: Date; policy: string | null }>(
    `SELECT r.revision, r.digest, r.managed, r.created_at, p.body AS policy
     FROM site_revisions r LEFT JOIN policy_snapshots p ON p.digest = r.policy_digest
     WHERE r.site_id = $1 AND r.revision = $2`,
    [siteId, revision],
  );
  const row = rows[0];
  if (!row) return undefined;
  const config = (await configBody(q, row.digest)) ?? "";
  const policy = row.policy === null ? null : await withPieces(q, row.policy);
  return { revision: row.revision, managed: row.managed, created_at: row.created_at, config, policy };
}

/** A stored snapshot as the whole policy document it stands for. */
async function withPieces(q: Queryable, snapshot: string): Promise<string> {
  const digests = snapshotPieces(snapshot);
  if (digests === undefined) return snapshot;
  if (!digests.length) return assembleSnapshot(snapshot, new Map());
  const rows = await q.query<Content>(`SELECT digest, body FROM policy_pieces WHERE digest = ANY($1::text[])`, [[...new Set(digests)]]);
  return assembleSnapshot(snapshot, new Map(rows.map((r) => [r.digest, r.body])));
}

export interface SyncTarget {
  resource_id: string;
  site_id: string;
  revision: number;
  state: "pending" | "applied" | "failed";
  error: string | null;
  deadline: Date;
  /** The site's last contact and applied revision, to tell who can confirm soon. */
  last_seen: Date | null;
  applied_revision: number | null;
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
    [
      resourceId,
      JSON.stringify(targets.map((t) => ({ site_id: t.siteId, revision: t.revision, state: t.applied ? "applied" : "pending" }))),
      timeoutMs,
    ],
  );
}

export async function deleteSyncTargets(tx: Queryable, resourceId: string): Promise<void> {
  await tx.query(`DELETE FROM sync_targets WHERE resource_id = $1`, [resourceId]);
}

export async function syncTargets(q: Queryable, resourceIds: readonly string[]): Promise<SyncTarget[]> {
  if (!resourceIds.length) return [];
  return q.query<SyncTarget>(
    `SELECT t.resource_id, t.site_id, t.revision, t.state, t.error, t.deadline, s.last_seen, s.applied_revision
     FROM sync_targets t JOIN sites s ON s.id = t.site_id
     WHERE t.resource_id = ANY($1::text[]) AND t.state <> 'applied' ORDER BY t.resource_id, t.site_id`,
    [resourceIds],
  );
}
