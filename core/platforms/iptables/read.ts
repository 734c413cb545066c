/**
 * The one reader of iptables rulesets, into the loaded-ruleset model
 * (core/analyze/loaded.ts): `iptables-save` (filter table) or the
 * `iptables-restore` text render.ts writes, and `ipset save` or the
 * `ipset restore` text render.ts writes (create, add, flush, swap and destroy
 * are played through, so a restore text reads as the sets it leaves behind).
 *
 * iptables-save prints a rule's matches in its own order (`-s` before `-p`)
 * and names for numbers; the matches of a rule are ANDed, so the reader puts
 * them in one canonical order and numbers for names, and a rule as written and
 * as listed read the same. Anything it does not understand is an error, never
 * guessed at.
 */
import { mergeRanges, type AddressRange, type PortRange } from "../../model";
import type { Hook } from "../../policy";
import type { Action, LoadedRule, LoadedRuleset, Match } from "../../analyze/loaded";
import { addressRangeOf, type ConnectionState } from "../../analyze/packet";
import type { ControlPlaneAddress } from "../platform";
import { icmpCodeNumber, icmpTypeNumber, protocolNumber } from "../protocol-names";
import { BUILTIN_CHAIN } from "./names";
import { controlPlaneIpset, splitIptablesConfig } from "./render";

/** What `iptables-save -t filter` and `ipset save` list. */
export interface IptablesListing {
  iptablesSave: string;
  ipsetSave: string;
}

export interface IptablesReadScope {
  /** Read only the sets for which this holds (other sets on the host, of types we never create, are skipped unread). */
  sets?: (name: string) => boolean;
}

/** What the kernel holds, from its listings. */
export function readIptables(listing: IptablesListing, scope: IptablesReadScope = {}): LoadedRuleset {
  return parseIptablesSave(listing.iptablesSave, listing.ipsetSave, scope);
}

/** How iptables-save lists the built-in chains of a filter table nobody changed. */
export const FRESH_BUILTIN_CHAINS: readonly string[] = Object.values(BUILTIN_CHAIN).map((chain) => `:${chain} ACCEPT [0:0]`);

/** What applying `config` (ipset restore, iptables-restore --noflush, the jumps) leaves on a host that held nothing of ours. */
export function expectedIptables(config: string, controlPlane: readonly ControlPlaneAddress[]): LoadedRuleset {
  const parts = splitIptablesConfig(config);
  const jumps = parts.jumps.map((j) => `-A ${j.chain} ${j.rule.join(" ")}`);
  const rules = parts.iptables
    .replace(/^\*filter$/m, ["*filter", ...FRESH_BUILTIN_CHAINS].join("\n"))
    .replace(/^COMMIT$/m, [...jumps, "COMMIT"].join("\n"));
  return parseIptablesSave(rules, parts.ipset + controlPlaneIpset(controlPlane));
}

const BUILTIN_HOOK: Record<string, Hook> = Object.fromEntries(Object.entries(BUILTIN_CHAIN).map(([hook, chain]) => [chain, hook as Hook]));

export function parseIptablesSave(iptablesSave: string, ipsetSave = "", scope: IptablesReadScope = {}): LoadedRuleset {
  const ruleset: LoadedRuleset = { chains: new Map(), sets: parseIpsetSave(ipsetSave, scope) };
  let inFilter = false;
  for (const raw of iptablesSave.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("*")) inFilter = line === "*filter";
    if (!inFilter || line === "" || line.startsWith("#") || line === "COMMIT" || line.startsWith("*")) continue;
    if (line.startsWith(":")) {
      const [name, policy] = line.slice(1).split(/\s+/);
      ruleset.chains.set(name, {
        rules: [],
        hook: BUILTIN_HOOK[name],
        policy: policy === "DROP" ? "drop" : policy === "ACCEPT" ? "accept" : undefined,
      });
      continue;
    }
    const words = tokenize(line);
    if (words[0] !== "-A") throw new Error(`unsupported iptables-save line: ${line}`);
    const chain = ruleset.chains.get(words[1]);
    if (!chain) throw new Error(`rule in undeclared chain ${words[1]}`);
    chain.rules.push(parseRule(words.slice(2), line));
  }
  return ruleset;
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

function parseRule(words: string[], line: string): LoadedRule {
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
        push({ kind: "protocol", protocol });
        break;
      case "-s":
      case "-d":
        push({ kind: "address", field: w === "-s" ? "src" : "dst", ranges: [addressRangeOf(next())] });
        break;
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
      case "--icmp-type": {
        const [type, code] = next().split("/");
        push({
          kind: "icmp",
          type: icmpTypeNumber(type),
          ...(code !== undefined ? { code: [icmpCodeNumber(code), icmpCodeNumber(code)] as const } : {}),
        });
        break;
      }
      case "--match-set": {
        const set = next();
        const flags = next();
        if (flags === "src" || flags === "dst") push({ kind: "address", field: flags, set });
        else if (flags === "dst,dst") push({ kind: "addressPort", set });
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
        else if (target === "LOG") logTarget = true;
        else action = { kind: w === "-j" ? "jump" : "goto", target };
        break;
      }
      case "--log-prefix":
        logPrefix = next();
        break;
      case "--log-level":
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
 * as address ranges, hash:ip,port sets as address:port pairs (tcp; the only
 * protocol our control-plane rule matches).
 */
export function parseIpsetSave(text: string, scope: IptablesReadScope = {}): LoadedRuleset["sets"] {
  const pending = new Map<string, { pairs?: Set<string>; ranges?: AddressRange[] }>();
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
      if (!pending.has(name)) pending.set(name, words[2] === "hash:ip,port" ? { pairs: new Set() } : { ranges: [] });
    } else if (op === "add") {
      const set = setOf(name, line);
      if (set.pairs) {
        const [addr, port = ""] = words[2].split(",");
        const [proto, number] = port.split(":");
        if (proto === "tcp") set.pairs.add(`${addressRangeOf(addr).first}:${Number(number)}`);
      } else set.ranges!.push(addressRangeOf(words[2]));
    } else if (op === "flush") {
      const set = setOf(name, line);
      if (set.pairs) set.pairs.clear();
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
  for (const [name, set] of pending) sets.set(name, set.pairs ? { pairs: set.pairs } : { ranges: mergeRanges(set.ranges!) });
  return sets;
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
