/**
 * The textual side of a review: which groups and rules were added, removed or
 * changed, rules matched by `order` within a group (the key both providers
 * use). Values are compared after the model's normalization (ports, defaults),
 * so "22, 80" -> "22,80" is not a change.
 */
import { parsePorts } from "../model";
import { referencedGroupsOf, type PolicySnapshot, type SnapshotGroup, type SnapshotRule } from "./snapshot";

export const COMPARED_FIELDS = [
  "direction",
  "protocol",
  "port",
  "address",
  "action",
  "icmp_type",
  "icmp_code",
  "log",
  "description",
] as const;
export type ComparedField = (typeof COMPARED_FIELDS)[number];

export interface RuleChange {
  order: number;
  before: SnapshotRule;
  after: SnapshotRule;
  fields: ComparedField[];
}

export interface GroupDiff {
  /** The group as in head, or in base when removed. */
  name: string;
  key: string;
  status: "added" | "removed" | "changed" | "unchanged";
  before?: SnapshotGroup;
  after?: SnapshotGroup;
  added: SnapshotRule[];
  removed: SnapshotRule[];
  changed: RuleChange[];
  sitesAdded: string[];
  sitesRemoved: string[];
  /** Name or description changed. */
  renamed: boolean;
}

export interface PrefixListDiff {
  name: string;
  key: string;
  status: "added" | "removed" | "changed";
  cidrsAdded: string[];
  cidrsRemoved: string[];
}

/** A member site of a referenced group whose membership or addresses changed (addresses as CIDR text). */
export interface MemberChange {
  /** The site as the reviewer knows it (siteKey). */
  site: string;
  /** Absent when the site joined the group. */
  before?: string[];
  /** Absent when the site left the group. */
  after?: string[];
}

/** How the members of a group that rules on both sides name as peer changed. */
export interface GroupMembersDiff {
  name: string;
  joined: MemberChange[];
  left: MemberChange[];
  readdressed: MemberChange[];
}

/** Pairs groups by key, and by name for the rest (two different input formats have different keys). */
export function pairByKey<T extends { key: string; name: string }>(
  base: readonly T[],
  head: readonly T[],
): [T | undefined, T | undefined][] {
  const pairs: [T | undefined, T | undefined][] = [];
  const headLeft = new Map(head.map((h) => [h.key, h]));
  const baseLeft: T[] = [];
  for (const b of base) {
    const h = headLeft.get(b.key);
    if (h) {
      pairs.push([b, h]);
      headLeft.delete(b.key);
    } else baseLeft.push(b);
  }
  const headByName = new Map<string, T[]>();
  for (const h of headLeft.values()) headByName.set(h.name, [...(headByName.get(h.name) ?? []), h]);
  for (const b of baseLeft) {
    const h = headByName.get(b.name)?.shift();
    if (h) headLeft.delete(h.key);
    pairs.push([b, h]);
  }
  for (const h of headLeft.values()) pairs.push([undefined, h]);
  return pairs;
}

export function diffGroups(base: PolicySnapshot, head: PolicySnapshot): GroupDiff[] {
  return pairByKey(base.groups, head.groups).map(([b, h]) => diffGroup(b, h, base, head));
}

function diffGroup(b: SnapshotGroup | undefined, h: SnapshotGroup | undefined, base: PolicySnapshot, head: PolicySnapshot): GroupDiff {
  const beforeRules = new Map((b?.rules ?? []).map((r) => [r.order, r]));
  const afterRules = new Map((h?.rules ?? []).map((r) => [r.order, r]));
  const added = [...afterRules.values()].filter((r) => !beforeRules.has(r.order));
  const removed = [...beforeRules.values()].filter((r) => !afterRules.has(r.order));
  const changed: RuleChange[] = [];
  for (const [order, after] of afterRules) {
    const before = beforeRules.get(order);
    if (!before) continue;
    const fields = COMPARED_FIELDS.filter((f) => comparable(f, before, base) !== comparable(f, after, head));
    if (fields.length) changed.push({ order, before, after, fields });
  }
  const byOrder = (x: { order: number }, y: { order: number }) => x.order - y.order;
  const siteKeys = (g: SnapshotGroup | undefined, s: PolicySnapshot) => new Set((g?.sites ?? []).map((id) => siteKey(id, s)));
  const beforeSites = siteKeys(b, base);
  const afterSites = siteKeys(h, head);
  const sitesAdded = [...afterSites].filter((s) => !beforeSites.has(s));
  const sitesRemoved = [...beforeSites].filter((s) => !afterSites.has(s));
  const renamed = Boolean(b && h && (b.name !== h.name || (b.description ?? null) !== (h.description ?? null)));
  const status = !b
    ? "added"
    : !h
      ? "removed"
      : added.length || removed.length || changed.length || sitesAdded.length || sitesRemoved.length || renamed
        ? "changed"
        : "unchanged";
  return {
    name: (h ?? b)!.name,
    key: (h ?? b)!.key,
    status,
    before: b,
    after: h,
    added: added.sort(byOrder),
    removed: removed.sort(byOrder),
    changed: changed.sort(byOrder),
    sitesAdded,
    sitesRemoved,
    renamed,
  };
}

