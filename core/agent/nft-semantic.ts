/**
 * A semantic form of `table inet secgroups`, built either from the nft text
 * the agent loads or from `nft -j list table` read back from the kernel, so
 * the two can be compared: nft prints rules differently from our input
 * (names for numbers, /32 without the prefix, merged interval elements), and
 * both sides normalize to the same canonical strings.
 *
 * The text side understands the subset that core/compile's nftables
 * generator writes; anything else is an error (the agent cannot verify what
 * it cannot read). The JSON side renders anything unknown as an opaque atom,
 * so hand-made additions show up as differences, never as errors.
 */
import { readFileSync } from "node:fs";
import { mergeRanges, mustParseCidr, cidrRange, parseIPv4, type AddressRange } from "../model";

export interface SemanticSet {
  /** Merged address ranges "first-last" (interval sets of addresses). */
  ranges?: string[];
  /** "address . port" pairs, sorted (concatenated sets). */
  pairs?: string[];
}

export interface SemanticChain {
  hook?: string;
  priority?: number;
  policy?: string;
  rules: string[];
}

export interface SemanticTable {
  sets: Record<string, SemanticSet>;
  chains: Record<string, SemanticChain>;
}

const PRIORITY_NAMES: Record<string, number> = { raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100 };

const ICMP_TYPES: Record<string, number> = {
  "echo-reply": 0,
  "destination-unreachable": 3,
  "source-quench": 4,
  redirect: 5,
  "echo-request": 8,
  "router-advertisement": 9,
  "router-solicitation": 10,
  "time-exceeded": 11,
  "parameter-problem": 12,
  "timestamp-request": 13,
  "timestamp-reply": 14,
  "info-request": 15,
  "info-reply": 16,
  "address-mask-request": 17,
  "address-mask-reply": 18,
};
const ICMP_CODES: Record<string, number> = {
  "net-unreachable": 0,
  "host-unreachable": 1,
  "prot-unreachable": 2,
  "port-unreachable": 3,
  "frag-needed": 4,
  "net-prohibited": 9,
  "host-prohibited": 10,
  "admin-prohibited": 13,
};

