/**
 * Resource types of the API (Altostrat contract plus documented extensions):
 * the shapes of core/model/shapes and the types derived from them.
 */
import type { PrefixList, PrefixListWrite, SecurityGroupWrite } from "./shapes";

export * from "./shapes";

/** A policy document: what `secgroups compile` and `secgroups review` read. */
export interface PolicyDocument {
  prefix_lists: PrefixList[] | (PrefixListWrite & { id: string })[];
  security_groups: (SecurityGroupWrite & { id?: string })[];
}
