/**
 * nftables: what changes goes to the kernel in ONE `nft -f` transaction, so
 * either all of it is in force or (on any error) none of it and the previous
 * table stays.
 *
 * Full load: the compiled file plus the control-plane elements (render.ts
 * nftablesFile), which deletes and re-declares the whole table; verified by
 * reading the table back and comparing it with what the file meant, both
 * read into one model by this platform's reader (read.ts, read-file.ts) and
 * compared by diffLoaded. Used for the first apply, after drift, when the
 * state in force is not known, and when a delta fails. What the read-back
 * is compared with is worked out while nft loads (it runs on another core).
 *
 * The read-back (readback.ts) is not `nft list table`, which fetches,
 * decomposes and prints 100,000 elements in one process (as long as the load
 * itself): the structure comes from the terse ruleset (no elements), the
 * interval sets' elements from a netlink dump (kernel-dump.ts, when
 * secgroups-nft-elements is installed) compared with the form the file gives
 * them, the other sets and those the dump did not confirm from `list set`
 * commands in two `nft -i` processes at once; a set listed exactly as the
 * file declares it needs no parse.
 *
 * Delta (delta.ts): when the previous file is the one last verified in force
 * and the change watch (monitor.ts) has seen nobody else touch the table
 * since, only the changed sets and chains are loaded, in one batch. It is
 * verified by reading back just those objects, plus a cheap proof that
 * nothing else changed: the table's chain handles (`list chains`, in the
 * same `nft -i` as the sets) are those last verified, and the watch saw no
 * foreign transaction. A delta of sets only is loaded and read back by one
 * `nft -j -i` (one line including the batch, then the listings). Without a running
 * watch there is no such proof: the file is then loaded in full.
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { diffLoaded } from "../../analyze/compare-loaded";
import type { LoadedRuleset } from "../../analyze/loaded";
import type { AppliedConfig, ApplyOutcome, ControlPlaneAddress, Enforcer } from "../platform";
import { mustRun, runCommand, spawnTool, type Runner, type RunOptions, type RunResult, type Spawner } from "../runner";
import { deltaLine, includeLine, nftDelta, nftFileObjects, type NftDelta } from "./delta";
import { dumpSets } from "./kernel-dump";
import { NftMonitor } from "./monitor";
import { NFT_TABLE, NFT_TABLE_NAME } from "./names";
import { readNftables } from "./read";
import { expectedNftables } from "./read-file";
import {
  chainLines,
  compareReadBack,
  listCommands,
  shareOut,
  splitListings,
  WantedObjects,
  type ReadBackListing,
  type ReadBackScope,
} from "./readback";
import { nftablesFile } from "./render";

export interface NftablesOptions {
  /** Where the file that is loaded is written (kept for inspection). */
  stateDir: string;
  /** The nft binary (`--nft-bin`; tests point it at a wrapper). */
  nft?: string;
  /**
   * secgroups-nft-elements (kernel-dump.ts), which reads interval sets back
   * in a fraction of nft's time; nft lists what it cannot confirm.
   * @default none: nft lists every set
   */
  elementsDump?: string;
  run?: Runner;
  /** Starts `nft monitor` for watch(). */
  spawn?: Spawner;
}

const REMOVE = `table inet ${NFT_TABLE} {}\ndelete table inet ${NFT_TABLE}\n`;
/** A transaction that changes nothing of anyone's but shows in `nft monitor`: proves the watch receives events. */
const PROBE = `add table inet ${NFT_TABLE}_probe\ndelete table inet ${NFT_TABLE}_probe\n`;
/** How long the watch may take to show a probe, and how long the first probe is waited for (doubling). */
const PROBE_TIMEOUT_MS = 60_000;
const PROBE_FIRST_WAIT_MS = 250;
/** Wait before starting a monitor that died again (it may die at once, e.g. nft missing). */
const MONITOR_RESTART_MS = 1000;
/**
 * `nft -i` reads and rewrites $HOME/.nft.history, adding every command (the
 * file grows with each read-back, and a long one costs each start 50 ms): it
 * runs under `env` with HOME under /dev/null, where there is none to read or
 * write, whatever runner starts it.
 */
const NO_HISTORY = ["HOME=/dev/null"];

/** What the kernel was last verified to hold. */
interface InForce {
  file: string;
  wanted: WantedObjects;
  /** Our chains as `nft -j list chains` lists them (names, handles, hooks): the cheap proof. */
  chains: string;
}

