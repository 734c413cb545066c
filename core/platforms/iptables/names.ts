/** The names of what secgroups owns in iptables and ipset: three chains, a set per prefix list, the control-plane set. */
import type { Hook } from "../../policy";

/** Our chains, one per hook; the built-in chains only jump to them. */
export const IPTABLES_CHAIN: Readonly<Record<Hook, string>> = {
  input: "secgroups-input",
  output: "secgroups-output",
  forward: "secgroups-forward",
};
export const BUILTIN_CHAIN: Readonly<Record<Hook, string>> = { input: "INPUT", output: "OUTPUT", forward: "FORWARD" };
export const OUR_CHAINS: ReadonlySet<string> = new Set(Object.values(IPTABLES_CHAIN));

/** hash:ip,port of the control plane's address and TCP port, matched in our output chain. */
export const IPSET_CONTROL_PLANE = "secgroups-cp";
/** Where the next control-plane set is filled before it is swapped in. */
export const IPSET_CONTROL_PLANE_NEXT = "secgroups-cp-t";

/** ipset name of a prefix list (at most 31 characters). */
export function ipsetName(listId: string): string {
  return `sg-${listId.replace(/^prfx_lst_/, "")}`;
}
/** Where the next contents of a prefix list's set are filled before they are swapped in. */
export function ipsetNext(listId: string): string {
  return `sgt-${listId.replace(/^prfx_lst_/, "")}`;
}

/** Whether an ipset is one of ours (a list's set, its temporary copy, or the control-plane sets). */
export function isOurIpset(name: string): boolean {
  return name === IPSET_CONTROL_PLANE || name === IPSET_CONTROL_PLANE_NEXT || /^sgt?-/.test(name);
}
