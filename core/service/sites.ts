/** Use cases of sites: registration with a one-time agent token, reads, renames, removal. */
import { createHash, randomBytes } from "node:crypto";
import { errors, newId, orThrow, validateSiteWrite, type Site } from "../model";
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
      const before = await this.lockForWrite(tx, orgId, id, ifMatch);
      await sites.updateSite(tx, id, site);
      if (before.platform !== site.platform || before.mode !== site.mode) {
        await this.ctx.deployer.deploy(tx, [], [id]);
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

  private async lockForWrite(tx: Parameters<typeof sites.getSite>[0], orgId: string, id: string, ifMatch: string | undefined) {
    const row = await sites.getSite(tx, orgId, id, true);
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
    desired_revision: row.desired_revision,
    applied_revision: row.applied_revision,
    last_seen: row.last_seen?.toISOString() ?? null,
    online: isOnline(row.last_seen, now, onlineWindowMs),
    drift: row.drift,
    last_error: row.last_error,
    created_at: row.created_at.toISOString(),
  };
}

function notFound(id: string) {
  return errors.notFound(`site ${id} was not found`);
}
