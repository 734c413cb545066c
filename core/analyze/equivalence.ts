/**
 * Equivalence of a loaded ruleset with the policy, over the packets where a
 * difference would show: the boundary packets of every rule (each address-range
 * edge and its neighbours, each port-range end and its neighbours, each
 * protocol, ICMP type/code neighbours, every connection state and loopback,
 * control-plane entries) plus random packets.
 */
import { PROTOCOL, protocolTakesPorts } from "../model";
import { hooksOf, type Hook, type NormalizedPolicy, type PolicyRule } from "../policy";
import { evaluate, type Decision } from "./evaluate";
import { evaluateLoaded, type LoadedDecision, type LoadedRuleset } from "./loaded";
import type { ConnectionState, Packet4 as Packet } from "./packet";

const MAX_ADDRESS = 0xffffffff;
/** A fixed local address for the side of a packet no rule looks at. */
const SITE_ADDRESS = 0xc0000202; // 192.0.2.2

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

/** A packet that `rule` matches on `hook`, if the rule can match at all. */
function insidePacket(rule: PolicyRule, hook: Hook, protocol: number): Packet | undefined {
  if (!rule.ranges.length) return undefined;
  const peer = rule.ranges[0].first;
  const p: Packet = {
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
      const base: Packet = { hook, protocol, src: 0x0a000001, dst: SITE_ADDRESS, srcPort: 40000, dstPort: 22, icmpType: 8, icmpCode: 0 };
      if (!protocolTakesPorts(protocol)) {
        delete base.srcPort;
        delete base.dstPort;
      }
      if (protocol !== PROTOCOL.ICMP) {
        delete base.icmpType;
        delete base.icmpCode;
      }
      for (const state of ["new", "established", "related", "invalid"] as ConnectionState[]) {
        out.push({ ...base, state }, { ...base, state, loopback: true });
      }
    }
  }
  for (const e of policy.controlPlane) {
    if (e.family !== 4) continue; // TODO(#14): IPv6 packets
    for (const port of near(e.port, 65535)) {
      for (const dst of near(e.address, MAX_ADDRESS))
        out.push({ hook: "output", protocol: PROTOCOL.TCP, src: SITE_ADDRESS, dst, srcPort: 40000, dstPort: port });
    }
  }
  for (const rule of policy.rules) {
    for (const hook of hooksOf(policy).filter((h) => h === "forward" || h === (rule.direction === "inbound" ? "input" : "output"))) {
      const protocols = rule.protocol === PROTOCOL.ALL ? [PROTOCOL.TCP, PROTOCOL.UDP, PROTOCOL.ICMP, 47, 0, 255] : near(rule.protocol, 255);
      for (const protocol of protocols) {
        const inside = insidePacket(rule, hook, protocol);
        if (!inside) continue;
        out.push(inside);
        const field = rule.direction === "inbound" ? "src" : "dst";
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
  const hooks: Hook[] = ["input", "output", "forward"];
  const out: Packet[] = [];
  for (let i = 0; i < count; i++) {
    const x = random();
    const protocol = x < 0.35 ? PROTOCOL.TCP : x < 0.6 ? PROTOCOL.UDP : x < 0.8 ? PROTOCOL.ICMP : int(256);
    const p: Packet = { hook: hooks[int(3)], protocol, src: address(), dst: address() };
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
