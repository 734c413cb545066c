/**
 * nftables: what changes goes to the kernel in ONE `nft -f` transaction, so
 * either all of it is in force or (on any error) none of it and the previous
 * table stays.
 *
 * Full load: the compiled file plus the control-plane elements (render.ts
 * nftablesFile), which deletes and re-declares the whole table; verified by
 * reading the table back with `nft -j` and comparing it with what the file
 * meant, both read into one model by this platform's reader (read.ts,
 * read-file.ts) and compared by diffLoaded. Used for the first apply, after
 * drift, when the state in force is not known, and when a delta fails.
 *
 * Delta (delta.ts): when the previous file is the one last verified in force
 * and the change watch (monitor.ts) has seen nobody else touch the table
 * since, only the changed sets and chains are loaded, in one batch. It is
 * verified by reading back just those objects (`nft -j list set|chain`),
 * plus a cheap proof that nothing else changed: the table's chain handles
 * (`nft -j list chains`, no rules or elements) are those last verified, and
 * the watch saw no foreign transaction. `nft list table` costs as much as a
 * load at 100,000 elements (nft fetches and prints every element), a set's
 * listing a few milliseconds. Without a running watch there is no such
 * proof: a delta is then verified by the full read-back.
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { diffLoaded } from "../../analyze/compare-loaded";
import type { LoadedRuleset } from "../../analyze/loaded";
import type { AppliedConfig, ApplyOutcome, ControlPlaneAddress, Enforcer } from "../platform";
import { mustRun, runCommand, spawnTool, type Runner, type Spawner } from "../runner";
import { nftDelta, nftFileObjects, tableBlock, type NftDelta, type NftFileObjects } from "./delta";
import { NftMonitor } from "./monitor";
import { NFT_TABLE, NFT_TABLE_NAME } from "./names";
import { parseNftJson, readNftables } from "./read";
import { expectedNftables, parseNftText } from "./read-file";
import { nftablesFile } from "./render";

export interface NftablesOptions {
  /** Where the file that is loaded is written (kept for inspection). */
  stateDir: string;
  /** The nft binary (`--nft-bin`; tests point it at a wrapper). */
  nft?: string;
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
/** More chains than this changed: one listing of the table is cheaper than one per chain. */
const CHAINS_LISTED_ONE_BY_ONE = 1;

/** What the kernel was last verified to hold. */
interface InForce {
  file: string;
  objects: NftFileObjects;
  /** Our chains as `nft -j list chains` lists them (names, handles, hooks): the cheap proof. */
  chains: string;
}

