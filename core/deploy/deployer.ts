/**
 * Which sites need which revision. Every change to a group, a prefix list or
 * an attachment recompiles the affected sites once, inside the writer's
 * transaction, and stores the result as each site's next revision; agents
 * then only read stored text.
 */
import { effectiveAddresses, isGroupReference, type Platform, type SiteMode } from "../model";
import { PrefixListMemo } from "../policy";
import type { Queryable } from "../store/database";
import { groupMembers, loadGroups, type StoredGroup } from "../store/security-groups";
import { PrefixListCache, type CachedPrefixList } from "./prefix-list-cache";
import { lockSites, type SiteRow } from "../store/sites";
import { contentDigest as digestOf, PolicySnapshotter, type PolicySnapshot } from "../store/policy-snapshots";
import { configDepths, insertRevisions, replaceSyncTargets, revisionDigests, type NewConfig, type NewRevision } from "../store/revisions";

/** A group that rules name as their peer, with its member sites' effective addresses (PolicyDocumentInput.referenced_groups). */
export interface ReferencedGroup {
  id: string;
  name: string;
  members: { site: string; name: string; addresses: readonly string[] }[];
}

/** Renders a site's policy; `compilePolicy` of core/platforms in production. */
export type CompileFn = (
  doc: { prefix_lists: CachedPrefixList[]; security_groups: StoredGroup[]; referenced_groups: ReferencedGroup[] },
  platform: Platform,
  options: { mode: SiteMode; memo?: PrefixListMemo },
) => string;

/** A resource whose change must reach `siteIds` (attached before or after the change). */
export interface Change {
  resourceId: string;
  siteIds: readonly string[];
}

export const SITE_CHANNEL = "secgroups_site";

/** Compiled texts kept as delta bases (content-addressed, so never stale). */
const RECENT_CONFIGS = 16;

export interface DeployerOptions {
  compile: CompileFn;
  /** How long a site may take to confirm a revision before the change counts as failed. */
  syncTimeoutMs: number;
  /** How long since its agent was last heard from a site counts as online (and can hold the syncing lock). */
  onlineWindowMs?: number;
  /** Called with each configuration compiled (before the transaction commits; it is content-addressed, so that is safe). */
  onCompiled?: (digest: string, body: string) => void;
}

export { digestOf };

export class Deployer {
  /** Unchanged prefix lists are neither re-read nor re-normalized (see prefix-list-cache.ts). */
  readonly prefixLists = new PrefixListCache();
  readonly memo = new PrefixListMemo();
  /** Each unchanged list's stored form (piece) is serialized and hashed once. */
  private readonly snapshots = new PolicySnapshotter();
  /** Texts compiled lately, by digest: the bases new configurations are stored as deltas of. */
  private readonly recent = new Map<string, string>();

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
    const lists = await this.prefixLists.load(tx, [...referenced]);
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
    const compiled = new Map<string, CompiledSite>();
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
        fresh.push({ siteId: site.id, revision, digest: config.digest, managed: config.managed, policyDigest: config.policy.digest });
      }
      out.set(site.id, { revision, applied: site.applied_revision !== null && site.applied_revision >= revision });
    }
    const used = new Set(fresh.map((r) => r.digest));
    const usedPolicies = new Set(fresh.map((r) => r.policyDigest));
    await insertRevisions(
      tx,
      await this.withBases(
        tx,
        [...compiled.values()].filter((c) => used.has(c.digest)),
        fresh,
        current,
      ),
      fresh,
      [...compiled.values()].map((c) => c.policy).filter((p) => usedPolicies.has(p.digest)),
    );
    return out;
  }

  /** Each new configuration with the one its first site enforced before, when that text is at hand, to store it as a delta. */
  private async withBases(
    tx: Queryable,
    configs: { digest: string; body: string }[],
    fresh: NewRevision[],
    current: Map<string, string>,
  ): Promise<NewConfig[]> {
    const baseOf = new Map<string, string>();
    for (const r of fresh) {
      const before = current.get(r.siteId);
      if (before && !baseOf.has(r.digest) && this.recent.has(before)) baseOf.set(r.digest, before);
    }
    const depths = await configDepths(tx, [...new Set(baseOf.values())]);
    return configs.map((c) => {
      const base = baseOf.get(c.digest);
      const depth = base === undefined ? undefined : depths.get(base);
      return depth === undefined ? c : { ...c, base: { digest: base!, body: this.recent.get(base!)!, depth } };
    });
  }

  private remember(digest: string, body: string): void {
    this.recent.delete(digest);
    this.recent.set(digest, body);
    if (this.recent.size > RECENT_CONFIGS) this.recent.delete(this.recent.keys().next().value!);
  }

  private compileSite(
    site: SiteRow,
    siteGroups: StoredGroup[],
    directLists: string[],
    lists: Map<string, CachedPrefixList>,
    peers: Map<string, ReferencedGroup>,
  ): CompiledSite {
    // A site with no groups is not filtered by us: the agent removes our table.
    if (!siteGroups.length)
      return { body: "", digest: digestOf(""), managed: false, policy: this.snapshots.snapshot({ prefix_lists: [], security_groups: [] }) };
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
    const body = this.options.compile(doc, site.platform, { mode: site.mode, memo: this.memo });
    const digest = digestOf(body);
    this.options.onCompiled?.(digest, body);
    this.remember(digest, body);
    return { body, digest, managed: true, policy: this.snapshots.snapshot(doc) };
  }
}

/** A compiled configuration and the policy document it was compiled from (stored with each revision). */
interface CompiledSite {
  body: string;
  digest: string;
  managed: boolean;
  policy: PolicySnapshot;
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
