/**
 * Groups as rule peers (a rule's `address` is a `sec_grp_` id): the members of
 * each referenced group, their effective addresses, and the collapse of those
 * addresses per family, the same collapse a prefix list gets. The control
 * plane gives `referenced_groups` when it compiles a site; a policy file or a
 * review snapshot that holds the groups (with `sites`) and a `sites` list
 * (with `addresses`) may leave it out, and deriveReferencedGroups (the one
 * place that does it) builds it from those.
 */
import {
  collapseAddressTexts,
  effectiveAddresses,
  isId,
  isSelf,
  parseAddressCidr,
  type AddressRange,
  type AddressRange6,
  type ErrorCode,
  type ValidationIssue,
} from "../model";

/** A member site of a referenced group and its effective addresses (CIDR text, hosts as /32 or /128). */
export interface ReferencedGroupMemberInput {
  site: string;
  name?: string;
  addresses: readonly string[];
}

/** A group some rule names as its peer, with its member sites. */
export interface ReferencedGroupInput {
  id: string;
  name: string;
  members: readonly ReferencedGroupMemberInput[];
}

/** A site of a policy document, as GET /vpc/sites lists it (other fields ignored). */
export interface PolicySiteInput {
  id: string;
  name?: string;
  /** Declared addresses; when non-empty they are the site's effective addresses. */
  addresses?: readonly string[] | null;
  /** What the site's agent reports; effective when nothing is declared. */
  reported_addresses?: readonly string[] | null;
}

/** Exactly the addresses of a CIDR list per family: disjoint ranges, neighbours merged, and the minimal CIDRs. */
export interface CollapsedAddressSet {
  ranges: AddressRange[];
  cidrs: string[];
  ranges6: AddressRange6[];
  cidrs6: string[];
}

export interface NormalizedGroupReference extends CollapsedAddressSet {
  id: string;
  name: string;
  /** Member sites in the order given, each with its (canonical) addresses. */
  members: { site: string; name?: string; addresses: string[] }[];
}

/** The one collapse of prefix lists and group members: one sort and one merging pass per family (n log n). */
export function collapseAddressSet(cidrs: readonly string[]): CollapsedAddressSet {
  const { v4, v6 } = collapseAddressTexts(cidrs);
  return { ranges: v4.ranges, cidrs: v4.cidrs, ranges6: v6.ranges, cidrs6: v6.cidrs };
}

/** A site's effective addresses: the declared ones when there are any, else the reported ones (one definition, in core/model). */
export { effectiveAddresses };

interface DocumentGroup {
  id?: string;
  name: string;
  sites?: readonly string[];
  rules?: readonly { address?: unknown }[];
}

/**
 * The referenced groups of `referencing` (by default every group of the
 * document), their members taken from the document's groups' `sites` and
 * the sites' effective addresses. A member site the `sites` list does not
 * hold has no known addresses (it matches nothing). Groups the document does
 * not hold are left out, so a rule naming one stays an unknown reference.
 */
export function deriveReferencedGroups(
  doc: { security_groups: readonly DocumentGroup[]; sites?: readonly PolicySiteInput[] },
  referencing: readonly DocumentGroup[] = doc.security_groups,
): ReferencedGroupInput[] {
  const wanted = new Set<string>();
  for (const g of referencing) {
    for (const r of g.rules ?? []) {
      if (typeof r.address === "string" && r.address.startsWith("sec_grp_")) wanted.add(r.address);
      else if (isSelf(r.address) && g.id !== undefined) wanted.add(g.id);
    }
  }
  const sites = new Map((doc.sites ?? []).map((s) => [s.id, s]));
  const out: ReferencedGroupInput[] = [];
  for (const g of doc.security_groups) {
    if (g.id === undefined || !wanted.has(g.id)) continue;
    wanted.delete(g.id);
    out.push({
      id: g.id,
      name: g.name,
      members: (g.sites ?? []).map((id) => {
        const site = sites.get(id);
        return { site: id, ...(site?.name !== undefined ? { name: site.name } : {}), addresses: site ? [...effectiveAddresses(site)] : [] };
      }),
    });
  }
  return out;
}

/** Validates the referenced groups of a document and collapses each one's addresses; issues carry document paths. */
export function normalizeGroupReferences(groups: readonly ReferencedGroupInput[], issues: ValidationIssue[]): NormalizedGroupReference[] {
  const seen = new Map<string, number>();
  return groups.map((group, gi) => {
    const path = `referenced_groups[${gi}]`;
    const fail = (at: string, code: ErrorCode, message: string) => issues.push({ path: at, code, message: `${at}: ${message}` });
    if (!isId("securityGroup", group.id)) {
      fail(
        `${path}.id`,
        "parameter_invalid",
        `${JSON.stringify(group.id)} is not a security group id (sec_grp_ followed by 27 letters or digits)`,
      );
    } else if (seen.has(group.id)) {
      fail(`${path}.id`, "duplicate_value", `${group.id} is already listed at referenced_groups[${seen.get(group.id)}]`);
    } else seen.set(group.id, gi);
    const members = (Array.isArray(group.members) ? group.members : []).map((member, mi) => {
      const given: readonly unknown[] = Array.isArray(member?.addresses) ? member.addresses : [];
      const addresses = given.flatMap((text, ai) => {
        const parsed = typeof text === "string" ? parseAddressCidr(text) : undefined;
        if (parsed?.ok) return [parsed.canonical];
        const at = `${path}.members[${mi}].addresses[${ai}]`;
        fail(at, "invalid_cidr", parsed ? parsed.message : `must be a CIDR text such as 10.0.1.5/32`);
        return [];
      });
      return { site: String(member?.site), ...(typeof member?.name === "string" ? { name: member.name } : {}), addresses };
    });
    if (!Array.isArray(group.members)) fail(`${path}.members`, "parameter_invalid", "must be a list of member sites");
    return { id: group.id, name: String(group.name ?? group.id), members, ...collapseAddressSet(members.flatMap((m) => m.addresses)) };
  });
}
