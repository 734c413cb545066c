/** iptables + ipset: our own chains restored with `iptables-restore --noflush`, sets swapped in whole. */
import type { Platform } from "../platform";
import { IptablesEnforcer } from "./enforce";
import { expectedIptables, readIptables, type IptablesListing } from "./read";
import { renderIptables } from "./render";

export { IptablesEnforcer, type IptablesOptions } from "./enforce";
export { IPSET_CONTROL_PLANE, IPTABLES_CHAIN, ipsetName } from "./names";
export { expectedIptables, parseIpsetSave, parseIptablesSave, readIptables, type IptablesListing } from "./read";
export { compileIptables, controlPlaneIpset, joinIptablesConfig, renderIptables, splitIptablesConfig, type IptablesConfig } from "./render";

export const iptables: Platform<IptablesListing> = {
  name: "iptables",
  render: renderIptables,
  read: readIptables,
  expected: expectedIptables,
  createEnforcer: ({ tools = {}, run }) => {
    const bin = tools.iptables ?? "iptables";
    return new IptablesEnforcer({ iptables: bin, iptablesRestore: `${bin}-restore`, iptablesSave: `${bin}-save`, ipset: tools.ipset, run });
  },
};
