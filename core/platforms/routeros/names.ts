/**
 * The names of what secgroups owns on a RouterOS router. Chains and address
 * lists come in two slots ("a" and "b", see render.ts); their names are
 * RouterOS expressions of the script's slot variable. `/ip firewall` (IPv4)
 * and `/ipv6 firewall` (IPv6) are separate tables with their own chains and
 * address lists, so each switches slots on its own: `$slot` for IPv4, `$slot6`
 * for IPv6 (an import interrupted between the two switches leaves each table
 * consistent).
 */
import type { AddressFamily } from "../../model";
import type { Hook } from "../../policy";

/** The address list the bootstrap fills with the control plane's addresses, in /ip and /ipv6 (docs/routeros.md). */
export const ROUTEROS_CONTROL_PLANE_LIST = "secgroups-control-plane";

/** The menu of a family's firewall table. */
export function firewallMenu(family: AddressFamily): string {
  return family === 6 ? "/ipv6 firewall" : "/ip firewall";
}

/** The script variable holding the slot being built in a family's table, and the one holding the old slot. */
export function slotVariables(family: AddressFamily): { slot: string; old: string } {
  return family === 6 ? { slot: "slot6", old: "old6" } : { slot: "slot", old: "old" };
}

/** The slot-dependent name of something: a RouterOS expression. */
function slotted(family: AddressFamily, prefix: string, suffix = ""): string {
  const slot = slotVariables(family).slot;
  return `("${prefix}" . $${slot}${suffix ? ` . "${suffix}"` : ""})`;
}

/** The address list of a prefix list in the slot being built. */
export function listName(listId: string, family: AddressFamily = 4): string {
  return slotted(family, "sg-", `-${listId}`);
}

/**
 * The address list of a referenced group's members in the slot being built:
 * `sg-<slot>-sec_grp_...`, beside the prefix lists' `sg-<slot>-prfx_lst_...`
 * (the id's own prefix keeps them apart).
 */
export function groupListName(groupId: string, family: AddressFamily = 4): string {
  return slotted(family, "sg-", `-${groupId}`);
}

/** Our chain of a hook in the slot being built. */
export function chainName(hook: Hook, family: AddressFamily = 4): string {
  return slotted(family, `secgroups-${hook}-`);
}

/** A comment tag of the slot being built: `secgroups:<slot>:<what>`. */
export function slotTag(what: string, family: AddressFamily = 4): string {
  return `comment=("secgroups:" . $${slotVariables(family).slot} . ":${what}")`;
}
