/**
 * iptables + ip6tables + ipset. Order of an apply (see render.ts):
 *   1. `ipset restore`: every prefix list's set of each family (and the
 *      control-plane sets) is filled as a temporary copy and swapped in, so a
 *      rule never sees a half-filled set;
 *   2. `ip6tables-restore --test --noflush`: the IPv6 half is checked before
 *      either table changes, so a half the kernel refuses changes no chain;
 *   3. `iptables-restore --noflush`, then `ip6tables-restore --noflush`: each
 *      declares and fills only our chains, committed as one table replacement
 *      (iptables-nft: one transaction); other chains stay;
 *   4. the jumps from INPUT/OUTPUT(/FORWARD) to our chains are ensured in both.
 * If a restore fails, the chains of that family stay as they were (the old
 * rules refer to the same set names); should the IPv6 load fail after the IPv4
 * one went through, the agent finds the previous revision no longer in force
 * and applies it again (core/agent/loop.ts, reinstatePrevious). Verification
 * reads back `iptables-save`, `ip6tables-save` and one `ipset save` with this
 * platform's reader (read.ts) and compares what of it is ours with what the
 * configuration leaves behind (expectedIptables, read once per revision) in
 * the loaded model (diffLoaded), as nftables does. A configuration without an
 * ip6tables section (rendered before IPv6) leaves ip6tables alone.
 *
 * Delta (delta.ts): when the previous configuration is the one last verified
 * and the host's digest still matches that verification, only the changed
 * sets are restored and swapped in, and only the changed chains restored
 * (`--noflush`, declaring just them). Verified by reading back our chains
 * (`iptables-save`, small) and the changed sets (`ipset save NAME`), plus a
 * cheap proof that no other set changed: the `ipset list -t` headers (type,
 * size in memory, references, number of entries) of the others are those
 * last verified. That digest (our chains' lines and our sets' headers) is
 * also the cheap drift check; a full read-back runs less often (the agent's
 * --full-verify). Each swap is atomic per set, so an agent killed in the
 * middle leaves every set old or new; the agent's restart re-applies its
 * revision in full.
 */
import { diffLoaded } from "../../analyze/compare-loaded";
import type { LoadedRuleset } from "../../analyze/loaded";
import type { AppliedConfig, ApplyOutcome, ControlPlaneAddress, Enforcer } from "../platform";
import { mustRun, runCommand, type Runner } from "../runner";
import { ipsetBlocks, ipsetSetOf, iptablesDelta, type IptablesDelta } from "./delta";
import { IPSET_CONTROL_PLANE, IPSET_CONTROL_PLANE6, OUR_CHAINS, isOurIpset } from "./names";
import { expectedIptables, FRESH_BUILTIN_CHAINS, readIptables } from "./read";
import { controlPlaneIpset, joinIptablesConfig, splitIptablesConfig, type IptablesConfig } from "./render";

export interface IptablesOptions {
  iptables?: string;
  iptablesRestore?: string;
  iptablesSave?: string;
  ip6tables?: string;
  ip6tablesRestore?: string;
  ip6tablesSave?: string;
  ipset?: string;
  run?: Runner;
}

interface Wanted {
  config: string;
  cp: string;
  ruleset: LoadedRuleset;
  /** Whether the configuration has an IPv6 half. */
  ipv6: boolean;
  /** The jump lines the configuration ensures, as iptables-save prints them. */
  jumps: ReadonlySet<string>;
  /** The listings last found equal to `ruleset`. */
  verified?: { ours: string; ours6?: string; sets: string };
}

/** The tools of one family's filter table. */
interface Table {
  cli: string;
  restore: string;
  save: string;
}

export class IptablesEnforcer implements Enforcer {
  readonly platform = "iptables";
  private readonly run: Runner;
  private readonly ipset: string;
  private readonly v4: Table;
  private readonly v6: Table;
  private wanted?: Wanted;
  /** What was last verified in force, and the digest of the host then (see digest()). */
  private inForce?: { config: string; cp: string; jumps: ReadonlySet<string>; headers: Map<string, string>; digest: string };

