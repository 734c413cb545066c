/**
 * A platform-neutral model of a ruleset as loaded on a device (parsed from
 * `nft -j list table`, `iptables-save` + `ipset save`, or a RouterOS script),
 * and its packet evaluator. Equivalence checks compare this with the oracle.
 */
import { formatIPv6, PROTOCOL, type AddressFamily, type AddressRange, type AddressRange6, type PortRange } from "../model";
import type { Hook } from "../policy";
import { packetAddressIn, type ConnectionState, type Packet, type Verdict } from "./packet";

/**
 * One match of a loaded rule. Family-specific matches (`ip protocol`, `ip saddr`,
 * `icmp type`, ip6tables `-s` ...) carry `family`: absent means IPv4, 6 means
 * IPv6; a packet of the other family never matches them.
 */
export type Match = (
  | {
      kind: "loopback";
      /** How nft matched it (iif, oif, iifname, oifname), when read from nft. */
      key?: string;
    }
  | { kind: "state"; states: ConnectionState[] }
  | { kind: "ipv4" }
  | { kind: "ipv6" }
  | {
      kind: "protocol";
      protocol: number;
      /** nft `meta l4proto`, which matches either family (`ip protocol` implies IPv4, `ip6 nexthdr` IPv6). */
      anyFamily?: boolean;
      family?: AddressFamily;
    }
  | {
      kind: "address";
      field: "src" | "dst";
      family?: AddressFamily;
      ranges?: readonly AddressRange[];
      ranges6?: readonly AddressRange6[];
      set?: string;
    }
  /** `protocol` undefined: TCP or UDP (RouterOS dst-port). */
  | { kind: "dport"; protocol?: number; ports: PortRange[] }
  /** ICMP, or ICMPv6 with family 6. */
  | { kind: "icmp"; family?: AddressFamily; type?: number; code?: readonly [number, number] }
  /** Destination address and TCP port in a set of pairs (the control-plane exception). */
  | { kind: "addressPort"; family?: AddressFamily; set: string }
) & { negate?: boolean };

export type Action =
  | { kind: "accept" | "drop" | "return" }
  | { kind: "jump" | "goto"; target: string }
  /** Non-terminal (log, counter): evaluation continues. */
  | { kind: "continue" };

export interface LoadedRule {
  matches: Match[];
  action: Action;
  /** The rule's comment (our rule id), when it has one. */
  comment?: string;
  /** A log statement (it does not change the verdict), after the first `after` matches. */
  log?: { prefix?: string; after: number };
  /** Where the rule was read from (1-based line of its text, or its JSON handle), when a reader knows it. */
  source?: { line?: number; handle?: number; text?: string };
  /**
   * Set only by a lenient read (core/import): the part of the rule the model
   * cannot say ("limit rate 10/second"). Such a rule is never evaluated.
   */
  unsupported?: string;
}

export interface LoadedChain {
  rules: LoadedRule[];
  /** Base chains: the hook and what happens after the last rule. */
  hook?: Hook;
  priority?: number;
  policy?: Verdict;
  /** The families whose packets the chain sees (an nft `ip` or `ip6` table); absent: both. */
  families?: readonly AddressFamily[];
  /**
   * Set only by a lenient read: the declared type and hook of a base chain that is
   * not a filter chain on input, output or forward ("nat prerouting"); it has no `hook`.
   */
  other?: string;
  /** Where the chain was declared (1-based line), when a reader knows it. */
  line?: number;
}

export interface LoadedSet {
  ranges?: AddressRange[];
  /** An IPv6 address set's ranges (disjoint, ascending). */
  ranges6?: AddressRange6[];
  /** Keys of an address-and-port set: see pairKey. */
  pairs?: Set<string>;
}

/** The key of an address-and-port pair in LoadedSet.pairs: "167772161:8787" (IPv4 as a number), "[2001:db8::1]:8787" (IPv6, RFC 5952). */
export function pairKey(packet: Packet): string {
  return packet.family === 6 ? `[${formatIPv6(packet.dst)}]:${packet.dstPort}` : `${packet.dst}:${packet.dstPort}`;
}

export interface LoadedRuleset {
  chains: Map<string, LoadedChain>;
  sets: Map<string, LoadedSet>;
}

