/** The names of what secgroups owns in nftables: one table, and the sets and chain inside it. */
import type { AddressFamily } from "../../model";

export const NFT_TABLE = "secgroups";
/** The control-plane exception's `address . port` sets, one per family. */
export const NFT_CONTROL_PLANE_SET = "control_plane";
export const NFT_CONTROL_PLANE_SET6 = "control_plane_6";
/** The regular chain of the always-accepted ICMPv6 messages (core/policy/icmpv6.ts) every base chain jumps to. */
export const NFT_ESSENTIAL_ICMPV6_CHAIN = "essential_icmpv6";

/**
 * A prefix list's interval set for one family: the list id (IPv4, as before
 * IPv6) or `<id>_6`, which is never another list's id (ids are `prfx_lst_`
 * and 27 letters or digits, no further underscore).
 */
export function nftListSet(id: string, family: AddressFamily): string {
  return family === 4 ? id : `${id}_6`;
}

/**
 * A referenced group's interval set for one family, named as a prefix list's
 * is: the group id (IPv4) or `<id>_6`. Group ids start `sec_grp_`, list ids
 * `prfx_lst_`, so the two never meet; at most 37 characters.
 */
export function nftGroupSet(id: string, family: AddressFamily): string {
  return family === 4 ? id : `${id}_6`;
}

export interface NftTableName {
  family: string;
  name: string;
}

/** `table inet secgroups`: IPv4 and IPv6 packets pass its chains (the policy drops what it does not allow). */
export const NFT_TABLE_NAME: NftTableName = { family: "inet", name: NFT_TABLE };
