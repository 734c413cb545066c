/**
 * The names of what secgroups owns in iptables, ip6tables and ipset: three
 * chains per family (the same names in both tables), a set per prefix list and
 * family, the control-plane set of each family. ipset names share one
 * namespace across families and hold at most 31 characters, so the IPv6 sets
 * take a prefix of the same length as the IPv4 ones (`s6-` beside `sg-`).
 * A referenced group's sets take prefixes of their own (`g4-`, `g6-`), so
 * they never meet a prefix list's.
 */
import type { AddressFamily } from "../../model";
import type { Hook } from "../../policy";

/** Our chains, one per hook; the built-in chains only jump to them. */
export const IPTABLES_CHAIN: Readonly<Record<Hook, string>> = {
  input: "secgroups-input",
  output: "secgroups-output",
  forward: "secgroups-forward",
};
export const BUILTIN_CHAIN: Readonly<Record<Hook, string>> = { input: "INPUT", output: "OUTPUT", forward: "FORWARD" };
export const OUR_CHAINS: ReadonlySet<string> = new Set(Object.values(IPTABLES_CHAIN));

/** hash:ip,port of the control plane's IPv4 addresses and TCP port, matched in our output chain. */
export const IPSET_CONTROL_PLANE = "secgroups-cp";
/** Where the next control-plane set is filled before it is swapped in. */
export const IPSET_CONTROL_PLANE_NEXT = "secgroups-cp-t";
/** The same for the control plane's IPv6 addresses (hash:ip,port family inet6), matched in our ip6tables output chain. */
export const IPSET_CONTROL_PLANE6 = "secgroups-cp6";
export const IPSET_CONTROL_PLANE6_NEXT = "secgroups-cp6-t";

/** The control-plane set of a family and its temporary copy. */
export function controlPlaneSet(family: AddressFamily): { name: string; next: string } {
  return family === 6
    ? { name: IPSET_CONTROL_PLANE6, next: IPSET_CONTROL_PLANE6_NEXT }
    : { name: IPSET_CONTROL_PLANE, next: IPSET_CONTROL_PLANE_NEXT };
}

const listSuffix = (listId: string) => listId.replace(/^prfx_lst_/, "");

/** ipset name of a prefix list's members of one family (at most 31 characters): `sg-<id>` (IPv4), `s6-<id>` (IPv6). */
export function ipsetName(listId: string, family: AddressFamily = 4): string {
  return `${family === 6 ? "s6" : "sg"}-${listSuffix(listId)}`;
}
/** Where the next contents of a prefix list's set are filled before they are swapped in: `sgt-<id>`, `s6t-<id>`. */
export function ipsetNext(listId: string, family: AddressFamily = 4): string {
  return `${family === 6 ? "s6t" : "sgt"}-${listSuffix(listId)}`;
}

const groupSuffix = (groupId: string) => groupId.replace(/^sec_grp_/, "");

/** ipset name of a referenced group's member addresses of one family (at most 31 characters): `g4-<id>`, `g6-<id>`. */
export function groupIpsetName(groupId: string, family: AddressFamily): string {
  return `g${family}-${groupSuffix(groupId)}`;
}
/** Where the next contents of a group's set are filled before they are swapped in: `g4t-<id>`, `g6t-<id>`. */
export function groupIpsetNext(groupId: string, family: AddressFamily): string {
  return `g${family}t-${groupSuffix(groupId)}`;
}

/** Whether an ipset is one of ours (a list's or group's set, its temporary copy, or the control-plane sets). */
export function isOurIpset(name: string): boolean {
  return /^secgroups-cp6?(-t)?$/.test(name) || /^(sg|s6)t?-/.test(name) || /^g[46]t?-[0-9A-Za-z]+$/.test(name);
}
