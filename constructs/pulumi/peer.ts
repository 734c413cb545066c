/**
 * Peers for Pulumi programs: the engine-neutral `Peer` (constructs/patterns)
 * with references that may be Outputs, a SecurityGroup or PrefixList resource,
 * or a pattern component. `toPatternPeer` turns any of them into what the
 * pattern takes, with every Input replaced by a token (see index.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import * as patterns from "../patterns";
import { PrefixList, SecurityGroup } from "../../provider/pulumi/resources";

/** A prefix list named by its id, where the id may be an Output (e.g. another stack's). */
export interface PrefixListReference {
  readonly prefixListId: pulumi.Input<string>;
}

/** A security group named by its id, where the id may be an Output; the name, when given, goes into rule descriptions. */
export interface SecurityGroupReference {
  readonly securityGroupId: pulumi.Input<string>;
  readonly securityGroupName?: string;
}

/** A pattern component (WebServerGroup, ...): its SecurityGroup child and the pattern's name. */
export interface GroupComponentLike {
  readonly securityGroup: SecurityGroup;
  readonly pattern: { readonly name: string };
}

/**
 * A traffic peer: a CIDR (`Peer.ipv4(...)` or a plain string), a PrefixList
 * resource or `{ prefixListId }`, a security group (a pattern component, a
 * SecurityGroup resource, `{ securityGroupId }`), a `prfx_lst_`/`sec_grp_` id,
 * or an Output/Promise of such an id (`web.id` works).
 */
export type Peer =
  | pulumi.Input<string>
  | patterns.CidrPeer
  | PrefixList
  | PrefixListReference
  | SecurityGroup
  | SecurityGroupReference
  | GroupComponentLike;

function isGroupComponent(value: unknown): value is GroupComponentLike {
  return typeof value === "object" && value !== null && (value as GroupComponentLike).securityGroup instanceof SecurityGroup;
}

function hasKey<K extends string>(value: unknown, key: K): value is Record<K, pulumi.Input<string>> {
  return typeof value === "object" && value !== null && key in value && !pulumi.Output.isInstance(value);
}

function isPromise(value: unknown): value is Promise<string> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/** The pattern's peer for `peer`; `token` stands in for an Input the engine resolves later. */
export function toPatternPeer(peer: Peer, token: (input: pulumi.Input<string>) => string): patterns.Peer {
  if (typeof peer === "string" || patterns.isCidrPeer(peer)) return peer;
  if (isGroupComponent(peer)) return { securityGroupId: token(peer.securityGroup.id), securityGroupName: peer.pattern.name };
  if (peer instanceof SecurityGroup) return { securityGroupId: token(peer.id) };
  if (pulumi.CustomResource.isInstance(peer)) return { prefixListId: token(peer.id) };
  if (hasKey(peer, "securityGroupId")) {
    const id = peer.securityGroupId;
    const name = (peer as SecurityGroupReference).securityGroupName;
    return { securityGroupId: typeof id === "string" ? id : token(id), ...(name === undefined ? {} : { securityGroupName: name }) };
  }
  if (hasKey(peer, "prefixListId")) {
    const id = peer.prefixListId;
    return { prefixListId: typeof id === "string" ? id : token(id) };
  }
  // An Output or Promise of an id (a prefix list's or a group's): used as the address as it is.
  if (pulumi.Output.isInstance(peer) || isPromise(peer)) return { prefixListId: token(peer as pulumi.Input<string>) };
  // Anything else goes to the pattern as it is, which says what it expected.
  return peer as unknown as patterns.Peer;
}

/** Literal ids are checked at once (the wrong kind of id names the right factory); Outputs are checked by the provider when known. */
function checkLiteral(call: (id: string) => unknown, id: pulumi.Input<string>): void {
  if (typeof id === "string") call(id);
}

export const Peer = {
  ipv4: patterns.Peer.ipv4,
  anyIpv4: patterns.Peer.anyIpv4,
  ipv6: patterns.Peer.ipv6,
  anyIpv6: patterns.Peer.anyIpv6,
  /** The rule's own group (its members talking to each other): the address "self". */
  self: patterns.Peer.self,
  /** A prefix list: a PrefixList resource (or look-up result with an `id`), `{ prefixListId }`, or its id (an Output too). */
  prefixList(list: PrefixList | PrefixListReference | pulumi.Input<string>): PrefixListReference {
    if (list instanceof PrefixList) return { prefixListId: list.id };
    const id = hasKey(list, "prefixListId") ? list.prefixListId : (list as pulumi.Input<string>);
    checkLiteral(patterns.Peer.prefixList, id);
    return { prefixListId: id };
  },
  /**
   * The sites a security group is attached to (its effective addresses): a
   * pattern component, a SecurityGroup resource, `{ securityGroupId }`, or its
   * id (an Output too: `Peer.group(web.id)`).
   */
  group(group: GroupComponentLike | SecurityGroup | SecurityGroupReference | pulumi.Input<string>): SecurityGroupReference {
    if (isGroupComponent(group)) return { securityGroupId: group.securityGroup.id, securityGroupName: group.pattern.name };
    if (group instanceof SecurityGroup) return { securityGroupId: group.id };
    if (hasKey(group, "securityGroupId")) {
      checkLiteral(patterns.Peer.group, group.securityGroupId);
      return group;
    }
    const id = group as pulumi.Input<string>;
    checkLiteral(patterns.Peer.group, id);
    return { securityGroupId: id };
  },
};
