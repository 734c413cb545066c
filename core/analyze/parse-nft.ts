/**
 * The one reader of nftables rulesets, into the loaded-ruleset model (loaded.ts):
 *
 *   parseNftJson  `nft -j list table|ruleset` output, i.e. what the kernel holds;
 *   parseNftText  the nft text core/compile writes (plus the agent's control-plane
 *                 elements), i.e. what loading it with `nft -f` leaves behind.
 *
 * The equivalence checker evaluates packets against either; the agent compares
 * the two (diffLoaded, compare-loaded.ts) to verify a load and to detect drift.
 * nft prints rules differently from our input (names for numbers, /32 without
 * the prefix, merged interval elements); both readers normalize to the same
 * model: merged address ranges, numbers for names. Anything either reader does
 * not understand is an error, never guessed at (the agent turns an unreadable
 * read-back into a difference, so hand-made additions are re-applied over).
 */
import { mergeRanges, parseIPv4, type AddressRange, type PortRange } from "../model";
import type { Hook } from "../policy";
import type { LoadedChain, LoadedRule, LoadedRuleset, LoadedSet, Match } from "./loaded";
import { icmpCodeNumber, icmpTypeNumber, protocolNumber } from "./names";
import { addressRangeOf, type ConnectionState } from "./packet";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface NftTableName {
  family: string;
  name: string;
}

const PRIORITIES: Record<string, number> = { raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100 };

/** A chain priority as nft writes it: a number, or a standard name with an optional offset ("filter + 10"). */
export function chainPriority(value: string | number): number {
  if (typeof value === "number") return value;
  const m = /^\s*([a-z]+)\s*(?:([+-])\s*(\d+))?\s*$/.exec(value);
  if (!m) {
    if (/^\s*-?\d+\s*$/.test(value)) return Number(value);
    throw new Error(`unsupported chain priority "${value}"`);
  }
  const base = PRIORITIES[m[1]];
  if (base === undefined) throw new Error(`unknown chain priority "${value}"`);
  return base + (m[2] ? (m[2] === "-" ? -1 : 1) * Number(m[3]) : 0);
}

// ---------------------------------------------------------------- addresses

function addressJson(e: Json): AddressRange {
  if (typeof e === "string") return addressRangeOf(e);
  if (e.prefix) {
    const first = parseIPv4(e.prefix.addr);
    const length = e.prefix.len;
    const size = 2 ** (32 - length);
    if (first === undefined || !(length >= 0 && length <= 32) || first % size !== 0)
      throw new Error(`unsupported prefix ${JSON.stringify(e.prefix)}`);
    return { first, last: first + size - 1 };
  }
  if (e.range) return { first: addressJson(e.range[0]).first, last: addressJson(e.range[1]).last };
  if (e.elem) return addressJson(e.elem.val);
  throw new Error(`unsupported address element ${JSON.stringify(e)}`);
}

/** Key of an address-and-port pair in LoadedSet.pairs: "address:port" as numbers. */
const pairKey = (address: number, port: number) => `${address}:${port}`;

function pairJson(e: Json): string {
  const v = e.elem ? e.elem.val : e;
  if (!Array.isArray(v?.concat) || v.concat.length !== 2) throw new Error(`unsupported set element ${JSON.stringify(e)}`);
  const range = addressJson(v.concat[0]);
  const port = Number(v.concat[1]);
  if (range.first !== range.last || !Number.isInteger(port)) throw new Error(`unsupported set element ${JSON.stringify(e)}`);
  return pairKey(range.first, port);
}

function pairText(item: string): string {
  const [address, port, ...rest] = item.split(" . ");
  const a = parseIPv4((address ?? "").trim());
  const p = Number((port ?? "").trim());
  if (a === undefined || rest.length || !Number.isInteger(p) || port.trim() === "")
    throw new Error(`not an "address . port" element: ${item}`);
  return pairKey(a, p);
}

// ---------------------------------------------------------------- JSON side

