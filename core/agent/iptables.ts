/**
 * iptables + ipset. Order of an apply (see core/compile/iptables.ts):
 *   1. `ipset restore`: every prefix list (and the control-plane set) is filled
 *      as a temporary copy and swapped in, so a rule never sees a half-filled set;
 *   2. `iptables-restore --noflush`: declares and fills only our chains, committed
 *      as one table replacement (iptables-nft: one transaction); other chains stay;
 *   3. the jumps from INPUT/OUTPUT(/FORWARD) to our chains are ensured.
 * If step 2 fails, the old chains stay in force (the old rules refer to the
 * same set names). Verification reads back `iptables-save` and one `ipset save`
 * and compares them with the configuration's canonical form (derived once per revision).
 */
import { controlPlaneIpset, IPSET_CONTROL_PLANE, IPTABLES_CHAIN, splitIptablesConfig } from "../compile";
import { mergeRanges, parseIPv4, type AddressRange } from "../model";
import type { ControlPlaneAddress, Enforcer } from "./enforcer";
import { protocolNumber } from "../analyze/names";
import { addressRangeOf } from "../analyze/packet";
import { mustRun, runCommand, type Runner } from "./runner";

export interface IptablesOptions {
  iptables?: string;
  iptablesRestore?: string;
  iptablesSave?: string;
  ipset?: string;
  run?: Runner;
}

const OUR_CHAINS = new Set(Object.values(IPTABLES_CHAIN));

interface Wanted {
  config: string;
  cp: string;
  /** Canonical members of each set (canonicalMembers). */
  sets: Map<string, string>;
  chains: Map<string, string[]>;
  jumps: { chain: string; rule: string; text: string }[];
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
    const diff: string[] = [];
    const gotChains = chainRules(save);
    for (const [chain, rules] of want.chains) {
      const got = gotChains.get(chain);
      if (!got) {
        diff.push(`chain ${chain} is missing`);
        continue;
      }
      const n = Math.max(rules.length, got.length);
      for (let i = 0; i < n; i++) {
        if (rules[i] !== got[i]) {
          diff.push(`chain ${chain} rule ${i + 1}: ${got[i] ?? "(missing)"}; expected ${rules[i] ?? "(none)"}`);
          break;
        }
      }
    }
    for (const jump of want.jumps) {
      if (!(gotChains.get(jump.chain) ?? []).includes(jump.rule)) diff.push(`jump ${jump.chain} ${jump.text} is missing`);
    }
    // One `ipset save` of every set, read once (not one ipset process per set).
    const saved = await this.run(this.bin.ipset, ["save"]);
    if (saved.code !== 0) return [...diff, `ipset save failed (exit ${saved.code}): ${saved.stderr.trim()}`];
    const got = savedSets(saved.stdout, new Set(want.sets.keys()));
    for (const [name, members] of want.sets) {
      const values = got.get(name);
      if (!values) diff.push(`ipset ${name} is missing`);
      else if (canonicalMembers(values) !== members) diff.push(`ipset ${name} differs from the configuration`);
    }
    return diff;
  }

  /** The canonical form of what `apply(config, controlPlane)` loads, derived once per revision, not on every check. */
  private wantedFor(config: string, controlPlane: ControlPlaneAddress[]): Wanted {
    const cp = controlPlaneIpset(controlPlane);
    if (this.wanted?.config === config && this.wanted.cp === cp) return this.wanted;
    const parts = splitIptablesConfig(config);
    this.wanted = {
      config,
      cp,
      sets: wantedSets(parts.ipset + cp),
      chains: chainRules(parts.iptables),
      jumps: parts.jumps.map((jump) => ({
        chain: jump.chain,
        rule: canonicalRule(["-A", jump.chain, ...jump.rule].join(" ")).rule,
        text: jump.rule.join(" "),
      })),
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
      if (name === IPSET_CONTROL_PLANE || /^sgt?-/.test(name) || name === `${IPSET_CONTROL_PLANE}-t`)
        await this.run(this.bin.ipset, ["destroy", name]);
    }
  }

  async present(): Promise<boolean> {
    const save = await mustRun(this.run, this.bin.iptablesSave, ["-t", "filter"]);
    return [...OUR_CHAINS].some((c) => new RegExp(`^:${c} `, "m").test(save));
  }
}

