/**
 * Lint findings for a snapshot: core/analyze's lint, run once per distinct
 * set of groups that some site enforces together (a site's effective policy),
 * and once per group attached to no site. Findings name groups, rules and
 * sites as the reviewer knows them instead of internal ids.
 */
import { lint, type Finding as LintFinding, type FindingKind, type Severity } from "../analyze";
import { siteName } from "./describe";
import { documentOf, type PolicySnapshot, type SnapshotGroup } from "./snapshot";

export type { Severity, FindingKind };
export const SEVERITIES: readonly Severity[] = ["low", "medium", "high"];
const RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2 };

export function atLeast(severity: Severity, threshold: Severity): boolean {
  return RANK[severity] >= RANK[threshold];
}

export interface Finding {
  kind: FindingKind;
  severity: Severity;
  /** The analyzer's message with rules, groups and prefix lists named as in the input. */
  message: string;
  /** Rules involved, the one the finding is about first. */
  rules: { group: string; order: number; description: string }[];
  /** Sites whose effective policy has the finding; empty for a group attached to no site. */
  sites: string[];
  /** Whether base already had this finding (then it is not introduced by the change). */
  inBase?: boolean;
}

export function lintSnapshot(snapshot: PolicySnapshot): Finding[] {
  const scopes = new Map<string, { groups: SnapshotGroup[]; sites: string[] }>();
  for (const group of snapshot.groups) {
    if (group.sites.length) continue;
    scopes.set(`unattached:${group.key}`, { groups: [group], sites: [] });
  }
  const groupsBySite = new Map<string, SnapshotGroup[]>();
  for (const group of snapshot.groups) for (const site of group.sites) groupsBySite.set(site, [...(groupsBySite.get(site) ?? []), group]);
  for (const [site, groups] of groupsBySite) {
    const key = groups.map((g) => g.key).join("\n");
    const scope = scopes.get(key) ?? { groups, sites: [] };
    scope.sites.push(site);
    scopes.set(key, scope);
  }
  const found = new Map<string, Finding>();
  const names = namesOf(snapshot);
  for (const { groups, sites } of scopes.values()) {
    for (const f of lint(documentOf(snapshot, groups))) {
      const finding = present(f, names);
      const key = `${finding.kind}\n${finding.message}`;
      const seen = found.get(key);
      if (seen) seen.sites.push(...sites.map((s) => siteName(s, snapshot)));
      else found.set(key, { ...finding, sites: sites.map((s) => siteName(s, snapshot)) });
    }
  }
  return [...found.values()]
    .map((f) => ({ ...f, sites: [...new Set(f.sites)].sort() }))
    .sort((a, b) => RANK[b.severity] - RANK[a.severity] || a.message.localeCompare(b.message));
}

/** Marks the findings of head that base had too. */
export function markInBase(head: Finding[], base: Finding[]): Finding[] {
  const before = new Set(base.map((f) => `${f.kind}\n${f.message}`));
  return head.map((f) => ({ ...f, inBase: before.has(`${f.kind}\n${f.message}`) }));
}

/** Display names of the ids the analyzer prints: groups, rules (`<group id>:<order>`) and prefix lists. */
function namesOf(snapshot: PolicySnapshot): Map<string, string> {
  const names = new Map<string, string>();
  for (const g of snapshot.groups) names.set(g.id, `"${g.name}"`);
  for (const l of snapshot.prefixLists) names.set(l.id, `"${l.name}"`);
  return names;
}

const ID = /(sec_grp_[0-9A-Za-z]{27})(?::(\d+))?|prfx_lst_[0-9A-Za-z]{27}/g;

function present(f: LintFinding, names: Map<string, string>): Omit<Finding, "sites"> {
  // One pass over the message: findings can number in the thousands on large prefix lists.
  const message = f.message.replace(ID, (id: string, group?: string, order?: string) => {
    if (group && order) return names.has(group) ? `${names.get(group)} rule ${order}` : id;
    return names.get(id) ?? id;
  });
  return {
    kind: f.kind,
    severity: f.severity,
    message,
    rules: f.rules.map((r) => ({ group: r.groupName, order: r.order, description: r.description })),
  };
}
