/**
 * The one reader of iptables rulesets, into the loaded-ruleset model
 * (core/analyze/loaded.ts): `iptables-save` and `ip6tables-save` (filter
 * table) or the restore texts render.ts writes, and `ipset save` or the
 * `ipset restore` text render.ts writes (create, add, flush, swap and destroy
 * are played through, so a restore text reads as the sets it leaves behind;
 * `family inet6` sets read as IPv6 ranges or pairs).
 *
 * Both families in one model: the IPv4 table's chains keep their names, the
 * IPv6 table's chains are named `ip6 <chain>` (so `ip6 secgroups-input`), and
 * the family-specific matches of the IPv6 table carry `family: 6`. A family's
 * built-in chains never see the other family's packets: the reader puts one
 * rule first in each, "the other family: accept" (accept in a base chain lets
 * the packet on to the other family's base chain), so that family's rules and
 * policy only judge their own packets.
 *
 * iptables-save prints a rule's matches in its own order (`-s` before `-p`)
 * and names for numbers; the matches of a rule are ANDed, so the reader puts
 * them in one canonical order and numbers for names, and a rule as written and
 * as listed read the same. Anything it does not understand is an error, never
 * guessed at.
 */
import {
  formatIPv6,
  listedAddressRange6,
  mergeRanges,
  mergeRanges6,
  type AddressFamily,
  type AddressRange,
  type AddressRange6,
  type PortRange,
} from "../../model";
import type { Hook } from "../../policy";
import type { Action, LoadedRule, LoadedRuleset, LoadedSet, Match } from "../../analyze/loaded";
import { addressRangeOf, type ConnectionState } from "../../analyze/packet";
import type { ControlPlaneAddress } from "../platform";
import { icmpCodeNumber, icmpTypeNumber, protocolNumber } from "../protocol-names";
import { BUILTIN_CHAIN } from "./names";
import { controlPlaneIpset, splitIptablesConfig } from "./render";

/** What `iptables-save -t filter`, `ip6tables-save -t filter` and `ipset save` list. */
export interface IptablesListing {
  iptablesSave: string;
  /** Absent: nothing is known of the IPv6 table (IPv6 packets pass the model unfiltered). */
  ip6tablesSave?: string;
  ipsetSave: string;
}

export interface IptablesReadScope {
  /** Read only the sets for which this holds (other sets on the host, of types we never create, are skipped unread). */
  sets?: (name: string) => boolean;
}

/** What the kernel holds, from its listings. */
export function readIptables(listing: IptablesListing, scope: IptablesReadScope = {}): LoadedRuleset {
  return parseIptablesSave(listing.iptablesSave, listing.ipsetSave, scope, listing.ip6tablesSave);
}

/** How iptables-save lists the built-in chains of a filter table nobody changed. */
export const FRESH_BUILTIN_CHAINS: readonly string[] = Object.values(BUILTIN_CHAIN).map((chain) => `:${chain} ACCEPT [0:0]`);

/** The name in the loaded model of a chain of the IPv4 (4) or IPv6 (6) filter table. */
export function loadedChainName(chain: string, family: AddressFamily): string {
  return family === 6 ? `ip6 ${chain}` : chain;
}

/** What applying `config` (ipset restore, both restores, the jumps) leaves on a host that held nothing of ours. */
export function expectedIptables(config: string, controlPlane: readonly ControlPlaneAddress[]): LoadedRuleset {
  const parts = splitIptablesConfig(config);
  const jumps = parts.jumps.map((j) => `-A ${j.chain} ${j.rule.join(" ")}`);
  const listed = (restore: string) =>
    restore.replace(/^\*filter$/m, ["*filter", ...FRESH_BUILTIN_CHAINS].join("\n")).replace(/^COMMIT$/m, [...jumps, "COMMIT"].join("\n"));
  const ipv6 = parts.ip6tables !== undefined;
  return parseIptablesSave(
    listed(parts.iptables),
    parts.ipset + controlPlaneIpset(controlPlane, { ipv6 }),
    {},
    ipv6 ? listed(parts.ip6tables!) : undefined,
  );
}

