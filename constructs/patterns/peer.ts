/**
 * Who a rule is about, as a typed value (aws-cdk's `Peer`): a CIDR of one
 * family, a prefix list, or a security group (the effective addresses of every
 * site it is attached to: a reference, its rules are not copied).
 *
 * `Peer` is both the type of everything a pattern accepts as a peer (for
 * compatibility, plain CIDR strings and `prfx_lst_`/`sec_grp_` ids too) and the
 * factory: `Peer.ipv4("10.0.0.0/8")`, `Peer.anyIpv6()`, `Peer.prefixList(pl)`,
 * `Peer.group(web)`, `Peer.self()`. The factories validate at once, with the fix in the message.
 */
import { ID_PREFIX, SELF, isId, parseAddressCidr, type AddressFamily } from "../../core/model";
import { PatternError } from "./spec";

/** Something that names an existing prefix list; `prefixListId` may be an engine token. */
export interface PrefixListLike {
  readonly prefixListId: string;
}

/**
 * Something that names a security group; `securityGroupId` may be an engine
 * token. `securityGroupName`, when known, is used in rule descriptions.
 */
export interface SecurityGroupLike {
  readonly securityGroupId: string;
  readonly securityGroupName?: string;
}

/** A CIDR of one family, checked and in the API's stored form (RFC 5952 for IPv6). */
export interface CidrPeer {
  readonly cidr: string;
  readonly family: AddressFamily;
}

/**
 * A traffic peer: a CidrPeer, a prefix list, a security group, or as plain
 * strings an IPv4/IPv6 CIDR ("10.0.0.0/8", "2001:db8::/32"), a prefix list id
 * ("prfx_lst_...") or a security group id ("sec_grp_..."). Prefix lists and
 * groups match their members of the packet's family.
 */
export type Peer = string | CidrPeer | PrefixListLike | SecurityGroupLike;

function cidrPeer(call: string, text: string, family: AddressFamily): CidrPeer {
  if (typeof text !== "string") throw new PatternError(`${call}: expected a CIDR string, got ${JSON.stringify(text)}`);
  const parsed = parseAddressCidr(text);
  const other = family === 4 ? "Peer.ipv6" : "Peer.ipv4";
  if (!parsed.ok) {
    const hint = parsed.family !== undefined && parsed.family !== family ? `; for IPv${parsed.family} use ${other}` : "";
    throw new PatternError(`${call}: ${parsed.message}${hint}`);
  }
  if (parsed.family !== family) {
    throw new PatternError(`${call}: ${parsed.canonical} is an IPv${parsed.family} CIDR; use ${other}(${JSON.stringify(text)})`);
  }
  return Object.freeze({ cidr: parsed.canonical, family });
}

/** An id of the wrong kind, or a CIDR, where a reference was expected: the factory to use instead. */
function wrongReference(call: string, value: string, want: "prefixList" | "securityGroup"): PatternError | undefined {
  const kinds = { prefixList: "Peer.prefixList", securityGroup: "Peer.group" } as const;
  for (const kind of ["prefixList", "securityGroup"] as const) {
    if (value.startsWith(ID_PREFIX[kind]) && !isId(kind, value)) {
      return new PatternError(
        `${call}: ${JSON.stringify(value)} is not a valid ${ID_PREFIX[kind]} id (${ID_PREFIX[kind]} followed by 27 letters or digits)`,
      );
    }
    if (kind !== want && isId(kind, value))
      return new PatternError(
        `${call}: ${value} is not a ${want === "prefixList" ? "prefix list" : "security group"} id; use ${kinds[kind]}(${JSON.stringify(value)})`,
      );
  }
  if (parseAddressCidr(value).ok) return new PatternError(`${call}: ${value} is a CIDR; use Peer.ipv4 or Peer.ipv6`);
  return undefined;
}