/**
 * What the file of a revision means: its objects (undefined for a file
 * outside the layout deltas know, which is verified by the whole listing
 * against `table`, and always loaded in full).
 */
interface Wanted {
  text: string;
  objects?: WantedObjects;
  /** Why the file is outside that layout. */
  layoutError?: string;
  table?: LoadedRuleset;
}

export class NftablesEnforcer implements Enforcer {
  readonly platform = "nftables";
  private readonly nft: string;
  private readonly run: Runner;
  /** What the file of the current revision means: parsed once per revision, not on every check. */
  private wanted?: Wanted;
  private inForce?: InForce;
  private readonly monitor: NftMonitor;
  private onChange?: () => void;
  private restartTimer?: NodeJS.Timeout;
  /** The watch missed events (it died): nothing is proven until a full verification. */
  private unproven = true;
  /** Why the watch last stopped, for the reason of a full load. */
  private lostReason?: string;
  private probing?: Promise<void>;
  /** Probing was asked for while a run of it was ending (a load stopped its monitor): probe again then. */
  private probeAgain = false;

  constructor(private readonly options: NftablesOptions) {
    this.nft = options.nft ?? "nft";
    this.run = options.run ?? runCommand;
    this.monitor = new NftMonitor(this.nft, options.spawn ?? spawnTool, NFT_TABLE_NAME, {
      onForeignChange: () => this.onChange?.(),
      onLost: (reason) => {
        this.unproven = true;
        this.lostReason = reason;
        this.onChange?.();
        this.restartTimer = setTimeout(() => this.startMonitor(), MONITOR_RESTART_MS);
        this.restartTimer.unref();
      },
    });
  }

  async apply(config: string, controlPlane: ControlPlaneAddress[], previous?: AppliedConfig): Promise<ApplyOutcome> {
    const text = nftablesFile(config, controlPlane);
    const planned = this.plan(text, previous);
    if ("delta" in planned) {
      try {
        await this.applyDelta(text, planned.wanted, planned.delta);
        return { mode: "delta", touched: planned.delta.sets.length + planned.delta.chains.length + planned.delta.removed.length };
      } catch (err) {
        planned.reason = `the delta failed (${(err as Error).message}); loaded in full`;
      }
    }
    await this.applyFull(config, controlPlane, text);
    return { mode: "full", reason: planned.reason ?? "" };
  }

  async check(config: string, controlPlane: ControlPlaneAddress[]): Promise<string[]> {
    const wanted = this.wantedFor(nftablesFile(config, controlPlane), config, controlPlane);
    // A watch known to receive events before the listing proves what follows it.
    const proofBefore = this.monitor.ready;
    // Changes from here on are seen by the listing or stay marked for the next check.
    this.monitor.take();
    let diff: string[];
    let chains: string | undefined;
    if (wanted.objects) {
      const scope: ReadBackScope = { sets: wanted.objects.setNames, chains: wanted.objects.chainNames, whole: true };
      const listing = await this.readBack(wanted.objects, scope);
      diff = compared(() => compareReadBack(wanted.objects!, scope, listing));
      chains = listing.chains;
    } else {
      const listed = await this.list();
      diff = compared(() => diffLoaded(wanted.table!, listed === undefined ? undefined : readNftables(listed)));
    }
    if (diff.length) this.inForce = undefined;
    else {
      // The handles the next cheap checks compare with (a change in between is the watch's to see).
      this.inForce = wanted.objects && { file: wanted.text, wanted: wanted.objects, chains: chains ?? (await this.listChains()) };
      if (proofBefore && this.monitor.ready) this.unproven = false;
    }
    // A watch that is not up yet starts after the listing (not competing with it), to prove the next check;
    // after this check returns (starting nft forks this process: the caller need not wait for that).
    if (!proofBefore) setImmediate(() => this.startProbing());
    return diff;
  }

  async quickCheck(config: string, controlPlane: ControlPlaneAddress[]): Promise<string[]> {
    const text = nftablesFile(config, controlPlane);
    const inForce = this.inForce;
    if (!inForce || inForce.file !== text || !this.proven) return this.check(config, controlPlane);
    const dirt = this.monitor.take();
    if (dirt.structure) return this.check(config, controlPlane);
    const chains = await this.listChains();
    if (chains !== inForce.chains) return this.check(config, controlPlane);
    if (!dirt.sets.size) return [];
    // Only the sets others touched are read back; one the file does not declare means the structure changed.
    const names = [...dirt.sets];
    const declared = inForce.wanted.objects.objects;
    if (names.some((n) => !declared.has(`set ${n}`) && !declared.has(`map ${n}`))) return this.check(config, controlPlane);
    const scope: ReadBackScope = { sets: names, chains: [], whole: false };
    const listing = await this.readBack(inForce.wanted, scope, false);
    const diff = compared(() => compareReadBack(inForce.wanted, scope, listing));
    if (diff.length) this.inForce = undefined;
    return diff;
  }

