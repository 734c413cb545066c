/**
 * A review of the change from one policy snapshot to another: the textual
 * diff per group, the semantic delta (core/analyze's semanticDiff over the
 * sites the groups are attached to) and lint findings on the result (core/analyze's lint).
 */
import { normalizePolicy, type NormalizedPolicy } from "../policy";
import { ValidationError } from "../model";
import { semanticDiff, type DiffRegion } from "../analyze";
import { diffGroupMembers, diffGroups, diffPrefixLists, type GroupDiff, type GroupMembersDiff, type PrefixListDiff } from "./rule-diff";
import { lintChange, type Finding } from "./findings";
import { documentOf, type PolicySnapshot } from "./snapshot";

export interface UnevaluatedRule {
  group: string;
  order: number;
  fields: string[];
  side: "base" | "head";
}

export interface Review {
  base: PolicySnapshot;
  head: PolicySnapshot;
  groups: GroupDiff[];
  prefixLists: PrefixListDiff[];
  /** Sites that joined or left a group rules name as peer, or whose addresses changed. */
  members: GroupMembersDiff[];
  /** Traffic that is accepted in head and was dropped in base. */
  opened: DiffRegion[];
  /** Traffic that was accepted in base and is dropped in head. */
  closed: DiffRegion[];
  /** Whether any group, rule, site attachment, prefix list or member address of a peer group differs in text. */
  textChanged: boolean;
  /** Whether some packet gets a different verdict on some site. */
  effectiveChange: boolean;
  /** Lint findings on head, most severe first. */
  findings: Finding[];
  /** Rules left out of the semantic comparison because a field is unknown until apply. */
  unevaluated: UnevaluatedRule[];
  /** How unknown values were resolved, or that they could not be. */
  notes: string[];
}

export function reviewSnapshots(base: PolicySnapshot, head: PolicySnapshot): Review {
  const groups = diffGroups(base, head);
  const prefixLists = diffPrefixLists(base, head);
  const members = diffGroupMembers(base, head);
  // Each side is validated and normalized once: the semantic diff and lint share the normal form.
  const basePolicy = policyOf(base, "base");
  const headPolicy = policyOf(head, "head");
  const delta = semanticDiff(basePolicy, headPolicy);
  const unevaluated = [...unevaluatedOf(base, "base"), ...unevaluatedOf(head, "head")];
  return {
    base,
    head,
    groups,
    prefixLists,
    members,
    opened: delta.opened,
    closed: delta.closed,
    textChanged: groups.some((g) => g.status !== "unchanged") || prefixLists.length > 0 || members.length > 0,
    effectiveChange: delta.regions.length > 0,
    findings: lintChange(base, head, basePolicy, headPolicy),
    unevaluated,
    notes: [...new Set([...base.notes, ...head.notes])],
  };
}

function policyOf(snapshot: PolicySnapshot, side: "base" | "head"): NormalizedPolicy {
  const doc = documentOf(snapshot);
  try {
    return normalizePolicy(doc);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    // Paths name groups by position: say which group that is.
    const names = doc.security_groups.map((g, i) => `security_groups[${i}] is "${g.name}"`).join(", ");
    throw new Error(`${side} (${snapshot.source}) is not a valid policy: ${err.message} (${names})`);
  }
}

function unevaluatedOf(snapshot: PolicySnapshot, side: "base" | "head"): UnevaluatedRule[] {
  return snapshot.groups.flatMap((g) =>
    g.rules
      .filter((r) => r.unknown?.length)
      .sort((a, b) => a.order - b.order)
      .map((r) => ({ group: g.name, order: r.order, fields: r.unknown!, side })),
  );
}
