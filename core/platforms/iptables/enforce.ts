/**
 * iptables + ipset. Order of an apply (see render.ts):
 *   1. `ipset restore`: every prefix list (and the control-plane set) is filled
 *      as a temporary copy and swapped in, so a rule never sees a half-filled set;
 *   2. `iptables-restore --noflush`: declares and fills only our chains, committed
 *      as one table replacement (iptables-nft: one transaction); other chains stay;
 *   3. the jumps from INPUT/OUTPUT(/FORWARD) to our chains are ensured.
 * If step 2 fails, the old chains stay in force (the old rules refer to the
 * same set names). Verification reads back `iptables-save` and one `ipset save`
 * with this platform's reader (read.ts) and compares what of it is ours with
 * what the configuration leaves behind (expectedIptables, read once per
 * revision) in the loaded model (diffLoaded), as nftables does.
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
  ipset?: string;
  run?: Runner;
}

interface Wanted {
  config: string;
  cp: string;
  ruleset: LoadedRuleset;
  /** The jump lines the configuration ensures, as iptables-save prints them. */
  jumps: ReadonlySet<string>;
  /** The listings last found equal to `ruleset`. */
  verified?: { ours: string; sets: string };
}

export class IptablesEnforcer implements Enforcer {
  readonly platform = "iptables";
  private readonly run: Runner;
  private readonly bin: Required<Omit<IptablesOptions, "run">>;
  private wanted?: Wanted;

  constructor(options: IptablesOptions = {}) {
    this.run = options.run ?? runCommand;
    this.bin = {
      iptables: options.iptables ?? "iptables",
      iptablesRestore: options.iptablesRestore ?? "iptables-restore",
      iptablesSave: options.iptablesSave ?? "iptables-save",
      ipset: options.ipset ?? "ipset",
    };
  }

  async apply(config: string, controlPlane: ControlPlaneAddress[]): Promise<void> {
    const parts = splitIptablesConfig(config);
    await mustRun(this.run, this.bin.ipset, ["restore"], parts.ipset + controlPlaneIpset(controlPlane));
    await mustRun(this.run, this.bin.iptablesRestore, ["--noflush"], parts.iptables);
    for (const jump of parts.jumps) {
      const present = await this.run(this.bin.iptables, ["-C", jump.chain, ...jump.rule]);
      if (present.code !== 0) await mustRun(this.run, this.bin.iptables, ["-I", jump.chain, "1", ...jump.rule]);
    }
    const diff = await this.check(config, controlPlane);
    if (diff.length) throw new Error(`iptables loaded the configuration but it differs from it: ${diff.join("; ")}`);
  }

  async check(config: string, controlPlane: ControlPlaneAddress[]): Promise<string[]> {
    const want = this.wantedFor(config, controlPlane);
    const save = await mustRun(this.run, this.bin.iptablesSave, ["-t", "filter"]);
    // One `ipset save` of every set, read once (not one ipset process per set).
    const saved = await this.run(this.bin.ipset, ["save"]);
    const failed = saved.code !== 0 ? [`ipset save failed (exit ${saved.code}): ${saved.stderr.trim()}`] : [];
    const ours = ourLines(save, want.jumps);
    // The tools list unchanged chains and sets byte for byte the same: skip reading them again.
    if (!failed.length && want.verified?.ours === ours && want.verified.sets === saved.stdout) return [];
    let loaded: LoadedRuleset;
    try {
      loaded = readIptables(
        { iptablesSave: ours, ipsetSave: failed.length ? "" : saved.stdout },
        { sets: (name) => want.ruleset.sets.has(name) },
      );
    } catch (err) {
      // Something we never load (a hand-made rule in our chains, say): a difference to re-apply over, not an error.
      return [`our chains or sets hold what the agent cannot read: ${(err as Error).message}`];
    }
    // Without a listing of the sets only the chains can be compared.
    if (failed.length) loaded.sets = want.ruleset.sets;
    const diff = [...diffLoaded(want.ruleset, loaded), ...failed];
    if (!diff.length) want.verified = { ours, sets: saved.stdout };
    return diff;
  }

  /** What `apply(config, controlPlane)` leaves behind, read once per revision, not on every check. */
  private wantedFor(config: string, controlPlane: ControlPlaneAddress[]): Wanted {
    const cp = controlPlaneIpset(controlPlane);
    if (this.wanted?.config === config && this.wanted.cp === cp) return this.wanted;
    this.wanted = {
      config,
      cp,
      ruleset: expectedIptables(config, controlPlane),
      jumps: new Set(splitIptablesConfig(config).jumps.map((j) => `-A ${j.chain} ${j.rule.join(" ")}`)),
    };
    return this.wanted;
  }

  async remove(): Promise<void> {
    const save = await mustRun(this.run, this.bin.iptablesSave, ["-t", "filter"]);
    // Jumps first, so nothing is filtered by a half-removed chain.
    for (const line of save.split("\n")) {
      const m = /^-A (INPUT|OUTPUT|FORWARD) (.*-j (secgroups-\w+))$/.exec(line.trim());
      if (m && OUR_CHAINS.has(m[3])) await mustRun(this.run, this.bin.iptables, ["-D", m[1], ...m[2].split(" ")]);
    }
    for (const chain of OUR_CHAINS) {
      if (!new RegExp(`^:${chain} `, "m").test(save)) continue;
      await mustRun(this.run, this.bin.iptables, ["-F", chain]);
      await mustRun(this.run, this.bin.iptables, ["-X", chain]);
    }
    const sets = await this.run(this.bin.ipset, ["list", "-n"]);
    for (const name of sets.stdout.split("\n").map((s) => s.trim())) {
      if (isOurIpset(name)) await this.run(this.bin.ipset, ["destroy", name]);
    }
  }

  async present(): Promise<boolean> {
    const save = await mustRun(this.run, this.bin.iptablesSave, ["-t", "filter"]);
    return [...OUR_CHAINS].some((c) => new RegExp(`^:${c} `, "m").test(save));
  }
}

/**
 * The lines of `iptables-save -t filter` that are ours: our chains (their
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
