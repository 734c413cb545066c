/**
 * The one reader of nftables rulesets, into the loaded-ruleset model
 * (core/analyze/loaded.ts):
 *
 *   parseNftJson  `nft -j list table|ruleset` output, i.e. what the kernel holds;
 *   parseNftText  the nft text render.ts writes (plus the agent's control-plane
 *                 elements), i.e. what loading it with `nft -f` leaves behind
 *                 (read-file.ts).
 *
 * The equivalence checker evaluates packets against either; the agent compares
 * the two (diffLoaded, core/analyze/compare-loaded.ts) to verify a load and to
 * detect drift. nft prints rules differently from our input (names for
 * numbers, /32 without the prefix, merged interval elements); both readers
 * normalize to the same model: merged address ranges, numbers for names.
 * Anything either reader does not understand is an error, never guessed at
 * (the agent turns an unreadable read-back into a difference, so hand-made
 * additions are re-applied over).
 */
import {
  formatIPv6,
  listedAddressRange6,
  mergeRanges,
  mergeRanges6,
  parseIPv4,
  type AddressFamily,
  type AddressRange,
  type AddressRange6,
  type PortRange,
} from "../../model";
import type { Hook } from "../../policy";
import type { LoadedChain, LoadedRule, LoadedRuleset, Match } from "../../analyze/loaded";
import { addressRangeOf, type ConnectionState } from "../../analyze/packet";
import { icmpCodeNumber, icmpTypeNumber, protocolNumber } from "../protocol-names";
import { icmpv6CodeNumber, icmpv6TypeNumber } from "./icmpv6-names";
import { NFT_TABLE_NAME, type NftTableName } from "./names";

/** What the kernel holds of our table, from `nft -j list table inet secgroups`. */
export function readNftables(listing: string): LoadedRuleset {
  return parseNftJson(listing, NFT_TABLE_NAME);
}

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

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

/** "fd00::1", "2001:db8::/32" or "2001:db8::1-2001:db8::9" (as nft prints it and render.ts writes it) as the IPv6 addresses it names. */
export const address6RangeOf: (text: string) => AddressRange6 = listedAddressRange6;

function address6Json(e: Json): AddressRange6 {
  if (typeof e === "string") return address6RangeOf(e);
  if (e.prefix && typeof e.prefix.addr === "string" && Number.isInteger(e.prefix.len))
    return address6RangeOf(`${e.prefix.addr}/${e.prefix.len}`);
  if (e.range) return { first: address6Json(e.range[0]).first, last: address6Json(e.range[1]).last };
  if (e.elem) return address6Json(e.elem.val);
  throw new Error(`unsupported IPv6 address element ${JSON.stringify(e)}`);
}

/** Key of an address-and-port pair in LoadedSet.pairs, as core/analyze/loaded.ts pairKey makes it from a packet. */
export function pairKey(family: AddressFamily, address: AddressRange | AddressRange6, port: number): string {
  if (family === 4) {
    const r = address as AddressRange;
    if (r.first !== r.last || !Number.isInteger(port)) throw new Error(`not one address and port: ${r.first}-${r.last} . ${port}`);
    return `${r.first}:${port}`;
  }
  const r = address as AddressRange6;
  const first = formatIPv6(r.first);
  if (first !== formatIPv6(r.last) || !Number.isInteger(port)) throw new Error(`not one IPv6 address and port: ${first} . ${port}`);
  return `[${first}]:${port}`;
}

function pairJson(family: AddressFamily, e: Json): string {
  const v = e.elem ? e.elem.val : e;
  if (!Array.isArray(v?.concat) || v.concat.length !== 2) throw new Error(`unsupported set element ${JSON.stringify(e)}`);
  return pairKey(family, family === 4 ? addressJson(v.concat[0]) : address6Json(v.concat[0]), Number(v.concat[1]));
}

/** The family of an nft set type: "ipv4_addr", "ipv6_addr", or their concatenation with "inet_service". */
export function setTypeFamily(type: string | readonly string[]): AddressFamily {
  const concat = Array.isArray(type);
  const parts: readonly string[] = concat ? type : [type as string];
  if (concat && (parts.length !== 2 || parts[1] !== "inet_service")) throw new Error(`unsupported set type ${JSON.stringify(type)}`);
  if (parts[0] === "ipv4_addr") return 4;
  if (parts[0] === "ipv6_addr") return 6;
  throw new Error(`unsupported set type ${JSON.stringify(type)}`);
}

// ---------------------------------------------------------------- JSON side

