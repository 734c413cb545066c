/**
 * iptables + ip6tables + ipset. Order of an apply (see render.ts):
 *   1. `ipset restore`: every prefix list's set of each family (and the
 *      control-plane sets) is filled as a temporary copy and swapped in, so a
 *      rule never sees a half-filled set;
 *   2. `ip6tables-restore --test --noflush`: the IPv6 half is checked before
 *      either table changes, so a half the kernel refuses changes no chain
 *      (run beside step 1 against the sets already there; refused, run again
 *      after it, since a set the revision creates was missing);
 *   3. `iptables-restore --noflush`, then `ip6tables-restore --noflush`: each
 *      declares and fills only our chains, committed as one table replacement
 *      (iptables-nft: one transaction); other chains stay;
 *   4. the jumps from INPUT/OUTPUT(/FORWARD) to our chains are ensured in both
 *      (from the read-back's listing).
 * If a restore fails, the chains of that family stay as they were (the old
 * rules refer to the same set names); should the IPv6 load fail after the IPv4
 * one went through, the agent finds the previous revision no longer in force
 * and applies it again (core/agent/loop.ts, reinstatePrevious). Verification
 * reads back `iptables-save`, `ip6tables-save` and one `ipset save` with this
 * platform's reader (read.ts) and compares what of it is ours with what the
 * configuration leaves behind in the loaded model (diffLoaded), as nftables
 * does; a jump the listing lacks is inserted first (`-I CHAIN 1`) and that
 * table listed again. After a full load the sets are listed and compared
 * while step 3 runs (a table restore changes no set), the tables after it.
 * A configuration without an ip6tables section (rendered before IPv6) leaves
 * ip6tables alone.
 *
 * Delta (delta.ts): when the previous configuration is the one last verified
 * in force, only the changed sets are restored and swapped in, and only the
 * changed chains restored (`--noflush`, declaring just them). One `ipset
 * restore` process does the sets' part and its read-back: the changed sets'
 * lines, then `list NAME` of each changed set (members and all), then `list
 * -t` (every set's header). What a delta verifies, read back after its load:
 *   - each changed set in full, element by element, as a full check does;
 *   - our chains of both tables (`iptables-save`; when no chain changes they
 *     are listed beside the ipset process, and read only if they differ from
 *     the listing last verified). With iptables on its nf_tables backend and
 *     secgroups-nft-elements given, not listed at all while the ruleset's
 *     generation is the one read before that listing: every commit of any
 *     nf_tables table moves it on (an ipset change does not, and the sets
 *     are checked by their own means below);
 *   - every other set of ours by its header: type, header (with the random
 *     initval of the set's creation) and number of entries, as last verified.
 * That is enough because the delta writes nothing else: an unchanged set is
 * never touched, so only someone else could have changed it since the last
 * verification, and an edit that keeps a set's type, creation and count
 * (a swap of one element for another) is what the full read-back (the
 * agent's --full-verify, less often) is for. A difference (someone's edit,
 * the delta's own failure) loads the revision in full. The same digest (our
 * chains' lines, taken as verified while the generation has not moved, and
 * our sets' headers) is the cheap drift check; the full read-back always
 * lists both tables.
 *
 * All or nothing: each swap is atomic per set and each restore per table, so
 * an agent (or a tool) killed in the middle leaves every set and each
 * family's chains old or new (test/integration/agent-delta-iptables.test.ts
 * kills it at random moments); a delta that changes several of them may be
 * cut between two, and the agent's restart re-applies its revision in full.
 *
 * Each revision is read once (sections, ipset lines by set, the sets and
 * chains it leaves), and a read-back compares the sets' elements as listed
 * with the file's (listedIpsets: a lookup per element) before reading
 * 100,000 addresses. The listings of one read-back run side by side. The
 * tools are started from a small helper process (toolHostRunner), not by
 * forking the agent and the revisions it holds.
 */
