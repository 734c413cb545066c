/**
 * Equivalence of a loaded ruleset with the policy, over the packets where a
 * difference would show: the boundary packets of every rule (each address-range
 * edge and its neighbours, each port-range end and its neighbours, each
 * protocol, ICMP type/code neighbours, every connection state and loopback,
 * control-plane entries, the essential ICMPv6 messages) plus random packets,
 * in both address families.
 */
import { compareIPv6, nextIPv6, previousIPv6, PROTOCOL, protocolTakesPorts, type AddressRange6, type IPv6Address } from "../model";
import { ESSENTIAL_ICMPV6, hooksOf, type Hook, type NormalizedPolicy, type PolicyRule } from "../policy";
import { evaluate, type Decision } from "./evaluate";
import { evaluateLoaded, type LoadedDecision, type LoadedRuleset } from "./loaded";
import type { ConnectionState, Packet, Packet4, Packet6 } from "./packet";

const MAX_ADDRESS = 0xffffffff;
/** A fixed local address for the side of a packet no rule looks at. */
const SITE_ADDRESS = 0xc0000202; // 192.0.2.2
const SITE_ADDRESS6: IPv6Address = [0xfd00ffff, 0, 0, 2]; // fd00:ffff::2

/** A small deterministic PRNG (mulberry32): same seed, same packets. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function near(value: number, max: number): number[] {
  return [value - 1, value, value + 1].filter((v) => v >= 0 && v <= max);
}

function near6(value: IPv6Address): IPv6Address[] {
  return [previousIPv6(value), value, nextIPv6(value)].filter((v): v is IPv6Address => v !== undefined);
}

/** The IPv6 twin of an IPv4 packet: same fields, `src`/`dst` the given addresses, ICMP as ICMPv6. */
function as6(p: Packet4, src: IPv6Address, dst: IPv6Address): Packet6 {
  return { ...p, family: 6, src, dst, ...(p.protocol === PROTOCOL.ICMP ? { protocol: PROTOCOL.ICMPV6 } : {}) };
}

/** An IPv6 packet that `rule` matches on `hook`, if the rule can match IPv6 at all. */
function insidePacket6(rule: PolicyRule, hook: Hook, protocol: number): Packet6 | undefined {
  if (!rule.ranges6.length) return undefined;
  const peer = rule.ranges6[0].first;
  const p: Packet6 = {
    family: 6,
    hook,
    protocol,
    src: rule.direction === "inbound" ? peer : SITE_ADDRESS6,
    dst: rule.direction === "inbound" ? SITE_ADDRESS6 : peer,
  };
  if (protocolTakesPorts(protocol)) {
    p.srcPort = 40000;
    p.dstPort = rule.ports ? rule.ports[0].from : 443;
  }
  if (protocol === PROTOCOL.ICMPV6) {
    p.icmpType = rule.icmpType ?? 128;
    p.icmpCode = rule.icmpCode ?? 0;
  }
  return p;
}

/** A packet that `rule` matches on `hook`, if the rule can match at all. */
function insidePacket(rule: PolicyRule, hook: Hook, protocol: number): Packet4 | undefined {
  if (!rule.ranges.length) return undefined;
  const peer = rule.ranges[0].first;
  const p: Packet4 = {
    hook,
    protocol,
    src: rule.direction === "inbound" ? peer : SITE_ADDRESS,
    dst: rule.direction === "inbound" ? SITE_ADDRESS : peer,
  };
  if (protocolTakesPorts(protocol)) {
    p.srcPort = 40000;
    p.dstPort = rule.ports ? rule.ports[0].from : 443;
  }
  if (protocol === PROTOCOL.ICMP) {
    p.icmpType = rule.icmpType ?? 8;
    p.icmpCode = rule.icmpCode ?? 0;
  }
  return p;
}

