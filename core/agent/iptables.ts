/**
 * iptables + ipset. Order of an apply (see core/compile/iptables.ts):
 *   1. `ipset restore`: every prefix list (and the control-plane set) is filled
 *      as a temporary copy and swapped in, so a rule never sees a half-filled set;
 *   2. `iptables-restore --noflush`: declares and fills only our chains, committed
 *      as one table replacement (iptables-nft: one transaction); other chains stay;
 *   3. the jumps from INPUT/OUTPUT(/FORWARD) to our chains are ensured.
 * If step 2 fails, the old chains stay in force (the old rules refer to the
 * same set names). Verification reads back `iptables-save` and `ipset save`.
 */
import { controlPlaneIpset, IPSET_CONTROL_PLANE, IPTABLES_CHAIN, splitIptablesConfig } from "../compile";
import { cidrRange, mergeRanges, mustParseCidr, parseIPv4, type AddressRange } from "../model";
import type { ControlPlaneAddress, Enforcer } from "./enforcer";
import { protocolNumber } from "./nft-semantic";
import { mustRun, runCommand, type Runner } from "./runner";

export interface IptablesOptions {
  iptables?: string;
  iptablesRestore?: string;
  iptablesSave?: string;
  ipset?: string;
  run?: Runner;
}

const OUR_CHAINS = new Set(Object.values(IPTABLES_CHAIN));

export class IptablesEnforcer implements Enforcer {
  readonly platform = "iptables";
  private readonly run: Runner;
  private readonly bin: Required<Omit<IptablesOptions, "run">>;

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
    const parts = splitIptablesConfig(config);
    const want = wantedSets(parts.ipset + controlPlaneIpset(controlPlane));
    const save = await mustRun(this.run, this.bin.iptablesSave, ["-t", "filter"]);
    const diff: string[] = [];
    const wantChains = chainRules(parts.iptables);
    const gotChains = chainRules(save);
    for (const [chain, rules] of wantChains) {
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
    for (const jump of parts.jumps) {
      const line = canonicalRule(["-A", jump.chain, ...jump.rule].join(" "));
      if (!(gotChains.get(jump.chain) ?? []).includes(line.rule)) diff.push(`jump ${jump.chain} ${jump.rule.join(" ")} is missing`);
    }
    for (const [name, members] of want) {
      const r = await this.run(this.bin.ipset, ["save", name]);
      if (r.code !== 0) {
        diff.push(`ipset ${name} is missing`);
        continue;
      }
      const got = savedSet(r.stdout, name);
      if (got !== members) diff.push(`ipset ${name} differs from the configuration`);
    }
    return diff;
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

function savedSet(text: string, name: string): string {
  return canonicalMembers(
    text
      .split("\n")
      .map((l) => l.trim().split(/\s+/))
      .filter((w) => w[0] === "add" && w[1] === name)
      .map((w) => w[2]),
  );
}

function canonicalMembers(values: string[]): string {
  const ranges: AddressRange[] = [];
  const others: string[] = [];
  for (const v of values) {
    if (v.includes(",")) others.push(v);
    else if (v.includes("/")) ranges.push(cidrRange(mustParseCidr(v)));
    else {
      const a = parseIPv4(v);
      if (a === undefined) others.push(v);
      else ranges.push({ first: a, last: a });
    }
  }
  return [...mergeRanges(ranges).map((r) => `${r.first}-${r.last}`), ...others.sort()].join(" ");
}
