/**
 * The text side of the nftables reader: what loading a file with `nft -f`
 * leaves behind, read into the same model as parseNftJson (read.ts) reads
 * the kernel's listing.
 *
 *   parseNftText    one table (ours: render.ts's create-delete-declare text plus
 *                   the agent's control-plane elements), keyed by bare names;
 *                   anything it does not understand is an error.
 *   readNftRuleset  every table of a whole file (`nft list ruleset`, or one an
 *                   admin wrote), keyed `<family> <table> <name>` as parseNftJson
 *                   without a table; `lenient` keeps a rule it cannot read as a
 *                   rule marked `unsupported` (and a statement outside rules in
 *                   `skipped`) instead of failing, for core/import to report.
 */
import { mergeRanges, mergeRanges6, type AddressFamily, type AddressRange, type AddressRange6, type PortRange } from "../../model";
import type { Hook } from "../../policy";
import type { LoadedChain, LoadedRule, LoadedRuleset, LoadedSet, Match } from "../../analyze/loaded";
import { addressRangeOf, type ConnectionState } from "../../analyze/packet";
import { icmpCodeNumber, icmpTypeNumber, protocolNumber } from "../protocol-names";
import type { ControlPlaneAddress } from "../platform";
import { NFT_TABLE_NAME, type NftTableName } from "./names";
import { icmpv6CodeNumber, icmpv6TypeNumber } from "./icmpv6-names";
import { address6RangeOf, chainPriority, mergePorts, pairKey, setTypeFamily } from "./read";
import { nftablesFile } from "./render";
import { nftStatements } from "./text-lines";

/** What loading the agent's file for `config` (render.ts nftablesFile) leaves in the kernel. */
export function expectedNftables(config: string, controlPlane: readonly ControlPlaneAddress[]): LoadedRuleset {
  return parseNftText(nftablesFile(config, controlPlane), NFT_TABLE_NAME);
}

/** A statement a lenient read could not place in the model (outside any rule). */
export interface SkippedStatement {
  line: number;
  text: string;
  reason: string;
}

export interface NftRulesetRead {
  ruleset: LoadedRuleset;
  skipped: SkippedStatement[];
}

/** "10.0.0.1", "10.0.0.0/24" or "10.0.0.1-10.0.0.9" (nft prints intervals so) as a range. */
function range4(text: string): AddressRange {
  const dash = text.indexOf("-");
  if (dash < 0) return addressRangeOf(text);
  return { first: addressRangeOf(text.slice(0, dash).trim()).first, last: addressRangeOf(text.slice(dash + 1).trim()).last };
}

function range6(text: string): AddressRange6 {
  const dash = text.indexOf("-");
  if (dash < 0) return address6RangeOf(text);
  return { first: address6RangeOf(text.slice(0, dash).trim()).first, last: address6RangeOf(text.slice(dash + 1).trim()).last };
}

function pairText(family: AddressFamily, item: string): string {
  const [address, port, ...rest] = item.split(" . ");
  const p = (port ?? "").trim();
  if (rest.length || !/^\d+$/.test(p) || address.includes("/")) throw new Error(`not an "address . port" element: ${item}`);
  return pairKey(family, family === 4 ? addressRangeOf(address.trim()) : address6RangeOf(address.trim()), Number(p));
}

/** "3" or "0-2": an ICMP code or range of codes, numbers or nft's names. */
function codeText(value: string, name: (v: string) => number): readonly [number, number] {
  const [lo, hi, ...rest] = value.split("-");
  // Names hold dashes ("no-route"): a whole-word name first, then a numeric range.
  if (!/^\d+$/.test(lo) || rest.length || (hi !== undefined && !/^\d+$/.test(hi))) {
    const code = name(value);
    return [code, code];
  }
  return [Number(lo), Number(hi ?? lo)];
}

/** Splits a rule line into words, keeping "quoted strings" and `{ ... }` groups whole. */
function words(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === " " || c === "\t") i++;
    else if (c === '"' || c === "{") {
      const end = line.indexOf(c === '"' ? '"' : "}", i + 1);
      if (end < 0) throw new Error(`unterminated ${c} in: ${line}`);
      out.push(line.slice(i, end + 1));
      i = end + 1;
    } else {
      let j = i;
      while (j < line.length && line[j] !== " " && line[j] !== "\t") j++;
      out.push(line.slice(i, j));
      i = j;
    }
  }
  return out;
}

