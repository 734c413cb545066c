/**
 * The agent side of the API: a site, identified by its token, polls its
 * stored configuration (ETag, long-poll) and reports what it enforced.
 */
import {
  ApiError,
  effectiveAddresses,
  errors,
  orThrow,
  sameAddresses,
  validateAgentAddresses,
  validateAgentReport,
  type AgentConfig,
  type AgentConfigDelta,
} from "../model";
import { digestOf, SITE_CHANNEL } from "../deploy/deployer";
import { siteAddressChanges, sitesOf } from "../deploy/membership";
import { ONLINE_WINDOW_MS } from "../deploy/status";
import type { Database } from "../store/database";
import { siteRevision } from "../store/revisions";
import * as sites from "../store/sites";
import type { AgentReport, AgentView } from "../store/sites";
import { DeltaCache } from "./config-deltas";
import type { ServiceContext } from "./context";
import { hashSiteToken } from "./sites";

export type { AgentConfig } from "../model";

export type ConfigPoll = { changed: false; etag: string } | { changed: true; etag: string; body: AgentConfig };
export type DeltaPoll = { changed: false; etag: string } | { changed: true; etag: string; body: AgentConfigDelta };

const EMPTY_DIGEST = digestOf("");
export const MAX_WAIT_MS = 60_000;

/**
 * Long-poll wake-ups; fed by NOTIFY so a change on any replica wakes agents on
 * every replica. When notifications may have been missed (the LISTEN
 * connection was down), every waiting poll is woken once to re-read.
 */
export class SiteWaiters {
  private readonly waiting = new Map<string, Set<() => void>>();
  private unlisten?: () => Promise<void>;

  async start(db: Database): Promise<void> {
    this.unlisten = await db.listen(
      SITE_CHANNEL,
      (payload) => {
        for (const id of payload.split(",")) this.wake(id);
      },
      () => this.wakeAll(),
    );
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
    this.wakeAll();
  }

