/** RouterOS v7: a two-slot `/import` script the router fetches itself; no agent runs on it. */
import type { Platform } from "../platform";
import { expectedRouteros, readRouteros, type RouterosListing } from "./read";
import { renderRouteros } from "./render";

export { ROUTEROS_UNMANAGED, routerosConfirmation, servedRouterosScript, type RouterosRevision } from "./enforce";
export { ROUTEROS_CONTROL_PLANE_LIST } from "./names";
export { expectedRouteros, parseArgs, parseRouterosScript, readRouteros, readRouterosExport, type RouterosListing } from "./read";
export { renderRouteros } from "./render";

export const routeros: Platform<RouterosListing> = {
  name: "routeros",
  render: renderRouteros,
  read: readRouteros,
  expected: expectedRouteros,
};
