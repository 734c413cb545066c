/**
 * Structural comparison of two loaded rulesets (loaded.ts): what was meant to be
 * loaded against what the kernel lists, both read by the platform's reader
 * (core/platforms/<name>/read.ts). Equal means
 * the same sets (as merged address ranges or address-port pairs), the same
 * chains with the same hook, priority and policy, and the same rules in the same
 * order, each compared in a canonical form (ruleText). The agent uses it to
 * verify a load and to detect drift; differences come back as readable lines.
 */
import { compareIPv6, formatIPv4, formatIPv6, type AddressRange, type AddressRange6 } from "../model";
import type { LoadedChain, LoadedRule, LoadedRuleset, LoadedSet, Match } from "./loaded";

function rangesText(ranges: readonly AddressRange[]): string {
  return ranges.map((r) => (r.first === r.last ? formatIPv4(r.first) : `${formatIPv4(r.first)}-${formatIPv4(r.last)}`)).join(",");
}

function ranges6Text(ranges: readonly AddressRange6[]): string {
  return ranges
    .map((r) => (compareIPv6(r.first, r.last) === 0 ? formatIPv6(r.first) : `${formatIPv6(r.first)}-${formatIPv6(r.last)}`))
    .join(",");
}

const PROTOCOL_NAMES: Record<number, string> = { 6: "tcp", 17: "udp" };

function matchText(m: Match): string {
  const not = m.negate ? "not " : "";
  switch (m.kind) {
    case "loopback":
      return `${not}meta ${m.key ?? "iif"} lo`;
    case "state":
      return `${not}ct state ${[...m.states].sort().join(",")}`;
    case "ipv4":
      return `${not}meta nfproto ipv4`;
    case "ipv6":
      return `${not}meta nfproto ipv6`;
    case "protocol":
      return `${not}${m.anyFamily ? "meta l4proto" : m.family === 6 ? "ip6 nexthdr" : "ip protocol"} ${m.protocol}`;
    case "address": {
      const addresses = m.set !== undefined ? `@${m.set}` : m.family === 6 ? ranges6Text(m.ranges6 ?? []) : rangesText(m.ranges ?? []);
      return `${not}${m.family === 6 ? "ip6" : "ip"} ${m.field === "src" ? "saddr" : "daddr"} ${addresses}`;
    }
    case "dport": {
      const ports = m.ports.map((p) => (p.from === p.to ? `${p.from}` : `${p.from}-${p.to}`)).join(",");
      const proto = m.protocol === undefined ? "tcp/udp" : (PROTOCOL_NAMES[m.protocol] ?? `protocol ${m.protocol}`);
      return `${not}${proto} dport ${ports}`;
    }
    case "icmp": {
      const icmp = m.family === 6 ? "icmpv6" : "icmp";
      return [
        ...(m.type !== undefined ? [`${not}${icmp} type ${m.type}`] : []),
        ...(m.code !== undefined ? [`${not}${icmp} code ${m.code[0] === m.code[1] ? m.code[0] : `${m.code[0]}-${m.code[1]}`}`] : []),
      ].join(" ; ");
    }
    case "addressPort":
      return `${not}${m.family === 6 ? "ip6" : "ip"} daddr . tcp dport @${m.set}`;
  }
}

/** One canonical string per rule: its matches in order (log at its place), the verdict, the comment. */
export function ruleText(rule: LoadedRule): string {
  const parts = rule.matches.map(matchText);
  if (rule.log) parts.splice(rule.log.after, 0, rule.log.prefix === undefined ? "log" : `log prefix ${JSON.stringify(rule.log.prefix)}`);
  const a = rule.action;
  if (a.kind === "jump" || a.kind === "goto") parts.push(`${a.kind} ${a.target}`);
  else if (a.kind !== "continue") parts.push(a.kind);
  if (rule.comment !== undefined) parts.push(`comment ${JSON.stringify(rule.comment)}`);
  return parts.join(" ; ");
}

function setSize(s: LoadedSet): number {
  return s.pairs ? s.pairs.size : (s.ranges?.length ?? 0) + (s.ranges6?.length ?? 0);
}

function sameSet(a: LoadedSet, b: LoadedSet): boolean {
  if (a.pairs || b.pairs) {
    if (!a.pairs || !b.pairs || a.pairs.size !== b.pairs.size) return false;
    for (const p of a.pairs) if (!b.pairs.has(p)) return false;
    return true;
  }
  const x = a.ranges ?? [];
  const y = b.ranges ?? [];
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i].first !== y[i].first || x[i].last !== y[i].last) return false;
  const x6 = a.ranges6 ?? [];
  const y6 = b.ranges6 ?? [];
  if (x6.length !== y6.length) return false;
  for (let i = 0; i < x6.length; i++) {
    if (compareIPv6(x6[i].first, y6[i].first) !== 0 || compareIPv6(x6[i].last, y6[i].last) !== 0) return false;
  }
  return true;
}

function chainHead(c: LoadedChain): string {
  return c.hook === undefined ? "regular" : `${c.hook}/${c.priority ?? 0}/${c.policy ?? "accept"}`;
}

/**
 * Human-readable differences between what was meant (`want`) and what is loaded
 * (`got`, undefined when the table is absent); empty when they are equal. Sets
 * must hold merged ranges (as the platforms' readers build them).
 */
export function diffLoaded(want: LoadedRuleset, got: LoadedRuleset | undefined): string[] {
  if (!got) return ["the table is missing"];
  const out: string[] = [];
  for (const name of new Set([...want.sets.keys(), ...got.sets.keys()])) {
    const a = want.sets.get(name);
    const b = got.sets.get(name);
    if (!a) out.push(`unexpected set ${name}`);
    else if (!b) out.push(`set ${name} is missing`);
    else if (!sameSet(a, b)) out.push(`set ${name} holds ${setSize(b)} elements, expected ${setSize(a)} (contents differ)`);
  }
  for (const name of new Set([...want.chains.keys(), ...got.chains.keys()])) {
    const a = want.chains.get(name);
    const b = got.chains.get(name);
    if (!a) out.push(`unexpected chain ${name}`);
    else if (!b) out.push(`chain ${name} is missing`);
    else {
      if (chainHead(a) !== chainHead(b)) out.push(`chain ${name}: hook/priority/policy ${chainHead(b)}, expected ${chainHead(a)}`);
      const n = Math.max(a.rules.length, b.rules.length);
      for (let i = 0; i < n; i++) {
        const x = a.rules[i] && ruleText(a.rules[i]);
        const y = b.rules[i] && ruleText(b.rules[i]);
        if (x !== y) {
          out.push(`chain ${name} rule ${i + 1}: ${y ?? "(missing)"}; expected ${x ?? "(none)"}`);
          break;
        }
      }
    }
  }
  return out;
}