  constructor(options: IptablesOptions = {}) {
    this.run = options.run ?? runCommand;
    this.ipset = options.ipset ?? "ipset";
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
    const planned = await this.plan(config, controlPlane, previous);
    if ("delta" in planned) {
      try {
        await this.applyDelta(config, controlPlane, planned.delta, planned.parts);
        return { mode: "delta", touched: planned.delta.sets.length + planned.delta.chains.length };
      } catch (err) {
        planned.reason = `the delta failed (${(err as Error).message}); loaded in full`;
      }
    }
    await this.applyFull(config, controlPlane);
    return { mode: "full", reason: planned.reason ?? "" };
  }

  async quickCheck(config: string, controlPlane: ControlPlaneAddress[]): Promise<string[]> {
    const v = this.inForce;
    const ipv6 = splitIptablesConfig(config).ip6tables !== undefined;
    if (!v || v.config !== config || v.cp !== controlPlaneIpset(controlPlane, { ipv6 })) return this.check(config, controlPlane);
    if ((await this.digest(ipv6, v.jumps)) === v.digest) return [];
    return this.check(config, controlPlane);
  }

  private async plan(
    config: string,
    controlPlane: ControlPlaneAddress[],
    previous: AppliedConfig | undefined,
  ): Promise<{ delta: IptablesDelta; parts: IptablesConfig; reason?: string } | { reason: string }> {
    if (!previous) return { reason: "no previous configuration" };
    const v = this.inForce;
    let prevIpv6: boolean;
    try {
      prevIpv6 = splitIptablesConfig(previous.config).ip6tables !== undefined;
    } catch (err) {
      return { reason: (err as Error).message };
    }
    const prevCp = controlPlaneIpset(previous.controlPlane, { ipv6: prevIpv6 });
    if (!v || v.config !== previous.config || v.cp !== prevCp) return { reason: "the previous configuration is not verified in force" };
    if ((await this.digest(prevIpv6, v.jumps)) !== v.digest) return { reason: "our chains or sets changed since they were verified" };
    let planned: ReturnType<typeof iptablesDelta>;
    try {
      const ipv6 = splitIptablesConfig(config).ip6tables !== undefined;
      planned = iptablesDelta(
        { config: previous.config, controlPlane: prevCp },
        { config, controlPlane: controlPlaneIpset(controlPlane, { ipv6 }) },
      );
    } catch (err) {
      return { reason: (err as Error).message };
    }
    return "unsupported" in planned ? { reason: planned.unsupported } : planned;
  }

  private async applyDelta(
    config: string,
    controlPlane: ControlPlaneAddress[],
    delta: IptablesDelta,
    parts: IptablesConfig,
  ): Promise<void> {
    const before = this.inForce!;
    this.inForce = undefined;
    const ipv6 = parts.ip6tables !== undefined;
    if (delta.ipset) await mustRun(this.run, this.ipset, ["restore"], delta.ipset);
    if (delta.ip6tables) await mustRun(this.run, this.v6.restore, ["--test", "--noflush"], delta.ip6tables);
    if (delta.iptables) await mustRun(this.run, this.v4.restore, ["--noflush"], delta.iptables);
    if (delta.ip6tables) await mustRun(this.run, this.v6.restore, ["--noflush"], delta.ip6tables);
    if (delta.jumps) await this.ensureJumps(parts);
    // Verify: all our chains, the changed and control-plane sets in full; the other sets by their headers.
    // (Not the whole configuration's model: reading 100,000 members costs what the delta saves.)
    const jumps = jumpLines(parts);
    const save = ourLines(await mustRun(this.run, this.v4.save, ["-t", "filter"]), jumps);
    const save6 = ipv6 ? ourLines(await mustRun(this.run, this.v6.save, ["-t", "filter"]), jumps) : undefined;
    const cp = controlPlaneIpset(controlPlane, { ipv6 });
    const changed = new Set([...delta.sets, ...controlPlaneSetNames(ipv6)]);
    const setOf = ipsetSetOf(parts.ipset + cp);
    const reduced = joinIptablesConfig({
      ...parts,
      ipset:
        parts.ipset
          .split("\n")
          .filter((l) => l && changed.has(setOf(l)))
          .join("\n") + "\n",
    });
    const wantTouched = expectedIptables(reduced, controlPlane);
    let sets = "";
    for (const name of changed) sets += await mustRun(this.run, this.ipset, ["save", name]);
    let diff: string[];
    try {
      const loaded = readIptables({ iptablesSave: save, ip6tablesSave: save6, ipsetSave: sets }, { sets: (n) => changed.has(n) });
      diff = diffLoaded(wantTouched, loaded);
    } catch (err) {
      diff = [`our chains or sets hold what the agent cannot read: ${(err as Error).message}`];
    }
    const headers = await this.headers();
    for (const name of ipsetBlocks(parts.ipset + cp).keys()) {
      if (changed.has(name)) continue;
      if (headers.get(name) !== before.headers.get(name)) diff.push(`set ${name} changed (${headers.get(name) ?? "missing"})`);
    }
    if (diff.length) throw new Error(`the host differs from the configuration after the delta: ${diff.join("; ")}`);
    this.inForce = { config, cp, jumps, headers, digest: digestOf(save, save6, headers) };
  }

