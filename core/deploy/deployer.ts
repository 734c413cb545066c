/**
 * Which sites need which revision. Every change to a group, a prefix list or
 * an attachment recompiles the affected sites once, inside the writer's
 * transaction, and stores the result as each site's next revision; agents
 * then only read stored text.
 */
import { createHash } from "node:crypto";
import { effectiveAddresses, isGroupReference, type Platform, type SiteMode } from "../model";
import type { Queryable } from "../store/database";
import { groupMembers, loadGroups, type StoredGroup } from "../store/security-groups";
import { loadPrefixLists, type StoredPrefixList } from "../store/prefix-lists";
import { lockSites, type SiteRow } from "../store/sites";
import { insertRevisions, replaceSyncTargets, revisionDigests, type NewRevision } from "../store/revisions";

/** A group that rules name as their peer, with its member sites' effective addresses (PolicyDocumentInput.referenced_groups). */
export interface ReferencedGroup {
  id: string;
  name: string;
  members: { site: string; name: string; addresses: readonly string[] }[];
}

/** Renders a site's policy; `compilePolicy` of core/platforms in production. */
export type CompileFn = (
  doc: { prefix_lists: StoredPrefixList[]; security_groups: StoredGroup[]; referenced_groups: ReferencedGroup[] },
  platform: Platform,
  options: { mode: SiteMode },
) => string;

/** A resource whose change must reach `siteIds` (attached before or after the change). */
export interface Change {
  resourceId: string;
  siteIds: readonly string[];
}

export const SITE_CHANNEL = "secgroups_site";

export interface DeployerOptions {
  compile: CompileFn;
  /** How long a site may take to confirm a revision before the change counts as failed. */
  syncTimeoutMs: number;
  /** How long since its agent was last heard from a site counts as online (and can hold the syncing lock). */
  onlineWindowMs?: number;
}

export function digestOf(body: string): string {
  return createHash("sha256").update(body).digest("hex");
}

export class Deployer {
  constructor(readonly options: DeployerOptions) {}

  /**
   * Recompiles every site the changes touch and records what each changed
   * resource now waits for. Runs in the caller's transaction.
   */
  async deploy(tx: Queryable, given: readonly Change[], extraSites: readonly string[] = []): Promise<void> {
    const changes = mergeChanges(given);
    const siteIds = [...new Set([...changes.flatMap((c) => c.siteIds), ...extraSites])].sort();
    const sites = await lockSites(tx, siteIds);
    const revisions = await this.recompile(tx, sites);
    for (const change of changes) {
      const targets = [...new Set(change.siteIds)].flatMap((id) => {
        const r = revisions.get(id);
        return r ? [{ siteId: id, revision: r.revision, applied: r.applied }] : [];
      });
      await replaceSyncTargets(tx, change.resourceId, targets, this.options.syncTimeoutMs);
    }
    await notifySites(tx, siteIds);
  }

  private async recompile(tx: Queryable, sites: SiteRow[]): Promise<Map<string, { revision: number; applied: boolean }>> {
    const out = new Map<string, { revision: number; applied: boolean }>();
    if (!sites.length) return out;
    const ids = sites.map((s) => s.id);
    const [groupLinks, listLinks] = await Promise.all([
      tx.query<{ site_id: string; group_id: string }>(`SELECT site_id, group_id FROM group_sites WHERE site_id = ANY($1::text[])`, [ids]),
      tx.query<{ site_id: string; prefix_list_id: string }>(
        `SELECT site_id, prefix_list_id FROM prefix_list_sites WHERE site_id = ANY($1::text[])`,
        [ids],
      ),
    ]);
    const groups = new Map((await loadGroups(tx, undefined, [...new Set(groupLinks.map((l) => l.group_id))])).map((g) => [g.id, g]));
    const referenced = new Set(listLinks.map((l) => l.prefix_list_id));
    for (const g of groups.values()) for (const r of g.rules) if (r.address.startsWith("prfx_lst_")) referenced.add(r.address);
    const lists = new Map((await loadPrefixLists(tx, undefined, [...referenced])).map((l) => [l.id, l]));
    const peers = await referencedGroups(tx, groups.values());

    const groupsOf = groupBy(
      groupLinks,
      (l) => l.site_id,
      (l) => l.group_id,
    );
    const listsOf = groupBy(
      listLinks,
      (l) => l.site_id,
      (l) => l.prefix_list_id,
    );

    // Sites with the same platform, mode and attachments share one compilation (and one stored config).
    const compiled = new Map<string, { body: string; digest: string; managed: boolean }>();
    // What each site enforces now: one query for all of them.
    const current = await revisionDigests(
      tx,
      sites.filter((s) => s.desired_revision > 0).map((s) => ({ siteId: s.id, revision: s.desired_revision })),
    );
    const fresh: NewRevision[] = [];
    for (const site of sites) {
      const siteGroups = (groupsOf.get(site.id) ?? []).sort();
      const siteLists = (listsOf.get(site.id) ?? []).sort();
      const key = [site.platform, site.mode, siteGroups.join(","), siteLists.join(",")].join("|");
      let config = compiled.get(key);
      if (!config) {
        config = this.compileSite(
          site,
          siteGroups.map((id) => groups.get(id)!),
          siteLists,
          lists,
          peers,
        );
        compiled.set(key, config);
      }
      let revision = site.desired_revision;
      if (current.get(site.id) !== config.digest) {
        revision = site.desired_revision + 1;
        fresh.push({ siteId: site.id, revision, digest: config.digest, managed: config.managed });
      }
      out.set(site.id, { revision, applied: site.applied_revision !== null && site.applied_revision >= revision });
    }
    const used = new Set(fresh.map((r) => r.digest));
    await insertRevisions(
      tx,
      [...compiled.values()].filter((c) => used.has(c.digest)),
      fresh,
    );
    return out;
  }

