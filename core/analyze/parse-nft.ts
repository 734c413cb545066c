/** Reads `nft -j list table inet secgroups` (or `list ruleset`) into the loaded-ruleset model. */
import { cidrRange, mergeRanges, mustParseCidr, type AddressRange, type PortRange } from "../model";
import type { Hook } from "../compile";
import type { Action, LoadedRuleset, Match } from "./loaded";
import { icmpCodeNumber, icmpTypeNumber, protocolNumber } from "./names";
import { addressRangeOf, type ConnectionState } from "./packet";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const PRIORITIES: Record<string, number> = { raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100 };

/** Parses nft's JSON; `table` limits it to one table (family and name). */
export function parseNftJson(text: string, table?: { family: string; name: string }): LoadedRuleset {
  const items: Json[] = JSON.parse(text).nftables ?? [];
  const ours = (o: Json) => !table || (o.family === table.family && o.table === table.name);
  const ruleset: LoadedRuleset = { chains: new Map(), sets: new Map() };
  const key = (o: Json) => (table ? o.name : `${o.family} ${o.table} ${o.name}`);
  for (const item of items) {
    if (item.set && ours(item.set)) {
      const s = item.set;
      if (Array.isArray(s.type)) ruleset.sets.set(key(s), { pairs: new Set((s.elem ?? []).map(pairKey)) });
      else ruleset.sets.set(key(s), { ranges: mergeRanges((s.elem ?? []).map(addressRange)) });
    } else if (item.chain && ours(item.chain)) {
      const c = item.chain;
      ruleset.chains.set(key(c), {
        rules: [],
        hook: c.hook as Hook | undefined,
        priority: typeof c.prio === "number" ? c.prio : PRIORITIES[c.prio],
        policy: c.policy,
      });
    }
  }
  for (const item of items) {
    if (!item.rule || !ours(item.rule)) continue;
    const r = item.rule;
    const chain = ruleset.chains.get(table ? r.chain : `${r.family} ${r.table} ${r.chain}`);
    if (!chain) throw new Error(`rule in unknown chain ${r.chain}`);
    const matches: Match[] = [];
    let action: Action = { kind: "continue" };
    for (const e of r.expr as Json[]) {
      if (e.match) matches.push(parseMatch(e.match, (n) => (table ? n : `${r.family} ${r.table} ${n}`)));
      else if ("accept" in e) action = { kind: "accept" };
      else if ("drop" in e) action = { kind: "drop" };
      else if ("return" in e) action = { kind: "return" };
      else if (e.jump) action = { kind: "jump", target: e.jump.target };
      else if (e.goto) action = { kind: "goto", target: e.goto.target };
      else if (!("log" in e || "counter" in e)) throw new Error(`unsupported nft statement ${JSON.stringify(e)}`);
    }
    chain.rules.push({ matches, action, comment: r.comment });
  }
  return ruleset;
}

function parseMatch(m: Json, setName: (name: string) => string): Match {
  const negate = m.op === "!=";
  if (!["==", "!=", "in"].includes(m.op)) throw new Error(`unsupported nft operator ${m.op}`);
  const left = m.left;
  const right = m.right;
  const base = (match: Match): Match => (negate ? { ...match, negate } : match);
  if (left.meta) {
    const k = left.meta.key;
    if ((k === "iif" || k === "oif" || k === "iifname" || k === "oifname") && right === "lo") return base({ kind: "loopback" });
    if (k === "nfproto" && right === "ipv4") return base({ kind: "ipv4" });
    if (k === "l4proto") return base({ kind: "protocol", protocol: protocolNumber(right) });
  }
  if (left.ct?.key === "state") {
    return base({ kind: "state", states: (Array.isArray(right) ? right : [right]) as ConnectionState[] });
  }
  if (left.concat) {
    if (typeof right !== "string" || !right.startsWith("@")) throw new Error("unsupported concatenation match");
    return base({ kind: "addressPort", set: setName(right.slice(1)) });
  }
  const p = left.payload;
  if (p?.protocol === "ip" && p.field === "protocol") return base({ kind: "protocol", protocol: protocolNumber(right) });
  if (p?.protocol === "ip" && (p.field === "saddr" || p.field === "daddr")) {
    const field = p.field === "saddr" ? "src" : "dst";
    if (typeof right === "string" && right.startsWith("@")) return base({ kind: "address", field, set: setName(right.slice(1)) });
    const elems = right.set ?? [right];
    return base({ kind: "address", field, ranges: mergeRanges(elems.map(addressRange)) });
  }
  if ((p?.protocol === "tcp" || p?.protocol === "udp") && p.field === "dport") {
    const elems = right.set ?? [right];
    return base({ kind: "dport", protocol: protocolNumber(p.protocol), ports: elems.map(portRange) });
  }
  if (p?.protocol === "icmp" && p.field === "type") return base({ kind: "icmp", type: icmpTypeNumber(right) });
  if (p?.protocol === "icmp" && p.field === "code") {
    const code = icmpCodeNumber(right);
    return base({ kind: "icmp", code: [code, code] });
  }
  throw new Error(`unsupported nft match ${JSON.stringify(m)}`);
}

function addressRange(e: Json): AddressRange {
  if (typeof e === "string") return addressRangeOf(e);
  if (e.prefix) return cidrRange(mustParseCidr(`${e.prefix.addr}/${e.prefix.len}`));
  if (e.range) return { first: addressRange(e.range[0]).first, last: addressRange(e.range[1]).last };
  if (e.elem) return addressRange(e.elem.val);
  throw new Error(`unsupported set element ${JSON.stringify(e)}`);
}

function portRange(e: Json): PortRange {
  if (typeof e === "number") return { from: e, to: e };
  if (e.range) return { from: e.range[0], to: e.range[1] };
  throw new Error(`unsupported port element ${JSON.stringify(e)}`);
}

function pairKey(e: Json): string {
  const v = e.elem ? e.elem.val : e;
  if (!v.concat) throw new Error(`unsupported set element ${JSON.stringify(e)}`);
  return `${addressRange(v.concat[0]).first}:${v.concat[1]}`;
}
