/**
 * Lint findings for a snapshot: core/analyze's lint, run once per distinct
 * set of groups that some site enforces together (a site's effective policy),
 * and once per group attached to no site. Findings name groups, rules and
 * sites as the reviewer knows them instead of internal ids.
 */
import type { Finding as LintFinding, FindingKind, Severity } from "../analyze";
import { lint, overlappingPrefixes, type LintOptions } from "../analyze/lint";
import { normalizePolicy, type NormalizedPolicy, type PolicyRule } from "../policy";
import { ValidationError, type AddressFamily } from "../model";
import { siteName } from "./describe";
import { documentOf, type PolicySnapshot, type SnapshotGroup, type SnapshotPrefixList } from "./snapshot";

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
  /** The address family, for findings about one family (world-open, overlapping prefixes, a list with none of a rule's family). */
  family?: AddressFamily;
}

interface Scope {
  groups: SnapshotGroup[];
  sites: string[];
}

/** The distinct sets of groups that some site enforces together, and each group attached to no site. */
function scopesOf(snapshot: PolicySnapshot): Scope[] {
  const scopes = new Map<string, Scope>();
  for (const group of snapshot.groups) {
    if (group.sites.length) continue;
    scopes.set(`unattached:${group.key}`, { groups: [group], sites: [] });
  }
  const groupsBySite = new Map<string, SnapshotGroup[]>();
  for (const group of snapshot.groups) {
    for (const site of group.sites) {
      const groups = groupsBySite.get(site);
      if (groups) groups.push(group);
      else groupsBySite.set(site, [group]);
    }
  }
  for (const [site, groups] of groupsBySite) {
    const key = groups.map((g) => g.key).join("\n");
    const scope = scopes.get(key) ?? { groups, sites: [] };
    scope.sites.push(site);
    scopes.set(key, scope);
  }
  return [...scopes.values()];
}

type Checks = NonNullable<LintOptions["checks"]>;

/**
 * Lints every scope of a snapshot and hands each finding to `emit` with the
 * display names of the scope's sites. `policy` is normalizePolicy(documentOf(snapshot))
 * when known: each scope's rules are then taken from it instead of normalizing
 * the scope again. Overlapping prefixes depend on the prefix lists only (every
 * scope sees every list): they are computed once per list, by `overlapsOf`.
 * With `about`, shadowed and redundant findings are only needed about rules
 * whose display name is in it.
 */
function lintScopes(
  snapshot: PolicySnapshot,
  names: Map<string, string>,
  policy: NormalizedPolicy | undefined,
  checks: Omit<Checks, "overlaps">,
  overlapsOf: (list: SnapshotPrefixList) => LintFinding[],
  emit: (f: LintFinding, sites: string[]) => void,
  about?: ReadonlySet<string>,
): void {
  const scopes = scopesOf(snapshot);
  const aboutRule = about && ((rule: PolicyRule) => about.has(presentIds(rule.id, names)));
  // Group ids identify a scope's rules in the whole policy only when they are unique.
  const ids = new Set(snapshot.groups.map((g) => g.id));
  const shared = policy && ids.size === snapshot.groups.length ? policy : undefined;
  for (const { groups, sites } of scopes) {
    const doc = documentOf(snapshot, groups);
    let scoped: NormalizedPolicy | undefined;
    if (shared) {
      const inScope = new Set(groups.map((g) => g.id));
      scoped = { ...shared, rules: shared.rules.filter((r) => inScope.has(r.groupId)) };
    }
    const named = sites.map((s) => siteName(s, snapshot));
    for (const f of lint(doc, { policy: scoped, checks: { ...checks, overlaps: false }, about: aboutRule })) emit(f, named);
  }
  if (scopes.length) {
    const everySite = scopes.flatMap((s) => s.sites.map((site) => siteName(site, snapshot)));
    for (const list of snapshot.prefixLists) for (const f of overlapsOf(list)) emit(f, everySite);
  }
}

/** Findings as the report shows them: named as in the input, one per message with all its sites, most severe first. */
class Collected {
  private readonly found = new Map<string, Finding>();
  constructor(private readonly names: Map<string, string>) {}

  readonly add = (f: LintFinding, sites: string[]): void => {
    const message = presentIds(f.message, this.names);
    const key = `${f.kind}\n${message}`;
    const seen = this.found.get(key);
    if (seen) seen.sites.push(...sites);
    else this.found.set(key, present(f, message, sites.slice()));
  };

  findings(): Finding[] {
    const findings = [...this.found.values()];
    for (const f of findings) if (!ascending(f.sites)) f.sites = [...new Set(f.sites)].sort();
    return findings.sort((a, b) => RANK[b.severity] - RANK[a.severity] || compareMessages(a.message, b.message));
  }
}

/** Whether names are strictly ascending (then already deduplicated and sorted). */
function ascending(names: readonly string[]): boolean {
  for (let i = 1; i < names.length; i++) if (!(names[i - 1] < names[i])) return false;
  return true;
}

/** String.prototype.localeCompare's order (the default collator), without building a collator per call. */
const compareMessages = new Intl.Collator().compare;

