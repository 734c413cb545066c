/**
 * Event-driven drift detection: `nft monitor` prints every change committed
 * to any table, one transaction at a time, each closed by
 * `# new generation N by process PID (name)`. Transactions that touch our
 * table and were not committed by one of our own nft processes (their pids
 * are registered by the enforcer) are someone else's change: the sets whose
 * elements they touched, or "the structure" (chains, rules, sets, the table
 * itself), are marked dirty and the owner is told. While the monitor runs
 * and has marked nothing, nothing of ours has changed since the last
 * verification: the enforcer's cheap proof. When it dies (or nft reports an
 * error, e.g. a lost event), the proof is gone until the owner verifies in
 * full again.
 *
 * The monitor is stopped around a full load: a listener of 100,000 element
 * events slows the kernel's commit about tenfold and overflows (ENOBUFS).
 *
 * nft 1.0.6 warns `W: Received event for an unknown set.` (on stderr, so not
 * in order with the transaction's events) for elements of a set its cache
 * does not know, which happens after our own deltas re-declare sets. Such a
 * warning while one of our loads runs (or shortly after) is ours; at any
 * other time it is someone else's change of unknown extent.
 */
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import type { Spawner } from "../runner";
import type { NftTableName } from "./names";

export interface NftMonitorHandlers {
  /** Someone else changed something of ours (see dirty()). */
  onForeignChange(): void;
  /** The monitor stopped on its own or reported an error: events may have been missed. */
  onLost(reason: string): void;
}

export interface NftDirt {
  /** Sets (or maps) whose elements others added or deleted. */
  sets: Set<string>;
  /** Others changed a chain, a rule, a set declaration or the table. */
  structure: boolean;
}

/** Our own nft processes remembered at most (their transactions are ours). */
const OWN_PIDS_KEPT = 64;
/** How long after our own load its warnings may still arrive. */
const OWN_WARNINGS_MS = 1000;

export class NftMonitor {
  private child?: ChildProcessWithoutNullStreams;
  private buffered = "";
  /** Events of the transaction being read, ours or not yet known. */
  private pending: string[] = [];
  private readonly ownPids: number[] = [];
  private dirt: NftDirt = { sets: new Set(), structure: false };
  private readonly prefix: string;
  private ownLoads = 0;
  private ownUntil = 0;
  /** Generations by our own processes, as they are read: how the owner learns the monitor is subscribed. */
  private readonly seen = new Map<number, () => void>();
  private subscribed = false;

  constructor(
    private readonly nft: string,
    private readonly spawn: Spawner,
    table: NftTableName,
    private readonly handlers: NftMonitorHandlers,
  ) {
    this.prefix = `${table.family} ${table.name}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Running and known to receive events (a probe transaction of ours came through since it started). */
  get ready(): boolean {
    return this.child !== undefined && this.subscribed;
  }

  /**
   * Resolves true once the monitor prints a transaction of process `pid`
   * (which the caller then commits), false after `timeoutMs`.
   */
  expect(pid: number, timeoutMs: number): Promise<boolean> {
    this.own(pid);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.seen.delete(pid);
        resolve(false);
      }, timeoutMs);
      timer.unref();
      this.seen.set(pid, () => {
        clearTimeout(timer);
        this.seen.delete(pid);
        if (this.child) this.subscribed = true;
        resolve(true);
      });
    });
  }

  start(): void {
    if (this.child) return;
    this.buffered = "";
    this.pending = [];
    this.dirt = { sets: new Set(), structure: false };
    this.subscribed = false;
    const child = this.spawn(this.nft, ["monitor"]);
    this.child = child;
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => this.read(chunk));
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (text: string) => this.warned(child, text));
    child.on("error", (err) => this.lost(child, `nft monitor: ${err.message}`));
    child.on("close", (code, signal) => this.lost(child, `nft monitor exited (${signal ?? `code ${code}`})`));
    child.stdin.end();
  }

  stop(): void {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) child.kill("SIGTERM");
  }

  /** A process of ours that will commit to the table: its transactions are not drift. */
  own(pid: number): void {
    this.ownPids.push(pid);
    if (this.ownPids.length > OWN_PIDS_KEPT) this.ownPids.shift();
  }

  /** Our own load runs from here to ownLoadDone(): nft's warnings meanwhile are ours. */
  ownLoad(): void {
    this.ownLoads++;
  }

  ownLoadDone(): void {
    this.ownLoads = Math.max(0, this.ownLoads - 1);
    this.ownUntil = Date.now() + OWN_WARNINGS_MS;
  }

  /** What others changed since the last take(); cleared by it. */
  take(): NftDirt {
    const dirt = this.dirt;
    this.dirt = { sets: new Set(), structure: false };
    return dirt;
  }

  /** Whether others changed anything since the last take(). */
  get dirty(): boolean {
    return this.dirt.structure || this.dirt.sets.size > 0;
  }

  private lost(child: ChildProcessWithoutNullStreams, reason: string): void {
    if (this.child !== child) return; // stopped on purpose
    this.stop();
    this.handlers.onLost(reason);
  }

  private warned(child: ChildProcessWithoutNullStreams, text: string): void {
    const lines = text
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
    const other = lines.filter((l) => !l.startsWith("W: "));
    if (other.length) return this.lost(child, `nft monitor: ${other[0]}`);
    if (this.child !== child || this.ownLoads > 0 || Date.now() < this.ownUntil) return;
    this.dirt.structure = true;
    this.handlers.onForeignChange();
  }

  private read(chunk: string): void {
    this.buffered += chunk;
    let end: number;
    while ((end = this.buffered.indexOf("\n")) >= 0) {
      const line = this.buffered.slice(0, end);
      this.buffered = this.buffered.slice(end + 1);
      this.line(line.trim());
    }
  }

  private line(line: string): void {
    const generation = /^# new generation \d+ by process (\d+)/.exec(line);
    if (generation) {
      this.seen.get(Number(generation[1]))?.();
      const events = this.pending;
      this.pending = [];
      if (!events.length || this.ownPids.includes(Number(generation[1]))) return;
      for (const event of events) this.mark(event);
      this.handlers.onForeignChange();
      return;
    }
    // `add element inet secgroups NAME { ... }`, `delete rule inet secgroups input handle 7`, `delete table inet secgroups`.
    const words = line.split(" ");
    if (`${words[2]} ${words[3]}` === this.prefix) this.pending.push(line);
  }

  private mark(event: string): void {
    const [, kind, , , name] = event.split(" ");
    if (kind === "element" && name) this.dirt.sets.add(name);
    else this.dirt.structure = true;
  }
}
