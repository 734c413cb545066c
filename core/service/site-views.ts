/**
 * Read-only views of a site for the console (and any API client): the effective policy its
 * desired revision was compiled from, with the compiled text per platform; its revision
 * history; the semantic diff of two revisions (core/review's); and a change fingerprint of an
 * organization that the event stream watches. Everything is scoped by organization exactly
 * as the resource routes are.
 */
import { errors, PLATFORMS, type FilterRule, type Platform, type SiteMode } from "../model";
import { normalizePolicy, type PolicyDocumentInput } from "../policy";
import { compilePolicy } from "../platforms";
import { readPolicyDocument } from "../review/inputs/policy-file";
import { renderJson } from "../review/json";
import { reviewSnapshots } from "../review/review";
import { getSite, type SiteRow } from "../store/sites";
import { listSiteRevisions, siteRevisionDetail } from "../store/revisions";
import type { Queryable } from "../store/database";
import type { ServiceContext } from "./context";

/** How many revisions the history lists (newest first). */
export const REVISION_HISTORY_LIMIT = 100;

export interface EffectiveRule {
  group: { id: string; name: string };
  rule: FilterRule;
}

export interface EffectivePolicy {
  site: string;
  revision: number;
  /** False when the site has no groups: the agent removes our table and nothing is filtered. */
  managed: boolean;
  groups: { id: string; name: string }[];
  /** Every attached group's rules merged in evaluation order (order, then group id, then rule id). */
  rules: EffectiveRule[];
  prefix_lists: { id: string; name: string; prefixes: { cidr: string; description: string | null }[] }[];
  /** The compiled text per platform; the site's own platform's is the stored revision's. */
  compiled: { platform: Platform; text: string; error: string | null }[];
}

export interface SiteRevisionSummary {
  revision: number;
  created_at: string;
  managed: boolean;
  desired: boolean;
  applied: boolean;
  /** Whether the policy it was compiled from is stored (needed for a diff). */
  diffable: boolean;
}

/** The policy document a revision was compiled from, as the deployer stores it. */
interface StoredDocument {
  prefix_lists: { id: string; name: string; description: string | null; prefixes: { cidr: string; description: string | null }[] }[];
  security_groups: { id: string; name: string; description: string | null; sites: string[]; rules: FilterRule[] }[];
}

export class SiteViewService {
  constructor(private readonly ctx: ServiceContext) {}

  async effectivePolicy(orgId: string, siteId: string): Promise<EffectivePolicy> {
    const site = await this.site(orgId, siteId);
    const revision = site.desired_revision;
    const stored = revision > 0 ? await siteRevisionDetail(this.ctx.db, siteId, revision) : undefined;
    if (stored && stored.policy === null) {
      throw errors.notFound(
        `revision ${revision} of site ${siteId} was compiled before policy snapshots were kept; change a group to make a new one`,
      );
    }
    // A site never compiled (no groups yet) has the empty policy.
    const doc: StoredDocument = stored?.policy ? JSON.parse(stored.policy) : { prefix_lists: [], security_groups: [] };
    const managed = stored?.managed ?? false;
    const byId = new Map(
      doc.security_groups.flatMap((g) => g.rules.map((r) => [r.id, { group: { id: g.id, name: g.name }, rule: r }] as const)),
    );
    const normal = normalizePolicy(doc, { mode: site.mode });
    return {
      site: siteId,
      revision,
      managed,
      groups: doc.security_groups.map((g) => ({ id: g.id, name: g.name })),
      rules: normal.rules.flatMap((r) => {
        const found = byId.get(r.id);
        return found ? [found] : [];
      }),
      prefix_lists: doc.prefix_lists.map((l) => ({
        id: String(l.id),
        name: String(l.name),
        prefixes: l.prefixes.map((p) => ({ cidr: p.cidr, description: p.description ?? null })),
      })),
      compiled: PLATFORMS.map((platform) =>
        compiledFor(doc, platform, site.mode, managed, platform === site.platform ? stored?.config : undefined),
      ),
    };
  }