  private async applyFull(config: string, controlPlane: ControlPlaneAddress[]): Promise<void> {
    this.inForce = undefined;
    const parts = splitIptablesConfig(config);
    const ipv6 = parts.ip6tables !== undefined;
    await mustRun(this.run, this.ipset, ["restore"], parts.ipset + controlPlaneIpset(controlPlane, { ipv6 }));
    if (ipv6) await mustRun(this.run, this.v6.restore, ["--test", "--noflush"], parts.ip6tables);
    await mustRun(this.run, this.v4.restore, ["--noflush"], parts.iptables);
    if (ipv6) await mustRun(this.run, this.v6.restore, ["--noflush"], parts.ip6tables);
    await this.ensureJumps(parts);
    const diff = await this.check(config, controlPlane);
    if (diff.length) throw new Error(`iptables loaded the configuration but it differs from it: ${diff.join("; ")}`);
  }

  private async ensureJumps(parts: IptablesConfig): Promise<void> {
    for (const table of parts.ip6tables !== undefined ? [this.v4, this.v6] : [this.v4]) {
      for (const jump of parts.jumps) {
        const present = await this.run(table.cli, ["-C", jump.chain, ...jump.rule]);
        if (present.code !== 0) await mustRun(this.run, table.cli, ["-I", jump.chain, "1", ...jump.rule]);
      }
    }
  }

  private verifiedState(config: string, want: Wanted, ours: string, ours6: string | undefined, headers: Map<string, string>) {
    return { config, cp: want.cp, jumps: want.jumps, headers, digest: digestOf(ours, ours6, headers) };
  }

  /** The cheap proof: our chains as listed, and the headers (not the members) of our sets. */
  private async digest(ipv6: boolean, jumps: ReadonlySet<string>): Promise<string> {
    const save = ourLines(await mustRun(this.run, this.v4.save, ["-t", "filter"]), jumps);
    const save6 = ipv6 ? ourLines(await mustRun(this.run, this.v6.save, ["-t", "filter"]), jumps) : undefined;
    return digestOf(save, save6, await this.headers());
  }

  /** `ipset list -t` of our sets: name to header lines (type, header, size in memory, references, number of entries). */
  private async headers(): Promise<Map<string, string>> {
    return parseHeaders(await mustRun(this.run, this.ipset, ["list", "-t"]));
  }

