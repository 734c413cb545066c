/**
 * The text side of the nftables reader: the table that loading a file with
 * `nft -f` leaves behind, read into the same model as parseNftJson (read.ts)
 * reads the kernel's listing.
 */
import { mergeRanges, mergeRanges6, type AddressFamily, type AddressRange, type AddressRange6, type PortRange } from "../../model";
import type { Hook } from "../../policy";
import type { LoadedChain, LoadedRule, LoadedRuleset, LoadedSet } from "../../analyze/loaded";
import { addressRangeOf, type ConnectionState } from "../../analyze/packet";
import { icmpCodeNumber, icmpTypeNumber, protocolNumber } from "../protocol-names";
import type { ControlPlaneAddress } from "../platform";
import { NFT_TABLE_NAME, type NftTableName } from "./names";
import { icmpv6CodeNumber, icmpv6TypeNumber } from "./icmpv6-names";
import { address6RangeOf, chainPriority, mergePorts, pairKey, setTypeFamily } from "./read";
import { nftablesFile } from "./render";

/** What loading the agent's file for `config` (render.ts nftablesFile) leaves in the kernel. */
export function expectedNftables(config: string, controlPlane: readonly ControlPlaneAddress[]): LoadedRuleset {
  return parseNftText(nftablesFile(config, controlPlane), NFT_TABLE_NAME);
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

function ruleText(line: string): LoadedRule {
  const w = words(line);
  const rule: LoadedRule = { matches: [], action: { kind: "continue" } };
  const m = rule.matches;
  let i = 0;
  const next = () => {
    if (i >= w.length) throw new Error(`rule ends early: ${line}`);
    return w[i++];
  };
  while (i < w.length) {
    const word = next();
    if (rule.action.kind !== "continue" && word !== "comment")
      throw new Error(`unsupported rule syntax "${word}" after the verdict: ${line}`);
    if (word === "iif" || word === "oif" || word === "iifname" || word === "oifname") {
      if (unquote(next()) !== "lo") throw new Error(`unsupported interface match: ${line}`);
      m.push({ kind: "loopback", key: word });
    } else if (word === "meta") {
      const key = next();
      const value = unquote(next());
      if (key === "nfproto" && value === "ipv4") m.push({ kind: "ipv4" });
      else if (key === "nfproto" && value === "ipv6") m.push({ kind: "ipv6" });
      else if (key === "l4proto") m.push({ kind: "protocol", protocol: protocolNumber(value), anyFamily: true });
      else if ((key === "iif" || key === "oif" || key === "iifname" || key === "oifname") && value === "lo")
        m.push({ kind: "loopback", key });
      else throw new Error(`unsupported meta match: ${line}`);
    } else if (word === "ct") {
      if (next() !== "state") throw new Error(`unsupported ct match: ${line}`);
      m.push({ kind: "state", states: braceItems(next()).flatMap((s) => s.split(",")) as ConnectionState[] });
    } else if (word === "ip") {
      const field = next();
      if (field === "protocol") m.push({ kind: "protocol", protocol: protocolNumber(next()) });
      else if (field === "daddr" && w[i] === "." && w[i + 1] === "tcp" && w[i + 2] === "dport" && w[i + 3]?.startsWith("@")) {
        i += 4;
        m.push({ kind: "addressPort", set: w[i - 1].slice(1) });
      } else if ((field === "saddr" || field === "daddr") && w[i] !== ".") {
        const value = next();
        const f = field === "saddr" ? "src" : "dst";
        if (value.startsWith("@")) m.push({ kind: "address", field: f, set: value.slice(1) });
        else m.push({ kind: "address", field: f, ranges: mergeRanges(braceItems(value).map(addressRangeOf)) });
      } else throw new Error(`unsupported ip match "${field}": ${line}`);
    } else if (word === "ip6") {
      const field = next();
      if (field === "nexthdr") m.push({ kind: "protocol", protocol: protocolNumber(next()), family: 6 });
      else if (field === "daddr" && w[i] === "." && w[i + 1] === "tcp" && w[i + 2] === "dport" && w[i + 3]?.startsWith("@")) {
        i += 4;
        m.push({ kind: "addressPort", family: 6, set: w[i - 1].slice(1) });
      } else if ((field === "saddr" || field === "daddr") && w[i] !== ".") {
        const value = next();
        const f = field === "saddr" ? "src" : "dst";
        if (value.startsWith("@")) m.push({ kind: "address", field: f, family: 6, set: value.slice(1) });
        else m.push({ kind: "address", field: f, family: 6, ranges6: mergeRanges6(braceItems(value).map(address6RangeOf)) });
      } else throw new Error(`unsupported ip6 match "${field}": ${line}`);
    } else if (word === "icmpv6") {
      const field = next();
      const value = next();
      if (field === "type") m.push({ kind: "icmp", family: 6, type: icmpv6TypeNumber(value) });
      else if (field === "code") m.push({ kind: "icmp", family: 6, code: codeText(value, icmpv6CodeNumber) });
      else throw new Error(`unsupported icmpv6 match: ${line}`);
    } else if (word === "tcp" || word === "udp") {
      if (next() !== "dport") throw new Error(`unsupported ${word} match: ${line}`);
      m.push({ kind: "dport", protocol: protocolNumber(word), ports: mergePorts(portsText(next())) });
    } else if (word === "icmp") {
      const field = next();
      const value = next();
      if (field === "type") m.push({ kind: "icmp", type: icmpTypeNumber(value) });
      else if (field === "code") {
        const code = icmpCodeNumber(value);
        m.push({ kind: "icmp", code: [code, code] });
      } else throw new Error(`unsupported icmp match: ${line}`);
    } else if (word === "log") {
      if (rule.log) throw new Error(`more than one log statement: ${line}`);
      rule.log = { prefix: w[i] === "prefix" ? (i++, unquote(next())) : undefined, after: m.length };
    } else if (word === "counter") {
      continue;
    } else if (word === "accept" || word === "drop" || word === "return") rule.action = { kind: word };
    else if (word === "jump" || word === "goto") rule.action = { kind: word, target: next() };
    else if (word === "comment") rule.comment = unquote(next());
    else throw new Error(`unsupported rule syntax "${word}": ${line}`);
  }
  return rule;
}

interface PendingSet {
  name: string;
  /** Unknown until the set's `type` line. */
  family?: AddressFamily;
  concat: boolean;
  ranges: AddressRange[];
  ranges6: AddressRange6[];
  pairs: string[];
}

function addItems(set: PendingSet, body: string): void {
  if (set.family === undefined) throw new Error(`elements for set ${set.name} before its type`);
  for (const raw of body.split(",")) {
    const item = raw.trim();
    if (!item) continue;
    if (set.concat) set.pairs.push(pairText(set.family, item));
    else if (set.family === 6) set.ranges6.push(address6RangeOf(item));
    else set.ranges.push(addressRangeOf(item));
  }
}

/**
 * The table `table` that loading `text` with `nft -f` leaves behind: text as
 * render.ts writes it (create-delete-declare of one table), plus `add element`
 * lines and further `table ... { set ... }` blocks adding elements to its sets.
 * Chains and sets are keyed by bare name, as parseNftJson with a table does.
 */
export function parseNftText(text: string, table: NftTableName = NFT_TABLE_NAME): LoadedRuleset {
  const header = `table ${table.family} ${table.name}`;
  let sets = new Map<string, PendingSet>();
  let chains = new Map<string, LoadedChain>();
  let set: PendingSet | undefined;
  let chain: LoadedChain | undefined;
  let inTable = false;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    if (set) {
      if (line === "}") set = undefined;
      else if (line.startsWith("type ")) {
        const parts = line
          .slice(5)
          .split(" . ")
          .map((t) => t.trim());
        const concat = parts.length > 1;
        const family = setTypeFamily(concat ? parts : parts[0]);
        if (set.family !== undefined && (set.concat !== concat || set.family !== family))
          throw new Error(`set ${set.name} redeclared with another type`);
        set.concat = concat;
        set.family = family;
      } else if (line.startsWith("flags ")) {
        // interval: expressed by the ranges themselves.
      } else if (line.startsWith("elements = {") && line.endsWith("}")) addItems(set, line.slice(line.indexOf("{") + 1, -1));
      else throw new Error(`unsupported set line: ${line}`);
      continue;
    }
    if (chain) {
      if (line === "}") chain = undefined;
      else if (line.startsWith("type ")) {
        const h = /^type filter hook (\w+) priority ([^;]+);\s*(?:policy (\w+);)?$/.exec(line);
        if (!h) throw new Error(`unsupported chain header: ${line}`);
        chain.hook = h[1] as Hook;
        chain.priority = chainPriority(h[2]);
        const policy = h[3] ?? "accept";
        if (policy !== "accept" && policy !== "drop") throw new Error(`unsupported chain policy: ${line}`);
        chain.policy = policy;
      } else chain.rules.push(ruleText(line));
      continue;
    }
    if (!inTable) {
      if (line === `${header} {}`) continue;
      if (line === `delete ${header}` || line === `flush ${header}`) {
        sets = new Map();
        chains = new Map();
        continue;
      }
      if (line === `${header} {`) {
        inTable = true;
        continue;
      }
      const add = /^add element (\S+) (\S+) (\S+) \{(.*)\}$/.exec(line);
      if (add && add[1] === table.family && add[2] === table.name) {
        const target = sets.get(add[3]);
        if (!target) throw new Error(`add element to unknown set ${add[3]}`);
        addItems(target, add[4]);
        continue;
      }
      throw new Error(`unsupported line outside the table: ${line}`);
    }
    const opened = /^(set|chain) (\S+) \{$/.exec(line);
    if (opened?.[1] === "set") {
      // Declaring an existing set again (in a later block) adds to it, as nft does.
      set = sets.get(opened[2]);
      if (!set) sets.set(opened[2], (set = { name: opened[2], concat: false, ranges: [], ranges6: [], pairs: [] }));
    } else if (opened?.[1] === "chain") {
      if (chains.has(opened[2])) throw new Error(`chain ${opened[2]} declared twice`);
      chains.set(opened[2], (chain = { rules: [] }));
    } else if (line === "}") inTable = false;
    else throw new Error(`unsupported table line: ${line}`);
  }
  if (set || chain || inTable) throw new Error("the text ends inside a block");
  const ruleset: LoadedRuleset = { chains, sets: new Map() };
  for (const [name, s] of sets) {
    if (s.family === undefined) throw new Error(`set ${name} has no type`);
    const value: LoadedSet = s.concat
      ? { pairs: new Set(s.pairs) }
      : s.family === 6
        ? { ranges6: mergeRanges6(s.ranges6) }
        : { ranges: mergeRanges(s.ranges) };
    ruleset.sets.set(name, value);
  }
  return ruleset;
}