  wakeAll(): void {
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

/**
 * Compiled configurations by digest. They are content-addressed and never
 * change, so a cached body is always right, on every replica; when 1,000
 * agents wake for one new configuration, one query reads it (concurrent
 * misses share the pending read). Bounded by total size, least recently used
 * first out.
 */
export class ConfigCache {
  private readonly entries = new Map<string, { body: Promise<string | undefined>; size: number }>();
  private size = 0;

  constructor(private readonly maxChars = 16 * 1024 * 1024) {}

  /** Remembers a configuration just compiled (its digest is of `body`, so it is right before and after any commit). */
  prime(digest: string, body: string): void {
    if (!this.entries.has(digest)) void this.get(digest, () => Promise.resolve(body));
  }

  get(digest: string, load: (digest: string) => Promise<string | undefined>): Promise<string | undefined> {
    const hit = this.entries.get(digest);
    if (hit) {
      this.entries.delete(digest);
      this.entries.set(digest, hit);
      return hit.body;
    }
    const entry = { body: load(digest), size: 0 };
    this.entries.set(digest, entry);
    entry.body.then(
      (body) => {
        if (this.entries.get(digest) !== entry) return;
        // Unknown digests are not remembered: only stored configurations are immutable.
        if (body === undefined || body.length > this.maxChars) return void this.entries.delete(digest);
        entry.size = body.length;
        this.size += body.length;
        for (const [d, e] of this.entries) {
          if (this.size <= this.maxChars) break;
          if (!e.size) continue;
          this.entries.delete(d);
          this.size -= e.size;
        }
      },
      () => {
        if (this.entries.get(digest) === entry) this.entries.delete(digest);
      },
    );
    return entry.body;
  }
}

type Waiting<V> = { resolve: (v: V | undefined) => void; reject: (e: unknown) => void };

/**
 * Requests by key, coalesced: the ones that arrive while earlier batches are
 * in flight (or in the same turn of the event loop) go out together as one
 * batch. When one change wakes 1,000 long polls at once, their reads (and
 * then their reports) cost a handful of statements instead of 1,000. A
 * request is always answered by a batch issued after it was made, never by an
 * earlier one, so "subscribe, then read" stays free of lost wake-ups and a
 * write is done when its promise resolves.
 *
 * `share`: requests for a key already waiting join it and get its answer
 * (reads). Otherwise a key has one request in flight at a time and the
 * others wait, in order, for the next batches (writes: applied in the order made).
 */
export class Coalesced<K, R, V> {
  private pending: { key: K; request: R; waiting: Waiting<V>[] }[] = [];
  private readonly pendingByKey = new Map<K, { key: K; request: R; waiting: Waiting<V>[] }>();
  /** Keys with a request in flight (writes only). */
  private readonly busy = new Set<K>();
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly run: (batch: Map<K, R>) => Promise<Map<K, V>>,
    private readonly options: { share: boolean; maxBatch?: number; maxInFlight?: number },
  ) {}

  submit(key: K, request: R): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const joined = this.options.share ? this.pendingByKey.get(key) : undefined;
      if (joined) joined.waiting.push({ resolve, reject });
      else {
        const entry = { key, request, waiting: [{ resolve, reject }] };
        this.pending.push(entry);
        if (this.options.share) this.pendingByKey.set(key, entry);
      }
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || !this.pending.length || this.inFlight >= (this.options.maxInFlight ?? 2)) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const maxBatch = this.options.maxBatch ?? 1000;
    while (this.pending.length && this.inFlight < (this.options.maxInFlight ?? 2)) {
      const batch = new Map<K, { key: K; request: R; waiting: Waiting<V>[] }>();
      const rest: typeof this.pending = [];
      for (const entry of this.pending) {
        if (batch.size >= maxBatch || batch.has(entry.key) || this.busy.has(entry.key)) rest.push(entry);
        else batch.set(entry.key, entry);
      }
      if (!batch.size) return; // what waits is behind requests in flight
      this.pending = rest;
      for (const key of batch.keys()) {
        this.pendingByKey.delete(key);
        if (!this.options.share) this.busy.add(key);
      }
      this.inFlight++;
      let done: Promise<Map<K, V>>;
      try {
        done = this.run(new Map([...batch].map(([key, e]) => [key, e.request])));
      } catch (err) {
        done = Promise.reject(err);
      }
      done
        .then(
          (values) => {
            for (const [key, e] of batch) for (const w of e.waiting) w.resolve(values.get(key));
          },
          (err) => {
            for (const e of batch.values()) for (const w of e.waiting) w.reject(err);
          },
        )
        .finally(() => {
          this.inFlight--;
          for (const key of batch.keys()) this.busy.delete(key);
          this.schedule();
        });
    }
  }
}

/** Reads by key, coalesced (Coalesced, shared): duplicates of one batch get one value. */
export class CoalescedReader<K, V> extends Coalesced<K, K, V> {
  constructor(load: (keys: K[]) => Promise<Map<K, V>>, maxBatch = 1000, maxInFlight = 2) {
    super((batch) => load([...batch.keys()]), { share: true, maxBatch, maxInFlight });
  }

  read(key: K): Promise<V | undefined> {
    return this.submit(key, key);
  }
}

/** Site ids by token hash, for subscribing to a site's wake-ups before reading it (a hint: every request still reads the site). */
const MAX_KNOWN_TOKENS = 100_000;

export class AgentService {
  private readonly deltas = new DeltaCache();
  private readonly siteOfToken = new Map<string, string>();
  private readonly views = new CoalescedReader<string, AgentView>((hashes) => sites.sitesByTokenHashes(this.ctx.db, hashes));
  /** Reports by token hash, written together (one per site per statement). */
  private readonly reports = new Coalesced<string, { report: AgentReport; failure: string }, string>(
    (batch) => sites.recordReports(this.ctx.db, batch),
    { share: false },
  );