  watch(onChange: () => void): void {
    this.onChange = onChange;
    this.startMonitor();
  }

  unwatch(): void {
    this.onChange = undefined;
    clearTimeout(this.restartTimer);
    this.monitor.stop();
  }

  async remove(): Promise<void> {
    this.inForce = undefined;
    await mustRun(this.run, this.nft, ["-f", "-"], REMOVE, this.own);
  }

  async present(): Promise<boolean> {
    return (await this.list()) !== undefined;
  }

  /** A delta from `previous`, or why the whole file is loaded. */
  private plan(
    text: string,
    previous: AppliedConfig | undefined,
  ): { delta: NftDelta; wanted: WantedObjects; reason?: string } | { reason: string } {
    if (!previous) return { reason: "no previous configuration" };
    const inForce = this.inForce;
    if (!inForce || inForce.file !== nftablesFile(previous.config, previous.controlPlane))
      return { reason: "the previous configuration is not verified in force" };
    if (!this.proven)
      return { reason: `no change watch proves the table unchanged${this.lostReason ? ` (last: ${this.lostReason})` : ""}` };
    if (this.monitor.dirty) return { reason: "the table was changed by someone else" };
    const wanted = this.wantedFor(text);
    if (!wanted.objects) return { reason: wanted.layoutError ?? "" };
    const planned = nftDelta(inForce.wanted.objects, wanted.objects.objects);
    if ("unsupported" in planned) return { reason: planned.unsupported };
    return { delta: planned.delta, wanted: wanted.objects };
  }

  /**
   * What `text` means, kept for the revision. `config` and `controlPlane`
   * (of which `text` is the file) are needed only for a file outside the
   * layout deltas know.
   */
  private wantedFor(text: string, config?: string, controlPlane?: ControlPlaneAddress[]): Wanted {
    if (this.wanted?.text !== text) {
      let objects: WantedObjects | undefined;
      let layoutError: string | undefined;
      try {
        objects = new WantedObjects(nftFileObjects(text, NFT_TABLE_NAME));
      } catch (err) {
        layoutError = (err as Error).message;
      }
      this.wanted = { text, objects, layoutError };
    }
    const wanted = this.wanted;
    if (!wanted.objects && !wanted.table && config !== undefined) wanted.table = expectedNftables(config, controlPlane ?? []);
    return wanted;
  }

  private async applyFull(config: string, controlPlane: ControlPlaneAddress[], text: string): Promise<void> {
    this.inForce = undefined;
    // What the read-back is compared with is worked out while nft loads (on another core).
    const whileLoading = () => this.wantedFor(text, config, controlPlane).objects?.prepare(this.options.elementsDump !== undefined);
    await this.load("secgroups.nft", text, () => this.monitor.stop(), whileLoading);
    // The watch comes back after the read-back (check), not competing with it; its proof follows with the next full check.
    const diff = await this.check(config, controlPlane);
    if (diff.length) throw new Error(`nft loaded the file but the table differs from it: ${diff.join("; ")}`);
  }

  private async applyDelta(text: string, wanted: WantedObjects, delta: NftDelta): Promise<void> {
    const before = this.inForce!;
    this.inForce = undefined;
    const scope: ReadBackScope = { sets: delta.sets, chains: delta.chains, whole: false };
    let listing: ReadBackListing;
    const groups = scope.sets.length ? shareOut(wanted.objects, scope.sets) : [[]];
    if (delta.text && !scope.chains.length && groups.length === 1) listing = await this.loadAndList(delta.text, wanted, groups[0]);
    else {
      if (delta.text) await this.load("secgroups-delta.nft", delta.text);
      listing = await this.readBack(wanted, scope);
    }
    const diff = [...this.sameHandles(before, wanted, delta, listing.chains), ...compared(() => compareReadBack(wanted, scope, listing))];
    if (this.monitor.dirty) diff.push("the table was changed by someone else meanwhile");
    if (diff.length) throw new Error(`nft loaded the delta but the table differs from the file: ${diff.join("; ")}`);
    this.inForce = { file: text, wanted, chains: listing.chains };
  }