  async revisions(orgId: string, siteId: string): Promise<SiteRevisionSummary[]> {
    const site = await this.site(orgId, siteId);
    const rows = await listSiteRevisions(this.ctx.db, siteId, REVISION_HISTORY_LIMIT);
    return rows.map((r) => ({
      revision: r.revision,
      created_at: r.created_at.toISOString(),
      managed: r.managed,
      desired: r.revision === site.desired_revision,
      applied: site.applied_revision !== null && r.revision === site.applied_revision,
      diffable: r.has_policy,
    }));
  }

  /** core/review's review of revision `base` -> `head` of one site, as its JSON rendering. */
  async diff(orgId: string, siteId: string, base: number, head: number): Promise<Record<string, unknown>> {
    const site = await this.site(orgId, siteId);
    const [before, after] = await Promise.all([this.snapshotOf(site, base), this.snapshotOf(site, head)]);
    return JSON.parse(renderJson(reviewSnapshots(before, after))) as Record<string, unknown>;
  }

  private async snapshotOf(site: SiteRow, revision: number) {
    const stored = await siteRevisionDetail(this.ctx.db, site.id, revision);
    if (!stored) throw errors.notFound(`site ${site.id} has no revision ${revision}`);
    if (stored.policy === null) {
      throw errors.notFound(`revision ${revision} of site ${site.id} was compiled before policy snapshots were kept; it has no diff`);
    }
    const doc = JSON.parse(stored.policy) as { security_groups: { id: string; sites?: string[] }[] };
    // The diff is about this site: each group as attached to it alone. The groups that rules name as
    // their peer come with their members and addresses as compiled (referenced_groups).
    const scoped = {
      ...doc,
      security_groups: doc.security_groups.map((g) => ({ ...g, sites: [site.id] })),
      sites: [{ id: site.id, name: site.name }],
    };
    return readPolicyDocument(scoped, `revision ${revision}`).after;
  }

  private async site(orgId: string, siteId: string): Promise<SiteRow> {
    const row = await getSite(this.ctx.db, orgId, siteId);
    if (!row) throw errors.notFound(`site ${siteId} was not found`);
    return row;
  }
}

function compiledFor(
  doc: PolicyDocumentInput,
  platform: Platform,
  mode: SiteMode,
  managed: boolean,
  stored: string | undefined,
): EffectivePolicy["compiled"][number] {
  if (stored !== undefined) return { platform, text: stored, error: null };
  if (!managed) return { platform, text: "", error: null };
  try {
    return { platform, text: compilePolicy(doc, platform, { mode }), error: null };
  } catch (err) {
    return { platform, text: "", error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * A digest of everything the console shows about an organization that changes without a
 * write through the API (agent reports, deadlines passing, sites going offline) and of every
 * write: the event stream sends a change when it differs.
 */
export async function organizationFingerprint(q: Queryable, orgId: string, onlineWindowMs: number): Promise<string> {
  const rows = await q.query<{ fingerprint: string | null }>(
    `SELECT md5(concat_ws('|',
       (SELECT string_agg(concat_ws(',', id, version, desired_revision, applied_revision, drift, last_error,
                                    last_seen IS NOT NULL AND last_seen > now() - ($2::int * interval '1 millisecond')), ';' ORDER BY id)
          FROM sites WHERE org_id = $1),
       (SELECT string_agg(concat_ws(',', id, version), ';' ORDER BY id) FROM security_groups WHERE org_id = $1),
       (SELECT string_agg(concat_ws(',', id, version), ';' ORDER BY id) FROM prefix_lists WHERE org_id = $1),
       (SELECT string_agg(concat_ws(',', t.resource_id, t.site_id, t.revision, t.state, t.error, t.deadline <= now()), ';'
                          ORDER BY t.resource_id, t.site_id)
          FROM sync_targets t JOIN sites s ON s.id = t.site_id WHERE s.org_id = $1)
     )) AS fingerprint`,
    [orgId, onlineWindowMs],
  );
  return rows[0]?.fingerprint ?? "";
}