  async check(config: string, controlPlane: ControlPlaneAddress[]): Promise<string[]> {
    const want = this.wantedFor(config, controlPlane);
    const save = await mustRun(this.run, this.v4.save, ["-t", "filter"]);
    const save6 = want.ipv6 ? await mustRun(this.run, this.v6.save, ["-t", "filter"]) : undefined;
    // One `ipset save` of every set, read once (not one ipset process per set).
    const saved = await this.run(this.ipset, ["save"]);
    const failed = saved.code !== 0 ? [`ipset save failed (exit ${saved.code}): ${saved.stderr.trim()}`] : [];
    const ours = ourLines(save, want.jumps);
    const ours6 = save6 === undefined ? undefined : ourLines(save6, want.jumps);
    // The tools list unchanged chains and sets byte for byte the same: skip reading them again.
    const v = want.verified;
    if (!failed.length && v?.ours === ours && v.ours6 === ours6 && v.sets === saved.stdout) {
      this.inForce = this.verifiedState(config, want, ours, ours6, await this.headers());
      return [];
    }
    let loaded: LoadedRuleset;
    try {
      loaded = readIptables(
        { iptablesSave: ours, ip6tablesSave: ours6, ipsetSave: failed.length ? "" : saved.stdout },
        { sets: (name) => want.ruleset.sets.has(name) },
      );
    } catch (err) {
      // Something we never load (a hand-made rule in our chains, say): a difference to re-apply over, not an error.
      return [`our chains or sets hold what the agent cannot read: ${(err as Error).message}`];
    }
    // Without a listing of the sets only the chains can be compared.
    if (failed.length) loaded.sets = want.ruleset.sets;
    const diff = [...diffLoaded(want.ruleset, loaded), ...failed];
    if (!diff.length) {
      want.verified = { ours, ours6, sets: saved.stdout };
      this.inForce = this.verifiedState(config, want, ours, ours6, await this.headers());
    } else this.inForce = undefined;
    return diff;
  }

  /** What `apply(config, controlPlane)` leaves behind, read once per revision, not on every check. */
  private wantedFor(config: string, controlPlane: ControlPlaneAddress[]): Wanted {
    // Split the configuration only when it changed (a drift check runs every few seconds).
    const same = this.wanted?.config === config;
    const parts = same ? undefined : splitIptablesConfig(config);
    const ipv6 = same ? this.wanted!.ipv6 : parts!.ip6tables !== undefined;
    const cp = controlPlaneIpset(controlPlane, { ipv6 });
    if (same && this.wanted!.cp === cp) return this.wanted!;
    this.wanted = {
      config,
      cp,
      ipv6,
      ruleset: expectedIptables(config, controlPlane),
      jumps: jumpLines(parts ?? splitIptablesConfig(config)),
    };
    return this.wanted;
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
 * The lines of `iptables-save -t filter` (or ip6tables-save) that are ours: our chains (their
 * declarations and rules) and, once each, the jumps into them that the
 * configuration ensures. Rules others keep in the built-in chains, and the
 * built-in chains' policies, are not ours to compare: the built-in chains are
 * listed as a filter table nobody changed has them.
 */
function ourLines(save: string, jumps: ReadonlySet<string>): string {
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
  return out.join("\n") + "\n";
}

function digestOf(ours: string, ours6: string | undefined, headers: Map<string, string>): string {
  const sets = [...headers].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, header]) => `${name}\n${header}`);
  return [ours, ours6 ?? "", "#== ipset headers", ...sets].join("\n");
}

/** `ipset list -t` (or a digest's headers part) as our sets' names and their header lines. */
function parseHeaders(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let name: string | undefined;
  const lines: string[] = [];
  const flush = () => {
    if (name !== undefined && isOurIpset(name)) out.set(name, lines.join("\n"));
    lines.length = 0;
  };
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("Name: ")) {
      flush();
      name = line.slice(6);
    } else if (line && name !== undefined && !line.startsWith("Members:")) lines.push(line);
  }
  flush();
  return out;
}

/** The jump lines a configuration ensures, as iptables-save prints them. */
function jumpLines(parts: IptablesConfig): ReadonlySet<string> {
  return new Set(parts.jumps.map((j) => `-A ${j.chain} ${j.rule.join(" ")}`));
}

function controlPlaneSetNames(ipv6: boolean): string[] {
  return ipv6 ? [IPSET_CONTROL_PLANE, IPSET_CONTROL_PLANE6] : [IPSET_CONTROL_PLANE];
}