import { diffLoaded } from "../../analyze/compare-loaded";
import type { LoadedRuleset } from "../../analyze/loaded";
import type { AppliedConfig, ApplyOutcome, ControlPlaneAddress, Enforcer } from "../platform";
import { rulesetGeneration } from "../nftables/kernel-dump";
import { mustRun, toolHostRunner, type Runner } from "../runner";
import { ipsetBlocks, ipsetLines, iptablesDelta, joinBlocks, type IpsetLines, type IptablesDelta } from "./delta";
import { OUR_CHAINS, isOurIpset } from "./names";
import {
  expectedChains,
  FRESH_BUILTIN_CHAINS,
  listedIpsets,
  loadedSet,
  playIpset,
  readIptables,
  writtenIpsets,
  type ListedIpset,
  type WrittenIpsets,
} from "./read";
import { controlPlaneIpset, splitIptablesConfig, type IptablesConfig } from "./render";

export interface IptablesOptions {
  iptables?: string;
  iptablesRestore?: string;
  iptablesSave?: string;
  ip6tables?: string;
  ip6tablesRestore?: string;
  ip6tablesSave?: string;
  ipset?: string;
  /**
   * secgroups-nft-elements (the nftables platform's kernel-dump program), for the ruleset's generation: with
   * iptables on its nf_tables backend, a generation unchanged since our chains were listed proves them unchanged,
   * and a delta that changes no chain, or the cheap check, lists neither table.
   * @default none: our chains are listed each time
   */
  nftElements?: string;
  run?: Runner;
}

/** A configuration with the control plane's ipset lines, read once (a drift check runs every few seconds); the rest when first needed. */
interface Revision {
  config: string;
  cp: string;
  parts: IptablesConfig;
  ipv6: boolean;
  /** The jump lines the configuration ensures, as iptables-save prints them. */
  jumps: ReadonlySet<string>;
  /** Its ipset section read by set (delta.ts). */
  lines?: IpsetLines;
  /** Those lines' blocks and the control plane's. */
  blocks?: Map<string, string[]>;
  /** What it leaves in the chains (expectedChains). */
  chains?: LoadedRuleset;
  /** The sets it leaves, elements as written. */
  sets?: WrittenIpsets;
  /** The listings last found equal to it, and our sets' headers then. */
  verified?: { ours: string; ours6?: string; sets: string; headers: Map<string, string> };
}

/** What was last verified in force: the revision, our lines of each table, our sets' headers, and the digest of all three. */
interface InForce extends Tables {
  rev: Revision;
  headers: Map<string, string>;
  digest: string;
}

/** Our lines of both tables as listed, and the ruleset's generation read before (when it could be). */
interface Tables {
  ours: string;
  ours6?: string;
  gen?: string;
}

/** The tools of one family's filter table. */
interface Table {
  cli: string;
  restore: string;
  save: string;
}

/** One `ipset save` of every set, read: the listing (undefined when it failed or could not be read), differences, our sets' headers. */
interface SetsRead {
  listing: string | undefined;
  diff: string[];
  headers?: Map<string, string>;
}

export class IptablesEnforcer implements Enforcer {
  readonly platform = "iptables";
  private readonly run: Runner;
  private readonly ipset: string;
  private readonly v4: Table;
  private readonly v6: Table;
  /** The revision last asked for (besides the one in force). */
  private wanted?: Revision;
  private inForce?: InForce;
  private readonly nftElements?: string;
  /** Whether both iptables and ip6tables are on the nf_tables backend (asked once). */
  private nfTables?: Promise<boolean>;

  constructor(options: IptablesOptions = {}) {
    // The agent holds its revisions (100,000 addresses: 200 MB): tools are started from a small helper (toolHostRunner).
    this.run = options.run ?? toolHostRunner();
    this.ipset = options.ipset ?? "ipset";
    this.nftElements = options.nftElements;
    this.v4 = {
      cli: options.iptables ?? "iptables",
      restore: options.iptablesRestore ?? "iptables-restore",
      save: options.iptablesSave ?? "iptables-save",
    };
    this.v6 = {
      cli: options.ip6tables ?? "ip6tables",
      restore: options.ip6tablesRestore ?? "ip6tables-restore",
      save: options.ip6tablesSave ?? "ip6tables-save",
    };
  }