export const Peer = {
  /** An IPv4 CIDR with zero host bits ("10.0.1.0/24"; a host is "/32"). */
  ipv4(cidr: string): CidrPeer {
    return cidrPeer(`Peer.ipv4(${JSON.stringify(cidr)})`, cidr, 4);
  },
  /** All IPv4 (0.0.0.0/0). IPv6 is a separate peer: Peer.anyIpv6(). */
  anyIpv4(): CidrPeer {
    return Object.freeze({ cidr: "0.0.0.0/0", family: 4 as const });
  },
  /** An IPv6 CIDR with zero host bits, in any RFC 4291 spelling (stored in RFC 5952 form). */
  ipv6(cidr: string): CidrPeer {
    return cidrPeer(`Peer.ipv6(${JSON.stringify(cidr)})`, cidr, 6);
  },
  /** All IPv6 (::/0). */
  anyIpv6(): CidrPeer {
    return Object.freeze({ cidr: "::/0", family: 6 as const });
  },
  /** A prefix list: an object with `prefixListId`, or its `prfx_lst_` id (or an engine token for one). */
  prefixList(list: PrefixListLike | string): PrefixListLike {
    const id = typeof list === "string" ? list : list?.prefixListId;
    const call = `Peer.prefixList(${typeof list === "string" ? JSON.stringify(list) : "…"})`;
    if (typeof id !== "string") throw new PatternError(`${call}: expected a prefix list or its id, got ${JSON.stringify(list)}`);
    const wrong = wrongReference(call, id, "prefixList");
    if (wrong) throw wrong;
    return Object.freeze({ prefixListId: id });
  },
  /**
   * The sites a security group is attached to: an object with
   * `securityGroupId` (a group construct, a group resource), or its
   * `sec_grp_` id (or an engine token for one).
   */
  group(group: SecurityGroupLike | string): SecurityGroupLike {
    const id = typeof group === "string" ? group : group?.securityGroupId;
    const call = `Peer.group(${typeof group === "string" ? JSON.stringify(group) : "…"})`;
    if (typeof id !== "string") throw new PatternError(`${call}: expected a security group or its id, got ${JSON.stringify(group)}`);
    const wrong = wrongReference(call, id, "securityGroup");
    if (wrong) throw wrong;
    const name = typeof group === "string" ? undefined : group.securityGroupName;
    return Object.freeze(name === undefined ? { securityGroupId: id } : { securityGroupId: id, securityGroupName: name });
  },
  /**
   * The group the rule is in: its own members (every site it is attached to)
   * talking to each other, like `self = true` of Terraform's aws_security_group.
   * Rendered as the address "self", which the API stores as the group's id
   * (a group cannot name its own id before it exists). See allowInternally.
   */
  self(): typeof SELF {
    return SELF;
  },
};

export function isCidrPeer(peer: unknown): peer is CidrPeer {
  return typeof peer === "object" && peer !== null && typeof (peer as CidrPeer).cidr === "string" && "family" in peer;
}

export function isSecurityGroupLike(peer: unknown): peer is SecurityGroupLike {
  return typeof peer === "object" && peer !== null && typeof (peer as SecurityGroupLike).securityGroupId === "string";
}

export function isPrefixListLike(peer: unknown): peer is PrefixListLike {
  return typeof peer === "object" && peer !== null && typeof (peer as PrefixListLike).prefixListId === "string";
}

/** A peer in a rule description: "anywhere", "10.0.0.0/8", "prefix list", "group web". */
export function describePeer(peer: Peer): string {
  const text = isCidrPeer(peer) ? peer.cidr : peer;
  if (typeof text === "string") {
    if (text === "0.0.0.0/0") return "anywhere";
    if (text === "::/0") return "anywhere (IPv6)";
    if (text === SELF) return "the group's members";
    return isId("securityGroup", text) ? `group ${text}` : text;
  }
  if (isSecurityGroupLike(text)) {
    const name = text.securityGroupName ?? (isId("securityGroup", text.securityGroupId) ? text.securityGroupId : undefined);
    return name === undefined ? "group" : `group ${name}`;
  }
  return "prefix list";
}

/** The one family of a CIDR peer; undefined for prefix lists and groups (they may hold either). */
export function peerFamily(peer: Peer): AddressFamily | undefined {
  if (isCidrPeer(peer)) return peer.family;
  if (typeof peer !== "string") return undefined;
  const parsed = parseAddressCidr(peer);
  return parsed.ok ? parsed.family : undefined;
}
