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
} from "../model";
import { digestOf, SITE_CHANNEL } from "../deploy/deployer";
import { siteAddressChanges, sitesOf } from "../deploy/membership";
import { ONLINE_WINDOW_MS } from "../deploy/status";
import type { Database } from "../store/database";
import * as sites from "../store/sites";
import type { AgentReport, AgentView } from "../store/sites";
import type { ServiceContext } from "./context";
import { hashSiteToken } from "./sites";

export type { AgentConfig } from "../model";

export type ConfigPoll = { changed: false; etag: string } | { changed: true; etag: string; body: AgentConfig };

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

/**
 * Reads by key, coalesced: the reads that arrive while earlier ones are in
 * flight (or in the same turn of the event loop) go out together as one batch.
 * When one change wakes 1,000 long polls at once, their reads cost a handful
 * of queries instead of 1,000. A read is always answered by a batch issued
 * after it was requested, never by an earlier one, so "subscribe, then read"
 * stays free of lost wake-ups.
 */
export class CoalescedReader<K, V> {
  private pending = new Map<K, { resolve: (v: V | undefined) => void; reject: (e: unknown) => void }[]>();
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly load: (keys: K[]) => Promise<Map<K, V>>,
    private readonly maxBatch = 1000,
    private readonly maxInFlight = 2,
  ) {}

  read(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const waiting = this.pending.get(key);
      if (waiting) waiting.push({ resolve, reject });
      else this.pending.set(key, [{ resolve, reject }]);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || !this.pending.size || this.inFlight >= this.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.pending.size && this.inFlight < this.maxInFlight) {
      const batch = new Map<K, { resolve: (v: V | undefined) => void; reject: (e: unknown) => void }[]>();
      for (const [key, waiting] of this.pending) {
        if (batch.size >= this.maxBatch) break;
        batch.set(key, waiting);
      }
      for (const key of batch.keys()) this.pending.delete(key);
      this.inFlight++;
      let loaded: Promise<Map<K, V>>;
      try {
        loaded = this.load([...batch.keys()]);
      } catch (err) {
        loaded = Promise.reject(err);
      }
      loaded
        .then(
          (values) => {
            for (const [key, waiting] of batch) for (const w of waiting) w.resolve(values.get(key));
          },
          (err) => {
            for (const waiting of batch.values()) for (const w of waiting) w.reject(err);
          },
        )
        .finally(() => {
          this.inFlight--;
          this.schedule();
        });
    }
  }
}

/** Site ids by token hash, for subscribing to a site's wake-ups before reading it (a hint: every request still reads the site). */
const MAX_KNOWN_TOKENS = 100_000;

export class AgentService {
  private readonly configs = new ConfigCache();
  private readonly siteOfToken = new Map<string, string>();
  private readonly views = new CoalescedReader<string, AgentView>((hashes) => sites.sitesByTokenHashes(this.ctx.db, hashes));

  constructor(
    private readonly ctx: ServiceContext,
    private readonly waiters: SiteWaiters,
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

  /** One statement in the common case: the site's report and what waited on the revision. */
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
      if (await sites.recordReport(this.ctx.db, hash, report, failure)) return;
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