const BUILTIN_HOOK: Record<string, Hook> = Object.fromEntries(Object.entries(BUILTIN_CHAIN).map(([hook, chain]) => [chain, hook as Hook]));

/** The filter tables of both families (`ip6tablesSave` absent: IPv4 only) and the sets, as one loaded ruleset. */
export function parseIptablesSave(
  iptablesSave: string,
  ipsetSave = "",
  scope: IptablesReadScope = {},
  ip6tablesSave?: string,
): LoadedRuleset {
  const ruleset: LoadedRuleset = { chains: new Map(), sets: parseIpsetSave(ipsetSave, scope) };
  readFilterTable(ruleset, iptablesSave, 4);
  if (ip6tablesSave !== undefined) readFilterTable(ruleset, ip6tablesSave, 6);
  return ruleset;
}

export interface IptablesLenientRead {
  /** Keep a rule it cannot read as a rule marked `unsupported`, and read the other tables' chains (nat, mangle ...) as `other`. */
  lenient?: boolean;
  /** The 1-based line number of `save`'s first line in the file it came from (rules get `source.line`). */
  firstLine?: number;
}

/** One family's `iptables-save` text into `ruleset` (see the opening comment); lenient for core/import. */
export function readFilterTable(ruleset: LoadedRuleset, save: string, family: AddressFamily, options: IptablesLenientRead = {}): void {
  const lenient = options.lenient ?? false;
  let table = "";
  const lines = save.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index].trim();
    if (line.startsWith("*")) table = line.slice(1);
    const inFilter = table === "filter";
    if ((!inFilter && !lenient) || line === "" || line.startsWith("#") || line === "COMMIT" || line.startsWith("*")) continue;
    if (!inFilter) {
      // Another table (nat, mangle, raw): its chains hold what the model has no place for.
      const chainName = loadedChainName(`${table}:${line.startsWith(":") ? line.slice(1).split(/\s+/)[0] : tokenize(line)[1]}`, family);
      if (!ruleset.chains.has(chainName)) ruleset.chains.set(chainName, { rules: [], other: `${table} table` });
      if (!line.startsWith(":")) {
        ruleset.chains.get(chainName)!.rules.push({
          matches: [],
          action: { kind: "continue" },
          unsupported: `${table} table`,
          source: { line: (options.firstLine ?? 1) + index, text: line },
        });
      }
      continue;
    }
    if (line.startsWith(":")) {
      const [name, policy] = line.slice(1).split(/\s+/);
      const hook = BUILTIN_HOOK[name];
      // The other family's packets pass this family's built-in chains (see the opening comment).
      const gate: LoadedRule[] = hook ? [{ matches: [{ kind: family === 6 ? "ipv4" : "ipv6" }], action: { kind: "accept" } }] : [];
      ruleset.chains.set(loadedChainName(name, family), {
        rules: gate,
        hook,
        policy: policy === "DROP" ? "drop" : policy === "ACCEPT" ? "accept" : undefined,
      });
      continue;
    }
    const words = tokenize(line);
    if (words[0] !== "-A") throw new Error(`unsupported ${family === 6 ? "ip6tables" : "iptables"}-save line: ${line}`);
    const chain = ruleset.chains.get(loadedChainName(words[1], family));
    if (!chain) throw new Error(`rule in undeclared chain ${words[1]}`);
    if (!lenient) {
      chain.rules.push(parseRule(words.slice(2), line, family, false));
      continue;
    }
    let rule: LoadedRule;
    try {
      rule = parseRule(words.slice(2), line, family, true);
    } catch (err) {
      rule = { matches: [], action: { kind: "continue" }, unsupported: (err as Error).message.replace(/: -A .*$/, "") };
    }
    rule.source = { line: (options.firstLine ?? 1) + index, text: line };
    chain.rules.push(rule);
  }
}

/** The canonical order of a rule's matches (they are ANDed, so order carries no meaning). */
function matchRank(m: Match): number {
  switch (m.kind) {
    case "address":
      return m.field === "src" ? 4 : 5;
    case "loopback":
      return 0;
    case "state":
      return 1;
    case "ipv4":
    case "ipv6":
      return 2;
    case "protocol":
      return 3;
    case "dport":
      return 6;
    case "icmp":
      return 7;
    case "addressPort":
      return 8;
  }
}

