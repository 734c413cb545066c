/**
 * Use cases of sites: registration with a one-time agent token, reads,
 * changes (name, platform, mode, declared addresses), removal. A change of a
 * site's effective addresses recompiles, in the same transaction, every site
 * whose policy names one of its groups as a peer (core/deploy/membership.ts).
 */
import { createHash, randomBytes } from "node:crypto";
import { effectiveAddresses, errors, newId, orThrow, sameAddresses, validateSiteWrite, type Site } from "../model";
import { siteAddressChanges, sitesOf } from "../deploy/membership";
import type { Queryable } from "../store/database";
import * as sites from "../store/sites";
import type { SiteRow } from "../store/sites";
import { matchesETag, etagOf, type ServiceContext, type Versioned } from "./context";
import { onceper, type Created } from "./idempotent";
import { isOnline } from "../deploy/status";

export const SITE_TOKEN_PREFIX = "sgs_";

export function hashSiteToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export class SiteService {
  constructor(private readonly ctx: ServiceContext) {}

  private get windowMs(): number | undefined {
    return this.ctx.deployer.options.onlineWindowMs;
  }

  async create(orgId: string, body: unknown, idempotencyKey?: string): Promise<Created<Site & { token: string }>> {
    const site = orThrow(validateSiteWrite(body));
    return this.ctx.db.transaction((tx) =>
      onceper(tx, orgId, idempotencyKey, "POST /vpc/sites", body, async () => {
        const id = newId("site");
        const token = SITE_TOKEN_PREFIX + randomBytes(32).toString("base64url");
        await sites.insertSite(tx, { id, orgId, ...site, tokenHash: hashSiteToken(token) });
        return { ...toSite((await sites.getSite(tx, orgId, id))!, this.windowMs), token };
      }),
    );
  }

  async get(orgId: string, id: string): Promise<Versioned<Site>> {
    const row = await sites.getSite(this.ctx.db, orgId, id);
    if (!row) throw notFound(id);
    return { resource: toSite(row, this.windowMs), version: row.version };
  }

  async list(orgId: string, limit: number, after?: string): Promise<Site[]> {
    return (await sites.listSites(this.ctx.db, orgId, limit, after)).map((r) => toSite(r, this.windowMs));
  }

  async replace(orgId: string, id: string, body: unknown, ifMatch?: string): Promise<Versioned<Site>> {
    const site = orThrow(validateSiteWrite(body));
    return this.ctx.db.transaction(async (tx) => {
      const peek = await sites.getSite(tx, orgId, id);
      if (!peek) throw notFound(id);
      // Groups before sites: share-lock the groups naming this site's groups as peers, then lock
      // every site to recompile (this one included) in id order, and only then read this one for the write.
      let viaReferences = addressesMove(peek, site.addresses) ? await siteAddressChanges(tx, id) : undefined;
      await sites.lockSites(tx, sitesOf(viaReferences ?? [], [id]));
      const before = await this.lockForWrite(tx, orgId, id, ifMatch, "no key update");
      await sites.updateSite(tx, id, site);
      const moved = addressesMove(before, site.addresses);
      if (moved) viaReferences ??= await siteAddressChanges(tx, id);
      const reconfigured = before.platform !== site.platform || before.mode !== site.mode;
      if (moved || reconfigured) {
        await this.ctx.deployer.deploy(tx, moved ? viaReferences! : [], reconfigured ? [id] : []);
      }
      const row = (await sites.getSite(tx, orgId, id))!;
      return { resource: toSite(row, this.windowMs), version: row.version };
    });
  }

  async remove(orgId: string, id: string, ifMatch?: string): Promise<void> {
    await this.ctx.db.transaction(async (tx) => {
      await this.lockForWrite(tx, orgId, id, ifMatch);
      const attached = await sites.siteAttachments(tx, id);
      const users = [...attached.groups, ...attached.prefixLists];
      if (users.length) {
        throw errors.conflict("site_in_use", `site ${id} is still attached to ${users.join(", ")}; detach it from them first`);
      }
      await sites.deleteSite(tx, id);
    });
  }

  private async lockForWrite(tx: Queryable, orgId: string, id: string, ifMatch: string | undefined, lock: sites.SiteLock = "update") {
    const row = await sites.getSite(tx, orgId, id, lock);
    if (!row) throw notFound(id);
    if (!matchesETag(ifMatch, row.version)) {
      throw errors.preconditionFailed(`site ${id} has changed (it is now ${etagOf(row.version)}); read it again and retry`);
    }
    return row;
  }
}

export function toSite(row: SiteRow, onlineWindowMs?: number, now = Date.now()): Site {
  return {
    id: row.id,
    name: row.name,
    platform: row.platform,
    mode: row.mode,
    addresses: row.addresses,
    reported_addresses: row.reported_addresses,
    desired_revision: row.desired_revision,
    applied_revision: row.applied_revision,
    last_seen: row.last_seen?.toISOString() ?? null,
    online: isOnline(row.last_seen, now, onlineWindowMs),
    drift: row.drift,
    last_error: row.last_error,
    created_at: row.created_at.toISOString(),
  };
}

/** Whether declaring `declared` changes the site's effective addresses. */
function addressesMove(row: SiteRow, declared: readonly string[]): boolean {
  return !sameAddresses(effectiveAddresses(row), effectiveAddresses({ addresses: declared, reported_addresses: row.reported_addresses }));
}

function notFound(id: string) {
  return errors.notFound(`site ${id} was not found`);
}