  private compileSite(
    site: SiteRow,
    siteGroups: StoredGroup[],
    directLists: string[],
    lists: Map<string, StoredPrefixList>,
    peers: Map<string, ReferencedGroup>,
  ): { body: string; digest: string; managed: boolean } {
    // A site with no groups is not filtered by us: the agent removes our table.
    if (!siteGroups.length) return { body: "", digest: digestOf(""), managed: false };
    const needed = new Set(directLists);
    const neededPeers = new Set<string>();
    for (const g of siteGroups) {
      for (const r of g.rules) {
        if (r.address.startsWith("prfx_lst_")) needed.add(r.address);
        else if (isGroupReference(r.address)) neededPeers.add(r.address);
      }
    }
    const doc = {
      prefix_lists: [...needed].sort().flatMap((id) => (lists.has(id) ? [lists.get(id)!] : [])),
      security_groups: siteGroups,
      referenced_groups: [...neededPeers].sort().flatMap((id) => (peers.has(id) ? [peers.get(id)!] : [])),
    };
    const body = this.options.compile(doc, site.platform, { mode: site.mode });
    return { body, digest: digestOf(body), managed: true };
  }
}

/** Changes of one resource merged into one (a group written and also referenced by itself waits on all its sites once). */
function mergeChanges(changes: readonly Change[]): Change[] {
  const byResource = new Map<string, Set<string>>();
  for (const c of changes) {
    const sites = byResource.get(c.resourceId);
    if (sites) for (const id of c.siteIds) sites.add(id);
    else byResource.set(c.resourceId, new Set(c.siteIds));
  }
  return [...byResource].map(([resourceId, sites]) => ({ resourceId, siteIds: [...sites] }));
}

/** The groups these groups' rules name as peers, each with its members' effective addresses: one query. */
async function referencedGroups(tx: Queryable, groups: Iterable<StoredGroup>): Promise<Map<string, ReferencedGroup>> {
  const ids = new Set<string>();
  for (const g of groups) for (const r of g.rules) if (isGroupReference(r.address)) ids.add(r.address);
  const out = new Map<string, ReferencedGroup>();
  for (const row of await groupMembers(tx, [...ids])) {
    let group = out.get(row.group_id);
    if (!group) out.set(row.group_id, (group = { id: row.group_id, name: row.group_name, members: [] }));
    if (row.site_id === null) continue;
    group.members.push({
      site: row.site_id,
      name: row.site_name!,
      addresses: effectiveAddresses(row),
    });
  }
  return out;
}

/** Wakes long-polling agents of these sites, on every replica, once the transaction commits. */
async function notifySites(tx: Queryable, siteIds: readonly string[]): Promise<void> {
  let chunk: string[] = [];
  let size = 0;
  for (const id of siteIds) {
    if (size + id.length + 1 > 7000) {
      await tx.query(`SELECT pg_notify($1, $2)`, [SITE_CHANNEL, chunk.join(",")]);
      chunk = [];
      size = 0;
    }
    chunk.push(id);
    size += id.length + 1;
  }
  if (chunk.length) await tx.query(`SELECT pg_notify($1, $2)`, [SITE_CHANNEL, chunk.join(",")]);
}

function groupBy<T>(items: readonly T[], key: (t: T) => string, value: (t: T) => string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(value(item));
    else out.set(k, [value(item)]);
  }
  return out;
}
