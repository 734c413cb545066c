/**
 * Turns the resources an engine's plan describes (groups, prefix lists and
 * sites, with references that may be unknown until apply) into a snapshot.
 * Unknown references are resolved through the resource relations the engine
 * records (Pulumi's propertyDependencies, Terraform's configuration
 * references, CDKTF's interpolations) when exactly one new resource can be
 * meant; otherwise they stay unknown and the report says so.
 */
import { isId, isSelf, type FilterRuleWrite } from "../../model";
import type { ReferencedGroupInput } from "../../policy";
import {
  UNKNOWN_UNTIL_APPLY,
  prefixListIdFor,
  standInId,
  type PolicySnapshot,
  type SnapshotGroup,
  type SnapshotPrefixList,
  type SnapshotRule,
} from "../snapshot";

/** A value as the engine reports it: known, unknown until apply, or a reference to another resource by key. */
export type RawValue = { value: string } | { unknown: true } | { ref: string };

export interface RawPrefixList {
  key: string;
  /** Undefined when apply assigns the id. */
  id?: string;
  name: string;
  description?: string | null;
  prefixes: { cidr: string; description?: string | null }[];
}

export interface RawSite {
  key: string;
  id?: string;
  name: string;
  /** Declared addresses (CIDRs), when the input gives them. */
  addresses?: string[];
  /** What the site's agent reported, when the input shows it (state, API listings). */
  reportedAddresses?: string[];
}

export type RawRule = Omit<FilterRuleWrite, "address"> & { address: RawValue; unknownFields?: string[] };

export interface RawGroup {
  key: string;
  id?: string;
  name: string;
  description?: string | null;
  sites: RawValue[];
  /** Undefined when the whole list is unknown until apply. */
  rules?: RawRule[];
  /** Keys of the resources the rules / sites depend on (the engine's relations). */
  ruleDependencies?: string[];
  siteDependencies?: string[];
}

export interface RawResources {
  source: string;
  /** Groups named as peers that the input gives with their members but does not hold (a policy file's referenced_groups). */
  givenPeers?: ReferencedGroupInput[];
  groups: RawGroup[];
  prefixLists: RawPrefixList[];
  sites: RawSite[];
}

export function assemble(raw: RawResources): PolicySnapshot {
  const notes: string[] = [];
  const prefixLists: SnapshotPrefixList[] = raw.prefixLists.map((l) => ({
    key: l.key,
    ...prefixListIdFor(l.key, l.id),
    name: l.name,
    description: l.description ?? null,
    prefixes: l.prefixes.map((p) => ({ cidr: p.cidr, description: p.description ?? null })),
  }));
  const listByKey = new Map(prefixLists.map((l) => [l.key, l]));
  const listByRawId = new Map<string, SnapshotPrefixList>();
  raw.prefixLists.forEach((l, i) => l.id && listByRawId.set(l.id, prefixLists[i]));

  const siteNames: Record<string, string> = {};
  const siteAddresses: NonNullable<PolicySnapshot["siteAddresses"]> = {};
  const siteIdByKey = new Map<string, string>();
  for (const s of raw.sites) {
    const id = s.id ?? standInId("site_", s.key);
    siteIdByKey.set(s.key, id);
    siteNames[id] = s.id ? s.name : `${s.name} (new)`;
    if (s.addresses || s.reportedAddresses)
      siteAddresses[id] = { addresses: s.addresses ?? [], reported_addresses: s.reportedAddresses ?? [] };
  }
  // Groups are rule peers too: their ids (real or stand-in) by key and by the id the input shows.
  const groupIdOf = (g: RawGroup) => (isId("securityGroup", g.id) ? g.id : standInId("sec_grp_", g.key));
  const peers: Peers = { byKey: new Map(), byRawId: new Map(), pending: new Map() };
  for (const g of raw.givenPeers ?? []) {
    peers.byRawId.set(g.id, { id: g.id, name: g.name, what: "group" });
    for (const m of g.members ?? []) if (typeof m.name === "string" && !(m.site in siteNames)) siteNames[m.site] = m.name;
  }
  for (const g of raw.groups) {
    const target: Peer = { id: groupIdOf(g), name: g.name, what: "group" };
    peers.byKey.set(g.key, target);
    if (g.id) peers.byRawId.set(g.id, target);
    else peers.pending.set(g.key, target);
  }

  const groups = raw.groups.map((g): SnapshotGroup => {
    // New prefix lists and groups the rules depend on: an unknown address is one of them.
    const pendingLists: Peer[] = (g.ruleDependencies ?? []).flatMap((k) => {
      const list = listByKey.get(k);
      if (list?.pendingId) return [{ id: list.id, name: list.name, what: "prefix list" as const }];
      const group = peers.pending.get(k);
      return group && k !== g.key ? [group] : [];
    });
    const rules = g.rules?.map((r) => resolveRule(g, groupIdOf(g), r, pendingLists, listByKey, listByRawId, peers, notes)) ?? [];
    if (!g.rules) notes.push(`${g.name}: the rule list is ${UNKNOWN_UNTIL_APPLY}`);
    return {
      key: g.key,
      id: groupIdOf(g),
      name: g.name,
      description: g.description ?? null,
      sites: resolveSites(g, raw.sites, siteIdByKey, siteNames, notes),
      rules,
      rulesUnknown: !g.rules,
    };
  });
  return {
    source: raw.source,
    groups,
    prefixLists,
    siteNames,
    ...(Object.keys(siteAddresses).length ? { siteAddresses } : {}),
    ...(raw.givenPeers?.length ? { givenPeers: raw.givenPeers } : {}),
    notes,
  };
}

