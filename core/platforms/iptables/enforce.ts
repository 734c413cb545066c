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
 */
import { diffLoaded } from "../../analyze/compare-loaded";
import type { LoadedRuleset } from "../../analyze/loaded";
import type { ControlPlaneAddress, Enforcer } from "../platform";
import { mustRun, runCommand, type Runner } from "../runner";
import { OUR_CHAINS, isOurIpset } from "./names";
import { expectedIptables, FRESH_BUILTIN_CHAINS, readIptables } from "./read";
import { controlPlaneIpset, splitIptablesConfig } from "./render";

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

  async apply(config: string, controlPlane: ControlPlaneAddress[]): Promise<void> {
    const parts = splitIptablesConfig(config);
    const ipv6 = parts.ip6tables !== undefined;
    await mustRun(this.run, this.ipset, ["restore"], parts.ipset + controlPlaneIpset(controlPlane, { ipv6 }));
    if (ipv6) await mustRun(this.run, this.v6.restore, ["--test", "--noflush"], parts.ip6tables);
    await mustRun(this.run, this.v4.restore, ["--noflush"], parts.iptables);
    if (ipv6) await mustRun(this.run, this.v6.restore, ["--noflush"], parts.ip6tables);
    for (const table of ipv6 ? [this.v4, this.v6] : [this.v4]) {
      for (const jump of parts.jumps) {
        const present = await this.run(table.cli, ["-C", jump.chain, ...jump.rule]);
        if (present.code !== 0) await mustRun(this.run, table.cli, ["-I", jump.chain, "1", ...jump.rule]);
      }
    }
    const diff = await this.check(config, controlPlane);
    if (diff.length) throw new Error(`iptables loaded the configuration but it differs from it: ${diff.join("; ")}`);
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
    if (!failed.length && v?.ours === ours && v.ours6 === ours6 && v.sets === saved.stdout) return [];
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
    if (!diff.length) want.verified = { ours, ours6, sets: saved.stdout };
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
      jumps: new Set((parts ?? splitIptablesConfig(config)).jumps.map((j) => `-A ${j.chain} ${j.rule.join(" ")}`)),
    };
    return this.wanted;
  }

  /** Our jumps and chains out of both tables, then our sets (a set cannot go while a rule refers to it). */
  async remove(): Promise<void> {
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