export interface LoadedDecision {
  verdict: Verdict;
  /** Comment of the rule that decided, if any. */
  comment?: string;
}

const MAX_DEPTH = 32;

/** Runs a packet through the base chains of its hook in priority order; a drop anywhere is final. */
export function evaluateLoaded(ruleset: LoadedRuleset, packet: Packet): LoadedDecision {
  const bases = [...ruleset.chains.entries()]
    .filter(([, c]) => c.hook === packet.hook && (!c.families || c.families.includes(familyOf(packet))))
    .sort((a, b) => (a[1].priority ?? 0) - (b[1].priority ?? 0));
  let last: LoadedDecision = { verdict: "accept" };
  for (const [name] of bases) {
    last = runChain(ruleset, name, packet, 0) ?? { verdict: ruleset.chains.get(name)!.policy ?? "accept" };
    if (last.verdict === "drop") return last;
  }
  return last;
}

/** The verdict of a chain, or undefined when the packet falls off its end (or returns). */
function runChain(ruleset: LoadedRuleset, name: string, packet: Packet, depth: number): LoadedDecision | undefined {
  const chain = ruleset.chains.get(name);
  if (!chain) throw new Error(`rule refers to chain "${name}", which is not loaded`);
  if (depth > MAX_DEPTH) throw new Error(`chain "${name}": jumps nest deeper than ${MAX_DEPTH}`);
  for (const rule of chain.rules) {
    if (rule.unsupported !== undefined) throw new Error(`chain "${name}": a rule not understood (${rule.unsupported}) cannot be evaluated`);
    if (!rule.matches.every((m) => matches(ruleset, m, packet) !== Boolean(m.negate))) continue;
    const a = rule.action;
    if (a.kind === "accept" || a.kind === "drop") return { verdict: a.kind, comment: rule.comment };
    if (a.kind === "return") return undefined;
    if (a.kind === "jump" || a.kind === "goto") {
      const result = runChain(ruleset, a.target, packet, depth + 1);
      if (result || a.kind === "goto") return result;
    }
  }
  return undefined;
}

function matches(ruleset: LoadedRuleset, m: Match, p: Packet): boolean {
  switch (m.kind) {
    case "loopback":
      return Boolean(p.loopback);
    case "state":
      return m.states.includes(p.state ?? "new");
    case "ipv4":
      return p.family !== 6;
    case "ipv6":
      return p.family === 6;
    case "protocol":
      return p.protocol === m.protocol && (m.anyFamily || familyOf(p) === (m.family ?? 4));
    case "address": {
      if (familyOf(p) !== (m.family ?? 4)) return false;
      const set = m.set === undefined ? undefined : setOf(ruleset, m.set);
      return packetAddressIn(p, m.field, m.ranges ?? set?.ranges ?? [], m.ranges6 ?? set?.ranges6 ?? []);
    }
    case "dport":
      if (m.protocol !== undefined ? p.protocol !== m.protocol : p.protocol !== PROTOCOL.TCP && p.protocol !== PROTOCOL.UDP) {
        return false;
      }
      return p.dstPort !== undefined && m.ports.some((r) => p.dstPort! >= r.from && p.dstPort! <= r.to);
    case "icmp":
      return (
        familyOf(p) === (m.family ?? 4) &&
        p.protocol === ((m.family ?? 4) === 6 ? PROTOCOL.ICMPV6 : PROTOCOL.ICMP) &&
        (m.type === undefined || p.icmpType === m.type) &&
        (m.code === undefined || (p.icmpCode !== undefined && p.icmpCode >= m.code[0] && p.icmpCode <= m.code[1]))
      );
    case "addressPort":
      return familyOf(p) === (m.family ?? 4) && p.protocol === PROTOCOL.TCP && Boolean(setOf(ruleset, m.set).pairs?.has(pairKey(p)));
  }
}

function familyOf(p: Packet): AddressFamily {
  return p.family ?? 4;
}

function setOf(ruleset: LoadedRuleset, name: string): LoadedSet {
  const set = ruleset.sets.get(name);
  if (!set) throw new Error(`rule refers to set "${name}", which is not loaded`);
  return set;
}