export function boundaryPackets(policy: NormalizedPolicy): Packet[] {
  const out: Packet[] = [];
  const hooks: Hook[] = ["input", "output", "forward"];
  for (const hook of hooks) {
    // Implicit parts: loopback and connection states, for a few protocols.
    for (const protocol of [PROTOCOL.TCP, PROTOCOL.UDP, PROTOCOL.ICMP, 47]) {
      const base: Packet4 = { hook, protocol, src: 0x0a000001, dst: SITE_ADDRESS, srcPort: 40000, dstPort: 22, icmpType: 8, icmpCode: 0 };
      if (!protocolTakesPorts(protocol)) {
        delete base.srcPort;
        delete base.dstPort;
      }
      if (protocol !== PROTOCOL.ICMP) {
        delete base.icmpType;
        delete base.icmpCode;
      }
      const base6 = as6(base, [0xfd00000a, 0, 0, 1], SITE_ADDRESS6);
      for (const state of ["new", "established", "related", "invalid"] as ConnectionState[]) {
        out.push({ ...base, state }, { ...base, state, loopback: true }, { ...base6, state }, { ...base6, state, loopback: true });
      }
    }
    // The essential ICMPv6 messages, their codes' edges, and their neighbours (which rules decide).
    for (const m of ESSENTIAL_ICMPV6) {
      for (const icmpType of near(m.type, 255)) {
        for (const icmpCode of [0, 1, 2, 3, 255]) {
          const p: Packet6 = {
            family: 6,
            hook,
            protocol: PROTOCOL.ICMPV6,
            src: [0xfe800000, 0, 0, 1],
            dst: SITE_ADDRESS6,
            icmpType,
            icmpCode,
          };
          out.push(p, { ...p, state: "invalid" });
        }
      }
    }
  }
  for (const e of policy.controlPlane) {
    for (const port of near(e.port, 65535)) {
      if (e.family === 6) {
        for (const dst of near6(e.address))
          out.push({ family: 6, hook: "output", protocol: PROTOCOL.TCP, src: SITE_ADDRESS6, dst, srcPort: 40000, dstPort: port });
        continue;
      }
      for (const dst of near(e.address, MAX_ADDRESS))
        out.push({ hook: "output", protocol: PROTOCOL.TCP, src: SITE_ADDRESS, dst, srcPort: 40000, dstPort: port });
    }
  }
  for (const rule of policy.rules) {
    for (const hook of hooksOf(policy).filter((h) => h === "forward" || h === (rule.direction === "inbound" ? "input" : "output"))) {
      const protocols =
        rule.protocol === PROTOCOL.ALL
          ? [PROTOCOL.TCP, PROTOCOL.UDP, PROTOCOL.ICMP, PROTOCOL.ICMPV6, 47, 0, 255]
          : near(rule.protocol, 255);
      const field = rule.direction === "inbound" ? "src" : "dst";
      for (const protocol of protocols) {
        const inside6 = insidePacket6(rule, hook, protocol);
        if (inside6) out.push(...edgePackets6(inside6, field, rule.ranges6, rule));
        const inside = insidePacket(rule, hook, protocol);
        if (!inside) continue;
        out.push(inside);
        for (const r of rule.ranges) {
          for (const a of [...near(r.first, MAX_ADDRESS), ...near(r.last, MAX_ADDRESS)]) out.push({ ...inside, [field]: a });
        }
        if (inside.dstPort !== undefined) {
          const ports = new Set([0, 1, 65535]);
          for (const r of rule.ports ?? []) for (const v of [...near(r.from, 65535), ...near(r.to, 65535)]) ports.add(v);
          for (const dstPort of ports) out.push({ ...inside, dstPort });
        }
        if (inside.icmpType !== undefined) {
          for (const icmpType of near(inside.icmpType, 255)) {
            for (const icmpCode of near(inside.icmpCode!, 255)) out.push({ ...inside, icmpType, icmpCode });
          }
        }
      }
    }
  }
  return out;
}

/** An IPv6 packet inside a rule moved to each edge of its ranges and their neighbours, and across its ports and ICMPv6 types. */
function edgePackets6(inside: Packet6, field: "src" | "dst", ranges: readonly AddressRange6[], rule: PolicyRule): Packet6[] {
  const out: Packet6[] = [inside];
  for (const r of ranges) for (const a of [...near6(r.first), ...near6(r.last)]) out.push({ ...inside, [field]: a });
  if (inside.dstPort !== undefined) {
    const ports = new Set([0, 1, 65535]);
    for (const r of rule.ports ?? []) for (const v of [...near(r.from, 65535), ...near(r.to, 65535)]) ports.add(v);
    for (const dstPort of ports) out.push({ ...inside, dstPort });
  }
  if (inside.icmpType !== undefined) {
    for (const icmpType of near(inside.icmpType, 255)) {
      for (const icmpCode of near(inside.icmpCode!, 255)) out.push({ ...inside, icmpType, icmpCode });
    }
  }
  return out;
}