/** Parses nft's JSON; `table` limits it to one table (family and name) and keys chains and sets by bare name. */
export function parseNftJson(text: string, table?: NftTableName, options: { lenient?: boolean } = {}): LoadedRuleset {
  const lenient = options.lenient ?? false;
  const items: Json[] = JSON.parse(text).nftables ?? [];
  const ours = (o: Json) => !table || (o.family === table.family && o.table === table.name);
  const ruleset: LoadedRuleset = { chains: new Map(), sets: new Map() };
  const key = (o: Json) => (table ? o.name : `${o.family} ${o.table} ${o.name}`);
  for (const item of items) {
    if (item.set && ours(item.set)) {
      const s = item.set;
      const elems: Json[] = s.elem ?? [];
      let family: AddressFamily;
      try {
        family = setTypeFamily(s.type);
      } catch (err) {
        // A lenient read leaves out sets of other types (ports, marks); rules naming them are reported.
        if (lenient) continue;
        throw err;
      }
      if (Array.isArray(s.type)) ruleset.sets.set(key(s), { pairs: new Set(elems.map((e) => pairJson(family, e))) });
      else if (family === 6) ruleset.sets.set(key(s), { ranges6: mergeRanges6(elems.map(address6Json)) });
      else ruleset.sets.set(key(s), { ranges: mergeRanges(elems.map(addressJson)) });
    } else if (item.chain && ours(item.chain)) {
      const c = item.chain;
      const chain: LoadedChain = c.hook
        ? { rules: [], hook: c.hook as Hook, priority: chainPriority(c.prio ?? 0), policy: c.policy ?? "accept" }
        : { rules: [] };
      if (lenient) {
        if (c.hook && ((c.type ?? "filter") !== "filter" || !["input", "output", "forward"].includes(c.hook))) {
          delete chain.hook;
          chain.other = `${c.type ?? "filter"} chain on hook ${c.hook}`;
        }
        if (c.family === "ip") chain.families = [4];
        else if (c.family === "ip6") chain.families = [6];
        else if (c.family !== "inet") chain.other = `chain of a ${c.family} table`;
      }
      ruleset.chains.set(key(c), chain);
    }
  }
  for (const item of items) {
    if (!item.rule || !ours(item.rule)) continue;
    const r = item.rule;
    const chain = ruleset.chains.get(table ? r.chain : `${r.family} ${r.table} ${r.chain}`);
    if (!chain) throw new Error(`rule in unknown chain ${r.chain}`);
    const name = (n: string) => (table ? n : `${r.family} ${r.table} ${n}`);
    if (!lenient) {
      chain.rules.push(ruleJson(r, name, false));
      continue;
    }
    let rule: LoadedRule;
    try {
      rule = ruleJson(r, name, true);
    } catch (err) {
      rule = { matches: [], action: { kind: "continue" }, unsupported: (err as Error).message };
    }
    rule.source = { handle: r.handle, text: JSON.stringify(r.expr) };
    chain.rules.push(rule);
  }
  return ruleset;
}

function ruleJson(r: Json, setName: (name: string) => string, lenient: boolean): LoadedRule {
  const rule: LoadedRule = { matches: [], action: { kind: "continue" } };
  if (r.comment !== undefined) rule.comment = r.comment;
  let terminal = false;
  for (const e of r.expr as Json[]) {
    if (terminal) throw new Error(`statement after the verdict ${JSON.stringify(e)}`);
    if (e.match) rule.matches.push(matchJson(e.match, setName));
    else if ("accept" in e) rule.action = { kind: "accept" };
    else if ("drop" in e) rule.action = { kind: "drop" };
    else if ("return" in e) rule.action = { kind: "return" };
    else if ("reject" in e && lenient) rule.action = { kind: "drop" };
    else if (e.jump) rule.action = { kind: "jump", target: setName(e.jump.target) };
    else if (e.goto) rule.action = { kind: "goto", target: setName(e.goto.target) };
    else if ("log" in e) {
      if (rule.log) throw new Error("more than one log statement in a rule");
      const options = e.log ?? {};
      if (!lenient && Object.keys(options).some((k) => k !== "prefix")) throw new Error(`unsupported log statement ${JSON.stringify(e)}`);
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
    if (k === "nfproto" && right === "ipv6") return base({ kind: "ipv6" });
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
      (a.payload?.protocol === "ip" || a.payload?.protocol === "ip6") &&
      a.payload.field === "daddr" &&
      b.payload?.protocol === "tcp" &&
      b.payload.field === "dport"
    )
      return base({ kind: "addressPort", ...(a.payload.protocol === "ip6" ? { family: 6 } : {}), set: setName(setRef) });
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
  if (p?.protocol === "ip6" && p.field === "nexthdr" && (typeof right === "string" || typeof right === "number"))
    return base({ kind: "protocol", protocol: protocolNumber(right), family: 6 });
  if (p?.protocol === "ip6" && (p.field === "saddr" || p.field === "daddr")) {
    const field = p.field === "saddr" ? "src" : "dst";
    if (setRef !== undefined) return base({ kind: "address", field, family: 6, set: setName(setRef) });
    const elems: Json[] = right.set ?? [right];
    return base({ kind: "address", field, family: 6, ranges6: mergeRanges6(elems.map(address6Json)) });
  }
  if ((p?.protocol === "tcp" || p?.protocol === "udp") && p.field === "dport" && setRef === undefined) {
    return base({ kind: "dport", protocol: protocolNumber(p.protocol), ports: mergePorts(portsJson(right)) });
  }
  if (p?.protocol === "icmp" && p.field === "type" && setRef === undefined) return base({ kind: "icmp", type: icmpTypeNumber(right) });
  if (p?.protocol === "icmp" && p.field === "code" && setRef === undefined) {
    const code = icmpCodeNumber(right);
    return base({ kind: "icmp", code: [code, code] });
  }
  if (p?.protocol === "icmpv6" && p.field === "type" && setRef === undefined) {
    return base({ kind: "icmp", family: 6, type: icmpv6TypeNumber(right) });
  }
  if (p?.protocol === "icmpv6" && p.field === "code" && setRef === undefined) {
    // A single code, or a range (the essential list's "code 0-1").
    const [lo, hi] = right?.range ? right.range : [right, right];
    return base({ kind: "icmp", family: 6, code: [icmpv6CodeNumber(lo), icmpv6CodeNumber(hi)] });
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
export function mergePorts(ranges: PortRange[]): PortRange[] {
  const sorted = [...ranges].sort((a, b) => a.from - b.from);
  const merged: { from: number; to: number }[] = [];
  for (const { from, to } of sorted) {
    const last = merged[merged.length - 1];
    if (last && from <= last.to + 1) last.to = Math.max(last.to, to);
    else merged.push({ from, to });
  }
  return merged;
}
