/**
 * The site agent's loop: long-poll the site's configuration, put each new
 * revision in force atomically, verify it, report the outcome; keep the last
 * policy in force (and re-apply it after drift or a restart) whatever the
 * control plane's state. Talks to the control plane over HTTP only.
 *
 * Each new revision goes to the enforcer with the one before it, so the
 * platform can load only the difference (core/platforms/<name>/enforce.ts).
 * Drift: the enforcer's change watch (nft monitor) triggers a cheap check at
 * once, a cheap check runs every `driftCheckMs` as well, and a full
 * read-back every `fullVerifyMs` as the safety net.
 */
import { Backoff } from "./backoff";
import { RejectedError, type AgentApi, type AgentConfigBody, type Report } from "./client";
import type { AppliedConfig, ApplyOutcome, ControlPlaneAddress, Enforcer } from "../platforms/platform";
import { createAgentLog, type AgentLog } from "./log";
import { saveState, loadState, type AppliedState } from "./state";

export interface AgentOptions {
  api: AgentApi;
  /** Picks the enforcer for a site's platform; throws for platforms the agent cannot enforce. */
  enforcerFor(platform: string): Enforcer;
  /** Control-plane addresses for the exception (resolved from the endpoint). */
  resolveControlPlane(): Promise<ControlPlaneAddress[]>;
  stateDir: string;
  pollWaitSeconds?: number;
  heartbeatMs?: number;
  /** The cheap drift check's interval (handles, digests); default 10 s. */
  driftCheckMs?: number;
  /** The full read-back's interval, the safety net behind the cheap checks and the change watch; default 5 min. */
  fullVerifyMs?: number;
  backoff?: Backoff;
  /** Default: JSON lines on stderr. */
  log?: AgentLog;
}

/** A burst of watch events (one transaction prints many) is checked once, this long after the first. */
const WATCH_DEBOUNCE_MS = 50;
/** A re-apply after drift that failed is tried again this soon. */
const RETRY_AFTER_DRIFT_MS = 1000;

/** Older undelivered reports beyond this are dropped; the newest state is what matters. */
const MAX_PENDING_REPORTS = 16;

export type Outcome = { status: "applied"; revision: number } | { status: "failed"; revision: number; error: string };