const unquote = (w: string) => (w.startsWith('"') ? w.slice(1, -1) : w);
const braceItems = (w: string) =>
  w.startsWith("{")
    ? w
        .slice(1, -1)
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : [w];

function portsText(w: string): PortRange[] {
  return braceItems(w).map((item) => {
    const [a, b, ...rest] = item.split("-").map((s) => s.trim());
    if (rest.length || !/^\d+$/.test(a) || (b !== undefined && !/^\d+$/.test(b))) throw new Error(`unsupported port "${item}"`);
    return { from: Number(a), to: Number(b ?? a) };
  });
}

/** How a rule names sets and chains in the model (bare for one table, `<family> <table> <name>` for a ruleset). */
interface RuleContext {
  setName(name: string): string;
  chainName(name: string): string;
  /** A lenient read: `reject` reads as drop (core/import reports it). */
  lenient: boolean;
}

const LOG_OPTIONS = new Set(["prefix", "level", "flags", "group", "snaplen", "queue-threshold"]);

function ruleText(line: string, ctx: RuleContext): LoadedRule {
  const w = words(line);
  const rule: LoadedRule = { matches: [], action: { kind: "continue" } };
  const m = rule.matches;
  let i = 0;
  const next = () => {
    if (i >= w.length) throw new Error(`rule ends early: ${line}`);
    return w[i++];
  };
  // An optional `==` or `!=` before a value.
  const negated = () => {
    if (w[i] === "!=") return (i++, true);
    if (w[i] === "==") i++;
    return false;
  };
  const push = (match: Match, negate: boolean) => m.push(negate ? { ...match, negate } : match);
  const address = (family: AddressFamily, field: string) => {
    const f = field === "saddr" ? "src" : "dst";
    const negate = negated();
    const value = next();
    const fam = family === 6 ? ({ family: 6 } as const) : {};
    if (value.startsWith("@")) push({ kind: "address", field: f, ...fam, set: ctx.setName(value.slice(1)) }, negate);
    else if (family === 6) push({ kind: "address", field: f, family: 6, ranges6: mergeRanges6(braceItems(value).map(range6)) }, negate);
    else push({ kind: "address", field: f, ranges: mergeRanges(braceItems(value).map(range4)) }, negate);
  };
  while (i < w.length) {
    const word = next();
    if (rule.action.kind !== "continue" && word !== "comment")
      throw new Error(`unsupported rule syntax "${word}" after the verdict: ${line}`);
    if (word === "iif" || word === "oif" || word === "iifname" || word === "oifname") {
      const negate = negated();
      if (unquote(next()) !== "lo") throw new Error(`unsupported interface match: ${line}`);
      push({ kind: "loopback", key: word }, negate);
    } else if (word === "meta") {
      const key = next();
      const negate = negated();
      const value = unquote(next());
      if (key === "nfproto" && value === "ipv4") push({ kind: "ipv4" }, negate);
      else if (key === "nfproto" && value === "ipv6") push({ kind: "ipv6" }, negate);
      else if (key === "l4proto" && !value.startsWith("{"))
        push({ kind: "protocol", protocol: protocolNumber(value), anyFamily: true }, negate);
      else if ((key === "iif" || key === "oif" || key === "iifname" || key === "oifname") && value === "lo")
        push({ kind: "loopback", key }, negate);
      else throw new Error(`unsupported meta match: ${line}`);
    } else if (word === "ct") {
      if (next() !== "state") throw new Error(`unsupported ct match: ${line}`);
      const negate = negated();
      push({ kind: "state", states: braceItems(next()).flatMap((s) => s.split(",")) as ConnectionState[] }, negate);
    } else if (word === "ip" || word === "ip6") {
      const family: AddressFamily = word === "ip6" ? 6 : 4;
      const field = next();
      if (field === (family === 6 ? "nexthdr" : "protocol")) {
        const negate = negated();
        const value = next();
        if (value.startsWith("{")) throw new Error(`unsupported ${word} ${field} set: ${line}`);
        push({ kind: "protocol", protocol: protocolNumber(value), ...(family === 6 ? { family: 6 as const } : {}) }, negate);
      } else if (field === "daddr" && w[i] === "." && w[i + 1] === "tcp" && w[i + 2] === "dport" && w[i + 3]?.startsWith("@")) {
        i += 4;
        m.push({ kind: "addressPort", ...(family === 6 ? { family: 6 as const } : {}), set: ctx.setName(w[i - 1].slice(1)) });
      } else if ((field === "saddr" || field === "daddr") && w[i] !== ".") address(family, field);
      else throw new Error(`unsupported ${word} match "${field}": ${line}`);
    } else if (word === "icmpv6" || word === "icmp") {
      const v6 = word === "icmpv6";
      const field = next();
      const negate = negated();
      const value = next();
      const fam = v6 ? ({ family: 6 } as const) : {};
      if (value.startsWith("{")) throw new Error(`unsupported ${word} ${field} set: ${line}`);
      if (field === "type") push({ kind: "icmp", ...fam, type: (v6 ? icmpv6TypeNumber : icmpTypeNumber)(value) }, negate);
      else if (field === "code") push({ kind: "icmp", ...fam, code: codeText(value, v6 ? icmpv6CodeNumber : icmpCodeNumber) }, negate);
      else throw new Error(`unsupported ${word} match: ${line}`);
    } else if (word === "tcp" || word === "udp") {
      if (next() !== "dport") throw new Error(`unsupported ${word} match: ${line}`);
      const negate = negated();
      const value = next();
      if (value.startsWith("@")) throw new Error(`unsupported port set ${value}: ${line}`);
      push({ kind: "dport", protocol: protocolNumber(word), ports: mergePorts(portsText(value)) }, negate);
    } else if (word === "log") {
      if (rule.log) throw new Error(`more than one log statement: ${line}`);
      let prefix: string | undefined;
      while (LOG_OPTIONS.has(w[i])) {
        const option = next();
        const value = unquote(next());
        if (option === "prefix") prefix = value;
        else if (!ctx.lenient) throw new Error(`unsupported log option ${option}: ${line}`);
      }
      rule.log = { prefix, after: m.length };
    } else if (word === "counter") {
      // `nft list` prints the counts: counter packets 12 bytes 3400.
      if (w[i] === "packets" && w[i + 2] === "bytes") i += 4;
    } else if (word === "accept" || word === "drop" || word === "return") rule.action = { kind: word };
    else if (word === "reject" && ctx.lenient) {
      if (w[i] === "with") i += 3; // reject with icmp type admin-prohibited: the reply is what is lost
      rule.action = { kind: "drop" };
    } else if (word === "jump" || word === "goto") rule.action = { kind: word, target: ctx.chainName(next()) };
    else if (word === "comment") rule.comment = unquote(next());
    else throw new Error(`unsupported rule syntax "${word}": ${line}`);
  }
  return rule;
}