  async apply(config: string, controlPlane: ControlPlaneAddress[], previous?: AppliedConfig): Promise<ApplyOutcome> {
    const rev = this.revisionOf(config, controlPlane);
    // A delta from the revision in force whose chains are those in force: they are listed at once, while the sets'
    // difference is worked out (the delta reads them beside its load).
    const v = this.inForce;
    const sameChains =
      v !== undefined &&
      v.rev.config === previous?.config &&
      v.rev.parts.iptables === rev.parts.iptables &&
      v.rev.parts.ip6tables === rev.parts.ip6tables &&
      v.rev.jumps.size === rev.jumps.size &&
      [...rev.jumps].every((j) => v.rev.jumps.has(j));
    const listed = sameChains ? this.readTables(rev, false, v) : undefined;
    // Its failure is the delta's to report when it awaits it (handled meanwhile, not an unhandled rejection).
    listed?.catch(() => undefined);
    const planned = this.plan(rev, previous);
    let reason = "reason" in planned ? planned.reason : "";
    if (!("delta" in planned)) await listed?.catch(() => undefined);
    if ("delta" in planned) {
      try {
        await this.applyDelta(rev, planned.delta, listed);
        return { mode: "delta", touched: planned.delta.sets.length + planned.delta.chains.length };
      } catch (err) {
        reason = `the delta failed (${(err as Error).message}); loaded in full`;
      }
    }
    await this.applyFull(rev);
    return { mode: "full", reason };
  }

  async quickCheck(config: string, controlPlane: ControlPlaneAddress[]): Promise<string[]> {
    const v = this.inForce;
    if (!v || v.rev !== this.revisionOf(config, controlPlane)) return this.check(config, controlPlane);
    const [tables, headers] = await Promise.all([this.readTables(v.rev, false, v), this.headers()]);
    if (digestOf(tables, headers) !== v.digest) return this.check(config, controlPlane);
    // Listed again after a commit elsewhere, and as verified: the generation to prove them by from now on.
    if (tables.gen !== v.gen && this.inForce === v) this.inForce = { ...v, gen: tables.gen };
    return [];
  }

  async check(config: string, controlPlane: ControlPlaneAddress[]): Promise<string[]> {
    return this.verify(this.revisionOf(config, controlPlane), false);
  }

  /** The revision of `config` with this control plane: the one in force or last asked for, else read now. */
  private revisionOf(config: string, controlPlane: readonly ControlPlaneAddress[]): Revision {
    for (const rev of [this.inForce?.rev, this.wanted]) {
      if (rev?.config === config && rev.cp === controlPlaneIpset(controlPlane, { ipv6: rev.ipv6 })) return rev;
    }
    const parts = splitIptablesConfig(config);
    const ipv6 = parts.ip6tables !== undefined;
    this.wanted = { config, cp: controlPlaneIpset(controlPlane, { ipv6 }), parts, ipv6, jumps: jumpLines(parts) };
    return this.wanted;
  }

  private plan(rev: Revision, previous: AppliedConfig | undefined): { delta: IptablesDelta } | { reason: string } {
    if (!previous) return { reason: "no previous configuration" };
    const v = this.inForce;
    if (!v || v.rev.config !== previous.config || v.rev.cp !== controlPlaneIpset(previous.controlPlane, { ipv6: v.rev.ipv6 }))
      return { reason: "the previous configuration is not verified in force" };
    let delta: ReturnType<typeof iptablesDelta>;
    try {
      delta = iptablesDelta({ parts: v.rev.parts, blocks: blocksOf(v.rev) }, { parts: rev.parts, blocks: blocksOf(rev, v.rev) });
    } catch (err) {
      return { reason: (err as Error).message };
    }
    return "unsupported" in delta ? { reason: delta.unsupported } : { delta };
  }