  /** The chains listed are the new file's, and those the delta did not create kept their handles. */
  private sameHandles(before: InForce, after: WantedObjects, delta: NftDelta, chains: string): string[] {
    const was = chainHandles(before.chains);
    const now = chainHandles(chains);
    const expected = after.chainNames;
    const out: string[] = [];
    if (now.size !== expected.length || expected.some((name) => !now.has(name)))
      out.push(`chains ${[...now.keys()].join(", ") || "(none)"}, expected ${expected.join(", ")}`);
    for (const [name, handle] of now) {
      if (was.has(name) && was.get(name) !== handle && delta.chains.includes(name) === false)
        out.push(`chain ${name} was replaced by someone else (handle ${was.get(name)}, now ${handle})`);
    }
    return out;
  }

  /**
   * Lists what `scope` names (readback.ts), all at once: the terse ruleset
   * when rules are compared (otherwise `list chains`, for the chain handles,
   * unless `withHandles` is false); the interval sets by the kernel dump
   * when there is one (kernel-dump.ts); the other sets, and those the dump
   * did not confirm, by `nft -j -i` (one per group of sets).
   */
  private async readBack(wanted: WantedObjects, scope: ReadBackScope, withHandles = true): Promise<ReadBackListing> {
    const rules = scope.whole || scope.chains.length > 0;
    const bin = this.options.elementsDump;
    const dumped = bin === undefined ? [] : scope.sets.filter((n) => wanted.dumpedText(n) !== undefined);
    const inDump = new Set(dumped);
    const [structure, confirmed, ...outputs] = await Promise.all([
      rules ? this.interactive(["-j", "-t"], `list ruleset ${NFT_TABLE_NAME.family}\n`) : undefined,
      dumped.length
        ? dumpSets(this.run, bin!, NFT_TABLE_NAME, dumped).then(
            (dump) => wanted.confirmedBy(dump, dumped),
            // The dump proves nothing then: nft lists those sets too.
            () => new Set<string>(),
          )
        : new Set<string>(),
      ...this.listSets(
        wanted,
        scope.sets.filter((n) => !inDump.has(n)),
        !rules && withHandles,
      ),
    ]);
    if (structure && !structure.stdout.trim()) throw new Error(`nft listed no ruleset: ${structure.stderr.trim()}`);
    const unconfirmed = dumped.filter((n) => !confirmed.has(n));
    if (unconfirmed.length) outputs.push(...(await Promise.all(this.listSets(wanted, unconfirmed, false))));
    const listing: ReadBackListing = { structure: structure?.stdout, sets: new Map(), chains: "", errors: "", confirmed };
    for (const output of outputs) {
      const split = splitListings(output.stdout);
      for (const [name, line] of split.sets) listing.sets.set(name, line);
      if (split.chains !== undefined) listing.chains = chainLines(split.chains);
      listing.errors += output.stderr;
    }
    if (listing.structure !== undefined) listing.chains = chainLines(listing.structure);
    return listing;
  }

  /** `nft -j -i` listings of the sets `names`, shared out over processes; `list chains` in the first when asked. */
  private listSets(wanted: WantedObjects, names: readonly string[], withChains: boolean): Promise<RunResult>[] {
    const groups = names.length ? shareOut(wanted.objects, names) : withChains ? [[]] : [];
    return groups.map((group, i) => this.interactive(["-j"], listCommands(wanted.objects, group, withChains && i === 0)));
  }

  /**
   * A delta that changes sets only, loaded and read back by one `nft -j -i`:
   * one line including the batch (one transaction), then the listings of `names` and
   * of the chains, answered once they are printed. This spares a process
   * start and the wait in nft's exit after a commit that deleted elements.
   * A batch nft refuses leaves the table as it was: the listings then differ
   * from the file.
   */
  private async loadAndList(text: string, wanted: WantedObjects, names: readonly string[]): Promise<ReadBackListing> {
    // The batch is included from the copy kept for inspection (includeLine), or else sent as one line.
    const kept = resolve(await this.keep("secgroups-delta.nft", text));
    const commands = `${includeLine(kept) ?? deltaLine(text)}\n${listCommands(wanted.objects, names, true)}`;
    this.monitor.ownLoad();
    let r: RunResult;
    try {
      r = await this.interactive(["-j"], commands, { ...this.own, completeAfterLines: names.length + 1 });
    } finally {
      this.monitor.ownLoadDone();
    }
    if (r.stderr.trim()) throw new Error(`nft refused the delta: ${r.stderr.trim()}`);
    const split = splitListings(r.stdout);
    return { sets: split.sets, chains: split.chains === undefined ? "" : chainLines(split.chains), errors: "" };
  }

