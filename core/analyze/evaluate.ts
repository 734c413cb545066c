/**
 * The oracle: what the whole compiled artefact does with one packet, including
 * its implicit parts (loopback, connection state, control-plane exception,
 * default drop). Every platform's rendering is held against this function.
 */
import { PROTOCOL, protocolTakesPorts } from "../model";
import { rulesOnHook, type Hook, type NormalizedPolicy, type PolicyRule } from "../policy";
import { inRanges, type Packet, type Verdict } from "./packet";

export type DecisionReason = "unfiltered" | "loopback" | "established" | "invalid" | "control-plane" | "rule" | "default";

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
  const state = packet.state ?? "new";
  if (state === "established" || state === "related") return { verdict: "accept", reason: "established" };
  if (state === "invalid") return { verdict: "drop", reason: "invalid" };
  if (
    packet.hook === "output" &&
    packet.protocol === PROTOCOL.TCP &&
    policy.controlPlane.some((e) => e.address === packet.dst && e.port === packet.dstPort)
  ) {
    return { verdict: "accept", reason: "control-plane" };
  }
  for (const rule of hookRules(policy, packet.hook)) {
    if (ruleMatches(rule, packet)) return { verdict: rule.action, reason: "rule", rule };
  }
  return { verdict: "drop", reason: "default" };
}

/** Whether a rule matches a packet (on a hook where the rule applies). */
export function ruleMatches(rule: PolicyRule, packet: Packet): boolean {
  if (rule.protocol !== PROTOCOL.ALL && rule.protocol !== packet.protocol) return false;
  const address = rule.direction === "inbound" ? packet.src : packet.dst;
  if (!inRanges(rule.ranges, address)) return false;
  if (rule.ports) {
    if (!protocolTakesPorts(packet.protocol) || packet.dstPort === undefined) return false;
    if (!rule.ports.some((r) => packet.dstPort! >= r.from && packet.dstPort! <= r.to)) return false;
  }
  if (rule.icmpType !== null && packet.icmpType !== rule.icmpType) return false;
  if (rule.icmpCode !== null && packet.icmpCode !== rule.icmpCode) return false;
  return true;
}