  /** `listed`: our chains, listed since the apply began (the chains are those in force: a delta changes none). */
  private async applyDelta(rev: Revision, delta: IptablesDelta, listed?: Promise<Tables>): Promise<void> {
    const before = this.inForce!;
    this.inForce = undefined;
    const changed = new Set(delta.sets);
    const chainsChange = delta.iptables !== undefined || delta.ip6tables !== undefined;
    // No chain of ours changes: they are listed beside the sets' load (no restore here touches them).
    // (Not mending a missing jump there: the listing then differs from the one verified, and the full load mends it.)
    if (chainsChange) await listed?.catch(() => undefined);
    const early = chainsChange ? undefined : (listed ?? this.readTables(rev, true, delta.jumps ? undefined : before));
    early?.catch(() => undefined);
    // One ipset process: the changed sets restored and swapped in, then each listed back with its members, then
    // every set's header (`list -t`; in a restore, an option given once holds for the lines after it).
    const script = delta.ipset + [...changed].map((name) => `list ${name}\n`).join("") + "list -t\n";
    let out: string;
    try {
      out = await mustRun(this.run, this.ipset, ["restore"], script);
    } catch (err) {
      await early?.catch(() => undefined);
      throw err;
    }
    if (delta.ip6tables) await mustRun(this.run, this.v6.restore, ["--test", "--noflush"], delta.ip6tables);
    if (delta.iptables) await mustRun(this.run, this.v4.restore, ["--noflush"], delta.iptables);
    if (delta.ip6tables) await mustRun(this.run, this.v6.restore, ["--noflush"], delta.ip6tables);
    const tables = await (early ?? this.readTables(rev, true));
    const { headers, saved: listing } = readIpsetList(out);
    let diff: string[];
    let got: Map<string, ListedIpset>;
    try {
      const want = writtenIpsets(playIpset(delta.ipset));
      got = listedIpsets(listing, want, (name) => changed.has(name));
      diff = compareSets(want, listing, got);
      // The chains listed as last verified (none changed, no jump missing): nothing to read.
      if (chainsChange || delta.jumps || tables.ours !== before.ours || tables.ours6 !== before.ours6)
        diff.push(...compareChains(rev, tables));
    } catch (err) {
      throw new Error(`our chains or sets hold what the agent cannot read: ${(err as Error).message}`);
    }
    for (const name of blocksOf(rev).keys()) {
      if (changed.has(name)) continue;
      if (headers.get(name) !== before.headers.get(name)) diff.push(`set ${name} changed (${headers.get(name) ?? "missing"})`);
    }
    if (diff.length) throw new Error(`the host differs from the configuration after the delta: ${diff.join("; ")}`);
    for (const [name, set] of got) headers.set(name, headerOf(set));
    this.inForce = inForceOf(rev, tables, headers);
  }

  private async applyFull(rev: Revision): Promise<void> {
    this.inForce = undefined;
    let started = () => undefined as void;
    const spawned = new Promise<void>((resolve) => (started = resolve));
    const load = mustRun(this.run, this.ipset, ["restore"], rev.parts.ipset + rev.cp, { onSpawn: () => started() });
    // The IPv6 half is tested beside the sets' load, against the sets already there; refused, once more after it
    // (a set this revision creates was missing). Either way before any chain changes.
    const tested = rev.ipv6 ? this.run(this.v6.restore, ["--test", "--noflush"], rev.parts.ip6tables) : undefined;
    try {
      // While ipset loads them (it has its input once started: the helper holds it), the sets and chains the
      // revision leaves are read (100,000 addresses of a new revision: 0.1-0.2 s).
      await Promise.race([spawned, load.catch(() => undefined)]);
      try {
        setsOf(rev);
        chainsOf(rev);
      } catch {
        // What the reader cannot read: said by the read-back's comparison below.
      }
      await load;
    } finally {
      await tested;
    }
    if (tested && (await tested).code !== 0) await mustRun(this.run, this.v6.restore, ["--test", "--noflush"], rev.parts.ip6tables);
    // The sets are listed and compared while the tables load (a restore of the tables changes no set).
    const sets = this.readSets(rev);
    try {
      await mustRun(this.run, this.v4.restore, ["--noflush"], rev.parts.iptables);
      if (rev.ipv6) await mustRun(this.run, this.v6.restore, ["--noflush"], rev.parts.ip6tables);
    } catch (err) {
      await sets;
      throw err;
    }
    const diff = this.settle(rev, await this.readTables(rev, true), await sets);
    if (diff.length) throw new Error(`iptables loaded the configuration but it differs from it: ${diff.join("; ")}`);
  }

