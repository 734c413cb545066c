/**
 * What the provider says while it waits. A dynamic provider runs in its own
 * process without the engine's logging connection (`pulumi.log` only reaches
 * the engine from the program), so progress goes to the provider process's
 * stderr, which the CLI shows as diagnostics: at most one line every ~10 s per
 * resource, naming the sites waited for and why.
 */
import type { PendingSite, SyncError } from "../../core/model";

export const PROGRESS_EVERY_MS = 10_000;

/** Site names by id, where known (the API's pending_sites carry ids only). */
export type SiteNames = ReadonlyMap<string, string>;

/** `web-1` named by the user first, then the id, which the API speaks. */
function nameOf(site: string, names: SiteNames): string | undefined {
  return names.get(site) || undefined;
}

function ago(lastSeen: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(lastSeen)) / 1000));
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

/** `web-1 (never connected)`, `db-1 (applied 6, last seen 3 s ago)`; the revision only when sites differ. */
export function describeSite(p: PendingSite, names: SiteNames, now: number, withRevision: boolean): string {
  const name = nameOf(p.site, names);
  const parts: string[] = name ? [p.site] : [];
  if (withRevision) parts.push(`revision ${p.revision}`);
  if (p.reason === "never_connected" || p.last_seen === null) parts.push("never connected");
  else {
    if (p.applied_revision !== null) parts.push(`applied ${p.applied_revision}`);
    parts.push(`${p.reason === "offline" ? "offline, " : ""}last seen ${ago(p.last_seen, now)}`);
  }
  return `${name ?? p.site} (${parts.join(", ")})`;
}

/** `2 sites to apply revision 7: web-1 (never connected), db-1 (applied 6, last seen 3 s ago)` */
export function describePending(pending: readonly PendingSite[], names: SiteNames, now: number = Date.now()): string {
  const revisions = new Set(pending.map((p) => p.revision));
  const same = revisions.size === 1;
  const count = `${pending.length} site${pending.length === 1 ? "" : "s"}`;
  const head = same ? `${count} to apply revision ${[...revisions][0]}` : `${count} to apply their revisions`;
  return `${head}: ${pending.map((p) => describeSite(p, names, now, !same)).join(", ")}`;
}

/** Sites that can confirm soon (online); the others only queue their revision. */
export function applying(pending: readonly PendingSite[]): PendingSite[] {
  return pending.filter((p) => p.reason === "applying");
}

export function queued(pending: readonly PendingSite[]): PendingSite[] {
  return pending.filter((p) => p.reason !== "applying");
}

export function describeErrors(errors: readonly SyncError[], names: SiteNames): string {
  return errors
    .map((e) => {
      const name = nameOf(e.site, names);
      return `${name ? `${name} (${e.site})` : e.site}: ${e.message}`;
    })
    .join("; ");
}

/** Writes a line at most every `everyMs` (the first at once); `sink` is stderr by default. */
export class ProgressLog {
  private last = -Infinity;

  constructor(
    private readonly prefix: string,
    private readonly sink: (line: string) => void = (line) => process.stderr.write(line + "\n"),
    private readonly everyMs = PROGRESS_EVERY_MS,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Whether `tick` would log now (to skip the work of a message that would be dropped). */
  due(): boolean {
    return this.clock() - this.last >= this.everyMs;
  }

  /** Logs unless a line went out less than `everyMs` ago; true when it logged. */
  tick(message: string): boolean {
    const now = this.clock();
    if (now - this.last < this.everyMs) return false;
    this.last = now;
    this.sink(`${this.prefix}: ${message}`);
    return true;
  }

  /** Always logs (final outcomes). */
  say(message: string): void {
    this.sink(`${this.prefix}: ${message}`);
  }
}