/** normalizePolicy of the whole snapshot, or undefined when it does not validate (each scope then reports its own error). */
function normalizedOf(snapshot: PolicySnapshot): NormalizedPolicy | undefined {
  try {
    return normalizePolicy(documentOf(snapshot));
  } catch (err) {
    if (err instanceof ValidationError) return undefined;
    throw err;
  }
}

/**
 * Lint findings of a snapshot, one lint per scope (a site's effective policy,
 * or a group attached to no site). `policy`: normalizePolicy(documentOf(snapshot)),
 * when the caller has it; null normalizes every scope on its own.
 */
export function lintSnapshot(snapshot: PolicySnapshot, policy: NormalizedPolicy | null = normalizedOf(snapshot) ?? null): Finding[] {
  const names = namesOf(snapshot);
  const collected = new Collected(names);
  lintScopes(snapshot, names, policy ?? undefined, {}, overlappingPrefixes, collected.add);
  return collected.findings();
}

/**
 * The findings of head, each marked whether base had it too. Base is linted
 * only as far as that question needs: checks that found nothing in head are
 * skipped on base, shadowed and redundant rules are followed only for rules
 * that head's findings of those kinds are about, a prefix list that base holds
 * unchanged (same name, same entries) is not checked for overlaps twice, and
 * base's findings are kept as keys only.
 */
export function lintChange(
  base: PolicySnapshot,
  head: PolicySnapshot,
  basePolicy: NormalizedPolicy | undefined = normalizedOf(base),
  headPolicy: NormalizedPolicy | undefined = normalizedOf(head),
): Finding[] {
  const headNames = namesOf(head);
  const collected = new Collected(headNames);
  const headOverlaps = new Map<string, { prefixes: SnapshotPrefixList["prefixes"]; findings: LintFinding[] }[]>();
  // The rules that head's shadowed and redundant findings are about, as the messages name them.
  const subjects = new Set<string>();
  const kinds = new Set<FindingKind>();
  const worldOpen: string[] = [];
  lintScopes(
    head,
    headNames,
    headPolicy,
    {},
    (list) => {
      const findings = overlappingPrefixes(list);
      const same = headOverlaps.get(list.name);
      if (same) same.push({ prefixes: list.prefixes, findings });
      else headOverlaps.set(list.name, [{ prefixes: list.prefixes, findings }]);
      return findings;
    },
    (f, sites) => {
      kinds.add(f.kind);
      if (f.kind === "shadowed" || f.kind === "redundant") subjects.add(presentIds(f.rules[0].id, headNames));
      if (f.kind === "world-open-admin-port") worldOpen.push(f.message);
      collected.add(f, sites);
    },
  );
  const headFindings = collected.findings();

  const baseNames = namesOf(base);
  const inBase = new Set<string>();
  lintScopes(
    base,
    baseNames,
    basePolicy,
    {
      decisions: kinds.has("shadowed") || kinds.has("redundant"),
      // Messages start with the service's description (a service named like the start of another is checked too).
      worldOpen: worldOpen.length > 0 && ((service) => worldOpen.some((m) => m.startsWith(`${service.description} (`))),
    },
    (list) => {
      if (!kinds.has("overlapping-prefixes")) return [];
      // Same name and entries: the same messages as in head (no need to sort the entries again).
      const same = headOverlaps.get(list.name)?.find((h) => sameCidrs(h.prefixes, list.prefixes));
      return same ? same.findings : overlappingPrefixes(list);
    },
    (f) => inBase.add(`${f.kind}\n${presentIds(f.message, baseNames)}`),
    // A base finding can equal a head finding only if it is about a rule named alike.
    subjects,
  );
  for (const f of headFindings) f.inBase = inBase.has(`${f.kind}\n${f.message}`);
  return headFindings;
}

function sameCidrs(a: readonly { cidr: string }[], b: readonly { cidr: string }[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].cidr !== b[i].cidr) return false;
  return true;
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

const NAMED_TWICE = /("[^"]*") \(\1\)/g;
const ID = /(sec_grp_[0-9A-Za-z]{27})(?::(\d+))?|prfx_lst_[0-9A-Za-z]{27}/g;

/** Text with the ids the analyzer prints replaced by display names, in one pass (findings can number in the thousands). */
function presentIds(text: string, names: Map<string, string>): string {
  const named = text.replace(ID, (id: string, group?: string, order?: string) => {
    if (group && order) return names.has(group) ? `${names.get(group)} rule ${order}` : id;
    return names.get(id) ?? id;
  });
  // A message that names a group by name and id ("web" (sec_grp_...)) would read "web" ("web").
  return named.includes('" ("') ? named.replace(NAMED_TWICE, "$1") : named;
}

/** A finding as the report shows it, given its message with ids replaced (presentIds). */
function present(f: LintFinding, message: string, sites: string[]): Finding {
  return {
    kind: f.kind,
    severity: f.severity,
    message,
    rules: f.rules.map((r) => ({ group: r.groupName, order: r.order, description: r.description })),
    sites,
    ...(f.family ? { family: f.family } : {}),
  };
}
