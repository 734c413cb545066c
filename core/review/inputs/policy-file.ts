/**
 * Reads a policy document ({prefix_lists, security_groups} in API shape, as
 * `secgroups compile` reads it, or as the API lists them). Groups are matched
 * across the two sides by id when they have one, by name otherwise. An
 * optional `sites` list ({id, name, addresses, reported_addresses}, as GET
 * /vpc/sites returns) names sites and gives the addresses of the members of
 * groups that rules name as peers; `referenced_groups` (as the control plane
 * fills it) gives the members of peer groups the file does not hold.
 */
import type { ReferencedGroupInput } from "../../policy";
import type { ReviewInput } from "../snapshot";
import { addressesOf, assemble } from "./assemble";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function isPolicyDocument(json: unknown): boolean {
  return typeof json === "object" && json !== null && Array.isArray((json as Json).security_groups);
}

export function readPolicyDocument(json: Json, source: string): ReviewInput {
  const lists: Json[] = json.prefix_lists ?? [];
  const groups: Json[] = json.security_groups;
  const after = assemble({
    source,
    givenPeers: Array.isArray(json.referenced_groups) ? (json.referenced_groups as ReferencedGroupInput[]) : undefined,
    sites: ((json.sites ?? []) as Json[])
      .filter((s) => typeof s?.id === "string")
      .map((s) => ({
        key: `site ${s.id}`,
        id: s.id,
        name: String(s.name ?? s.id),
        ...addressesOf(s),
      })),
    prefixLists: lists.map((l) => ({
      key: `prefix list ${l.id}`,
      id: l.id,
      name: String(l.name),
      description: l.description,
      prefixes: l.prefixes ?? [],
    })),
    groups: groups.map((g) => ({
      key: g.id ? `group ${g.id}` : `group named ${g.name}`,
      id: g.id,
      name: String(g.name),
      description: g.description,
      sites: (g.sites ?? []).map((s: unknown) => ({ value: String(s) })),
      rules: (g.rules ?? []).map(({ address, ...r }: Json) => ({ ...r, port: r.port ?? "", address: { value: String(address) } })),
    })),
  });
  return { format: "policy", after };
}