  /** The full read-back: our lines of both tables and one `ipset save` of every set, compared with `rev`; `ensure`: insert missing jumps first. */
  private async verify(rev: Revision, ensure: boolean): Promise<string[]> {
    const [tables, sets] = await Promise.all([this.readTables(rev, ensure), this.readSets(rev)]);
    return this.settle(rev, tables, sets);
  }

  /** One `ipset save` of every set, compared with `rev`'s: the differences, and our sets' headers as listed. Never rejects. */
  private async readSets(rev: Revision): Promise<SetsRead> {
    const saved = await this.run(this.ipset, ["save"]);
    if (saved.code !== 0) return { listing: undefined, diff: [`ipset save failed (exit ${saved.code}): ${saved.stderr.trim()}`] };
    // The tool lists unchanged sets byte for byte the same: not read again.
    const v = rev.verified;
    if (v?.sets === saved.stdout) return { listing: saved.stdout, diff: [], headers: v.headers };
    try {
      // Our sets, all of them (their headers are the cheap check's proof); others, of types we never create, unread.
      const got = listedIpsets(saved.stdout, setsOf(rev), isOurIpset);
      const headers = new Map([...got].map(([name, set]) => [name, headerOf(set)]));
      return { listing: saved.stdout, diff: compareSets(setsOf(rev), saved.stdout, got), headers };
    } catch (err) {
      // Something we never load: a difference to re-apply over, not an error.
      return { listing: undefined, diff: [`our sets hold what the agent cannot read: ${(err as Error).message}`] };
    }
  }

  /** The verdict of a full read-back: differences of the chains (unless listed as last verified) and of the sets; none: `rev` is in force. */
  private settle(rev: Revision, tables: Tables, sets: SetsRead): string[] {
    this.inForce = undefined;
    const v = rev.verified;
    let diff: string[] = [];
    if (v?.ours !== tables.ours || v.ours6 !== tables.ours6) {
      try {
        diff = compareChains(rev, tables);
      } catch (err) {
        // A hand-made rule in our chains, say: a difference to re-apply over, not an error.
        diff = [`our chains hold what the agent cannot read: ${(err as Error).message}`];
      }
    }
    diff.push(...sets.diff);
    if (diff.length || sets.listing === undefined || !sets.headers) return diff;
    rev.verified = { ...tables, sets: sets.listing, headers: sets.headers };
    this.inForce = inForceOf(rev, tables, sets.headers);
    return [];
  }

  /**
   * Our lines of both tables (of IPv4 only for a configuration without IPv6), listed side by side. With `since` (in
   * force with the same chains and jumps as `rev`): those verified then, not listed again, while the ruleset's
   * generation is still the one read before they were listed (nothing was committed since). The generation is read
   * before listing, never beside it: a commit landing in between then shows as a generation moved on, and the
   * tables are listed again next time.
   */
  private async readTables(rev: Revision, ensure: boolean, since?: InForce): Promise<Tables> {
    const gen = await this.generation();
    if (gen !== undefined && gen === since?.gen) return { ours: since.ours, ours6: since.ours6, gen };
    const [ours, ours6] = await Promise.all((rev.ipv6 ? [this.v4, this.v6] : [this.v4]).map((t) => this.ourChains(t, rev, ensure)));
    // Jumps inserted by ourChains move the generation on past `gen`: the next check lists the tables again.
    return { ours, ours6, gen };
  }

  /** The ruleset's generation (rulesetGeneration), when iptables is on nf_tables and secgroups-nft-elements is there; else undefined. */
  private async generation(): Promise<string | undefined> {
    if (this.nftElements === undefined) return undefined;
    this.nfTables ??= Promise.all([this.v4, this.v6].map((t) => this.run(t.cli, ["-V"]))).then((rs) =>
      rs.every((r) => r.code === 0 && r.stdout.includes("(nf_tables)")),
    );
    if (!(await this.nfTables)) return undefined;
    return rulesetGeneration(this.run, this.nftElements);
  }

