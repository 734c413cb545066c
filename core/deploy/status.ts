/**
 * Status of a group or prefix list, derived from what it waits on, so no timer
 * or process has to flip it: `syncing` while an attached site has not applied
 * the revision with its change, `failed` once one reported an error or, while
 * online, let the deadline pass, `active` otherwise.
 *
 * Only sites whose agent is online hold the write lock: a site that never
 * connected or is offline cannot confirm anything soon, so its revision just
 * queues (it gets the latest one when it connects) and it is listed in
 * `pending_sites` with the reason instead of locking writers out or failing.
 */
import type { PendingSite, SyncError, SyncStatus } from "../model";
import type { SyncTarget } from "../store/revisions";

/** A site counts as online when its agent was heard from within this window (3 heartbeats); `serve --site-offline-after`. */
export const ONLINE_WINDOW_MS = 90_000;

export function isOnline(lastSeen: Date | null, now: number = Date.now(), windowMs: number = ONLINE_WINDOW_MS): boolean {
  return lastSeen !== null && now - lastSeen.getTime() < windowMs;
}

export interface DerivedStatus {
  status: SyncStatus;
  sync_errors: SyncError[];
  pending_sites: PendingSite[];
}

/** The sites that lock writes (409 resource_syncing): online ones still applying within the deadline. */
export function lockingSites(pending: readonly PendingSite[]): PendingSite[] {
  return pending.filter((p) => p.reason === "applying");
}

export function deriveStatus(targets: readonly SyncTarget[], now: Date = new Date(), onlineWindowMs = ONLINE_WINDOW_MS): DerivedStatus {
  const errors: SyncError[] = [];
  const pending: PendingSite[] = [];
  for (const t of targets) {
    if (t.state === "failed") {
      errors.push({ site: t.site_id, message: t.error ?? "the site could not apply the configuration" });
      continue;
    }
    if (t.state !== "pending") continue;
    const online = isOnline(t.last_seen, now.getTime(), onlineWindowMs);
    if (online && t.deadline.getTime() <= now.getTime()) {
      errors.push({
        site: t.site_id,
        message: `the site did not confirm revision ${t.revision} before the deadline (${t.deadline.toISOString()})`,
      });
      continue;
    }
    pending.push({
      site: t.site_id,
      reason: online ? "applying" : t.last_seen === null ? "never_connected" : "offline",
      revision: t.revision,
      applied_revision: t.applied_revision,
      last_seen: t.last_seen?.toISOString() ?? null,
    });
  }
  if (errors.length) return { status: "failed", sync_errors: errors, pending_sites: pending };
  return { status: pending.length ? "syncing" : "active", sync_errors: [], pending_sites: pending };
}

/** Statuses of many resources from one query's rows. */
export function deriveStatuses(
  resourceIds: readonly string[],
  targets: readonly SyncTarget[],
  now = new Date(),
  onlineWindowMs = ONLINE_WINDOW_MS,
): Map<string, DerivedStatus> {
  const grouped = new Map<string, SyncTarget[]>(resourceIds.map((id) => [id, []]));
  for (const t of targets) grouped.get(t.resource_id)?.push(t);
  return new Map([...grouped].map(([id, ts]) => [id, deriveStatus(ts, now, onlineWindowMs)]));
}
