/**
 * The overview of an organization in one read, for the console's first page: counts of
 * sites by state and of groups and prefix lists by status, and what needs attention first
 * (failed, then syncing resources; sites with an error, drift, offline or behind), each list
 * cut at `ATTENTION_LIMIT` with its full length beside it. Statuses come from the same
 * derivation as GET /vpc/security-groups (core/deploy/status.ts), site states from toSite.
 */
import type { Site, SyncStatus } from "../model";
import { bySiteAttention, byStatus, siteAttention } from "../console/attention";
import { deriveStatuses } from "../deploy/status";
import { syncTargets } from "../store/revisions";
import { allSites } from "../store/sites";
import { groupNames } from "../store/security-groups";
import { prefixListNames } from "../store/prefix-lists";
import type { ServiceContext } from "./context";
import { toSite } from "./sites";

export const ATTENTION_LIMIT = 20;

export interface ResourceAttention {
  kind: "security_group" | "prefix_list";
  id: string;
  name: string;
  status: SyncStatus;
  /** The first sync error, or how many sites it waits for. */
  problem: string;
}

export interface Overview {
  sites: { total: number; online: number; offline: number; drift: number; errors: number; behind: number };
  security_groups: Record<SyncStatus | "total", number>;
  prefix_lists: Record<SyncStatus | "total", number>;
  attention: ResourceAttention[];
  attention_total: number;
  troubled_sites: Site[];
  troubled_total: number;
}

export class OverviewService {
  constructor(private readonly ctx: ServiceContext) {}

  async overview(orgId: string): Promise<Overview> {
    const windowMs = this.ctx.deployer.options.onlineWindowMs;
    const [siteRows, groups, lists] = await Promise.all([
      allSites(this.ctx.db, orgId),
      groupNames(this.ctx.db, orgId),
      prefixListNames(this.ctx.db, orgId),
    ]);
    const now = new Date();
    const sites = siteRows.map((r) => toSite(r, windowMs, now.getTime()));
    const ids = [...groups.map((g) => g.id), ...lists.map((l) => l.id)];
    const statuses = deriveStatuses(ids, await syncTargets(this.ctx.db, ids), now, windowMs);
    const resources = [
      ...groups.map((g) => ({ ...g, kind: "security_group" as const })),
      ...lists.map((l) => ({ ...l, kind: "prefix_list" as const })),
    ].map((r): ResourceAttention => {
      const s = statuses.get(r.id)!;
      const problem = s.sync_errors[0]?.message ?? (s.pending_sites.length ? `waiting for ${s.pending_sites.length} site(s)` : "");
      return { kind: r.kind, id: r.id, name: r.name, status: s.status, problem };
    });
    const attention = resources.filter((r) => r.status !== "active").sort(byStatus);
    const troubled = sites.filter((s) => siteAttention(s) < 4).sort(bySiteAttention);
    const tally = (kind: ResourceAttention["kind"]) => {
      const of = resources.filter((r) => r.kind === kind);
      return {
        total: of.length,
        active: of.filter((r) => r.status === "active").length,
        syncing: of.filter((r) => r.status === "syncing").length,
        failed: of.filter((r) => r.status === "failed").length,
      };
    };
    return {
      sites: {
        total: sites.length,
        online: sites.filter((s) => s.online).length,
        offline: sites.filter((s) => !s.online).length,
        drift: sites.filter((s) => s.drift).length,
        errors: sites.filter((s) => s.last_error !== null).length,
        behind: sites.filter((s) => s.applied_revision !== s.desired_revision).length,
      },
      security_groups: tally("security_group"),
      prefix_lists: tally("prefix_list"),
      attention: attention.slice(0, ATTENTION_LIMIT),
      attention_total: attention.length,
      troubled_sites: troubled.slice(0, ATTENTION_LIMIT),
      troubled_total: troubled.length,
    };
  }
}
