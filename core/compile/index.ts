/**
 * The policy compiler: normalizePolicy builds the one intermediate form,
 * one generator per platform renders it.
 */
import type { Platform } from "../model";
import { iptablesGenerator } from "./iptables";
import { nftablesGenerator } from "./nftables";
import { normalizePolicy, type NormalizedPolicy, type PolicyDocumentInput } from "../policy";
import { routerosGenerator } from "./routeros";

export { normalizePolicy, type NormalizedPolicy, type PolicyDocumentInput } from "../policy";

/** One platform's renderer: a pure function of the normalized policy (same input, same bytes). */
export interface Generator {
  readonly platform: Platform;
  render(policy: NormalizedPolicy): string;
}

export interface CompileOptions {
  mode?: "host" | "router";
}
export { controlPlaneElements, NFT_TABLE, NFT_CONTROL_PLANE_SET } from "./nftables";
export {
  compileIptables,
  controlPlaneIpset,
  splitIptablesConfig,
  joinIptablesConfig,
  ipsetName,
  IPTABLES_CHAIN,
  IPSET_CONTROL_PLANE,
  type IptablesConfig,
} from "./iptables";
export { ROUTEROS_CONTROL_PLANE_LIST } from "./routeros";

export const GENERATORS: Readonly<Record<Platform, Generator>> = {
  nftables: nftablesGenerator,
  iptables: iptablesGenerator,
  routeros: routerosGenerator,
};

/** Renders the configuration of `target` for a site whose groups are those of `doc`. */
export function compilePolicy(doc: PolicyDocumentInput, target: Platform, options: CompileOptions = {}): string {
  const generator = GENERATORS[target];
  if (!generator) throw new Error(`unknown target "${target}"; known: ${Object.keys(GENERATORS).join(", ")}`);
  return generator.render(normalizePolicy(doc, options));
}