function parseRule(words: string[], line: string, family: AddressFamily, lenient: boolean): LoadedRule {
  // Family-specific matches of the IPv6 table say so; the IPv4 table's leave it out (absent means IPv4).
  const fam = family === 6 ? { family } : {};
  const matches: Match[] = [];
  let action: Action = { kind: "continue" };
  let comment: string | undefined;
  let protocol: number | undefined;
  let logTarget = false;
  let logPrefix: string | undefined;
  let negate = false;
  const push = (m: Match) => {
    matches.push(negate ? { ...m, negate } : m);
    negate = false;
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const next = () => {
      if (i + 1 >= words.length) throw new Error(`${w} needs a value: ${line}`);
      return words[++i];
    };
    switch (w) {
      case "!":
        negate = true;
        break;
      case "-m":
        next(); // the option that follows names what it matches
        break;
      case "-p":
        protocol = protocolNumber(next());
        push({ kind: "protocol", protocol, ...fam });
        break;
      case "-s":
      case "-d":
        const field = w === "-s" ? "src" : "dst";
        push(
          family === 6
            ? { kind: "address", field, family, ranges6: [address6RangeOf(next())] }
            : { kind: "address", field, ranges: [addressRangeOf(next())] },
        );
        break;
      case "--src-range":
      case "--dst-range": {
        // -m iprange: one range of addresses.
        const field = w === "--src-range" ? "src" : "dst";
        push(
          family === 6
            ? { kind: "address", field, family, ranges6: [address6RangeOf(next())] }
            : { kind: "address", field, ranges: [addressRangeOf(next())] },
        );
        break;
      }
      case "-i":
      case "-o":
        if (next() !== "lo") throw new Error(`unsupported interface match: ${line}`);
        push({ kind: "loopback" });
        break;
      case "--dport":
      case "--dports":
        if (protocol === undefined) throw new Error(`port match without -p: ${line}`);
        push({ kind: "dport", protocol, ports: next().split(",").map(portRange) });
        break;
      case "--ctstate":
      case "--state":
        push({ kind: "state", states: next().toLowerCase().split(",") as ConnectionState[] });
        break;
      case "--icmp-type":
      case "--icmpv6-type": {
        if ((w === "--icmpv6-type") !== (family === 6))
          throw new Error(`${w} in the ${family === 6 ? "ip6tables" : "iptables"} table: ${line}`);
        const [type, code] = next().split("/");
        // ip6tables-save prints ICMPv6 types and codes as numbers.
        const number = family === 6 ? icmpv6Number : icmpTypeNumber;
        const codeNumber = family === 6 ? icmpv6Number : icmpCodeNumber;
        push({
          kind: "icmp",
          ...fam,
          type: number(type),
          ...(code !== undefined ? { code: [codeNumber(code), codeNumber(code)] as const } : {}),
        });
        break;
      }
      case "--match-set": {
        const set = next();
        const flags = next();
        if (flags === "src" || flags === "dst") push({ kind: "address", field: flags, ...fam, set });
        else if (flags === "dst,dst") push({ kind: "addressPort", ...fam, set });
        else throw new Error(`unsupported set flags ${flags}: ${line}`);
        break;
      }
      case "--comment":
        comment = next();
        break;
      case "-j":
      case "-g": {
        const target = next();
        if (target === "ACCEPT" || target === "DROP" || target === "RETURN")
          action = { kind: target === "ACCEPT" ? "accept" : target === "DROP" ? "drop" : "return" };
        // A lenient read takes REJECT as drop (core/import reports the lost reply).
        else if (target === "REJECT" && lenient) action = { kind: "drop" };
        else if (target === "LOG") logTarget = true;
        else action = { kind: w === "-j" ? "jump" : "goto", target: loadedChainName(target, family) };
        break;
      }
      case "--log-prefix":
        logPrefix = next();
        break;
      case "--log-level":
        next();
        break;
      case "--reject-with":
        if (!lenient) throw new Error(`unsupported iptables option ${w}: ${line}`);
        next();
        break;
      default:
        throw new Error(`unsupported iptables option ${w}: ${line}`);
    }
  }
  if (negate) throw new Error(`"!" without a match: ${line}`);
  matches.sort((a, b) => matchRank(a) - matchRank(b));
  const rule: LoadedRule = { matches, action };
  if (comment !== undefined) rule.comment = comment;
  // The LOG target logs and goes on: a log statement after all matches, no verdict.
  if (logTarget) rule.log = { prefix: logPrefix, after: matches.length };
  return rule;
}

