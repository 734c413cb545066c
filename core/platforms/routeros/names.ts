/**
 * The names of what secgroups owns on a RouterOS router. Chains and address
 * lists come in two slots ("a" and "b", see render.ts); their names are
 * RouterOS expressions of the script's `$slot` variable.
 */
import type { Hook } from "../../policy";

/** The address list the bootstrap fills with the control plane's addresses (docs/routeros.md). */
export const ROUTEROS_CONTROL_PLANE_LIST = "secgroups-control-plane";

/** The slot-dependent name of something: a RouterOS expression. */
function slotted(prefix: string, suffix = ""): string {
  return `("${prefix}" . $slot${suffix ? ` . "${suffix}"` : ""})`;
}

/** The address list of a prefix list in the slot being built. */
export function listName(listId: string): string {
  return slotted("sg-", `-${listId}`);
}

/** Our chain of a hook in the slot being built. */
export function chainName(hook: Hook): string {
  return slotted(`secgroups-${hook}-`);
}