export class NftablesEnforcer implements Enforcer {
  readonly platform = "nftables";
  private readonly nft: string;
  private readonly run: Runner;
  /** What the file of the current revision means: parsed once per revision, not on every check. */
  private wanted?: { text: string; table: LoadedRuleset; verifiedListing?: string };
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
        await this.applyDelta(text, planned.objects, planned.delta);
        return { mode: "delta", touched: planned.delta.sets.length + planned.delta.chains.length + planned.delta.removed.length };
      } catch (err) {
        planned.reason = `the delta failed (${(err as Error).message}); loaded in full`;
      }
    }
    await this.applyFull(config, controlPlane, text);
    return { mode: "full", reason: planned.reason ?? "" };
  }

  async check(config: string, controlPlane: ControlPlaneAddress[]): Promise<string[]> {
    const text = nftablesFile(config, controlPlane);
    if (this.wanted?.text !== text) this.wanted = { text, table: expectedNftables(config, controlPlane) };
    const wanted = this.wanted;
    // A watch known to receive events before the listing proves what follows it.
    const proofBefore = this.monitor.ready;
    // Changes from here on are seen by the listing or stay marked for the next check.
    this.monitor.take();
    const listed = await this.list();
    // nft lists an unchanged table byte for byte the same (handles included): skip the comparison.
    let diff: string[];
    if (listed !== undefined && wanted.verifiedListing === listed) diff = [];
    else {
      let loaded: LoadedRuleset | undefined;
      try {
        loaded = listed === undefined ? undefined : readNftables(listed);
      } catch (err) {
        // Something we never load (a hand-made rule, say): a difference to re-apply over, not an error.
        if (!proofBefore) this.startProbing();
        return [`the table holds what the agent cannot read: ${(err as Error).message}`];
      }
      diff = diffLoaded(wanted.table, loaded);
      if (!diff.length) wanted.verifiedListing = listed;
    }
    if (diff.length) this.inForce = undefined;
    else {
      const objects = this.inForce?.file === text ? this.inForce.objects : tryObjectsOf(text);
      // The handles the next cheap checks compare with (a change in between is the watch's to see).
      this.inForce = objects && { file: text, objects, chains: await this.listChains() };
      if (proofBefore && this.monitor.ready) this.unproven = false;
    }
    // A watch that is not up yet starts after the listing (not competing with it), to prove the next check.
    if (!proofBefore) this.startProbing();
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
    if (names.some((n) => !inForce.objects.objects.has(`set ${n}`) && !inForce.objects.objects.has(`map ${n}`)))
      return this.check(config, controlPlane);
    const diff = await this.compareObjects(names, [], inForce.objects);
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
  ): { delta: NftDelta; objects: NftFileObjects; reason?: string } | { reason: string } {
    if (!previous) return { reason: "no previous configuration" };
    const inForce = this.inForce;
    if (!inForce || inForce.file !== nftablesFile(previous.config, previous.controlPlane))
      return { reason: "the previous configuration is not verified in force" };
    if (!this.proven)
      return { reason: `no change watch proves the table unchanged${this.lostReason ? ` (last: ${this.lostReason})` : ""}` };
    if (this.monitor.dirty) return { reason: "the table was changed by someone else" };
    let objects: NftFileObjects;
    try {
      objects = objectsOf(text);
    } catch (err) {
      return { reason: (err as Error).message };
    }
    const planned = nftDelta(inForce.objects, objects);
    if ("unsupported" in planned) return { reason: planned.unsupported };
    return { delta: planned.delta, objects };
  }

  private async applyFull(config: string, controlPlane: ControlPlaneAddress[], text: string): Promise<void> {
    this.inForce = undefined;
    await this.load("secgroups.nft", text, () => this.monitor.stop());
    // The watch comes back after the read-back (check), not competing with it; its proof follows with the next full check.
    const diff = await this.check(config, controlPlane);
    if (diff.length) throw new Error(`nft loaded the file but the table differs from it: ${diff.join("; ")}`);
  }

  private async applyDelta(text: string, objects: NftFileObjects, delta: NftDelta): Promise<void> {
    const before = this.inForce!;
    this.inForce = undefined;
    if (delta.text) await this.load("secgroups-delta.nft", delta.text);
    const chains = await this.listChains();
    const diff = [...this.sameHandles(before, objects, delta, chains), ...(await this.compareObjects(delta.sets, delta.chains, objects))];
    if (this.monitor.dirty) diff.push("the table was changed by someone else meanwhile");
    if (diff.length) throw new Error(`nft loaded the delta but the table differs from the file: ${diff.join("; ")}`);
    this.inForce = { file: text, objects, chains };
  }

  /** The chains listed are the new file's, and those the delta did not create kept their handles. */
  private sameHandles(before: InForce, after: NftFileObjects, delta: NftDelta, chains: string): string[] {
    const was = chainHandles(before.chains);
    const now = chainHandles(chains);
    const expected = [...after.objects.values()].filter((o) => o.kind === "chain").map((o) => o.name);
    const out: string[] = [];
    if (now.size !== expected.length || expected.some((name) => !now.has(name)))
      out.push(`chains ${[...now.keys()].join(", ") || "(none)"}, expected ${expected.join(", ")}`);
    for (const [name, handle] of now) {
      if (was.has(name) && was.get(name) !== handle && delta.chains.includes(name) === false)
        out.push(`chain ${name} was replaced by someone else (handle ${was.get(name)}, now ${handle})`);
    }
    return out;
  }

  /** Reads back the named sets and chains and compares them with what `objects` (the file) declares of them. */
  private async compareObjects(sets: readonly string[], chains: readonly string[], objects: NftFileObjects): Promise<string[]> {
    if (!sets.length && !chains.length) return [];
    const declared = [...sets.map((n) => `set ${n}`), ...chains.map((n) => `chain ${n}`)].map(
      (key) => objects.objects.get(key) ?? objects.objects.get(key.replace(/^set /, "map "))!,
    );
    const want = parseNftText(tableBlock(declared).join("\n"), NFT_TABLE_NAME);
    const got: LoadedRuleset = { chains: new Map(), sets: new Map() };
    try {
      const listings: string[] = [];
      for (const name of sets) listings.push(await this.listObject("set", name));
      if (chains.length > CHAINS_LISTED_ONE_BY_ONE) listings.push((await this.list()) ?? '{"nftables": []}');
      else for (const name of chains) listings.push(await this.listObject("chain", name));
      for (const listing of listings) {
        const read = parseNftJson(listing, NFT_TABLE_NAME);
        for (const name of sets) if (read.sets.has(name)) got.sets.set(name, read.sets.get(name)!);
        for (const name of chains) if (read.chains.has(name)) got.chains.set(name, read.chains.get(name)!);
      }
    } catch (err) {
      return [`the table holds what the agent cannot read: ${(err as Error).message}`];
    }
    return diffLoaded(want, got);
  }

  /** Writes `text` to the state directory (kept for inspection) and loads it in one transaction, as our own. */
  private async load(name: string, text: string, beforeLoad?: () => void): Promise<void> {
    const path = join(this.options.stateDir, name);
    await mkdir(this.options.stateDir, { recursive: true });
    await writeFile(`${path}.tmp`, text);
    await rename(`${path}.tmp`, path);
    beforeLoad?.();
    this.monitor.ownLoad();
    try {
      await mustRun(this.run, this.nft, ["-f", path], undefined, this.own);
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

  private async listObject(kind: "set" | "chain", name: string): Promise<string> {
    return mustRun(this.run, this.nft, ["-j", "list", kind, "inet", NFT_TABLE, name]);
  }

  /** Our chains from `nft -j list chains` (no rules, no elements: cheap), one canonical line each. */
  private async listChains(): Promise<string> {
    const listed = JSON.parse(await mustRun(this.run, this.nft, ["-j", "list", "chains"])).nftables ?? [];
    const lines: string[] = [];
    for (const item of listed) {
      const c = item.chain;
      if (!c || c.family !== NFT_TABLE_NAME.family || c.table !== NFT_TABLE_NAME.name) continue;
      lines.push(`${c.name} ${c.handle} ${c.hook ?? "-"} ${c.prio ?? "-"} ${c.policy ?? "-"}`);
    }
    return lines.sort().join("\n");
  }
}

function objectsOf(text: string): NftFileObjects {
  return nftFileObjects(text, NFT_TABLE_NAME);
}

/** The file's objects, or undefined for a file outside the layout deltas know (it is then always loaded in full). */
function tryObjectsOf(text: string): NftFileObjects | undefined {
  try {
    return objectsOf(text);
  } catch {
    return undefined;
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