/**
 * `ipset save` output, or `ipset restore` input played through: hash:net sets
 * as address ranges (`family inet6`: IPv6 ranges), hash:ip,port sets as
 * address:port pairs keyed as pairKey does (tcp; the only protocol our
 * control-plane rule matches).
 */
export function parseIpsetSave(text: string, scope: IptablesReadScope = {}): LoadedRuleset["sets"] {
  interface Pending {
    family: AddressFamily;
    pairs?: Set<string>;
    ranges?: AddressRange[];
    ranges6?: AddressRange6[];
  }
  const pending = new Map<string, Pending>();
  const setOf = (name: string, line: string) => {
    const set = pending.get(name);
    if (!set) throw new Error(`ipset line names an unknown set: ${line}`);
    return set;
  };
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const words = line.split(/\s+/);
    const [op, name] = words;
    if (scope.sets && name !== undefined && !scope.sets(name)) continue;
    if (op === "create") {
      if (pending.has(name)) continue;
      const familyAt = words.indexOf("family");
      const family: AddressFamily = familyAt > 0 && words[familyAt + 1] === "inet6" ? 6 : 4;
      if (words[2] === "hash:ip,port") pending.set(name, { family, pairs: new Set() });
      else pending.set(name, family === 6 ? { family, ranges6: [] } : { family, ranges: [] });
    } else if (op === "add") {
      const set = setOf(name, line);
      if (set.pairs) {
        const at = words[2].lastIndexOf(",");
        const [proto, number] = words[2].slice(at + 1).split(":");
        const addr = words[2].slice(0, at);
        if (proto !== "tcp") continue;
        if (set.family === 6) set.pairs.add(`[${formatIPv6(address6RangeOf(addr).first)}]:${Number(number)}`);
        else set.pairs.add(`${addressRangeOf(addr).first}:${Number(number)}`);
      } else if (set.ranges6) set.ranges6.push(address6RangeOf(words[2]));
      else set.ranges!.push(addressRangeOf(words[2]));
    } else if (op === "flush") {
      const set = setOf(name, line);
      if (set.pairs) set.pairs.clear();
      else if (set.ranges6) set.ranges6.length = 0;
      else set.ranges!.length = 0;
    } else if (op === "swap") {
      const other = words[2];
      const a = setOf(name, line);
      pending.set(name, setOf(other, line));
      pending.set(other, a);
    } else if (op === "destroy") {
      setOf(name, line);
      pending.delete(name);
    } else throw new Error(`unsupported ipset line: ${line}`);
  }
  const sets: LoadedRuleset["sets"] = new Map();
  for (const [name, set] of pending) {
    const loaded: LoadedSet = set.pairs
      ? { pairs: set.pairs }
      : set.ranges6
        ? { ranges6: mergeRanges6(set.ranges6) }
        : { ranges: mergeRanges(set.ranges!) };
    sets.set(name, loaded);
  }
  return sets;
}

/** "2001:db8::1", "2001:db8::/32" or a range as the IPv6 addresses it names (what ip6tables-save and ipset print). */
const address6RangeOf = listedAddressRange6;

/** An ICMPv6 type or code as ip6tables-save prints it (a number). */
function icmpv6Number(text: string): number {
  if (!/^[0-9]+$/.test(text) || Number(text) > 255) throw new Error(`unknown ICMPv6 type or code "${text}"`);
  return Number(text);
}

/** Splits a line into words, honouring double quotes. */
function tokenize(line: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) words.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2]);
  return words;
}

function portRange(text: string): PortRange {
  const [from, to] = text.split(":").map(Number);
  return { from, to: to ?? from };
}