let protocolNumbers: Record<string, number> | undefined;
/** nft names IP protocols after /etc/protocols (getprotobynumber); a few are built in for hosts without it. */
export function protocolNumber(value: string | number): number {
  if (typeof value === "number") return value;
  if (/^\d+$/.test(value)) return Number(value);
  if (!protocolNumbers) {
    protocolNumbers = { icmp: 1, igmp: 2, tcp: 6, udp: 17, gre: 47, esp: 50, ah: 51, sctp: 132 };
    try {
      for (const line of readFileSync("/etc/protocols", "utf8").split("\n")) {
        const [name, number, ...aliases] = line.replace(/#.*/, "").trim().split(/\s+/);
        if (!name || !/^\d+$/.test(number ?? "")) continue;
        for (const n of [name, ...aliases]) protocolNumbers[n] ??= Number(number);
      }
    } catch {
      // Built-in names only.
    }
  }
  const n = protocolNumbers[value];
  if (n === undefined) throw new Error(`unknown IP protocol name "${value}"`);
  return n;
}

function named(table: Record<string, number>, what: string, value: string | number): number {
  if (typeof value === "number") return value;
  if (/^\d+$/.test(value)) return Number(value);
  const n = table[value];
  if (n === undefined) throw new Error(`unknown ${what} "${value}"`);
  return n;
}

function priorityOf(text: string | number): number {
  if (typeof text === "number") return text;
  const m = /^([a-z]+)\s*(?:([+-])\s*(\d+))?$/.exec(text.trim());
  if (!m) return Number(text);
  const base = PRIORITY_NAMES[m[1]];
  if (base === undefined) throw new Error(`unknown chain priority "${text}"`);
  return base + (m[2] ? (m[2] === "-" ? -1 : 1) * Number(m[3]) : 0);
}

function formatRanges(ranges: readonly AddressRange[]): string[] {
  return mergeRanges(ranges).map((r) => `${r.first}-${r.last}`);
}

function addressRange(text: string): AddressRange {
  if (text.includes("/")) return cidrRange(mustParseCidr(text));
  const a = parseIPv4(text);
  if (a === undefined) throw new Error(`not an IPv4 address: "${text}"`);
  return { first: a, last: a };
}

function portRanges(ranges: [number, number][]): string {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [from, to] of sorted) {
    const last = merged[merged.length - 1];
    if (last && from <= last[1] + 1) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  return merged.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(",");
}

/** One canonical atom per match or statement; the same strings from text and JSON. */
const atom = {
  meta: (key: string, value: string) => `meta ${key} ${value}`,
  ctState: (states: string[]) => `ct state ${[...states].sort().join(",")}`,
  protocol: (n: number) => `ip protocol ${n}`,
  addresses: (field: string, ranges: AddressRange[]) => `ip ${field} ${formatRanges(ranges).join(",")}`,
  setRef: (what: string, set: string) => `${what} @${set}`,
  ports: (proto: string, ranges: [number, number][]) => `${proto} dport ${portRanges(ranges)}`,
  icmp: (field: "type" | "code", n: number) => `icmp ${field} ${n}`,
  log: (prefix: string | undefined) => (prefix === undefined ? "log" : `log prefix ${JSON.stringify(prefix)}`),
  verdict: (v: string) => v,
  comment: (c: string) => `comment ${JSON.stringify(c)}`,
};

// ---------------------------------------------------------------- text side

/** Splits a rule line into words, keeping "quoted strings" and `{ ... }` groups whole. */
function words(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      const end = line.indexOf('"', i + 1);
      if (end < 0) throw new Error(`unterminated string in: ${line}`);
      out.push(line.slice(i, end + 1));
      i = end + 1;
    } else if (c === "{") {
      const end = line.indexOf("}", i);
      if (end < 0) throw new Error(`unterminated { in: ${line}`);
      out.push(line.slice(i, end + 1));
      i = end + 1;
    } else {
      let j = i;
      while (j < line.length && !/\s/.test(line[j])) j++;
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

function textPorts(w: string): [number, number][] {
  return braceItems(w).map((item) => {
    const [a, b] = item.split("-").map(Number);
    return [a, b ?? a];
  });
}

function textRule(line: string): string {
  const w = words(line);
  const atoms: string[] = [];
  let comment: string | undefined;
  let i = 0;
  const next = () => {
    if (i >= w.length) throw new Error(`rule ends early: ${line}`);
    return w[i++];
  };
  while (i < w.length) {
    const word = next();
    if (word === "iif" || word === "oif") atoms.push(atom.meta(word, unquote(next())));
    else if (word === "meta") {
      const key = next();
      atoms.push(atom.meta(key, unquote(next())));
    } else if (word === "ct") {
      if (next() !== "state") throw new Error(`unsupported ct match: ${line}`);
      atoms.push(atom.ctState(next().split(",")));
    } else if (word === "ip") {
      const field = next();
      if (field === "protocol") atoms.push(atom.protocol(protocolNumber(next())));
      else if ((field === "saddr" || field === "daddr") && w[i] === ".") {
        // ip daddr . tcp dport @set
        i++;
        const proto = next();
        if (next() !== "dport") throw new Error(`unsupported concatenation: ${line}`);
        const set = next();
        atoms.push(atom.setRef(`ip ${field} . ${proto} dport`, set.slice(1)));
      } else if (field === "saddr" || field === "daddr") {
        const value = next();
        atoms.push(
          value.startsWith("@") ? atom.setRef(`ip ${field}`, value.slice(1)) : atom.addresses(field, braceItems(value).map(addressRange)),
        );
      } else throw new Error(`unsupported ip match "${field}": ${line}`);
    } else if (word === "tcp" || word === "udp") {
      if (next() !== "dport") throw new Error(`unsupported ${word} match: ${line}`);
      atoms.push(atom.ports(word, textPorts(next())));
    } else if (word === "icmp") {
      const field = next();
      if (field !== "type" && field !== "code") throw new Error(`unsupported icmp match: ${line}`);
      const value = next();
      atoms.push(atom.icmp(field, field === "type" ? named(ICMP_TYPES, "ICMP type", value) : named(ICMP_CODES, "ICMP code", value)));
    } else if (word === "log") {
      if (w[i] === "prefix") {
        i++;
        atoms.push(atom.log(unquote(next())));
      } else atoms.push(atom.log(undefined));
    } else if (["accept", "drop", "return"].includes(word)) atoms.push(atom.verdict(word));
    else if (word === "comment") comment = unquote(next());
    else throw new Error(`unsupported rule syntax "${word}": ${line}`);
  }
  return finishRule(atoms, comment);
}

function finishRule(atoms: string[], comment: string | undefined): string {
  return [...atoms, ...(comment !== undefined ? [atom.comment(comment)] : [])].join(" ; ");
}

/** The table that loading `text` with `nft -f` leaves behind (text as core/compile writes it, plus `add element` lines). */
export function semanticFromText(text: string, tableName = "secgroups"): SemanticTable {
  let table: SemanticTable = { sets: {}, chains: {} };
  const lines = text.split("\n").map((l) => l.trim());
  let set: { name: string; value: SemanticSet; ranges: AddressRange[]; pairs: string[]; concat: boolean } | undefined;
  let chain: SemanticChain | undefined;
  let inTable = false;
  const header = `table inet ${tableName}`;
  for (const raw of lines) {
    const line = raw.replace(/^#.*$/, "");
    if (!line) continue;
    if (line === `${header} {}`) continue;
    if (line === `delete ${header}` || line === `flush ${header}`) {
      table = { sets: {}, chains: {} };
      continue;
    }
    if (line === `${header} {`) {
      inTable = true;
      continue;
    }
    const addElement = /^add element inet (\S+) (\S+) \{(.*)\}$/.exec(line);
    if (addElement && addElement[1] === tableName) {
      const target = table.sets[addElement[2]];
      if (!target) throw new Error(`add element to unknown set ${addElement[2]}`);
      addSetElements(target, addElement[3]);
      continue;
    }
    if (!inTable) throw new Error(`unsupported line outside the table: ${line}`);
    if (set) {
      if (line === "}") {
        if (set.concat) set.value.pairs = [...new Set(set.pairs)].sort();
        else set.value.ranges = formatRanges(set.ranges);
        table.sets[set.name] = set.value;
        set = undefined;
      } else if (line.startsWith("type ")) {
        set.concat = line.includes(" . ");
      } else if (line.startsWith("flags ")) {
        // interval: expressed by the ranges themselves.
      } else if (line.startsWith("elements = {")) {
        const body = line.slice(line.indexOf("{") + 1, line.lastIndexOf("}"));
        for (const item of body
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)) {
          if (set.concat) set.pairs.push(pairKey(item));
          else set.ranges.push(addressRange(item));
        }
      } else throw new Error(`unsupported set line: ${line}`);
      continue;
    }
    if (chain) {
      if (line === "}") chain = undefined;
      else if (line.startsWith("type ")) {
        const m = /^type filter hook (\w+) priority ([^;]+);\s*(?:policy (\w+);)?$/.exec(line);
        if (!m) throw new Error(`unsupported chain header: ${line}`);
        chain.hook = m[1];
        chain.priority = priorityOf(m[2]);
        chain.policy = m[3] ?? "accept";
      } else chain.rules.push(textRule(line));
      continue;
    }
    const opened = /^(set|chain) (\S+) \{$/.exec(line);
    if (opened?.[1] === "set") set = { name: opened[2], value: {}, ranges: [], pairs: [], concat: false };
    else if (opened?.[1] === "chain") table.chains[opened[2]] = chain = { rules: [] };
    else if (line === "}") inTable = false;
    else throw new Error(`unsupported table line: ${line}`);
  }
  return table;
}

function pairKey(item: string): string {
  const [address, port] = item.split(/\s+\.\s+/);
  if (port === undefined) throw new Error(`not an "address . port" element: ${item}`);
  return `${address.trim()} . ${Number(port.trim())}`;
}

function addSetElements(target: SemanticSet, body: string): void {
  const items = body
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (target.pairs) target.pairs = [...new Set([...target.pairs, ...items.map(pairKey)])].sort();
  else if (target.ranges) {
    const existing = target.ranges.map((r) => {
      const [first, last] = r.split("-").map(Number);
      return { first, last };
    });
    target.ranges = formatRanges([...existing, ...items.map(addressRange)]);
  } else {
    // A set declared without elements: its kind follows from the first element.
    if (items.some((i) => i.includes(" . "))) target.pairs = [...new Set(items.map(pairKey))].sort();
    else target.ranges = formatRanges(items.map(addressRange));
  }
}

// ---------------------------------------------------------------- JSON side

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

function jsonAddressRange(v: Json): AddressRange {
  if (typeof v === "string") return addressRange(v);
  if (v.prefix) return addressRange(`${v.prefix.addr}/${v.prefix.len}`);
  if (v.range) return { first: addressRange(v.range[0]).first, last: addressRange(v.range[1]).last };
  if (v.elem) return jsonAddressRange(v.elem.val);
  throw new Error(`unsupported address element ${JSON.stringify(v)}`);
}

function jsonPorts(v: Json): [number, number][] {
  if (typeof v === "number") return [[v, v]];
  if (v.range) return [[v.range[0], v.range[1]]];
  if (v.set) return (v.set as Json[]).flatMap(jsonPorts);
  throw new Error(`unsupported port value ${JSON.stringify(v)}`);
}

function jsonMatch(m: Json): string {
  const { left, right, op } = m;
  const plain = op === "==" || op === "in";
  if (plain && left.meta && typeof right === "string") return atom.meta(left.meta.key, right);
  if (plain && left.ct?.key === "state") return atom.ctState(Array.isArray(right) ? right : [right]);
  if (plain && left.payload) {
    const { protocol, field } = left.payload;
    if (protocol === "ip" && field === "protocol" && (typeof right === "string" || typeof right === "number"))
      return atom.protocol(protocolNumber(right));
    if (protocol === "ip" && (field === "saddr" || field === "daddr")) {
      if (typeof right === "string" && right.startsWith("@")) return atom.setRef(`ip ${field}`, right.slice(1));
      const items: Json[] = right.set ?? [right];
      return atom.addresses(field, items.map(jsonAddressRange));
    }
    if ((protocol === "tcp" || protocol === "udp") && field === "dport") return atom.ports(protocol, jsonPorts(right));
    if (protocol === "icmp" && field === "type") return atom.icmp("type", named(ICMP_TYPES, "ICMP type", right));
    if (protocol === "icmp" && field === "code") return atom.icmp("code", named(ICMP_CODES, "ICMP code", right));
  }
  if (plain && left.concat && typeof right === "string" && right.startsWith("@")) {
    const parts = (left.concat as Json[]).map((p) => (p.payload ? `${p.payload.protocol} ${p.payload.field}` : JSON.stringify(p)));
    return atom.setRef(parts.join(" . "), right.slice(1));
  }
  return `opaque ${JSON.stringify(m)}`;
}

function jsonStatement(e: Json): string {
  if (e.match) return jsonMatch(e.match);
  if ("accept" in e) return "accept";
  if ("drop" in e) return "drop";
  if ("return" in e) return "return";
  if ("log" in e) return atom.log(e.log?.prefix);
  return `opaque ${JSON.stringify(e)}`;
}

/** The table `tableName` of `nft -j list table|ruleset` output; undefined when the table is absent. */
export function semanticFromJson(text: string, tableName = "secgroups"): SemanticTable | undefined {
  const items: Json[] = JSON.parse(text).nftables ?? [];
  const ours = (o: Json) => o.family === "inet" && (o.table ?? o.name) === tableName;
  if (!items.some((i) => i.table && ours(i.table))) return undefined;
  const table: SemanticTable = { sets: {}, chains: {} };
  for (const item of items) {
    if (item.set && ours(item.set)) {
      const s = item.set;
      const elems: Json[] = s.elem ?? [];
      if (Array.isArray(s.type)) {
        table.sets[s.name] = {
          pairs: [
            ...new Set(
              elems.map((e) => {
                const c = e.elem ? e.elem.val : e;
                return `${c.concat[0]} . ${Number(c.concat[1])}`;
              }),
            ),
          ].sort(),
        };
      } else table.sets[s.name] = { ranges: formatRanges(elems.map(jsonAddressRange)) };
    } else if (item.chain && ours(item.chain)) {
      const c = item.chain;
      table.chains[c.name] = c.hook
        ? { hook: c.hook, priority: priorityOf(c.prio), policy: c.policy ?? "accept", rules: [] }
        : { rules: [] };
    }
  }
  for (const item of items) {
    if (!item.rule || !ours(item.rule)) continue;
    const r = item.rule;
    const chain = (table.chains[r.chain] ??= { rules: [] });
    chain.rules.push(finishRule((r.expr as Json[]).filter((e) => !("counter" in e)).map(jsonStatement), r.comment));
  }
  return table;
}

// ---------------------------------------------------------------- comparison

/** Human-readable differences between what was meant and what is loaded; empty when equal. */
export function diffSemantic(want: SemanticTable, got: SemanticTable | undefined): string[] {
  if (!got) return ["the table is missing"];
  const out: string[] = [];
  for (const name of new Set([...Object.keys(want.sets), ...Object.keys(got.sets)])) {
    const a = want.sets[name];
    const b = got.sets[name];
    if (!a) out.push(`unexpected set ${name}`);
    else if (!b) out.push(`set ${name} is missing`);
    else {
      const av = a.pairs ?? a.ranges ?? [];
      const bv = b.pairs ?? b.ranges ?? [];
      if (av.length !== bv.length || av.some((v, i) => v !== bv[i]))
        out.push(`set ${name} holds ${bv.length} elements, expected ${av.length} (contents differ)`);
    }
  }
  for (const name of new Set([...Object.keys(want.chains), ...Object.keys(got.chains)])) {
    const a = want.chains[name];
    const b = got.chains[name];
    if (!a) out.push(`unexpected chain ${name}`);
    else if (!b) out.push(`chain ${name} is missing`);
    else {
      if (a.hook !== b.hook || a.priority !== b.priority || a.policy !== b.policy) {
        out.push(`chain ${name}: hook/priority/policy ${b.hook}/${b.priority}/${b.policy}, expected ${a.hook}/${a.priority}/${a.policy}`);
      }
      const n = Math.max(a.rules.length, b.rules.length);
      for (let i = 0; i < n; i++) {
        if (a.rules[i] !== b.rules[i]) {
          out.push(`chain ${name} rule ${i + 1}: ${b.rules[i] ?? "(missing)"}; expected ${a.rules[i] ?? "(none)"}`);
          break;
        }
      }
    }
  }
  return out;
}