/** Parses nft's JSON; `table` limits it to one table (family and name) and keys chains and sets by bare name. */
export function parseNftJson(text: string, table?: NftTableName): LoadedRuleset {
  const items: Json[] = JSON.parse(text).nftables ?? [];
  const ours = (o: Json) => !table || (o.family === table.family && o.table === table.name);
  const ruleset: LoadedRuleset = { chains: new Map(), sets: new Map() };
  const key = (o: Json) => (table ? o.name : `${o.family} ${o.table} ${o.name}`);
  for (const item of items) {
    if (item.set && ours(item.set)) {
      const s = item.set;
      const elems: Json[] = s.elem ?? [];
      if (Array.isArray(s.type)) ruleset.sets.set(key(s), { pairs: new Set(elems.map(pairJson)) });
      else ruleset.sets.set(key(s), { ranges: mergeRanges(elems.map(addressJson)) });
    } else if (item.chain && ours(item.chain)) {
      const c = item.chain;
      ruleset.chains.set(
        key(c),
        c.hook ? { rules: [], hook: c.hook as Hook, priority: chainPriority(c.prio ?? 0), policy: c.policy ?? "accept" } : { rules: [] },
      );
    }
  }
  for (const item of items) {
    if (!item.rule || !ours(item.rule)) continue;
    const r = item.rule;
    const chain = ruleset.chains.get(table ? r.chain : `${r.family} ${r.table} ${r.chain}`);
    if (!chain) throw new Error(`rule in unknown chain ${r.chain}`);
    chain.rules.push(ruleJson(r, (n) => (table ? n : `${r.family} ${r.table} ${n}`)));
  }
  return ruleset;
}

function ruleJson(r: Json, setName: (name: string) => string): LoadedRule {
  const rule: LoadedRule = { matches: [], action: { kind: "continue" } };
  if (r.comment !== undefined) rule.comment = r.comment;
  let terminal = false;
  for (const e of r.expr as Json[]) {
    if (terminal) throw new Error(`statement after the verdict ${JSON.stringify(e)}`);
    if (e.match) rule.matches.push(matchJson(e.match, setName));
    else if ("accept" in e) rule.action = { kind: "accept" };
    else if ("drop" in e) rule.action = { kind: "drop" };
    else if ("return" in e) rule.action = { kind: "return" };
    else if (e.jump) rule.action = { kind: "jump", target: e.jump.target };
    else if (e.goto) rule.action = { kind: "goto", target: e.goto.target };
    else if ("log" in e) {
      if (rule.log) throw new Error("more than one log statement in a rule");
      const options = e.log ?? {};
      if (Object.keys(options).some((k) => k !== "prefix")) throw new Error(`unsupported log statement ${JSON.stringify(e)}`);
      rule.log = { prefix: options.prefix, after: rule.matches.length };
    } else if ("counter" in e) continue;
    else throw new Error(`unsupported nft statement ${JSON.stringify(e)}`);
    terminal = rule.action.kind !== "continue";
  }
  return rule;
}

