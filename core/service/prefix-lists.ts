/** Use cases of prefix lists: validate, store, deploy to every site that uses them, in one transaction. */
import { checkReferences, errors, orThrow, validatePrefixListWrite, ValidationError, type PrefixList } from "../model";
import { deriveStatuses } from "../deploy/status";
import type { Queryable } from "../store/database";
import * as lists from "../store/prefix-lists";
import { groupsReferencing, groupSites } from "../store/security-groups";
import { existingSites } from "../store/sites";
import { deleteSyncTargets, syncTargets } from "../store/revisions";
import { guardWrite, type ServiceContext, type Versioned } from "./context";
import { onceper, type Created } from "./idempotent";

export class PrefixListService {
  constructor(private readonly ctx: ServiceContext) {}

  async create(orgId: string, body: unknown, idempotencyKey?: string): Promise<Created<PrefixList>> {
    const list = orThrow(validatePrefixListWrite(body));
    return this.ctx.db.transaction((tx) =>
      onceper(tx, orgId, idempotencyKey, "POST /vpc/prefix-lists", body, async () => {
        await assertSites(tx, orgId, list.sites);
        const id = await lists.insertPrefixList(tx, orgId, list);
        await this.ctx.deployer.deploy(tx, [{ resourceId: id, siteIds: list.sites }]);
        return (await this.read(tx, orgId, id))!.resource;
      }),
    );
  }

  async get(orgId: string, id: string): Promise<Versioned<PrefixList>> {
    const found = await this.read(this.ctx.db, orgId, id);
    if (!found) throw notFound(id);
    return found;
  }

  async list(orgId: string, limit: number, after?: string): Promise<PrefixList[]> {
    const stored = await lists.listPrefixLists(this.ctx.db, orgId, limit, after);
    return (await withStatus(this.ctx.db, stored, this.ctx.deployer.options.onlineWindowMs)).map((v) => v.resource);
  }

  async replace(orgId: string, id: string, body: unknown, ifMatch?: string): Promise<Versioned<PrefixList>> {
    const list = orThrow(validatePrefixListWrite(body));
    return this.ctx.db.transaction(async (tx) => {
      const before = await this.lockForWrite(tx, orgId, id, ifMatch);
      await assertSites(tx, orgId, list.sites);
      await lists.replacePrefixList(tx, id, list);
      const viaGroups = await sitesOfGroupsUsing(tx, id);
      await this.ctx.deployer.deploy(tx, [{ resourceId: id, siteIds: [...before.sites, ...list.sites, ...viaGroups] }]);
      return (await this.read(tx, orgId, id))!;
    });
  }

  async remove(orgId: string, id: string, ifMatch?: string): Promise<void> {
    await this.ctx.db.transaction(async (tx) => {
      const before = await this.lockForWrite(tx, orgId, id, ifMatch);
      const users = await groupsReferencing(tx, id);
      if (users.length) {
        throw errors.conflict(
          "prefix_list_in_use",
          `prefix list ${id} is referenced by security groups ${users.join(", ")}; remove those rules first`,
        );
      }
      await deleteSyncTargets(tx, id);
      await lists.deletePrefixList(tx, id);
      await this.ctx.deployer.deploy(tx, [], before.sites);
    });
  }

  private async lockForWrite(tx: Queryable, orgId: string, id: string, ifMatch: string | undefined) {
    const locked = await lists.lockPrefixList(tx, orgId, id);
    if (!locked) throw notFound(id);
    const current = (await this.read(tx, orgId, id))!;
    guardWrite("prefix list", id, locked.version, current.resource.pending_sites, ifMatch);
    return current.resource;
  }

  private async read(q: Queryable, orgId: string, id: string): Promise<Versioned<PrefixList> | undefined> {
    const [stored] = await lists.loadPrefixLists(q, orgId, [id]);
    return stored ? (await withStatus(q, [stored], this.ctx.deployer.options.onlineWindowMs))[0] : undefined;
  }
}

async function sitesOfGroupsUsing(tx: Queryable, prefixListId: string): Promise<string[]> {
  const groupIds = await groupsReferencing(tx, prefixListId);
  return (await Promise.all(groupIds.map((g) => groupSites(tx, g)))).flat();
}

async function withStatus(q: Queryable, stored: lists.StoredPrefixList[], onlineWindowMs?: number): Promise<Versioned<PrefixList>[]> {
  const statuses = deriveStatuses(
    stored.map((l) => l.id),
    await syncTargets(
      q,
      stored.map((l) => l.id),
    ),
    undefined,
    onlineWindowMs,
  );
  return stored.map(({ version, created_at, updated_at, ...l }) => {
    const s = statuses.get(l.id)!;
    return {
      version,
      resource: { ...l, status: s.status, sync_errors: s.sync_errors, pending_sites: s.pending_sites, created_at, updated_at },
    };
  });
}

async function assertSites(tx: Queryable, orgId: string, sites: string[]) {
  const issues = checkReferences({ sites }, { prefixLists: new Set(), sites: await existingSites(tx, orgId, sites) });
  if (issues.length) throw new ValidationError(issues);
}

function notFound(id: string) {
  return errors.notFound(`prefix list ${id} was not found`);
}
