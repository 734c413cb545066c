/**
 * The oracle: what the whole compiled artefact does with one packet, including
 * its implicit parts (loopback, connection state, control-plane exception,
 * default drop). Every platform's rendering is held against this function.
 */
import { compareIPv6, PROTOCOL, protocolFamily, protocolTakesPorts } from "../model";
import { isEssentialIcmpv6, rulesOnHook, type ControlPlaneEndpoint, type Hook, type NormalizedPolicy, type PolicyRule } from "../policy";
import { packetAddressIn, type Packet, type Verdict } from "./packet";

export type DecisionReason =
  | "unfiltered"
  | "loopback"
  | "essential-icmpv6"
  | "established"
  | "invalid"
  | "control-plane"
  | "rule"
  | "default";

export interface Decision {
  verdict: Verdict;
  /** Why: a rule (then `rule` is set) or one of the implicit parts. */
  reason: DecisionReason;
  rule?: PolicyRule;
}

const byHook = new WeakMap<NormalizedPolicy, Map<Hook, PolicyRule[]>>();

function hookRules(policy: NormalizedPolicy, hook: Hook): PolicyRule[] {
  let cached = byHook.get(policy);
  if (!cached) byHook.set(policy, (cached = new Map()));
  let rules = cached.get(hook);
  if (!rules) cached.set(hook, (rules = rulesOnHook(policy, hook)));
  return rules;
}

export function evaluate(policy: NormalizedPolicy, packet: Packet): Decision {
  // In host mode we install no forward chain: forwarding is not ours to filter.
  if (packet.hook === "forward" && policy.mode !== "router") return { verdict: "accept", reason: "unfiltered" };
  if (packet.loopback && packet.hook !== "forward") return { verdict: "accept", reason: "loopback" };
  // Before connection state: neighbour discovery is untracked, and a stray error may be "invalid".
  if (packet.family === 6 && packet.protocol === PROTOCOL.ICMPV6 && isEssentialIcmpv6(packet.icmpType ?? -1, packet.icmpCode ?? 0)) {
    return { verdict: "accept", reason: "essential-icmpv6" };
  }
  const state = packet.state ?? "new";
  if (state === "established" || state === "related") return { verdict: "accept", reason: "established" };
  if (state === "invalid") return { verdict: "drop", reason: "invalid" };
  if (packet.hook === "output" && packet.protocol === PROTOCOL.TCP && policy.controlPlane.some((e) => isControlPlane(e, packet))) {
    return { verdict: "accept", reason: "control-plane" };
  }
  for (const rule of hookRules(policy, packet.hook)) {
    if (ruleMatches(rule, packet)) return { verdict: rule.action, reason: "rule", rule };
  }
  return { verdict: "drop", reason: "default" };
}

function isControlPlane(e: ControlPlaneEndpoint, packet: Packet): boolean {
  if (e.port !== packet.dstPort) return false;
  if (packet.family === 6) return e.family === 6 && compareIPv6(e.address, packet.dst) === 0;
  return e.family === 4 && e.address === packet.dst;
}

/** Whether a rule matches a packet (on a hook where the rule applies). */
export function ruleMatches(rule: PolicyRule, packet: Packet): boolean {
  if (rule.protocol !== PROTOCOL.ALL && rule.protocol !== packet.protocol) return false;
  // ICMP in an IPv6 packet (or ICMPv6 in IPv4) is no ICMP message: the rule's family decides.
  const family = protocolFamily(rule.protocol);
  if (family !== undefined && family !== (packet.family ?? 4)) return false;
  if (!packetAddressIn(packet, rule.direction === "inbound" ? "src" : "dst", rule.ranges, rule.ranges6)) return false;
  if (rule.ports) {
    if (!protocolTakesPorts(packet.protocol) || packet.dstPort === undefined) return false;
    if (!rule.ports.some((r) => packet.dstPort! >= r.from && packet.dstPort! <= r.to)) return false;
  }
  if (rule.icmpType !== null && packet.icmpType !== rule.icmpType) return false;
  if (rule.icmpCode !== null && packet.icmpCode !== rule.icmpCode) return false;
  return true;
}
