/**
 * One rule of nft's text syntax (a line of a chain) into the loaded model:
 * the rule reader of read-file.ts, which reads the files around it.
 */
import { mergeRanges, mergeRanges6, type AddressFamily, type AddressRange, type AddressRange6, type PortRange } from "../../model";
import type { LoadedRule, Match } from "../../analyze/loaded";
import { addressRangeOf, type ConnectionState } from "../../analyze/packet";
import { icmpCodeNumber, icmpTypeNumber, protocolNumber } from "../protocol-names";
import { icmpv6CodeNumber, icmpv6TypeNumber } from "./icmpv6-names";
import { address6RangeOf, mergePorts, pairKey } from "./read";

/** "10.0.0.1", "10.0.0.0/24" or "10.0.0.1-10.0.0.9" (nft prints intervals so) as a range. */
export function range4(text: string): AddressRange {
  const dash = text.indexOf("-");
  if (dash < 0) return addressRangeOf(text);
  return { first: addressRangeOf(text.slice(0, dash).trim()).first, last: addressRangeOf(text.slice(dash + 1).trim()).last };
}

export function range6(text: string): AddressRange6 {
  const dash = text.indexOf("-");
  if (dash < 0) return address6RangeOf(text);
  return { first: address6RangeOf(text.slice(0, dash).trim()).first, last: address6RangeOf(text.slice(dash + 1).trim()).last };
}

export function pairText(family: AddressFamily, item: string): string {
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
export interface RuleContext {
  setName(name: string): string;
  chainName(name: string): string;
  /** A lenient read: `reject` reads as drop (core/import reports it). */
  lenient: boolean;
}

const LOG_OPTIONS = new Set(["prefix", "level", "flags", "group", "snaplen", "queue-threshold"]);

export function ruleText(line: string, ctx: RuleContext): LoadedRule {
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