  /** Our lines of one table; with `ensure`, the jumps it lacks are inserted at the top of their chains first (then it is listed again). */
  private async ourChains(table: Table, rev: Revision, ensure: boolean): Promise<string> {
    const listed = ourLines(await mustRun(this.run, table.save, ["-t", "filter"]), rev.jumps);
    const missing = rev.parts.jumps.filter((j) => !listed.jumps.has(jumpLine(j)));
    if (!ensure || !missing.length) return listed.text;
    for (const jump of missing) await mustRun(this.run, table.cli, ["-I", jump.chain, "1", ...jump.rule]);
    return ourLines(await mustRun(this.run, table.save, ["-t", "filter"]), rev.jumps).text;
  }

  /** `ipset list -t` of our sets: name to header (see headerOf). */
  private async headers(): Promise<Map<string, string>> {
    return readIpsetList(await mustRun(this.run, this.ipset, ["list", "-t"])).headers;
  }

  /** Our jumps and chains out of both tables, then our sets (a set cannot go while a rule refers to it). */
  async remove(): Promise<void> {
    this.inForce = undefined;
    for (const table of [this.v4, this.v6]) {
      const save = await mustRun(this.run, table.save, ["-t", "filter"]);
      // Jumps first, so nothing is filtered by a half-removed chain.
      for (const line of save.split("\n")) {
        const m = /^-A (INPUT|OUTPUT|FORWARD) (.*-j (secgroups-\w+))$/.exec(line.trim());
        if (m && OUR_CHAINS.has(m[3])) await mustRun(this.run, table.cli, ["-D", m[1], ...m[2].split(" ")]);
      }
      for (const chain of OUR_CHAINS) {
        if (!new RegExp(`^:${chain} `, "m").test(save)) continue;
        await mustRun(this.run, table.cli, ["-F", chain]);
        await mustRun(this.run, table.cli, ["-X", chain]);
      }
    }
    const sets = await this.run(this.ipset, ["list", "-n"]);
    for (const name of sets.stdout.split("\n").map((s) => s.trim())) {
      if (isOurIpset(name)) await this.run(this.ipset, ["destroy", name]);
    }
  }

  async present(): Promise<boolean> {
    for (const table of [this.v4, this.v6]) {
      const save = await mustRun(this.run, table.save, ["-t", "filter"]);
      if ([...OUR_CHAINS].some((c) => new RegExp(`^:${c} `, "m").test(save))) return true;
    }
    return false;
  }
}

/**
 * `rev`'s ipset lines by set, its own then the control plane's: read, when not yet, by difference from the section of
 * `like` (the revision in force) when that was read. Not as one text: joining them copies 4 MB (5 ms).
 */
function blocksOf(rev: Revision, like?: Revision): Map<string, string[]> {
  if (!rev.blocks) {
    rev.lines = ipsetLines(rev.parts.ipset, like?.lines);
    rev.blocks = joinBlocks(rev.lines.blocks, ipsetBlocks(rev.cp));
  }
  return rev.blocks;
}
const chainsOf = (rev: Revision) => (rev.chains ??= expectedChains(rev.parts));
const setsOf = (rev: Revision) => (rev.sets ??= writtenIpsets(playIpset(rev.parts.ipset + rev.cp)));

/**
 * Differences between the sets `want` names and an `ipset save` listing of
 * them (`listing`, as listedIpsets found it): a set listed as written is
 * equal unread; the others are read (loadedSet) and compared with diffLoaded.
 * Throws on what the reader cannot read.
 */
function compareSets(want: WrittenIpsets, listing: string, listed: Map<string, ListedIpset>): string[] {
  const wanted: LoadedRuleset = { chains: new Map(), sets: new Map() };
  const got: LoadedRuleset = { chains: new Map(), sets: new Map() };
  const unlike = new Set([...want.sets.keys()].filter((name) => !listed.get(name)?.asWritten));
  if (!unlike.size) return [];
  const host = playIpset(listing, { sets: (name) => unlike.has(name) });
  for (const name of unlike) {
    wanted.sets.set(name, loadedSet(want.sets.get(name)!));
    const set = host.get(name);
    if (set) got.sets.set(name, loadedSet(set));
  }
  return diffLoaded(wanted, got);
}

