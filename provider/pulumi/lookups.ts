/**
 * Look-ups of existing objects of the organization, for Pulumi programs:
 * `getPrefixList`, `getSecurityGroup`, `getSite`, by `name` or by `id`.
 *
 * Dynamic providers have no invokes, so these are plain functions that call
 * the API from the program (with the same `secgroups:endpoint` /
 * `secgroups:token` config or SECGROUPS_ENDPOINT / SECGROUPS_TOKEN as the
 * resources) and return Outputs; they run during previews too. A name that no
 * object has, or that several have, fails the program with a message naming
 * their ids, as the Terraform data sources do.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PrefixList, SecurityGroup, Site } from "../../core/model";
import { ApiClient } from "./client";
import { clientSettings } from "./handlers";

/** Which object: exactly one of `name` (matched exactly) and `id`. */
export type LookupArgs = { name: pulumi.Input<string>; id?: undefined } | { id: pulumi.Input<string>; name?: undefined };

/** What the look-ups return: the API's objects (a site's agent token is never readable). */
export type PrefixListLookupResult = PrefixList;
export type SecurityGroupLookupResult = SecurityGroup;
export type SiteLookupResult = Site;

interface Kind {
  path: string;
  noun: string;
  plural: string;
  fn: string;
}

export const LOOKUP_KINDS = {
  prefixList: { path: "/vpc/prefix-lists", noun: "prefix list", plural: "prefix lists", fn: "getPrefixList" },
  securityGroup: { path: "/vpc/security-groups", noun: "security group", plural: "security groups", fn: "getSecurityGroup" },
  site: { path: "/vpc/sites", noun: "site", plural: "sites", fn: "getSite" },
} as const satisfies Record<string, Kind>;

/** An existing prefix list, e.g. to use its `id` in a rule's `address`. */
export function getPrefixList(args: LookupArgs): pulumi.Output<PrefixListLookupResult> {
  return lookupOutput<PrefixList>(LOOKUP_KINDS.prefixList, args);
}

/** An existing security group: its rules, sites and status. */
export function getSecurityGroup(args: LookupArgs): pulumi.Output<SecurityGroupLookupResult> {
  return lookupOutput<SecurityGroup>(LOOKUP_KINDS.securityGroup, args);
}

/** An existing site, e.g. to attach a group to its `id`. */
export function getSite(args: LookupArgs): pulumi.Output<SiteLookupResult> {
  return lookupOutput<Site>(LOOKUP_KINDS.site, args);
}

function lookupOutput<T extends { id: string; name: string }>(kind: Kind, args: LookupArgs): pulumi.Output<T> {
  const given = [args?.id, args?.name].filter((v) => v !== undefined && v !== null).length;
  if (given !== 1) {
    throw new Error(`secgroups: ${kind.fn} needs exactly one of id and name, got ${given === 0 ? "neither" : "both"}`);
  }
  return pulumi.all([args.id, args.name]).apply(([id, name]) => lookup<T>(kind, id, name));
}

/** The object with this id, or the one object with this name among every page of the list. */
export async function lookup<T extends { id: string; name: string }>(kind: Kind, id?: string, name?: string): Promise<T> {
  const client = new ApiClient(
    clientSettings({ endpoint: pulumi.runtime.getConfig("secgroups:endpoint"), token: pulumi.runtime.getConfig("secgroups:token") }),
  );
  if (id !== undefined) {
    const found = await client.get<T>(`${kind.path}/${encodeURIComponent(id)}`);
    if (!found) throw new Error(`secgroups: no ${kind.noun} with id ${id} in this organization`);
    return found.body;
  }
  const matches = (await client.list<T>(kind.path)).filter((item) => item.name === name);
  if (matches.length === 0) throw new Error(`secgroups: no ${kind.noun} named ${JSON.stringify(name)} in this organization`);
  if (matches.length > 1) {
    throw new Error(
      `secgroups: ${matches.length} ${kind.plural} are named ${JSON.stringify(name)}: ${matches.map((m) => m.id).join(", ")}; look it up by id`,
    );
  }
  return matches[0];
}
