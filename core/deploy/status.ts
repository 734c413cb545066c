/**
 * Status of a group or prefix list, derived from what it waits on, so no timer
 * or process has to flip it: `syncing` while an attached site has not applied
 * the revision with its change, `failed` once one reported an error or let
 * the deadline pass, `active` otherwise.
 */
import type { SyncError, SyncStatus } from "../model";
import type { SyncTarget } from "../store/revisions";

export interface DerivedStatus {
  status: SyncStatus;
  sync_errors: SyncError[];
}

export function deriveStatus(targets: readonly SyncTarget[], now: Date = new Date()): DerivedStatus {
  const errors: SyncError[] = [];
  let pending = false;
  for (const t of targets) {
    if (t.state === "failed") errors.push({ site: t.site_id, message: t.error ?? "the site could not apply the configuration" });
    else if (t.state === "pending") {
      if (t.deadline.getTime() <= now.getTime()) {
        errors.push({
          site: t.site_id,
          message: `the site did not confirm revision ${t.revision} before the deadline (${t.deadline.toISOString()})`,
        });
      } else pending = true;
    }
  }
  if (errors.length) return { status: "failed", sync_errors: errors };
  return { status: pending ? "syncing" : "active", sync_errors: [] };
}

/** Statuses of many resources from one query's rows. */
export function deriveStatuses(
  resourceIds: readonly string[],
  targets: readonly SyncTarget[],
  now = new Date(),
): Map<string, DerivedStatus> {
  const grouped = new Map<string, SyncTarget[]>(resourceIds.map((id) => [id, []]));
  for (const t of targets) grouped.get(t.resource_id)?.push(t);
  return new Map([...grouped].map(([id, ts]) => [id, deriveStatus(ts, now)]));
}
