/** Where each rule of the normal form is enforced: the hooks of a site and the rules evaluated on each. */
import type { NormalizedPolicy, PolicyRule } from "./normalize";

/** The hooks a rule is enforced on: its own direction, and forwarding in router mode. */
export type Hook = "input" | "output" | "forward";

export function hooksOf(policy: NormalizedPolicy): Hook[] {
  return policy.mode === "router" ? ["input", "output", "forward"] : ["input", "output"];
}

/** Rules evaluated on a hook, in order. On forward, every rule applies (inbound by source, outbound by destination). */
export function rulesOnHook(policy: NormalizedPolicy, hook: Hook): PolicyRule[] {
  if (hook === "forward") return policy.rules;
  const direction = hook === "input" ? "inbound" : "outbound";
  return policy.rules.filter((r) => r.direction === direction);
}

/** Prefix lists some rule refers to (a platform renders only those). */
export function referencedListIds(policy: NormalizedPolicy): Set<string> {
  const ids = new Set<string>();
  for (const r of policy.rules) if (r.address.kind === "prefixList") ids.add(r.address.id);
  return ids;
}

/** Groups some rule names as its peer (a platform renders sets only for those). */
export function referencedGroupIds(policy: NormalizedPolicy): Set<string> {
  const ids = new Set<string>();
  for (const r of policy.rules) if (r.address.kind === "group") ids.add(r.address.id);
  return ids;
}