function matchJson(m: Json, setName: (name: string) => string): Match {
  if (!["==", "!=", "in"].includes(m.op)) throw new Error(`unsupported nft operator ${m.op}`);
  const negate = m.op === "!=";
  const { left, right } = m;
  const base = (match: Match): Match => (negate ? { ...match, negate } : match);
  const setRef = typeof right === "string" && right.startsWith("@") ? right.slice(1) : undefined;
  if (left.meta) {
    const k = left.meta.key;
    if ((k === "iif" || k === "oif" || k === "iifname" || k === "oifname") && right === "lo") return base({ kind: "loopback", key: k });
    if (k === "nfproto" && right === "ipv4") return base({ kind: "ipv4" });
    if (k === "l4proto" && (typeof right === "string" || typeof right === "number"))
      return base({ kind: "protocol", protocol: protocolNumber(right), anyFamily: true });
  }
  if (left.ct?.key === "state") {
    const states = Array.isArray(right) ? right : [right];
    if (!states.every((s) => typeof s === "string")) throw new Error(`unsupported nft match ${JSON.stringify(m)}`);
    return base({ kind: "state", states: states as ConnectionState[] });
  }
  if (left.concat) {
    const [a, b] = left.concat as Json[];
    if (
      setRef !== undefined &&
      left.concat.length === 2 &&
      a.payload?.protocol === "ip" &&
      a.payload.field === "daddr" &&
      b.payload?.protocol === "tcp" &&
      b.payload.field === "dport"
    )
      return base({ kind: "addressPort", set: setName(setRef) });
    throw new Error(`unsupported nft match ${JSON.stringify(m)}`);
  }
  const p = left.payload;
  if (p?.protocol === "ip" && p.field === "protocol" && (typeof right === "string" || typeof right === "number"))
    return base({ kind: "protocol", protocol: protocolNumber(right) });
  if (p?.protocol === "ip" && (p.field === "saddr" || p.field === "daddr")) {
    const field = p.field === "saddr" ? "src" : "dst";
    if (setRef !== undefined) return base({ kind: "address", field, set: setName(setRef) });
    const elems: Json[] = right.set ?? [right];
    return base({ kind: "address", field, ranges: mergeRanges(elems.map(addressJson)) });
  }
  if ((p?.protocol === "tcp" || p?.protocol === "udp") && p.field === "dport" && setRef === undefined) {
    return base({ kind: "dport", protocol: protocolNumber(p.protocol), ports: mergePorts(portsJson(right)) });
  }
  if (p?.protocol === "icmp" && p.field === "type" && setRef === undefined) return base({ kind: "icmp", type: icmpTypeNumber(right) });
  if (p?.protocol === "icmp" && p.field === "code" && setRef === undefined) {
    const code = icmpCodeNumber(right);
    return base({ kind: "icmp", code: [code, code] });
  }
  throw new Error(`unsupported nft match ${JSON.stringify(m)}`);
}

function portsJson(v: Json): PortRange[] {
  if (typeof v === "number") return [{ from: v, to: v }];
  if (v?.range) return [{ from: v.range[0], to: v.range[1] }];
  if (v?.set) return (v.set as Json[]).flatMap(portsJson);
  throw new Error(`unsupported port element ${JSON.stringify(v)}`);
}

/** Sorted, with overlapping and adjacent ranges merged: `{80, 81}` and `80-81` are the same match. */
function mergePorts(ranges: PortRange[]): PortRange[] {
  const sorted = [...ranges].sort((a, b) => a.from - b.from);
  const merged: { from: number; to: number }[] = [];
  for (const { from, to } of sorted) {
    const last = merged[merged.length - 1];
    if (last && from <= last.to + 1) last.to = Math.max(last.to, to);
    else merged.push({ from, to });
  }
  return merged;
}

// ---------------------------------------------------------------- text side

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
  concat: boolean;
  ranges: AddressRange[];
  pairs: string[];
}

function addItems(set: PendingSet, body: string): void {
  for (const raw of body.split(",")) {
    const item = raw.trim();
    if (!item) continue;
    if (set.concat) set.pairs.push(pairText(item));
    else set.ranges.push(addressRangeOf(item));
  }
}

/**
 * The table `table` that loading `text` with `nft -f` leaves behind: text as
 * core/compile writes it (create-delete-declare of one table), plus `add element`
 * lines and further `table ... { set ... }` blocks adding elements to its sets.
 * Chains and sets are keyed by bare name, as parseNftJson with a table does.
 */
export function parseNftText(text: string, table: NftTableName = { family: "inet", name: "secgroups" }): LoadedRuleset {
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
        const concat = line.includes(" . ");
        if (set.concat !== concat && (set.ranges.length || set.pairs.length))
          throw new Error(`set ${set.name} redeclared with another type`);
        set.concat = concat;
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
      if (!set) sets.set(opened[2], (set = { name: opened[2], concat: false, ranges: [], pairs: [] }));
    } else if (opened?.[1] === "chain") {
      if (chains.has(opened[2])) throw new Error(`chain ${opened[2]} declared twice`);
      chains.set(opened[2], (chain = { rules: [] }));
    } else if (line === "}") inTable = false;
    else throw new Error(`unsupported table line: ${line}`);
  }
  if (set || chain || inTable) throw new Error("the text ends inside a block");
  const ruleset: LoadedRuleset = { chains, sets: new Map() };
  for (const [name, s] of sets) {
    const value: LoadedSet = s.concat ? { pairs: new Set(s.pairs) } : { ranges: mergeRanges(s.ranges) };
    ruleset.sets.set(name, value);
  }
  return ruleset;
}
