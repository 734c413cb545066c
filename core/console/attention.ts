/**
 * What needs attention first, one definition for the overview route (core/service/overview.ts)
 * and the console's pages (bundled into the browser, hence no imports).
 */

/** Sync statuses, most urgent first. */
export const STATUS_ORDER = ["failed", "syncing", "active"] as const;

export interface SiteAttentionFields {
  name: string;
  online: boolean;
  drift: boolean;
  last_error: string | null;
  desired_revision: number;
  applied_revision: number | null;
}

/** 0 an error, 1 drift restored, 2 offline, 3 behind its desired revision, 4 fine. */
export function siteAttention(site: SiteAttentionFields): number {
  if (site.last_error) return 0;
  if (site.drift) return 1;
  if (!site.online) return 2;
  return site.applied_revision !== site.desired_revision ? 3 : 4;
}

/** Sites needing attention first, by name within one rank. */
export function bySiteAttention(a: SiteAttentionFields, b: SiteAttentionFields): number {
  return siteAttention(a) - siteAttention(b) || compareNames(a.name, b.name);
}

/** Failed first, then syncing, then active; by name within one status. */
export function byStatus(a: { status: string; name: string }, b: { status: string; name: string }): number {
  return rank(a.status) - rank(b.status) || compareNames(a.name, b.name);
}

function rank(status: string): number {
  const i = (STATUS_ORDER as readonly string[]).indexOf(status);
  return i < 0 ? STATUS_ORDER.length : i;
}

/** Code-point order: the same on the server and in every browser, whatever the locale. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
