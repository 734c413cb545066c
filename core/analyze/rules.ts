import type { PolicyRule } from "../policy";

/** How findings and diff regions name a rule. */
export interface RuleRef {
  id: string;
  groupId: string;
  groupName: string;
  order: number;
  description: string;
}

export function ruleRef(rule: PolicyRule): RuleRef {
  return { id: rule.id, groupId: rule.groupId, groupName: rule.groupName, order: rule.order, description: rule.description };
}