export function diffPrefixLists(base: PolicySnapshot, head: PolicySnapshot): PrefixListDiff[] {
  const out: PrefixListDiff[] = [];
  for (const [b, h] of pairByKey(base.prefixLists, head.prefixLists)) {
    if (b && h && sameEntries(b.prefixes, h.prefixes)) continue;
    const before = new Set((b?.prefixes ?? []).map((p) => p.cidr));
    const after = new Set((h?.prefixes ?? []).map((p) => p.cidr));
    const cidrsAdded = [...after].filter((c) => !before.has(c));
    const cidrsRemoved = [...before].filter((c) => !after.has(c));
    const status = !b ? "added" : !h ? "removed" : "changed";
    if (status !== "changed" || cidrsAdded.length || cidrsRemoved.length) {
      out.push({ name: (h ?? b)!.name, key: (h ?? b)!.key, status, cidrsAdded, cidrsRemoved });
    }
  }
  return out;
}

/**
 * Membership changes of the groups that rules name as peers on both sides:
 * sites that joined or left, and sites whose (effective) addresses changed.
 * Groups pair by id, then by name; sites by siteKey.
 */
export function diffGroupMembers(base: PolicySnapshot, head: PolicySnapshot): GroupMembersDiff[] {
  const side = (s: PolicySnapshot) => [...referencedGroupsOf(s).values()].map((g) => ({ ...g, key: g.id }));
  const out: GroupMembersDiff[] = [];
  for (const [b, h] of pairByKey(side(base), side(head))) {
    if (!b || !h) continue;
    const members = (g: typeof b, s: PolicySnapshot) => new Map(g.members.map((m) => [siteKey(m.site, s), [...m.addresses].sort()]));
    const before = members(b, base);
    const after = members(h, head);
    const diff: GroupMembersDiff = { name: h.name, joined: [], left: [], readdressed: [] };
    for (const [site, addresses] of after) {
      const was = before.get(site);
      if (!was) diff.joined.push({ site, after: addresses });
      else if (was.join() !== addresses.join()) diff.readdressed.push({ site, before: was, after: addresses });
    }
    for (const [site, addresses] of before) if (!after.has(site)) diff.left.push({ site, before: addresses });
    if (diff.joined.length || diff.left.length || diff.readdressed.length) out.push(diff);
  }
  return out;
}

/** The same CIDRs in the same order (most lists of a change are untouched): no set difference needed. */
function sameEntries(a: readonly { cidr: string }[], b: readonly { cidr: string }[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].cidr !== b[i].cidr) return false;
  return true;
}

/** A site as a reviewer knows it: by name when the input names it (ids of new sites differ per side). */
export function siteKey(id: string, snapshot: PolicySnapshot): string {
  return snapshot.siteNames[id]?.replace(/ \(new\)$/, "") ?? id;
}

/** A field's value in a form that compares equal when the meaning is equal. */
function comparable(field: ComparedField, rule: SnapshotRule, snapshot: PolicySnapshot): string {
  switch (field) {
    case "port": {
      const parsed = parsePorts(rule.port ?? "");
      return rule.port ? (parsed.ok ? parsed.normalized : rule.port) : "";
    }
    case "address": {
      // Prefix lists compare by name: a new list's id is a stand-in, and keys differ between input formats.
      const list = snapshot.prefixLists.find((l) => l.id === rule.address);
      if (list) return `list:${list.name}`;
      // Groups named as peers likewise.
      const group = rule.address.startsWith("sec_grp_") ? referencedGroupsOf(snapshot).get(rule.address) : undefined;
      return group ? `group:${group.name}` : rule.address;
    }
    case "action":
      return rule.action ?? "accept";
    case "log":
      return String(rule.log ?? false);
    case "icmp_type":
    case "icmp_code":
      return String(rule[field] ?? null);
    default:
      return String(rule[field]);
  }
}