  /** `commands` on `nft ARGS -i`, without its history file. */
  private async interactive(args: string[], commands: string, options?: RunOptions): Promise<RunResult> {
    const r = await this.run("env", [...NO_HISTORY, this.nft, ...args, "-i"], commands, options);
    // nft -i exits 0 after commands that failed (their errors on stderr): a failure here is nft's own.
    if (r.code !== 0) throw new Error(`nft ${args.join(" ")} -i failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
    return r;
  }

  /** Writes `text` to the state directory, kept for inspection; returns its path. */
  private async keep(name: string, text: string): Promise<string> {
    const path = join(this.options.stateDir, name);
    await mkdir(this.options.stateDir, { recursive: true });
    await writeFile(`${path}.tmp`, text);
    await rename(`${path}.tmp`, path);
    return path;
  }

  /** Writes `text` to the state directory (kept for inspection) and loads it in one transaction, as our own. */
  private async load(name: string, text: string, beforeLoad?: () => void, whileLoading?: () => void): Promise<void> {
    const path = await this.keep(name, text);
    beforeLoad?.();
    this.monitor.ownLoad();
    try {
      const loading = mustRun(this.run, this.nft, ["-f", path], undefined, this.own);
      try {
        whileLoading?.();
      } finally {
        await loading;
      }
    } finally {
      this.monitor.ownLoadDone();
    }
  }

  private readonly own = { onSpawn: (pid: number) => this.monitor.own(pid) };

  /** Whether the change watch proves the table unchanged since the last verification (deltas need it). */
  get proven(): boolean {
    return this.monitor.ready && !this.unproven;
  }

  /**
   * While watching, in the background: probe until the monitor shows a probe
   * transaction of ours (it is subscribed), then tell the owner, whose next
   * check is a full one that the watch then proves. nft subscribes only after
   * reading the whole ruleset (seconds at 100,000 elements on a loaded host),
   * and a dump that a probe's commit interrupts starts over: the probes are
   * spaced ever wider.
   */
  private startProbing(): void {
    if (!this.onChange) return;
    if (this.probing) {
      this.probeAgain = true;
      return;
    }
    this.startMonitor();
    this.probing = (async () => {
      const end = Date.now() + PROBE_TIMEOUT_MS;
      for (
        let wait = PROBE_FIRST_WAIT_MS;
        !this.monitor.ready && this.monitor.running && Date.now() < end;
        wait = Math.min(wait * 2, 8000)
      ) {
        let seen: Promise<boolean> | undefined;
        const probe = await this.run(this.nft, ["-f", "-"], PROBE, { onSpawn: (pid) => (seen = this.monitor.expect(pid, wait)) });
        if (probe.code !== 0 || !seen) break;
        await seen;
      }
    })()
      .catch(() => undefined)
      .finally(() => {
        this.probing = undefined;
        const again = this.probeAgain;
        this.probeAgain = false;
        if (this.monitor.ready) this.onChange?.();
        else if (again) this.startProbing();
      });
  }

  private startMonitor(): void {
    clearTimeout(this.restartTimer);
    if (!this.onChange || this.monitor.running) return;
    // Events before the new watch ran are unknown: proven again by the next full verification.
    this.unproven = true;
    this.monitor.start();
  }

  /** `nft -j list table` output, or undefined when the table does not exist. */
  private async list(): Promise<string | undefined> {
    const r = await this.run(this.nft, ["-j", "list", "table", "inet", NFT_TABLE]);
    if (r.code !== 0) {
      if (/No such file or directory/.test(r.stderr)) return undefined;
      throw new Error(`nft -j list table inet ${NFT_TABLE} failed (exit ${r.code}): ${r.stderr.trim()}`);
    }
    return r.stdout;
  }

  /** Our chains from `nft -j list chains` (no rules, no elements: cheap), one canonical line each. */
  private async listChains(): Promise<string> {
    return chainLines(await mustRun(this.run, this.nft, ["-j", "list", "chains", NFT_TABLE_NAME.family]));
  }
}

/** A comparison's differences; a listing the reader cannot read (a hand-made rule, say) is one to re-apply over, not an error. */
function compared(compare: () => string[]): string[] {
  try {
    return compare();
  } catch (err) {
    return [`the table holds what the agent cannot read: ${(err as Error).message}`];
  }
}

function chainHandles(listing: string): Map<string, string> {
  return new Map(
    listing
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split(" ").slice(0, 2) as [string, string]),
  );
}
