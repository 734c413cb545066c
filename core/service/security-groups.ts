/** Use cases of security groups: validate, check references, store, deploy, in one transaction. */
import {
  checkReferences,
  errors,
  newId,
  orThrow,
  referencedGroups,
  referencedPrefixLists,
  selfAsId,
  validateSecurityGroupWrite,
  ValidationError,
  type NormalizedSecurityGroupWrite,
  type SecurityGroup,
} from "../model";
import { referencingChanges } from "../deploy/membership";
import { deriveStatuses } from "../deploy/status";
import type { Queryable } from "../store/database";
import * as groups from "../store/security-groups";
import { existingPrefixLists } from "../store/prefix-lists";
import { existingSites } from "../store/sites";
import { deleteSyncTargets, syncTargets } from "../store/revisions";
import { guardWrite, type ServiceContext, type Versioned } from "./context";
import { onceper, type Created } from "./idempotent";

export class SecurityGroupService {
  constructor(private readonly ctx: ServiceContext) {}

  async create(orgId: string, body: unknown, idempotencyKey?: string): Promise<Created<SecurityGroup>> {
    const written = orThrow(validateSecurityGroupWrite(body));
    return this.ctx.db.transaction((tx) =>
      onceper(tx, orgId, idempotencyKey, "POST /vpc/security-groups", body, async () => {
        // The id first, so that rules saying `self` are stored with it in this one write.
        const id = newId("securityGroup");
        const group = withOwnId(written, id);
        await assertReferences(tx, orgId, group, id);
        await groups.insertGroup(tx, orgId, group, id);
        await this.ctx.deployer.deploy(tx, [{ resourceId: id, siteIds: group.sites }]);
        return (await this.read(tx, orgId, id))!.resource;
      }),
    );
  }

  async get(orgId: string, id: string): Promise<Versioned<SecurityGroup>> {
    const found = await this.read(this.ctx.db, orgId, id);
    if (!found) throw notFound(id);
    return found;
  }

  async list(orgId: string, limit: number, after?: string): Promise<SecurityGroup[]> {
    const stored = await groups.listGroups(this.ctx.db, orgId, limit, after);
    return (await withStatus(this.ctx.db, stored, this.ctx.deployer.options.onlineWindowMs)).map((v) => v.resource);
  }

  async replace(orgId: string, id: string, body: unknown, ifMatch?: string): Promise<Versioned<SecurityGroup>> {
    const group = withOwnId(orThrow(validateSecurityGroupWrite(body)), id);
    return this.ctx.db.transaction(async (tx) => {
      const before = await this.lockForWrite(tx, orgId, id, ifMatch, "no key update");
      await assertReferences(tx, orgId, group, id);
      await groups.replaceGroup(tx, id, group);
      // Sites joined or left: every group naming this one as a peer recompiles its sites too.
      const joinedOrLeft = !sameSites(before.sites, group.sites);
      const viaReferences = joinedOrLeft ? await referencingChanges(tx, [id]) : [];
      await this.ctx.deployer.deploy(tx, [{ resourceId: id, siteIds: [...before.sites, ...group.sites] }, ...viaReferences]);
      return (await this.read(tx, orgId, id))!;
    });
  }

  async remove(orgId: string, id: string, ifMatch?: string): Promise<void> {
    await this.ctx.db.transaction(async (tx) => {
      const before = await this.lockForWrite(tx, orgId, id, ifMatch);
      const users = await groups.groupsReferencingGroup(tx, id);
      if (users.length) {
        throw errors.conflict(
          "security_group_in_use",
          `security group ${id} is referenced by security groups ${users.join(", ")}; remove those rules first`,
        );
      }
      await deleteSyncTargets(tx, id);
      await groups.deleteGroup(tx, id);
      // The group is gone; its sites still get a revision without it.
      await this.ctx.deployer.deploy(tx, [], before.sites);
    });
  }

  /** Locks the group (see lockGroup for the mode) and enforces If-Match and the `syncing` lock. */
  private async lockForWrite(
    tx: Queryable,
    orgId: string,
    id: string,
    ifMatch: string | undefined,
    lock: "update" | "no key update" = "update",
  ) {
    const locked = await groups.lockGroup(tx, orgId, id, lock);
    if (!locked) throw notFound(id);
    const current = (await this.read(tx, orgId, id))!;
    guardWrite("security group", id, locked.version, current.resource.pending_sites, ifMatch);
    return current.resource;
  }

  private async read(q: Queryable, orgId: string, id: string): Promise<Versioned<SecurityGroup> | undefined> {
    const [stored] = await groups.loadGroups(q, orgId, [id]);
    return stored ? (await withStatus(q, [stored], this.ctx.deployer.options.onlineWindowMs))[0] : undefined;
  }
}

async function withStatus(q: Queryable, stored: groups.StoredGroup[], onlineWindowMs?: number): Promise<Versioned<SecurityGroup>[]> {
  const statuses = deriveStatuses(
    stored.map((g) => g.id),
    await syncTargets(
      q,
      stored.map((g) => g.id),
    ),
    undefined,
    onlineWindowMs,
  );
  return stored.map(({ version, ...g }) => {
    const s = statuses.get(g.id)!;
    const { created_at, updated_at, ...rest } = g;
    return {
      version,
      resource: { ...rest, status: s.status, sync_errors: s.sync_errors, pending_sites: s.pending_sites, created_at, updated_at },
    };
  });
}

/** The write with its `self` rules naming the group's id, as stored. */
function withOwnId(group: NormalizedSecurityGroupWrite, id: string): NormalizedSecurityGroupWrite {
  const rules = selfAsId(group.rules, id);
  return rules === group.rules ? group : { ...group, rules: [...rules] };
}

/** `ownId`: the group being written, which its own rules may name (on create it does not exist yet). */
async function assertReferences(tx: Queryable, orgId: string, group: NormalizedSecurityGroupWrite, ownId: string) {
  const refs = referencedPrefixLists(group);
  const peers = referencedGroups(group);
  peers.delete(ownId);
  // One after the other: one transaction is one connection (pg deprecates overlapping queries on a
  // client), and the locks these take come in a fixed order: prefix lists, groups, then sites.
  const lists = await existingPrefixLists(tx, orgId, [...refs.keys()]);
  const known = await groups.existingGroups(tx, orgId, [...peers.keys()]);
  const sites = await existingSites(tx, orgId, group.sites);
  const issues = checkReferences({ prefixLists: refs, groups: peers, sites: group.sites }, { prefixLists: lists, groups: known, sites });
  if (issues.length) throw new ValidationError(issues);
}

function sameSites(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return a.length === b.length && b.every((id) => set.has(id));
}

function notFound(id: string) {
  return errors.notFound(`security group ${id} was not found`);
}
