/**
 * Who must recompile when a group's membership changes (#15): every site of
 * every group whose rules name that group as their peer. A site joining or
 * leaving the group, or a member site's effective addresses changing, is such
 * a change; the referencing groups then wait on their sites (`syncing`) as
 * for any change of their own.
 *
 * Lock order, as everywhere: groups before sites. The referencing groups are
 * share-locked (in id order) before their sites are read, so a concurrent
 * writer re-attaching one of them either finishes first (and its new sites are
 * read here) or waits for this transaction (and compiles the new members).
 */
import type { Queryable } from "../store/database";
import { groupsReferencingAny, groupsReferencingSite, shareLockGroups, type ReferencingGroup } from "../store/security-groups";
import type { Change } from "./deployer";

/** The changes caused by a change of who is in `groupIds` (or of their members' addresses). */
export async function referencingChanges(tx: Queryable, groupIds: readonly string[]): Promise<Change[]> {
  if (!groupIds.length) return [];
  return lockedChanges(tx, () => groupsReferencingAny(tx, groupIds));
}

/** The changes caused by a change of site `siteId`'s effective addresses. */
export async function siteAddressChanges(tx: Queryable, siteId: string): Promise<Change[]> {
  return lockedChanges(tx, () => groupsReferencingSite(tx, siteId));
}

async function lockedChanges(tx: Queryable, find: () => Promise<ReferencingGroup[]>): Promise<Change[]> {
  const before = await find();
  if (!before.length) return [];
  await shareLockGroups(
    tx,
    before.map((g) => g.id),
  );
  // Read again under the locks: their attachments are now final for this transaction.
  return (await find()).filter((g) => g.sites.length).map((g) => ({ resourceId: g.id, siteIds: g.sites }));
}

/** The sites the changes reach, sorted (lock them in this order before anything else of theirs). */
export function sitesOf(changes: readonly Change[], extra: readonly string[] = []): string[] {
  return [...new Set([...changes.flatMap((c) => c.siteIds), ...extra])].sort();
}