/** What an unknown or referenced rule address may be: a prefix list or a group, by its id in the snapshot. */
interface Peer {
  id: string;
  name: string;
  what: "prefix list" | "group";
}

interface Peers {
  byKey: Map<string, Peer>;
  byRawId: Map<string, Peer>;
  /** Groups whose id apply assigns, by key. */
  pending: Map<string, Peer>;
}

/** `ownId`: the group's id in the snapshot, which a rule's `self` names. */
function resolveRule(
  group: RawGroup,
  ownId: string,
  rule: RawRule,
  pendingLists: Peer[],
  listByKey: Map<string, SnapshotPrefixList>,
  listByRawId: Map<string, SnapshotPrefixList>,
  groups: Peers,
  notes: string[],
): SnapshotRule {
  const { address, unknownFields } = rule;
  const fields = ruleFields(rule);
  const unknown = [...(unknownFields ?? [])];
  let resolved: string;
  if ("ref" in address) {
    const target = listByKey.get(address.ref) ?? groups.byKey.get(address.ref);
    if (target) resolved = target.id;
    else {
      resolved = UNKNOWN_UNTIL_APPLY;
      unknown.push("address");
      notes.push(`${group.name}, rule ${rule.order}: address refers to ${address.ref}, which is not a prefix list of this input`);
    }
  } else if ("unknown" in address) {
    if (pendingLists.length === 1) {
      resolved = pendingLists[0].id;
      notes.push(
        `${group.name}, rule ${rule.order}: address is the id of new ${pendingLists[0].what} ${pendingLists[0].name} (its only new dependency)`,
      );
    } else {
      resolved = UNKNOWN_UNTIL_APPLY;
      unknown.push("address");
      const which = pendingLists.length ? `one of ${pendingLists.map((l) => l.name).join(", ")}` : "a value computed by another resource";
      notes.push(`${group.name}, rule ${rule.order}: address is ${UNKNOWN_UNTIL_APPLY} (${which})`);
    }
  } else if (isSelf(address.value)) {
    resolved = ownId;
  } else if (address.value.startsWith("prfx_lst_") || listByRawId.has(address.value)) {
    const list = listByRawId.get(address.value);
    if (list) resolved = list.id;
    else if (pendingLists.length === 1) {
      // An id the input does not show (a policy pack sees no ids): the one list the rules depend on.
      resolved = pendingLists[0].id;
    } else {
      // Managed elsewhere: its prefixes are not in this input, so the rule cannot be evaluated.
      resolved = address.value;
      unknown.push("address");
      notes.push(
        `${group.name}, rule ${rule.order}: prefix list ${address.value} is not defined in this input; its addresses are unknown here`,
      );
    }
  } else if (address.value.startsWith("sec_grp_") || groups.byRawId.has(address.value)) {
    const peer = groups.byRawId.get(address.value);
    if (peer) resolved = peer.id;
    else {
      // A group this input does not hold: its members (and so the addresses the rule matches) are unknown here.
      resolved = address.value;
      unknown.push("address");
      notes.push(`${group.name}, rule ${rule.order}: group ${address.value} is not defined in this input; its members are unknown here`);
    }
  } else resolved = address.value;
  return unknown.length ? { ...fields, address: resolved, unknown } : { ...fields, address: resolved };
}