/**
 * One rule as a canonical string: iptables-save may print matches in another
 * order than the input (`-s` before `-p`) and names for numbers; matches are
 * ANDed, so the sorted set of match units plus the target is the meaning.
 */
export function canonicalRule(line: string): { chain: string; rule: string } {
  // iptables-save quotes only values that need it; compare unquoted.
  const tokens = (line.match(/"[^"]*"|\S+/g) ?? []).map((t) => (t.startsWith('"') ? t.slice(1, -1) : t));
  if (tokens[0] !== "-A") throw new Error(`not an append rule: ${line}`);
  const chain = tokens[1];
  const units: string[] = [];
  let target = "";
  let i = 2;
  while (i < tokens.length) {
    const start = i++;
    // A unit: an option and its values; a `-m module` unit also takes the module's `--options`.
    while (
      i < tokens.length &&
      !/^-[a-zA-Z]$/.test(tokens[i]) &&
      !(tokens[start] !== "-m" && tokens[start] !== "-j" && tokens[i].startsWith("--"))
    )
      i++;
    const unit = tokens.slice(start, i);
    if (unit[0] === "-p") unit[1] = String(protocolNumber(unit[1]));
    if ((unit[0] === "-s" || unit[0] === "-d") && !unit[1].includes("/")) unit[1] += "/32";
    if (unit[0] === "-j") target = unit.join(" ");
    else units.push(unit.join(" "));
  }
  return { chain, rule: [...units.sort(), target].join(" ") };
}

function chainRules(text: string): Map<string, string[]> {
  const chains = new Map<string, string[]>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const declared = /^:(\S+) /.exec(line);
    if (declared && !chains.has(declared[1])) chains.set(declared[1], []);
    if (!line.startsWith("-A ")) continue;
    const { chain, rule } = canonicalRule(line);
    if (!chains.has(chain)) chains.set(chain, []);
    chains.get(chain)!.push(rule);
  }
  return chains;
}

/** Canonical members of each set that `ipset restore` of `text` leaves behind (after the swaps). */
function wantedSets(text: string): Map<string, string> {
  const members = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const [op, name, value, other] = line.trim().split(/\s+/);
    if (op === "create" || op === "flush") members.set(name, op === "create" ? (members.get(name) ?? []) : []);
    else if (op === "add") members.get(name)!.push(value);
    else if (op === "swap") {
      const a = members.get(name) ?? [];
      members.set(name, members.get(value) ?? []);
      members.set(value, a);
    } else if (op === "destroy") members.delete(name);
    void other;
  }
  return new Map([...members].map(([name, values]) => [name, canonicalMembers(values)]));
}

/** Members of the sets in `names` as `ipset save` lists them (a set without members is present and empty). */
function savedSets(text: string, names: ReadonlySet<string>): Map<string, string[]> {
  const sets = new Map<string, string[]>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const a = line.indexOf(" ");
    const b = line.indexOf(" ", a + 1);
    const op = line.slice(0, a);
    const name = b < 0 ? line.slice(a + 1) : line.slice(a + 1, b);
    if (a < 0 || !names.has(name)) continue;
    const value = b < 0 ? "" : line.slice(b + 1).split(" ", 1)[0];
    if (op === "create" && !sets.has(name)) sets.set(name, []);
    else if (op === "add") (sets.get(name) ?? sets.set(name, []).get(name)!).push(value);
  }
  return sets;
}

function canonicalMembers(values: string[]): string {
  const ranges: AddressRange[] = [];
  const others: string[] = [];
  for (const v of values) {
    if (v.includes(",")) others.push(v);
    else if (v.includes("/") || parseIPv4(v) !== undefined) ranges.push(addressRangeOf(v));
    else others.push(v);
  }
  return [...mergeRanges(ranges).map((r) => `${r.first}-${r.last}`), ...others.sort()].join(" ");
}
