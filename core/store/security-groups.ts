/** Queries for security groups and their rules and site attachments. */
import { newId, type FilterRule, type NormalizedSecurityGroupWrite } from "../model";
import type { Queryable } from "./database";

export interface StoredGroup {
  id: string;
  name: string;
  description: string | null;
  version: number;
  sites: string[];
  rules: FilterRule[];
  created_at: string;
  updated_at: string;
}

interface GroupRow {
  id: string;
  name: string;
  description: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

interface RuleRow {
  id: string;
  group_id: string;
  direction: FilterRule["direction"];
  rule_order: number;
  protocol: number;
  port: string;
  address: string;
  description: string;
  action: FilterRule["action"];
  icmp_type: number | null;
  icmp_code: number | null;
  log: boolean;
}

/**
 * Locks a group of the organization for a write; undefined when it does not
 * exist there. `no key update` for a replacement: writers that reference the
 * group hold FOR KEY SHARE on it, which that does not wait for (two groups
 * naming each other can be replaced at once); `update` for a delete, which
 * must wait for them.
 */
export async function lockGroup(
  tx: Queryable,
  orgId: string,
  id: string,
  lock: "update" | "no key update" = "update",
): Promise<{ version: number } | undefined> {
  const rows = await tx.query<{ version: number }>(
    `SELECT version FROM security_groups WHERE org_id = $1 AND id = $2 FOR ${lock.toUpperCase()}`,
    [orgId, id],
  );
  return rows[0];
}

/** `id`: the new group's id, when the caller needed it first (rules that say `self`, resolved to it). */
export async function insertGroup(
  tx: Queryable,
  orgId: string,
  group: NormalizedSecurityGroupWrite,
  id = newId("securityGroup"),
): Promise<string> {
  await tx.query(`INSERT INTO security_groups (id, org_id, name, description) VALUES ($1, $2, $3, $4)`, [
    id,
    orgId,
    group.name,
    group.description,
  ]);
  await writeRulesAndSites(tx, id, group, new Map());
  return id;
}

/** Full replacement; a rule keeps its id when a rule of the same `order` existed. */
export async function replaceGroup(tx: Queryable, id: string, group: NormalizedSecurityGroupWrite): Promise<void> {
  const existing = await tx.query<{ id: string; rule_order: number }>(`SELECT id, rule_order FROM rules WHERE group_id = $1`, [id]);
  await tx.query(`UPDATE security_groups SET name = $2, description = $3, version = version + 1, updated_at = now() WHERE id = $1`, [
    id,
    group.name,
    group.description,
  ]);
  await tx.query(`DELETE FROM rules WHERE group_id = $1`, [id]);
  await tx.query(`DELETE FROM group_sites WHERE group_id = $1`, [id]);
  await writeRulesAndSites(tx, id, group, new Map(existing.map((r) => [r.rule_order, r.id])));
}

async function writeRulesAndSites(
  tx: Queryable,
  groupId: string,
  group: NormalizedSecurityGroupWrite,
  idsByOrder: Map<number, string>,
): Promise<void> {
  if (group.rules.length) {
    const rows = group.rules.map((r) => ({
      id: idsByOrder.get(r.order) ?? newId("rule"),
      group_id: groupId,
      direction: r.direction,
      rule_order: r.order,
      protocol: r.protocol,
      port: r.port,
      address: r.address,
      description: r.description,
      action: r.action,
      icmp_type: r.icmp_type,
      icmp_code: r.icmp_code,
      log: r.log,
    }));
    await tx.query(`INSERT INTO rules SELECT * FROM json_populate_recordset(NULL::rules, $1)`, [JSON.stringify(rows)]);
  }
  if (group.sites.length) {
    await tx.query(`INSERT INTO group_sites (group_id, site_id) SELECT $1, unnest($2::text[])`, [groupId, group.sites]);
  }
}

export async function deleteGroup(tx: Queryable, id: string): Promise<void> {
  await tx.query(`DELETE FROM security_groups WHERE id = $1`, [id]);
}

export async function groupSites(q: Queryable, id: string): Promise<string[]> {
  const rows = await q.query<{ site_id: string }>(`SELECT site_id FROM group_sites WHERE group_id = $1 ORDER BY site_id`, [id]);
  return rows.map((r) => r.site_id);
}

/** Id and name of every group of the organization, by id. */
export async function groupNames(q: Queryable, orgId: string): Promise<{ id: string; name: string }[]> {
  return q.query<{ id: string; name: string }>(`SELECT id, name FROM security_groups WHERE org_id = $1 ORDER BY id`, [orgId]);
}

/** Groups with rules (sorted by order) and sites; `orgId` undefined reads across organizations (deploy only). */
export async function loadGroups(q: Queryable, orgId: string | undefined, ids: readonly string[]): Promise<StoredGroup[]> {
  if (!ids.length) return [];
  const groups = await q.query<GroupRow>(
    `SELECT id, name, description, version, created_at, updated_at FROM security_groups
     WHERE id = ANY($1::text[]) AND ($2::text IS NULL OR org_id = $2) ORDER BY id`,
    [ids, orgId ?? null],
  );
  return attach(q, groups);
}

export async function listGroups(q: Queryable, orgId: string, limit: number, after: string | undefined): Promise<StoredGroup[]> {
  const groups = await q.query<GroupRow>(
    `SELECT id, name, description, version, created_at, updated_at FROM security_groups
     WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
    [orgId, after ?? "", limit],
  );
  return attach(q, groups);
}

async function attach(q: Queryable, groups: GroupRow[]): Promise<StoredGroup[]> {
  if (!groups.length) return [];
  const ids = groups.map((g) => g.id);
  const [rules, sites] = await Promise.all([
    q.query<RuleRow>(`SELECT * FROM rules WHERE group_id = ANY($1::text[]) ORDER BY group_id, rule_order`, [ids]),
    q.query<{ group_id: string; site_id: string }>(
      `SELECT group_id, site_id FROM group_sites WHERE group_id = ANY($1::text[]) ORDER BY group_id, site_id`,
      [ids],
    ),
  ]);
  const byGroup = new Map<string, StoredGroup>(
    groups.map((g) => [
      g.id,
      {
        id: g.id,
        name: g.name,
        description: g.description,
        version: g.version,
        sites: [],
        rules: [],
        created_at: g.created_at.toISOString(),
        updated_at: g.updated_at.toISOString(),
      },
    ]),
  );
  for (const r of rules) {
    byGroup.get(r.group_id)!.rules.push({
      id: r.id,
      direction: r.direction,
      order: r.rule_order,
      protocol: r.protocol,
      port: r.port,
      address: r.address,
      description: r.description,
      action: r.action,
      icmp_type: r.icmp_type,
      icmp_code: r.icmp_code,
      log: r.log,
    });
  }
  for (const s of sites) byGroup.get(s.group_id)!.sites.push(s.site_id);
  return [...byGroup.values()];
}

/** Ids of groups that reference a prefix list in any rule. */
export async function groupsReferencing(q: Queryable, prefixListId: string): Promise<string[]> {
  const rows = await q.query<{ group_id: string }>(
    `SELECT DISTINCT group_id FROM rules WHERE address = $1 AND address LIKE 'prfx_lst_%' ORDER BY group_id`,
    [prefixListId],
  );
  return rows.map((r) => r.group_id);
}

// --- groups as peers (#15) ----------------------------------------------------

/** The ids that exist in the organization, locked FOR KEY SHARE until the transaction ends (see existingSites). */
export async function existingGroups(q: Queryable, orgId: string, ids: readonly string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const rows = await q.query<{ id: string }>(
    `SELECT id FROM security_groups WHERE org_id = $1 AND id = ANY($2::text[]) ORDER BY id FOR KEY SHARE`,
    [orgId, ids],
  );
  return new Set(rows.map((r) => r.id));
}

/** Ids of the other groups whose rules name `groupId` as their peer (a group's references to itself left out). */
export async function groupsReferencingGroup(q: Queryable, groupId: string): Promise<string[]> {
  const rows = await q.query<{ group_id: string }>(
    `SELECT DISTINCT group_id FROM rules WHERE address = $1 AND address LIKE 'sec_grp_%' AND group_id <> $1 ORDER BY group_id`,
    [groupId],
  );
  return rows.map((r) => r.group_id);
}

/** A group whose rules name one of the given groups, with the sites it is attached to (possibly none). */
export interface ReferencingGroup {
  id: string;
  sites: string[];
}

/** Every group whose rules name one of `groupIds` as a peer, with its sites: one query. */
export async function groupsReferencingAny(q: Queryable, groupIds: readonly string[]): Promise<ReferencingGroup[]> {
  if (!groupIds.length) return [];
  return referencing(
    await q.query<{ group_id: string; site_id: string | null }>(
      `SELECT DISTINCT r.group_id, gs.site_id
       FROM rules r LEFT JOIN group_sites gs ON gs.group_id = r.group_id
       WHERE r.address = ANY($1::text[]) AND r.address LIKE 'sec_grp_%'`,
      [groupIds],
    ),
  );
}

/** Every group whose rules name a group `siteId` is attached to, with its sites: one query. */
export async function groupsReferencingSite(q: Queryable, siteId: string): Promise<ReferencingGroup[]> {
  return referencing(
    await q.query<{ group_id: string; site_id: string | null }>(
      `SELECT DISTINCT r.group_id, gs.site_id
       FROM group_sites mine
       JOIN rules r ON r.address = mine.group_id AND r.address LIKE 'sec_grp_%'
       LEFT JOIN group_sites gs ON gs.group_id = r.group_id
       WHERE mine.site_id = $1`,
      [siteId],
    ),
  );
}

function referencing(rows: { group_id: string; site_id: string | null }[]): ReferencingGroup[] {
  const byGroup = new Map<string, string[]>();
  for (const r of rows) {
    let sites = byGroup.get(r.group_id);
    if (!sites) byGroup.set(r.group_id, (sites = []));
    if (r.site_id !== null) sites.push(r.site_id);
  }
  return [...byGroup].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([id, sites]) => ({ id, sites: sites.sort() }));
}

/**
 * Locks groups FOR SHARE in id order: a writer that changes who is in a group
 * keeps the groups that reference it from being re-attached under it (their
 * writer would compile the old members for its new sites).
 */
export async function shareLockGroups(tx: Queryable, ids: readonly string[]): Promise<void> {
  if (!ids.length) return;
  await tx.query(`SELECT id FROM security_groups WHERE id = ANY($1::text[]) ORDER BY id FOR SHARE`, [ids]);
}

/** A member site of a referenced group, with both of its address lists (effective addresses are the model's rule). */
export interface MemberRow {
  group_id: string;
  group_name: string;
  site_id: string | null;
  site_name: string | null;
  addresses: string[] | null;
  reported_addresses: string[] | null;
}

/** Referenced groups with their member sites' addresses, by group then site id: one query (deploy only: any organization). */
export async function groupMembers(q: Queryable, groupIds: readonly string[]): Promise<MemberRow[]> {
  if (!groupIds.length) return [];
  return q.query<MemberRow>(
    `SELECT g.id AS group_id, g.name AS group_name, s.id AS site_id, s.name AS site_name, s.addresses, s.reported_addresses
     FROM security_groups g
     LEFT JOIN group_sites gs ON gs.group_id = g.id
     LEFT JOIN sites s ON s.id = gs.site_id
     WHERE g.id = ANY($1::text[])
     ORDER BY g.id, s.id`,
    [groupIds],
  );
}