function resolveSites(
  group: RawGroup,
  allSites: RawSite[],
  siteIdByKey: Map<string, string>,
  siteNames: Record<string, string>,
  notes: string[],
): string[] {
  const known = group.sites.flatMap((s) =>
    "value" in s ? [s.value] : "ref" in s && siteIdByKey.has(s.ref) ? [siteIdByKey.get(s.ref)!] : [],
  );
  nameLoneSite(group, known, allSites, siteNames);
  const unknownCount = group.sites.filter((s) => "unknown" in s || ("ref" in s && !siteIdByKey.has(s.ref))).length;
  if (!unknownCount) return known;
  // Sites are a set: when as many new sites are depended on as ids are unknown, they are those sites.
  const pending = (group.siteDependencies ?? []).filter((k) => allSites.some((s) => s.key === k && !s.id));
  if (pending.length === unknownCount) return [...known, ...pending.map((k) => siteIdByKey.get(k)!)];
  notes.push(`${group.name}: ${unknownCount} site id(s) ${UNKNOWN_UNTIL_APPLY}`);
  const standIns = Array.from({ length: unknownCount }, (_, i) => standInId("site_", `${group.key}#unknown-site-${i}`));
  standIns.forEach((id, i) => (siteNames[id] = `site ${i + 1} ${UNKNOWN_UNTIL_APPLY}`));
  return [...known, ...standIns];
}

/**
 * A known site id the input has no site resource for (a policy pack sees no
 * ids): when exactly one such id and exactly one id-less site the group
 * depends on remain, that site is its name. More than one cannot be paired.
 */
function nameLoneSite(group: RawGroup, known: string[], allSites: RawSite[], siteNames: Record<string, string>): void {
  const unnamed = known.filter((id) => !(id in siteNames));
  const candidates = allSites.filter((s) => !s.id && (group.siteDependencies ?? []).includes(s.key));
  if (unnamed.length === 1 && candidates.length === 1) siteNames[unnamed[0]] = candidates[0].name;
}

const RULE_FIELDS = ["direction", "order", "protocol", "port", "description", "action", "icmp_type", "icmp_code", "log"] as const;

/** Only the API's rule fields (a listing's rule ids and an engine's extras are not part of the policy). */
function ruleFields(rule: RawRule): Omit<FilterRuleWrite, "address"> {
  const out: Record<string, unknown> = {};
  for (const k of RULE_FIELDS) if (rule[k] !== undefined) out[k] = rule[k];
  return out as Omit<FilterRuleWrite, "address">;
}

/** A site's declared and reported addresses, where the listing has them (text values only). */
export function addressesOf(site: Record<string, unknown>): { addresses?: string[]; reportedAddresses?: string[] } {
  const texts = (v: unknown) => (Array.isArray(v) ? v.filter((a): a is string => typeof a === "string") : undefined);
  const addresses = texts(site.addresses);
  const reportedAddresses = texts(site.reported_addresses);
  return { ...(addresses ? { addresses } : {}), ...(reportedAddresses ? { reportedAddresses } : {}) };
}
