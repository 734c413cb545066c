/**
 * One side of a review: the security groups and prefix lists a policy file,
 * a plan or a preview says will exist, in API shape, plus what cannot be
 * known before apply. Every input format is read into this form; the review
 * compares two of them.
 */
import { isId, type FilterRuleWrite } from "../model";
import { deriveReferencedGroups, type PolicyDocumentInput, type PolicySiteInput, type ReferencedGroupInput } from "../policy";

/** Shown wherever a value is computed by apply (a new prefix list's id, a new site's id). */
export const UNKNOWN_UNTIL_APPLY = "(unknown until apply)";

export interface SnapshotPrefixList {
  /** Identity across the two sides: URN, Terraform address, or the API id / name of a policy file. */
  key: string;
  /** The id rules refer to it by: the real one, or a stand-in when apply assigns it. */
  id: string;
  name: string;
  description: string | null;
  prefixes: { cidr: string; description: string | null }[];
  /** The id is assigned at apply; `id` is a stand-in derived from `key`. */
  pendingId: boolean;
}

export interface SnapshotRule extends FilterRuleWrite {
  /** Fields whose value is not known until apply (the rule takes no part in the semantic comparison). */
  unknown?: string[];
}

export interface SnapshotGroup {
  key: string;
  /** The API id when known, otherwise a stand-in derived from `key` (evaluation order ties on it). */
  id: string;
  name: string;
  description: string | null;
  /** Site ids; a site whose id is unknown until apply has a stand-in id (see `siteNames`). */
  sites: string[];
  rules: SnapshotRule[];
  /** Whether the whole rule list is unknown until apply. */
  rulesUnknown?: boolean;
}

export interface PolicySnapshot {
  /** Where this side came from, for the report ("terraform plan (after)"). */
  source: string;
  groups: SnapshotGroup[];
  prefixLists: SnapshotPrefixList[];
  /** Display names of sites by id, where the input names them. */
  siteNames: Record<string, string>;
  /** Declared and reported addresses of sites by id, where the input gives them (the members of groups named as peers). */
  siteAddresses?: Record<string, Pick<PolicySiteInput, "addresses" | "reported_addresses">>;
  /** Groups named as peers that the input gives with their members (a policy file's `referenced_groups`) but does not hold. */
  givenPeers?: ReferencedGroupInput[];
  /** Notes on values that could only be resolved by following resource relations, or not at all. */
  notes: string[];
}

/** What a single input file holds: a policy (one side) or a change (both sides). */
export interface ReviewInput {
  format: "policy" | "pulumi-preview" | "terraform-plan" | "terraform-state" | "cdktf-synth";
  /** Absent when the input is a single state (policy file, synth output): there is no "before". */
  before?: PolicySnapshot;
  after: PolicySnapshot;
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A valid-looking, deterministic stand-in id for a resource whose id apply will assign. */
export function standInId(prefix: string, key: string): string {
  // FNV-1a over the key, stretched to 27 base62 characters: stable across runs, distinct per key.
  let h = 0x811c9dc5;
  let out = "";
  for (let round = 0; out.length < 27; round++) {
    for (const c of `${round}:${key}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
    let x = h;
    for (let i = 0; i < 5 && out.length < 27; i++, x = Math.floor(x / 62)) out += BASE62[x % 62];
  }
  return prefix + out;
}

/** Whether a rule can be evaluated: every field known. */
export function isKnownRule(rule: SnapshotRule): boolean {
  return !rule.unknown?.length;
}

/**
 * The policy document of a subset of groups, as normalizePolicy reads it. Rules
 * with unknown fields are left out: the report lists them separately.
 */
export function documentOf(snapshot: PolicySnapshot, groups: readonly SnapshotGroup[] = snapshot.groups): PolicyDocumentInput {
  const members = referencedGroupsOf(snapshot);
  const referenced = new Set(groups.flatMap((g) => g.rules.filter(isKnownRule).map((r) => r.address)));
  return {
    referenced_groups: [...members.values()].filter((g) => referenced.has(g.id)),
    prefix_lists: snapshot.prefixLists.map((l) => ({ id: l.id, name: l.name, description: l.description, prefixes: l.prefixes })),
    security_groups: groups.map((g) => ({
      id: g.id,
      name: g.name,
      description: g.description,
      sites: g.sites,
      rules: g.rules.filter(isKnownRule).map(({ unknown: _unknown, ...rule }) => rule),
    })),
  };
}

const membersCache = new WeakMap<PolicySnapshot, Map<string, ReferencedGroupInput>>();

/**
 * The groups some rule of the snapshot names as its peer, by id, their members
 * from the groups' `sites` and the sites' addresses (one derivation:
 * deriveReferencedGroups), or the given ones where the input gives them.
 * Computed once per snapshot.
 */
export function referencedGroupsOf(snapshot: PolicySnapshot): Map<string, ReferencedGroupInput> {
  let members = membersCache.get(snapshot);
  if (!members) {
    const sites = Object.entries(snapshot.siteAddresses ?? {}).map(([id, a]) => ({ id, name: snapshot.siteNames[id], ...a }));
    const groups = snapshot.groups.map((g) => ({ ...g, rules: g.rules.filter(isKnownRule) }));
    members = new Map(deriveReferencedGroups({ security_groups: groups, sites }).map((g) => [g.id, g]));
    // Given members are the input's own word (the control plane's at compile time): they win over a derivation from a partial view.
    for (const g of snapshot.givenPeers ?? []) members.set(g.id, g);
    membersCache.set(snapshot, members);
  }
  return members;
}

/** The prefix-list id a resource's id becomes inside the review (real ids pass through). */
export function prefixListIdFor(key: string, id: unknown): { id: string; pendingId: boolean } {
  if (isId("prefixList", id)) return { id, pendingId: false };
  // Foreign-looking but known ids (a test double's) still get a valid stand-in, keyed by the id.
  if (typeof id === "string" && id !== "") return { id: standInId("prfx_lst_", `id:${id}`), pendingId: false };
  return { id: standInId("prfx_lst_", key), pendingId: true };
}