  constructor(
    private readonly ctx: ServiceContext,
    private readonly waiters: SiteWaiters,
    /** Shared with the deployer, which primes it with what it compiles (core/api/server.ts). */
    private readonly configs = new ConfigCache(),
  ) {}

  async authenticate(token: string | undefined): Promise<AgentView> {
    return this.read(this.tokenHash(token));
  }

  private tokenHash(token: string | undefined): string {
    if (!token) throw unauthorized();
    return hashSiteToken(token);
  }

  private async read(tokenHash: string): Promise<AgentView> {
    const view = await this.views.read(tokenHash);
    if (!view) {
      this.siteOfToken.delete(tokenHash);
      throw unauthorized();
    }
    if (this.siteOfToken.get(tokenHash) !== view.id) {
      if (this.siteOfToken.size >= MAX_KNOWN_TOKENS) this.siteOfToken.delete(this.siteOfToken.keys().next().value!);
      this.siteOfToken.set(tokenHash, view.id);
    }
    return view;
  }

  /** Returns the config unless it still matches `ifNoneMatch`, waiting up to `waitMs` for a change. */
  async poll(token: string | undefined, ifNoneMatch: string | undefined, waitMs: number, aborted?: AbortSignal): Promise<ConfigPoll> {
    const hash = this.tokenHash(token);
    const deadline = Date.now() + Math.min(waitMs, MAX_WAIT_MS);
    const waitFor = (siteId: string) => {
      const w = this.waiters.wait(siteId, Math.max(0, deadline - Date.now()));
      aborted?.addEventListener("abort", w.cancel, { once: true });
      return w;
    };
    // A long poll of a known site subscribes first, so that one read suffices:
    // anything committed after that read notifies the waiter.
    const known = ifNoneMatch !== undefined && waitMs > 0 ? this.siteOfToken.get(hash) : undefined;
    let waiter = known ? waitFor(known) : undefined;
    let view: AgentView;
    try {
      view = await this.read(hash);
      if (waiter && view.id !== known) {
        waiter.cancel();
        waiter = undefined;
      }
      if (ifNoneMatch === etagFor(view) && waitMs > 0) {
        if (!waiter) {
          waiter = waitFor(view.id);
          // Re-read after subscribing so a change between the two reads is not missed.
          view = await this.read(hash);
        }
        while (ifNoneMatch === etagFor(view)) {
          await waiter.done;
          if (aborted?.aborted || Date.now() >= deadline) {
            view = await this.read(hash);
            break;
          }
          // Woken without a change for this site (every poll re-checks after the
          // notification connection came back): subscribe again, then re-read, and keep waiting.
          waiter = waitFor(view.id);
          view = await this.read(hash);
        }
      }
    } finally {
      waiter?.cancel();
    }
    const etag = etagFor(view);
    if (ifNoneMatch === etag) return { changed: false, etag };
    const managed = view.managed === true;
    const config = managed && view.digest ? ((await this.configs.get(view.digest, (d) => sites.configBody(this.ctx.db, d))) ?? "") : "";
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

  /**
   * As poll, but the configuration comes as the edits from revision `from` of
   * this site to the current one; 410 (base_revision_gone) when the site never
   * had that revision or its text is no longer stored.
   */
  async pollDelta(
    token: string | undefined,
    from: number,
    ifNoneMatch: string | undefined,
    waitMs: number,
    aborted?: AbortSignal,
  ): Promise<DeltaPoll> {
    const poll = await this.poll(token, ifNoneMatch, waitMs, aborted);
    if (!poll.changed) return poll;
    const { config, ...current } = poll.body;
    const base = from <= current.revision ? await siteRevision(this.ctx.db, current.site_id, from) : undefined;
    const baseText = base?.managed ? await this.configs.get(base.digest, (d) => sites.configBody(this.ctx.db, d)) : "";
    if (!base || baseText === undefined) {
      throw new ApiError(
        "base_revision_gone",
        `revision ${from} of this site is not available as a delta base (latest is ${current.revision}); fetch /agent/v1/config`,
      );
    }
    const baseDigest = base.managed ? base.digest : EMPTY_DIGEST;
    return {
      changed: true,
      etag: poll.etag,
      body: {
        ...current,
        base_revision: from,
        base_digest: baseDigest,
        edits: this.deltas.get(baseDigest, current.digest, baseText, config),
      },
    };
  }

  /** One statement in the common case (shared with the reports that arrive with it): the site's report and what waited on the revision. */
  async report(token: string | undefined, body: unknown): Promise<void> {
    const hash = this.tokenHash(token);
    let report: AgentReport;
    try {
      report = parseReport(body);
    } catch (err) {
      await this.read(hash); // a wrong token is 401 before a bad body is 422
      throw err;
    }
    const failure = report.error ?? "the agent could not apply the configuration";
    for (let attempt = 0; ; attempt++) {
      if (await this.reports.submit(hash, { report, failure })) return;
      // Nothing recorded: no such site (401), or a revision never issued to it (422).
      const view = await this.read(hash);
      if (report.revision > view.desired_revision || attempt > 0) {
        throw new ApiError(
          "unknown_revision",
          `revision ${report.revision} was never issued to this site (latest is ${view.desired_revision})`,
        );
      }
      // The revision was issued between the two statements: record it now.
    }
  }

  /**
   * The site's interface addresses (host addresses only: validateAgentAddresses).
   * Unchanged ones cost one read. A change of the site's effective addresses
   * (it declares none) recompiles every site whose policy names one of its
   * groups as a peer, in the same transaction.
   */
  async reportAddresses(token: string | undefined, body: unknown): Promise<void> {
    const hash = this.tokenHash(token);
    let addresses: string[];
    try {
      addresses = orThrow(validateAgentAddresses(body)).addresses;
    } catch (err) {
      await this.read(hash); // a wrong token is 401 before a bad body is 422
      throw err;
    }
    const current = await sites.addressesByTokenHash(this.ctx.db, hash);
    if (!current) throw unauthorized();
    if (sameAddresses(current.reported_addresses, addresses)) return;
    await this.ctx.db.transaction(async (tx) => {
      // Groups, then sites in id order (this one included), then the write: as every deploy locks.
      const follows = current.addresses.length === 0;
      let changes = follows ? await siteAddressChanges(tx, current.id) : undefined;
      const locked = await sites.lockSites(tx, sitesOf(changes ?? [], [current.id]));
      const site = locked.find((s) => s.id === current.id);
      if (!site) throw unauthorized();
      await sites.setReportedAddresses(tx, site.id, addresses);
      if (sameAddresses(effectiveAddresses(site), effectiveAddresses({ addresses: site.addresses, reported_addresses: addresses }))) return;
      changes ??= await siteAddressChanges(tx, site.id);
      await this.ctx.deployer.deploy(tx, changes);
    });
  }

  async heartbeat(token: string | undefined): Promise<void> {
    const { onlineWindowMs = ONLINE_WINDOW_MS, syncTimeoutMs } = this.ctx.deployer.options;
    if (!(await sites.recordHeartbeat(this.ctx.db, this.tokenHash(token), { onlineWindowMs, syncTimeoutMs }))) throw unauthorized();
  }
}

function unauthorized(): ApiError {
  return errors.unauthorized("a valid site token is required (Authorization: Bearer sgs_...)");
}

/** The wire report (core/model/shapes/agent-protocol.ts) as the store records it. */
function parseReport(body: unknown): AgentReport {
  const report = orThrow(validateAgentReport(body));
  return {
    revision: report.revision,
    applied: report.status === "applied",
    digest: report.digest,
    error:
      report.error === null
        ? null
        : report.error
            .replace(/\u0000/g, "")
            .toWellFormed()
            .slice(0, 4000),
    drift: report.drift,
  };
}