/** Differences between `rev`'s chains and our lines of both tables as listed; throws on what the reader cannot read. */
function compareChains(rev: Revision, tables: Tables): string[] {
  const got = readIptables({ iptablesSave: tables.ours, ip6tablesSave: tables.ours6, ipsetSave: "" });
  return diffLoaded({ chains: chainsOf(rev).chains, sets: new Map() }, { chains: got.chains, sets: new Map() });
}

function inForceOf(rev: Revision, tables: Tables, headers: Map<string, string>): InForce {
  return { rev, ...tables, headers, digest: digestOf(tables, headers) };
}

/**
 * The lines of `iptables-save -t filter` (or ip6tables-save) that are ours: our chains (their
 * declarations and rules) and, once each, the jumps into them that the
 * configuration ensures (also returned). Rules others keep in the built-in chains, and the
 * built-in chains' policies, are not ours to compare: the built-in chains are
 * listed as a filter table nobody changed has them.
 */
function ourLines(save: string, jumps: ReadonlySet<string>): { text: string; jumps: Set<string> } {
  const out = ["*filter", ...FRESH_BUILTIN_CHAINS];
  const seen = new Set<string>();
  let inFilter = false;
  for (const raw of save.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("*")) inFilter = line === "*filter";
    if (!inFilter) continue;
    if (line.startsWith(":")) {
      if (OUR_CHAINS.has(line.slice(1, line.indexOf(" ")))) out.push(line);
    } else if (line.startsWith("-A ")) {
      const chain = line.slice(3, line.indexOf(" ", 3));
      if (OUR_CHAINS.has(chain)) out.push(line);
      else if (jumps.has(line) && !seen.has(line)) seen.add(line);
    }
  }
  out.push(...seen, "COMMIT");
  return { text: out.join("\n") + "\n", jumps: seen };
}

function digestOf(tables: Tables, headers: Map<string, string>): string {
  const sets = [...headers].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, header]) => `${name}\n${header}`);
  return [tables.ours, tables.ours6 ?? "", "#== ipset headers", ...sets].join("\n");
}

/** What the cheap check compares of a set: its type, header (with the random initval of its creation) and number of entries. */
function headerOf(set: ListedIpset): string {
  return `${set.type}\n${set.header}\n${set.count}`;
}

/**
 * `ipset list` output (`-t`: headers only) as our sets' names and headers
 * (headerOf's form) and, for the sets listed with their members, the same
 * sets as `ipset save` lists them (create and add lines, for listedIpsets).
 */
function readIpsetList(text: string): { headers: Map<string, string>; saved: string } {
  const headers = new Map<string, string>();
  const saved: string[] = [];
  let name: string | undefined;
  let fields = new Map<string, string>();
  let members = false;
  const flush = () => {
    if (name !== undefined && isOurIpset(name))
      headers.set(name, `${fields.get("Type")}\n${fields.get("Header")}\n${fields.get("Number of entries")}`);
    fields = new Map();
    members = false;
  };
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("Name: ")) {
      flush();
      name = line.slice(6).trim();
    } else if (members) {
      if (line !== "" && name !== undefined && isOurIpset(name)) saved.push(`add ${name} ${line}`);
    } else if (line === "Members:") {
      members = true;
      if (name !== undefined && isOurIpset(name)) saved.push(`create ${name} ${fields.get("Type")} ${fields.get("Header")}`);
    } else {
      const colon = line.indexOf(":");
      if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
    }
  }
  flush();
  return { headers, saved: saved.length ? saved.join("\n") + "\n" : "" };
}

const jumpLine = (j: IptablesConfig["jumps"][number]) => `-A ${j.chain} ${j.rule.join(" ")}`;

/** The jump lines a configuration ensures, as iptables-save prints them. */
function jumpLines(parts: IptablesConfig): ReadonlySet<string> {
  return new Set(parts.jumps.map(jumpLine));
}