interface PendingSet {
  name: string;
  table: string;
  /** Unknown until the set's `type` line. */
  family?: AddressFamily;
  concat: boolean;
  ranges: AddressRange[];
  ranges6: AddressRange6[];
  pairs: string[];
  /** Lenient read: why the set holds nothing the model can use. */
  unusable?: string;
}

function addItems(set: PendingSet, body: string, lenient: boolean): void {
  if (set.unusable) return;
  if (set.family === undefined) throw new Error(`elements for set ${set.name} before its type`);
  for (const raw of body.split(",")) {
    // A lenient read drops per-element options (timeout 1h, expires ..., counter ...).
    const item = lenient ? raw.trim().split(/\s+(?:timeout|expires|counter|comment)\b/)[0] : raw.trim();
    if (!item) continue;
    if (set.concat) set.pairs.push(pairText(set.family, item));
    else if (set.family === 6) set.ranges6.push(range6(item));
    else set.ranges.push(range4(item));
  }
}

/** The address family an nft `typeof` expression gives a set ("ip saddr", "ip6 daddr"). */
function typeofFamily(expression: string): AddressFamily {
  if (/^ip (saddr|daddr)$/.test(expression)) return 4;
  if (/^ip6 (saddr|daddr)$/.test(expression)) return 6;
  throw new Error(`unsupported set typeof ${expression}`);
}

const HOOKS: readonly string[] = ["input", "output", "forward"];
const TABLE_FAMILIES: Record<string, readonly AddressFamily[] | undefined> = { ip: [4], ip6: [6], inet: undefined };