export class Agent {
  private applied?: AppliedState;
  /** ETag of the newest config seen (applied or not), for If-None-Match. */
  private etag?: string;
  /** Reports not yet accepted by the control plane, oldest first (a failure must not be lost behind a later drift report). */
  private pendingReports: Report[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly stopController = new AbortController();
  private readonly backoff: Backoff;
  private readonly log: AgentLog;
  /** Set by run(): enforcers watch for changes only while the loop runs (not for --once). */
  private watching = false;
  private watched?: Enforcer;
  private watchTimer?: NodeJS.Timeout;

  constructor(private readonly options: AgentOptions) {
    this.backoff = options.backoff ?? new Backoff();
    this.log = options.log ?? createAgentLog();
  }

  get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  stop(): void {
    this.stopController.abort();
  }

  /** Re-applies the persisted configuration, so the site is protected before the control plane answers. */
  async restore(): Promise<void> {
    const state = await loadState(this.options.stateDir);
    if (!state) return;
    this.applied = state;
    this.log.setContext({ site: state.site_id, revision: state.revision });
    this.etag = state.etag;
    await this.serially(async () => {
      const diff = await this.driftOf(state).catch((err: Error) => [err.message]);
      if (!diff.length) {
        this.log.info(`revision ${state.revision} from ${this.options.stateDir} is in force`);
        return;
      }
      this.log.info(`re-applying revision ${state.revision} from ${this.options.stateDir} (${diff.join("; ")})`);
      await this.enforce(state, state.control_plane);
    });
    // The control plane may not have heard of it (it may have crashed before the report arrived).
    if (!this.pendingReports.length) this.queueReport({ revision: state.revision, status: "applied", digest: state.digest });
  }

  /** Runs until stop(): poll, apply, report, heartbeat, drift checks. */
  async run(): Promise<void> {
    const { heartbeatMs = 30_000, driftCheckMs = 10_000, fullVerifyMs = 300_000 } = this.options;
    const heartbeat = setInterval(
      () => void this.options.api.heartbeat().catch((e: Error) => this.log.warn(`heartbeat: ${e.message}`)),
      heartbeatMs,
    );
    const drift = setInterval(() => void this.checkDrift().catch((e: Error) => this.log.warn(`drift check: ${e.message}`)), driftCheckMs);
    const full = setInterval(
      () => void this.checkDrift({ full: true }).catch((e: Error) => this.log.warn(`full verification: ${e.message}`)),
      fullVerifyMs,
    );
    this.watching = true;
    if (this.applied) {
      this.watch(this.applied);
      // The watch proves nothing before a full verification with it running.
      if (this.applied.managed) void this.checkDrift({ full: true }).catch((e: Error) => this.log.warn(`full verification: ${e.message}`));
    }
    void this.options.api.heartbeat().catch(() => undefined);
    try {
      while (!this.stopped) {
        try {
          await this.flushReport();
          await this.pollOnce(this.options.pollWaitSeconds ?? 30);
          this.backoff.reset();
        } catch (err) {
          if (this.stopped) break;
          const delay = this.backoff.next();
          this.log.warn(`${(err as Error).message}; retrying in ${delay} ms (the last policy stays in force)`, { retry_ms: delay });
          await sleep(delay, this.stopController.signal);
        }
      }
    } finally {
      clearInterval(heartbeat);
      clearInterval(drift);
      clearInterval(full);
      this.watching = false;
      clearTimeout(this.watchTimer);
      this.watched?.unwatch?.();
      this.watched = undefined;
    }
  }

  /** `--once`: fetch the current configuration, apply it, report; the outcome decides the exit code. */
  async once(): Promise<Outcome> {
    for (;;) {
      try {
        const result = await this.options.api.poll(undefined, 0);
        if (!result.changed) throw new Error("the control plane answered 304 to a poll without an ETag");
        const outcome = await this.serially(() => this.applyConfig(result.body, result.etag));
        await this.flushReport();
        return outcome;
      } catch (err) {
        if (err instanceof RejectedError) throw err;
        const delay = this.backoff.next();
        this.log.warn(`${(err as Error).message}; retrying in ${delay} ms`, { retry_ms: delay });
        await sleep(delay, this.stopController.signal);
        if (this.stopped) throw err;
      }
    }
  }

  async pollOnce(waitSeconds: number): Promise<void> {
    const result = await this.options.api.poll(this.etag, waitSeconds, this.stopController.signal);
    if (!result.changed) {
      await this.checkDrift();
      return;
    }
    await this.serially(() => this.applyConfig(result.body, result.etag));
    await this.flushReport();
  }

  /**
   * Re-applies when what is loaded no longer matches what was applied (flushed, edited by hand).
   * The cheap check by default; `full` reads everything back.
   */
  async checkDrift({ full = false }: { full?: boolean } = {}): Promise<void> {
    await this.serially(async () => {
      const state = this.applied;
      if (!state) return;
      const diff = await this.driftOf(state, { full });
      if (!diff.length) return;
      this.log.warn(`drift at revision ${state.revision}: ${diff.join("; ")}; re-applying`);
      try {
        await this.enforce(state, state.control_plane);
        this.queueReport({ revision: state.revision, status: "applied", digest: state.digest, drift: true });
      } catch (err) {
        this.queueReport({
          revision: state.revision,
          status: "failed",
          error: `re-applying after drift: ${(err as Error).message}`,
          drift: true,
        });
        // Edited again while it was re-applied, say: try again soon rather than at the next periodic check.
        this.checkSoon(RETRY_AFTER_DRIFT_MS);
      }
    });
    await this.flushReport().catch((e: Error) => this.log.warn(`report: ${e.message}`));
  }

  private async applyConfig(body: AgentConfigBody, etag: string | undefined): Promise<Outcome> {
    this.etag = etag;
    this.log.setContext({ site: body.site_id, revision: this.applied?.revision ?? null });
    if (
      this.applied &&
      this.applied.revision === body.revision &&
      this.applied.digest === body.digest &&
      this.applied.managed === body.managed
    ) {
      // Same configuration (e.g. after a restart of either side): make sure the control plane knows.
      this.applied.etag = etag;
      await saveState(this.options.stateDir, this.applied);
      this.queueReport({ revision: body.revision, status: "applied", digest: body.digest });
      return { status: "applied", revision: body.revision };
    }
    const controlPlane = await this.options.resolveControlPlane().catch((err: Error) => {
      if (!this.applied?.control_plane.length) throw err;
      this.log.warn(`resolving the control plane failed (${err.message}); using the last known addresses`);
      return this.applied.control_plane;
    });
    const next: AppliedState = { ...body, etag, control_plane: controlPlane };
    const previous = this.applied;
    let outcome: ApplyOutcome | void;
    try {
      outcome = await this.enforce(next, controlPlane, previous);
    } catch (err) {
      const error = (err as Error).message;
      this.log.error(`revision ${body.revision} failed: ${error}`, { failed_revision: body.revision });
      this.queueReport({ revision: body.revision, status: "failed", error });
      await this.reinstatePrevious();
      return { status: "failed", revision: body.revision, error };
    }
    this.applied = next;
    this.log.setContext({ site: next.site_id, revision: next.revision });
    await saveState(this.options.stateDir, next);
    const how = outcome ? (outcome.mode === "delta" ? `, ${outcome.touched} objects changed` : `, in full: ${outcome.reason}`) : "";
    this.log.info(
      `revision ${body.revision} applied (${body.managed ? `digest ${body.digest.slice(0, 12)}${how}` : "unmanaged: our rules removed"})`,
    );
    this.queueReport({ revision: body.revision, status: "applied", digest: body.digest });
    return { status: "applied", revision: body.revision };
  }

  /**
   * After a failed apply: nft loads all or nothing, but iptables may have swapped
   * new set contents in before iptables-restore failed. Put the previous revision
   * back wherever what is loaded no longer matches it.
   */
  private async reinstatePrevious(): Promise<void> {
    const previous = this.applied;
    if (!previous) return;
    try {
      const diff = await this.driftOf(previous);
      if (!diff.length) return;
      this.log.warn(`re-applying revision ${previous.revision} after the failure (${diff.join("; ")})`);
      await this.enforce(previous, previous.control_plane);
    } catch (err) {
      this.log.error(`re-applying revision ${previous.revision} failed too: ${(err as Error).message}`);
    }
  }

  /** `previous`: what was applied before, so that the enforcer may load only the difference; none after drift or a failure. */
  private async enforce(state: AppliedState, controlPlane: ControlPlaneAddress[], previous?: AppliedState): Promise<ApplyOutcome | void> {
    this.watch(state);
    if (!state.managed) {
      // No group attached: nothing of ours may filter, whatever platform the site has.
      await this.options.enforcerFor(state.platform).remove();
      return;
    }
    const before: AppliedConfig | undefined =
      previous?.managed && previous.platform === state.platform
        ? { config: previous.config, controlPlane: previous.control_plane }
        : undefined;
    return this.options.enforcerFor(state.platform).apply(state.config, controlPlane, before);
  }

  private async driftOf(state: AppliedState, { full = true }: { full?: boolean } = {}): Promise<string[]> {
    const enforcer = this.options.enforcerFor(state.platform);
    if (!state.managed) return (await enforcer.present()) ? ["our rules are loaded although the site is unmanaged"] : [];
    if (!full && enforcer.quickCheck) return enforcer.quickCheck(state.config, state.control_plane);
    return enforcer.check(state.config, state.control_plane);
  }

  /** While run() runs: the enforcer of a managed site's platform watches for changes by others, each burst checked once. */
  private watch(state: AppliedState): void {
    if (!this.watching) return;
    const enforcer = state.managed ? this.options.enforcerFor(state.platform) : undefined;
    if (this.watched && this.watched !== enforcer) this.watched.unwatch?.();
    this.watched = enforcer;
    enforcer?.watch?.(() => this.checkSoon(WATCH_DEBOUNCE_MS));
  }

  /** A cheap drift check in `ms` (one for a burst of calls), while run() runs. */
  private checkSoon(ms: number): void {
    if (this.watchTimer || this.stopped || !this.watching) return;
    this.watchTimer = setTimeout(() => {
      this.watchTimer = undefined;
      void this.checkDrift().catch((e: Error) => this.log.warn(`drift check: ${e.message}`));
    }, ms);
  }

  private queueReport(report: Report): void {
    const same = (r: Report) => r.revision === report.revision && r.status === report.status;
    this.pendingReports = [...this.pendingReports.filter((r) => !same(r)), report].slice(-MAX_PENDING_REPORTS);
  }

  private async flushReport(): Promise<void> {
    while (this.pendingReports.length) {
      const report = this.pendingReports[0];
      try {
        await this.options.api.report(report);
      } catch (err) {
        if (!(err instanceof RejectedError)) throw new Error(`report of revision ${report.revision}: ${(err as Error).message}`);
        this.log.warn(`the control plane refused the report of revision ${report.revision}: ${err.message}`);
      }
      if (this.pendingReports[0] === report) this.pendingReports.shift();
    }
  }

  /** Applies, drift checks and restores never overlap. */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
