import type { PolicyRule } from "../policy";

/** How findings and diff regions name a rule. */
export interface RuleRef {
  id: string;
  groupId: string;
  groupName: string;
  order: number;
  description: string;
  /** The group the rule names as its peer, when its address is a group id (so a region can say "from group web"). */
  peerGroupId?: string;
}

export function ruleRef(rule: PolicyRule): RuleRef {
  const ref: RuleRef = { id: rule.id, groupId: rule.groupId, groupName: rule.groupName, order: rule.order, description: rule.description };
  if (rule.address.kind === "group") ref.peerGroupId = rule.address.id;
  return ref;
}
