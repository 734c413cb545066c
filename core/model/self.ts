/**
 * `self`: a rule address naming the rule's own group, which stack code cannot
 * name by id (the id does not exist before the group does: a Pulumi output
 * cycle, a Terraform cycle). A write may say `self`; the API stores the
 * group's id (so reads, the compiler and references see an id as before), and
 * the providers and stack code write the group's own id back as `self`.
 */
export const SELF = "self";

/** Whether a rule address is the write form `self`. */
export function isSelf(address: unknown): boolean {
  return address === SELF;
}

/** The rules with `self` as the group's id (what is stored). The same array when none says self. */
export function selfAsId<R extends { address: string }>(rules: readonly R[], groupId: string): readonly R[] {
  return rules.some((r) => r.address === SELF) ? rules.map((r) => (r.address === SELF ? { ...r, address: groupId } : r)) : rules;
}

/** The rules with the group's own id as `self` (what the providers and stack code show). The same array when none names it. */
export function idAsSelf<R extends { address: string }>(rules: readonly R[], groupId: string): readonly R[] {
  return rules.some((r) => r.address === groupId) ? rules.map((r) => (r.address === groupId ? { ...r, address: SELF } : r)) : rules;
}
