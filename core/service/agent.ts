/**
 * The agent side of the API: a site, identified by its token, polls its
 * stored configuration (ETag, long-poll) and reports what it enforced.
 */
import { ApiError, errors } from "../model";
import { digestOf, SITE_CHANNEL } from "../deploy/deployer";
import type { Database } from "../store/database";
import { markApplied, markFailed } from "../store/revisions";
import * as sites from "../store/sites";
import type { AgentView } from "../store/sites";
import type { ServiceContext } from "./context";
import { hashSiteToken } from "./sites";

export interface AgentConfig {
  site_id: string;
  revision: number;
  digest: string;
  /** False: no group is attached; the agent removes our ruleset and filters nothing. */
  managed: boolean;
  platform: string;
  mode: string;
  config: string;
}

export type ConfigPoll = { changed: false; etag: string } | { changed: true; etag: string; body: AgentConfig };

const EMPTY_DIGEST = digestOf("");
export const MAX_WAIT_MS = 60_000;

/** Long-poll wake-ups; fed by NOTIFY so a change on any replica wakes agents on every replica. */
export class SiteWaiters {
  private readonly waiting = new Map<string, Set<() => void>>();
  private unlisten?: () => Promise<void>;

  async start(db: Database): Promise<void> {
    this.unlisten = await db.listen(SITE_CHANNEL, (payload) => {
      for (const id of payload.split(",")) this.wake(id);
    });
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
    for (const id of [...this.waiting.keys()]) this.wake(id);
  }

  private wake(siteId: string): void {
    const set = this.waiting.get(siteId);
    if (!set) return;
    this.waiting.delete(siteId);
    for (const resolve of set) resolve();
  }

  /** Resolves when the site is notified or after `ms`; `cancel` stops waiting early. */
  wait(siteId: string, ms: number): { done: Promise<void>; cancel: () => void } {
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    let set = this.waiting.get(siteId);
    if (!set) this.waiting.set(siteId, (set = new Set()));
    set.add(resolve);
    const timer = setTimeout(resolve, ms);
    const cancel = () => {
      clearTimeout(timer);
      this.waiting.get(siteId)?.delete(resolve);
      resolve();
    };
    void done.then(cancel);
    return { done, cancel };
  }
}

function etagFor(view: AgentView): string {
  return `"r${view.desired_revision}-${(view.digest ?? EMPTY_DIGEST).slice(0, 16)}"`;
}

export class AgentService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly waiters: SiteWaiters,
  ) {}

  async authenticate(token: string | undefined): Promise<AgentView> {
    const view = token ? await sites.siteByTokenHash(this.ctx.db, hashSiteToken(token)) : undefined;
    if (!view) throw errors.unauthorized("a valid site token is required (Authorization: Bearer sgs_...)");
    return view;
  }

  /** Returns the config unless it still matches `ifNoneMatch`, waiting up to `waitMs` for a change. */
  async poll(token: string | undefined, ifNoneMatch: string | undefined, waitMs: number, aborted?: AbortSignal): Promise<ConfigPoll> {
    let view = await this.authenticate(token);
    if (ifNoneMatch === etagFor(view) && waitMs > 0) {
      const waiter = this.waiters.wait(view.id, Math.min(waitMs, MAX_WAIT_MS));
      aborted?.addEventListener("abort", waiter.cancel, { once: true });
      // Re-read after subscribing so a change between the two reads is not missed.
      view = await this.authenticate(token);
      if (ifNoneMatch === etagFor(view)) {
        await waiter.done;
        view = await this.authenticate(token);
      } else waiter.cancel();
    }
    const etag = etagFor(view);
    if (ifNoneMatch === etag) return { changed: false, etag };
    const managed = view.managed === true;
    const config = managed && view.digest ? ((await sites.configBody(this.ctx.db, view.digest)) ?? "") : "";
    return {
      changed: true,
      etag,
      body: {
        site_id: view.id,
        revision: view.desired_revision,
        digest: managed && view.digest ? view.digest : EMPTY_DIGEST,
        managed,
        platform: view.platform,
        mode: view.mode,
        config,
      },
    };
  }

  async report(token: string | undefined, body: unknown): Promise<void> {
    const view = await this.authenticate(token);
    const report = parseReport(body);
    if (report.revision > view.desired_revision) {
      throw new ApiError(422, "invalid_request_error", "unknown_revision", `revision ${report.revision} was never issued to this site (latest is ${view.desired_revision})`);
    }
    await this.ctx.db.transaction(async (tx) => {
      await sites.recordReport(tx, view.id, report);
      if (report.applied) await markApplied(tx, view.id, report.revision);
      else await markFailed(tx, view.id, report.revision, report.error ?? "the agent could not apply the configuration");
    });
  }

  async heartbeat(token: string | undefined): Promise<void> {
    const view = await this.authenticate(token);
    await sites.recordHeartbeat(this.ctx.db, view.id);
  }
}

function parseReport(body: unknown): { revision: number; applied: boolean; digest: string | null; error: string | null; drift: boolean } {
  const o = (typeof body === "object" && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  const problems: string[] = [];
  if (!Number.isInteger(o.revision) || (o.revision as number) < 0) problems.push("revision must be a non-negative integer");
  if (o.status !== "applied" && o.status !== "failed") problems.push(`status must be "applied" or "failed"`);
  if (o.error !== undefined && o.error !== null && typeof o.error !== "string") problems.push("error must be a string");
  if (o.digest !== undefined && o.digest !== null && typeof o.digest !== "string") problems.push("digest must be a string");
  if (o.drift !== undefined && typeof o.drift !== "boolean") problems.push("drift must be a boolean");
  if (problems.length) throw new ApiError(422, "invalid_request_error", "parameter_invalid", problems.join("; "));
  return {
    revision: o.revision as number,
    applied: o.status === "applied",
    digest: (o.digest as string | undefined) ?? null,
    error: typeof o.error === "string" ? o.error.replace(/\u0000/g, "").toWellFormed().slice(0, 4000) : null,
    drift: (o.drift as boolean | undefined) ?? false,
  };
}