/**
 * The table `table` that loading `text` with `nft -f` leaves behind: text as
 * render.ts writes it (create-delete-declare of one table), plus `add element`
 * lines and further `table ... { set ... }` blocks adding elements to its sets.
 * Chains and sets are keyed by bare name, as parseNftJson with a table does.
 */
export function parseNftText(text: string, table: NftTableName = NFT_TABLE_NAME): LoadedRuleset {
  return readText(text, table, false).ruleset;
}

/** Every table of `text` (see the opening comment); `lenient` for core/import. */
export function readNftRuleset(text: string, options: { lenient?: boolean } = {}): NftRulesetRead {
  return readText(text, undefined, options.lenient ?? false);
}

function readText(text: string, only: NftTableName | undefined, lenient: boolean): NftRulesetRead {
  const skipped: SkippedStatement[] = [];
  let sets = new Map<string, PendingSet>();
  let chains = new Map<string, LoadedChain & { table: string }>();
  let set: PendingSet | undefined;
  let chain: (LoadedChain & { table: string }) | undefined;
  /** The table whose block we are in: family, name, and its key prefix ("" for `only`). */
  let current: { family: string; name: string; id: string } | undefined;
  let skipDepth = 0;
  const ours = (family: string, name: string) => !only || (family === only.family && name === only.name);
  const keyOf = (family: string, tableName: string, name: string) => (only ? name : `${family} ${tableName} ${name}`);
  const ctxOf = (family: string, tableName: string): RuleContext => ({
    setName: (n) => keyOf(family, tableName, n),
    chainName: (n) => keyOf(family, tableName, n),
    lenient,
  });
  const dropTable = (id: string) => {
    sets = new Map([...sets].filter(([, s]) => s.table !== id));
    chains = new Map([...chains].filter(([, c]) => c.table !== id));
  };
  const fail = (line: number, statement: string, reason: string) => {
    if (!lenient) throw new Error(`${reason}: ${statement}`);
    skipped.push({ line, text: statement, reason });
  };
  const readRule = (statement: string, line: number, ctx: RuleContext): LoadedRule => {
    if (!lenient) return ruleText(statement, ctx);
    let rule: LoadedRule;
    try {
      rule = ruleText(statement, ctx);
    } catch (err) {
      rule = { matches: [], action: { kind: "continue" }, unsupported: (err as Error).message.replace(/: [^:]*$/, "") };
    }
    rule.source = { line, text: statement };
    return rule;
  };

  for (const { text: statement, line } of nftStatements(text)) {
    if (skipDepth > 0) {
      // Inside a block the model has no place for (a map, a flowtable, a table of another table).
      if (statement.endsWith("{")) skipDepth++;
      else if (statement === "}") skipDepth--;
      continue;
    }
    if (set) {
      if (statement === "}") set = undefined;
      else if (statement.startsWith("type ") || statement.startsWith("typeof ")) {
        try {
          const isTypeof = statement.startsWith("typeof ");
          const parts = statement
            .slice(isTypeof ? 7 : 5)
            .split(" . ")
            .map((t) => t.trim());
          const concat = parts.length > 1;
          const family = isTypeof && !concat ? typeofFamily(parts[0]) : setTypeFamily(concat ? parts : parts[0]);
          if (set.family !== undefined && (set.concat !== concat || set.family !== family))
            throw new Error(`set ${set.name} redeclared with another type`);
          set.concat = concat;
          set.family = family;
        } catch (err) {
          if (!lenient) throw err;
          set.unusable = statement;
        }
      } else if (statement.startsWith("elements = {") && statement.endsWith("}"))
        addItems(set, statement.slice(statement.indexOf("{") + 1, -1), lenient);
      else if (statement.startsWith("flags ")) {
        // interval: expressed by the ranges themselves.
      } else if (!lenient) throw new Error(`unsupported set line: ${statement}`);
      continue;
    }
    if (chain) {
      if (statement === "}") chain = undefined;
      else if (statement.startsWith("type ")) {
        const h = /^type (\w+) hook (\w+)(?: device \S+)? priority (.+)$/.exec(statement);
        if (!h) throw new Error(`unsupported chain header: ${statement}`);
        if (h[1] === "filter" && HOOKS.includes(h[2]) && !chain.other) {
          chain.hook = h[2] as Hook;
          chain.priority = chainPriority(h[3].trim());
        } else if (lenient) chain.other = chain.other ?? `${h[1]} chain on hook ${h[2]}`;
        else throw new Error(`unsupported chain header: ${statement}`);
      } else if (statement.startsWith("policy ")) {
        const policy = statement.slice(7).trim();
        if (policy !== "accept" && policy !== "drop") throw new Error(`unsupported chain policy: ${statement}`);
        chain.policy = policy;
      } else if (statement.startsWith("comment ") && lenient) continue;
      else chain.rules.push(readRule(statement, line, ctxOf(current!.family, current!.name)));
      continue;
    }
    if (!current) {
      const t = /^(?:(add|create|delete|flush)\s+)?table\s+(?:(\w+)\s+)?([^\s{}]+)\s*(\{\s*\}|\{)?$/.exec(statement);
      if (t) {
        const [, verb, family = "ip", name, block] = t;
        const id = `${family} ${name}`;
        if (verb === "delete" || verb === "flush") {
          if (ours(family, name)) dropTable(id);
          continue;
        }
        if (block === "{") {
          if (!ours(family, name)) skipDepth = 1;
          else current = { family, name, id };
        }
        continue;
      }
      if (statement === "flush ruleset") {
        sets = new Map();
        chains = new Map();
        continue;
      }
      const add = /^add element (\S+) (\S+) (\S+) \{(.*)\}$/.exec(statement);
      if (add) {
        if (!ours(add[1], add[2])) continue;
        const target = sets.get(keyOf(add[1], add[2], add[3]));
        if (!target) throw new Error(`add element to unknown set ${add[3]}`);
        addItems(target, add[4], lenient);
        continue;
      }
      const addRule = /^(add|insert) rule (\S+) (\S+) (\S+) (.+)$/.exec(statement);
      if (addRule && ours(addRule[2], addRule[3])) {
        const target = chains.get(keyOf(addRule[2], addRule[3], addRule[4]));
        if (!target) {
          fail(line, statement, `rule for unknown chain ${addRule[4]}`);
          continue;
        }
        const rule = readRule(addRule[5], line, ctxOf(addRule[2], addRule[3]));
        if (addRule[1] === "insert") target.rules.unshift(rule);
        else target.rules.push(rule);
        continue;
      }
      fail(line, statement, "unsupported line outside the table");
      continue;
    }
    const opened = /^(set|chain|map|flowtable|counter|quota|secmark|synproxy|ct \w+) (\S+) \{$/.exec(statement);
    if (opened?.[1] === "set") {
      // Declaring an existing set again (in a later block) adds to it, as nft does.
      const key = keyOf(current.family, current.name, opened[2]);
      set = sets.get(key);
      if (!set) sets.set(key, (set = { name: opened[2], table: current.id, concat: false, ranges: [], ranges6: [], pairs: [] }));
    } else if (opened?.[1] === "chain") {
      const key = keyOf(current.family, current.name, opened[2]);
      if (chains.has(key)) throw new Error(`chain ${opened[2]} declared twice`);
      chain = { rules: [], table: current.id };
      if (lenient) {
        chain.line = line;
        const families = TABLE_FAMILIES[current.family];
        if (families) chain.families = families;
        if (!(current.family in TABLE_FAMILIES)) chain.other = `chain of a ${current.family} table`;
      }
      chains.set(key, chain);
    } else if (opened && lenient) skipDepth = 1;
    else if (statement === "}") current = undefined;
    else if (lenient && /^(flags|comment) /.test(statement)) continue;
    else fail(line, statement, "unsupported table line");
  }
  if (set || chain || current || skipDepth) throw new Error("the text ends inside a block");
  const ruleset: LoadedRuleset = { chains: new Map(), sets: new Map() };
  for (const [name, c] of chains) {
    const { table: _table, ...loaded } = c;
    ruleset.chains.set(name, loaded);
  }
  for (const [name, s] of sets) {
    if (s.unusable) continue;
    if (s.family === undefined) throw new Error(`set ${name} has no type`);
    const value: LoadedSet = s.concat
      ? { pairs: new Set(s.pairs) }
      : s.family === 6
        ? { ranges6: mergeRanges6(s.ranges6) }
        : { ranges: mergeRanges(s.ranges) };
    ruleset.sets.set(name, value);
  }
  return { ruleset, skipped };
}