/** A random address in [first, last]: equal leading words kept, the first differing word drawn inside, the rest at random (clamped). */
function randomIn6(r: AddressRange6, int: (n: number) => number): IPv6Address {
  const w = [0, 0, 0, 0];
  let k = 0;
  while (k < 4 && r.first[k] === r.last[k]) w[k] = r.first[k++];
  if (k === 4) return r.first;
  w[k] = r.first[k] + int(r.last[k] - r.first[k] + 1);
  for (let j = k + 1; j < 4; j++) w[j] = int(2 ** 32);
  const a = w as unknown as IPv6Address;
  if (w[k] === r.first[k] && compareIPv6(a, r.first) < 0) return r.first;
  if (w[k] === r.last[k] && compareIPv6(a, r.last) > 0) return r.last;
  return a;
}

export function randomPackets(policy: NormalizedPolicy, count: number, random: () => number): Packet[] {
  const int = (n: number) => Math.floor(random() * n);
  const ranges = policy.rules.flatMap((r) => r.ranges);
  const address = () => {
    if (ranges.length && random() < 0.6) {
      const r = ranges[int(ranges.length)];
      return r.first + int(r.last - r.first + 1);
    }
    return int(2 ** 32);
  };
  const ranges6 = policy.rules.flatMap((r) => r.ranges6);
  const address6 = (): IPv6Address => {
    if (ranges6.length && random() < 0.6) return randomIn6(ranges6[int(ranges6.length)], int);
    return [int(2 ** 32), int(2 ** 32), int(2 ** 32), int(2 ** 32)];
  };
  // IPv6 packets in proportion to the IPv6 ranges the rules name (none for an IPv4-only policy, so its packets stay as they were).
  const share6 = ranges6.length ? ranges6.length / (ranges6.length + ranges.length) : 0;
  const hooks: Hook[] = ["input", "output", "forward"];
  const out: Packet[] = [];
  for (let i = 0; i < count; i++) {
    if (share6 && random() < Math.max(0.3, Math.min(0.7, share6))) {
      out.push(randomPacket6(policy, hooks[int(3)], address6, random, int));
      continue;
    }
    const x = random();
    const protocol = x < 0.35 ? PROTOCOL.TCP : x < 0.6 ? PROTOCOL.UDP : x < 0.8 ? PROTOCOL.ICMP : int(256);
    const p: Packet4 = { hook: hooks[int(3)], protocol, src: address(), dst: address() };
    if (protocolTakesPorts(protocol)) {
      p.srcPort = 1024 + int(64512);
      const portRule = policy.rules[int(policy.rules.length)]?.ports;
      p.dstPort = portRule && random() < 0.5 ? portRule[int(portRule.length)].from : int(65536);
    }
    if (protocol === PROTOCOL.ICMP) {
      p.icmpType = int(20);
      p.icmpCode = int(4);
    }
    out.push(p);
  }
  return out;
}

function randomPacket6(
  policy: NormalizedPolicy,
  hook: Hook,
  address6: () => IPv6Address,
  random: () => number,
  int: (n: number) => number,
): Packet6 {
  const x = random();
  const protocol = x < 0.35 ? PROTOCOL.TCP : x < 0.6 ? PROTOCOL.UDP : x < 0.8 ? PROTOCOL.ICMPV6 : int(256);
  const p: Packet6 = { family: 6, hook, protocol, src: address6(), dst: address6() };
  if (protocolTakesPorts(protocol)) {
    p.srcPort = 1024 + int(64512);
    const portRule = policy.rules[int(policy.rules.length)]?.ports;
    p.dstPort = portRule && random() < 0.5 ? portRule[int(portRule.length)].from : int(65536);
  }
  if (protocol === PROTOCOL.ICMPV6) {
    p.icmpType = random() < 0.5 ? 128 + int(30) : int(5);
    p.icmpCode = int(4);
  }
  return p;
}

export interface Disagreement {
  packet: Packet;
  /** What the policy (the oracle) decides. */
  expected: Decision;
  /** What the loaded ruleset decides. */
  actual: LoadedDecision;
}

export interface EquivalenceReport {
  checked: number;
  disagreements: Disagreement[];
}

/** Compares the loaded ruleset with the policy on boundary packets plus `random` random packets. */
export function checkEquivalence(
  policy: NormalizedPolicy,
  loaded: LoadedRuleset,
  options: { random?: number; seed?: number } = {},
): EquivalenceReport {
  const packets = [...boundaryPackets(policy), ...randomPackets(policy, options.random ?? 1000, seededRandom(options.seed ?? 1))];
  const disagreements: Disagreement[] = [];
  for (const packet of packets) {
    const expected = evaluate(policy, packet);
    const actual = evaluateLoaded(loaded, packet);
    if (expected.verdict !== actual.verdict) disagreements.push({ packet, expected, actual });
  }
  return { checked: packets.length, disagreements };
}
