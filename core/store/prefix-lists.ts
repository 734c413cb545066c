/** Queries for prefix lists, their prefixes and site attachments. */
import { randomUUID } from "node:crypto";
import { newId, type NormalizedPrefixListWrite, type Prefix } from "../model";
import type { Queryable } from "./database";

export interface StoredPrefixList {
  id: string;
  name: string;
  description: string | null;
  version: number;
  prefixes: Prefix[];
  sites: string[];
  created_at: string;
  updated_at: string;
}

interface ListRow {
  id: string;
  name: string;
  description: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export async function lockPrefixList(tx: Queryable, orgId: string, id: string): Promise<{ version: number } | undefined> {
  const rows = await tx.query<{ version: number }>(`SELECT version FROM prefix_lists WHERE org_id = $1 AND id = $2 FOR UPDATE`, [
    orgId,
    id,
  ]);
  return rows[0];
}

export async function insertPrefixList(tx: Queryable, orgId: string, list: NormalizedPrefixListWrite): Promise<string> {
  const id = newId("prefixList");
  await tx.query(`INSERT INTO prefix_lists (id, org_id, name, description, content_token) VALUES ($1, $2, $3, $4, $5)`, [
    id,
    orgId,
    list.name,
    list.description,
    randomUUID(),
  ]);
  await writePrefixesAndSites(tx, id, list, new Map());
  return id;
}

/** Full replacement; a prefix keeps its id when its CIDR was already listed. */
export async function replacePrefixList(tx: Queryable, id: string, list: NormalizedPrefixListWrite): Promise<void> {
  const existing = await tx.query<{ id: string; cidr: string }>(`SELECT id, cidr FROM prefixes WHERE prefix_list_id = $1`, [id]);
  await tx.query(
    `UPDATE prefix_lists SET name = $2, description = $3, version = version + 1, updated_at = now(), content_token = $4 WHERE id = $1`,
    [id, list.name, list.description, randomUUID()],
  );
  await tx.query(`DELETE FROM prefixes WHERE prefix_list_id = $1`, [id]);
  await tx.query(`DELETE FROM prefix_list_sites WHERE prefix_list_id = $1`, [id]);
  await writePrefixesAndSites(tx, id, list, new Map(existing.map((p) => [p.cidr, p.id])));
}

async function writePrefixesAndSites(tx: Queryable, listId: string, list: NormalizedPrefixListWrite, idsByCidr: Map<string, string>) {
  if (list.prefixes.length) {
    const rows = list.prefixes.map((p, position) => ({
      id: idsByCidr.get(p.cidr) ?? newId("prefix"),
      prefix_list_id: listId,
      position,
      cidr: p.cidr,
      description: p.description,
    }));
    await tx.query(`INSERT INTO prefixes SELECT * FROM json_populate_recordset(NULL::prefixes, $1)`, [JSON.stringify(rows)]);
  }
  if (list.sites.length) {
    await tx.query(`INSERT INTO prefix_list_sites (prefix_list_id, site_id) SELECT $1, unnest($2::text[])`, [listId, list.sites]);
  }
}

export async function deletePrefixList(tx: Queryable, id: string): Promise<void> {
  await tx.query(`DELETE FROM prefix_lists WHERE id = $1`, [id]);
}

/** Which of `ids` exist in the organization. */
/** Id and name of every prefix list of the organization, by id. */
export async function prefixListNames(q: Queryable, orgId: string): Promise<{ id: string; name: string }[]> {
  return q.query<{ id: string; name: string }>(`SELECT id, name FROM prefix_lists WHERE org_id = $1 ORDER BY id`, [orgId]);
}

/** The ids that exist, locked FOR KEY SHARE until the transaction ends (see existingSites): a concurrent delete waits. */
export async function existingPrefixLists(q: Queryable, orgId: string, ids: readonly string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const rows = await q.query<{ id: string }>(
    `SELECT id FROM prefix_lists WHERE org_id = $1 AND id = ANY($2::text[]) ORDER BY id FOR KEY SHARE`,
    [orgId, ids],
  );
  return new Set(rows.map((r) => r.id));
}

export async function loadPrefixLists(q: Queryable, orgId: string | undefined, ids: readonly string[]): Promise<StoredPrefixList[]> {
  if (!ids.length) return [];
  const lists = await q.query<ListRow>(
    `SELECT id, name, description, version, created_at, updated_at FROM prefix_lists
     WHERE id = ANY($1::text[]) AND ($2::text IS NULL OR org_id = $2) ORDER BY id`,
    [ids, orgId ?? null],
  );
  return attach(q, lists);
}

export async function listPrefixLists(q: Queryable, orgId: string, limit: number, after: string | undefined): Promise<StoredPrefixList[]> {
  const lists = await q.query<ListRow>(
    `SELECT id, name, description, version, created_at, updated_at FROM prefix_lists
     WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
    [orgId, after ?? "", limit],
  );
  return attach(q, lists);
}

async function attach(q: Queryable, lists: ListRow[]): Promise<StoredPrefixList[]> {
  if (!lists.length) return [];
  const ids = lists.map((l) => l.id);
  const [prefixes, sites] = await Promise.all([
    q.query<{ id: string; prefix_list_id: string; cidr: string; description: string | null }>(
      `SELECT id, prefix_list_id, cidr, description FROM prefixes WHERE prefix_list_id = ANY($1::text[]) ORDER BY prefix_list_id, position`,
      [ids],
    ),
    q.query<{ prefix_list_id: string; site_id: string }>(
      `SELECT prefix_list_id, site_id FROM prefix_list_sites WHERE prefix_list_id = ANY($1::text[]) ORDER BY prefix_list_id, site_id`,
      [ids],
    ),
  ]);
  const byId = new Map<string, StoredPrefixList>(
    lists.map((l) => [
      l.id,
      {
        id: l.id,
        name: l.name,
        description: l.description,
        version: l.version,
        prefixes: [],
        sites: [],
        created_at: l.created_at.toISOString(),
        updated_at: l.updated_at.toISOString(),
      },
    ]),
  );
  for (const p of prefixes) byId.get(p.prefix_list_id)!.prefixes.push({ id: p.id, cidr: p.cidr, description: p.description });
  for (const s of sites) byId.get(s.prefix_list_id)!.sites.push(s.site_id);
  return [...byId.values()];
}

/** What a site's compilation reads of a list; `token` changes with every write of it. */
export interface PrefixListContent {
  id: string;
  name: string;
  description: string | null;
  prefixes: { cidr: string; description: string | null }[];
  token: string;
}

/** Each list's current content token, in one query (lists that do not exist are absent). */
export async function prefixListTokens(q: Queryable, ids: readonly string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const rows = await q.query<{ id: string; content_token: string }>(
    `SELECT id, content_token FROM prefix_lists WHERE id = ANY($1::text[])`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r.content_token]));
}

/**
 * The lists' contents with their tokens, in ONE statement: one snapshot, so a
 * token always names exactly the content read with it (separate statements
 * may see a write committed in between).
 */
export async function loadPrefixListContents(q: Queryable, ids: readonly string[]): Promise<PrefixListContent[]> {
  if (!ids.length) return [];
  const rows = await q.query<{ id: string; name: string; description: string | null; content_token: string; prefixes: string }>(
    `SELECT l.id, l.name, l.description, l.content_token,
       COALESCE((SELECT json_agg(json_build_array(p.cidr, p.description) ORDER BY p.position)::text
                 FROM prefixes p WHERE p.prefix_list_id = l.id), '[]') AS prefixes
     FROM prefix_lists l WHERE l.id = ANY($1::text[]) ORDER BY l.id`,
    [ids],
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    description: r.description,
    token: r.content_token,
    prefixes: (JSON.parse(r.prefixes) as [string, string | null][]).map(([cidr, description]) => ({ cidr, description })),
  }));
}

export async function prefixListSites(q: Queryable, id: string): Promise<string[]> {
  const rows = await q.query<{ site_id: string }>(`SELECT site_id FROM prefix_list_sites WHERE prefix_list_id = $1`, [id]);
  return rows.map((r) => r.site_id);
}
