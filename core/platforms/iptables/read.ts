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
import { formatIPv6, listedAddressRange6, mergeRanges, mergeRanges6, type AddressFamily, type PortRange } from "../../model";
import type { Hook } from "../../policy";
import type { Action, LoadedRule, LoadedRuleset, LoadedSet, Match } from "../../analyze/loaded";
import { addressRangeOf, type ConnectionState } from "../../analyze/packet";
import type { ControlPlaneAddress } from "../platform";
import { icmpCodeNumber, icmpTypeNumber, protocolNumber } from "../protocol-names";
import { BUILTIN_CHAIN } from "./names";
import { controlPlaneIpset, splitIptablesConfig, type IptablesConfig } from "./render";

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
  const ipv6 = parts.ip6tables !== undefined;
  return { ...expectedChains(parts), sets: parseIpsetSave(parts.ipset + controlPlaneIpset(controlPlane, { ipv6 })) };
}

/** The chains of expectedIptables (its sets empty): the restore texts as the tables list them after the load and the jumps. */
export function expectedChains(parts: IptablesConfig): LoadedRuleset {
  const jumps = parts.jumps.map((j) => `-A ${j.chain} ${j.rule.join(" ")}`);
  const listed = (restore: string) =>
    restore.replace(/^\*filter$/m, ["*filter", ...FRESH_BUILTIN_CHAINS].join("\n")).replace(/^COMMIT$/m, [...jumps, "COMMIT"].join("\n"));
  return parseIptablesSave(listed(parts.iptables), "", {}, parts.ip6tables !== undefined ? listed(parts.ip6tables) : undefined);
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

/** A set as `ipset save` lists it (or an `ipset restore` text leaves it): its type, the rest of its create line, its elements as written. */
export interface IpsetContents {
  type: string;
  family: AddressFamily;
  /** The create line after the type (`family inet hashsize 1024 ... initval 0x...` as listed). */
  header: string;
  elements: string[];
}

/**
 * `ipset save` output, or `ipset restore` input played through (create, add,
 * flush, swap and destroy), as the sets it leaves behind, their elements as
 * written (parseIpsetSave reads them).
 */
export function playIpset(text: string, scope: IptablesReadScope = {}): Map<string, IpsetContents> {
  const sets = new Map<string, IpsetContents>();
  const setOf = (name: string, line: string) => {
    const set = sets.get(name);
    if (!set) throw new Error(`ipset line names an unknown set: ${line}`);
    return set;
  };
  let last: { name: string; set: IpsetContents } | undefined;
  for (const raw of text.split("\n")) {
    // `add NAME ELEMENT` of the set the line before added to, single-spaced: read in place (100,000 lines).
    if (last && raw.startsWith("add ") && raw.startsWith(last.name, 4) && raw.charCodeAt(4 + last.name.length) === 32) {
      const element = raw.slice(5 + last.name.length);
      if (element !== "" && !element.includes(" ") && !element.includes("\t") && element.charCodeAt(element.length - 1) > 32) {
        last.set.elements.push(element);
        continue;
      }
    }
    last = undefined;
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    // The tools write one space between words; a regular expression per line only for other spacing.
    const words = line.includes("  ") || line.includes("\t") ? line.split(/\s+/) : line.split(" ");
    const [op, name] = words;
    if (scope.sets && name !== undefined && !scope.sets(name)) continue;
    if (op === "add") {
      const set = setOf(name, line);
      set.elements.push(words.length === 3 ? words[2] : words.slice(2).join(" "));
      last = { name, set };
    } else if (op === "create") {
      if (sets.has(name)) continue;
      const familyAt = words.indexOf("family");
      const family: AddressFamily = familyAt > 0 && words[familyAt + 1] === "inet6" ? 6 : 4;
      const header = words
        .slice(3)
        .filter((w) => w !== "-exist")
        .join(" ");
      sets.set(name, { type: words[2], family, header, elements: [] });
    } else if (op === "flush") setOf(name, line).elements = [];
    else if (op === "swap") {
      const other = words[2];
      const a = setOf(name, line);
      sets.set(name, setOf(other, line));
      sets.set(other, a);
    } else if (op === "destroy") {
      setOf(name, line);
      sets.delete(name);
    } else throw new Error(`unsupported ipset line: ${line}`);
  }
  return sets;
}

/**
 * `ipset save` output, or `ipset restore` input played through: hash:net sets
 * as address ranges (`family inet6`: IPv6 ranges), hash:ip,port sets as
 * address:port pairs keyed as pairKey does (tcp; the only protocol our
 * control-plane rule matches).
 */
export function parseIpsetSave(text: string, scope: IptablesReadScope = {}): LoadedRuleset["sets"] {
  const sets: LoadedRuleset["sets"] = new Map();
  for (const [name, set] of playIpset(text, scope)) sets.set(name, loadedSet(set));
  return sets;
}

/** A set's elements as the loaded model holds them (see parseIpsetSave). */
export function loadedSet(set: IpsetContents): LoadedSet {
  const element = (e: string) => (e.includes(" ") ? e.slice(0, e.indexOf(" ")) : e);
  if (set.type === "hash:ip,port") {
    const pairs = new Set<string>();
    for (const e of set.elements.map(element)) {
      const at = e.lastIndexOf(",");
      const [proto, number] = e.slice(at + 1).split(":");
      const addr = e.slice(0, at);
      if (proto !== "tcp") continue;
      if (set.family === 6) pairs.add(`[${formatIPv6(address6RangeOf(addr).first)}]:${Number(number)}`);
      else pairs.add(`${addressRangeOf(addr).first}:${Number(number)}`);
    }
    return { pairs };
  }
  if (set.family === 6) return { ranges6: mergeRanges6(set.elements.map((e) => address6RangeOf(element(e)))) };
  return { ranges: mergeRanges(set.elements.map((e) => addressRangeOf(element(e)))) };
}

/** The sets a configuration leaves (playIpset), and each one's elements as `ipset save` lists them (see listedIpsets). */
export interface WrittenIpsets {
  sets: Map<string, IpsetContents>;
  /** A set's elements as ipset lists them (a hash:net host without /32 or /128), by set. */
  elements: Map<string, Set<string>>;
}

export function writtenIpsets(sets: Map<string, IpsetContents>): WrittenIpsets {
  const elements = new Map<string, Set<string>>();
  for (const [name, set] of sets) {
    const host = set.type === "hash:ip,port" ? undefined : set.family === 6 ? "/128" : "/32";
    const listed = new Set<string>();
    for (const e of set.elements) listed.add(host !== undefined && e.endsWith(host) ? e.slice(0, -host.length) : e);
    elements.set(name, listed);
  }
  return { sets, elements };
}

/** A set of an `ipset save` listing: its create line, number of elements, and whether they are exactly those written for it. */
export interface ListedIpset {
  type: string;
  family: AddressFamily;
  header: string;
  count: number;
  /** Every element listed is one written for the set of that name, and they are as many: the set reads as written. */
  asWritten: boolean;
}

/**
 * The sets of an `ipset save` listing that `scope` takes, compared with
 * `written` element by element (a lookup each in the set's written elements,
 * not 100,000 addresses read); a set not asWritten may still read alike
 * (compare them read: playIpset, loadedSet). ipset lists a set's create line
 * and then its elements, `add NAME ELEMENT` single-spaced: those lines are
 * cut in place; any other line is read word by word.
 */
export function listedIpsets(saved: string, written: WrittenIpsets, scope: (name: string) => boolean): Map<string, ListedIpset> {
  const listed = new Map<string, ListedIpset>();
  // The set whose elements follow: its `add NAME ` prefix and written elements.
  let current: { prefix: string; set: ListedIpset; want?: Set<string> } | undefined;
  for (let at = 0; at < saved.length; ) {
    const newline = saved.indexOf("\n", at);
    const eol = newline < 0 ? saved.length : newline;
    if (current && saved.startsWith(current.prefix, at)) {
      const element = saved.slice(at + current.prefix.length, eol);
      if (!element.includes(" ")) {
        current.set.count++;
        if (!current.want?.has(element)) current.set.asWritten = false;
        at = eol + 1;
        continue;
      }
    }
    const line = saved.slice(at, eol).trim();
    at = eol + 1;
    if (line === "") continue;
    const words = line.split(/\s+/);
    if (!scope(words[1])) {
      current = undefined;
      continue;
    }
    if (words[0] === "create") {
      const familyAt = words.indexOf("family");
      const family: AddressFamily = familyAt > 0 && words[familyAt + 1] === "inet6" ? 6 : 4;
      const set: ListedIpset = { type: words[2], family, header: words.slice(3).join(" "), count: 0, asWritten: true };
      listed.set(words[1], set);
      current = { prefix: `add ${words[1]} `, set, want: written.elements.get(words[1]) };
    } else {
      const set = listed.get(words[1]);
      if (!set) throw new Error(`ipset line names an unknown set: ${line}`);
      // An element with options (or otherwise spaced) is never one we write.
      set.count++;
      set.asWritten = false;
    }
  }
  for (const [name, set] of listed) {
    const want = written.sets.get(name);
    set.asWritten &&=
      want !== undefined && want.type === set.type && want.family === set.family && written.elements.get(name)?.size === set.count;
  }
  return listed;
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
