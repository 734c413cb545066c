/** iptables + ip6tables + ipset: our own chains restored with `iptables-restore --noflush` (and ip6tables), sets swapped in whole. */
import { basename, dirname, join } from "node:path";
import type { Platform } from "../platform";
import { IptablesEnforcer } from "./enforce";
import { expectedIptables, readIptables, type IptablesListing } from "./read";
import { renderIptables } from "./render";

export { IptablesEnforcer, type IptablesOptions } from "./enforce";
export { IPSET_CONTROL_PLANE, IPSET_CONTROL_PLANE6, IPTABLES_CHAIN, ipsetName } from "./names";
export { expectedIptables, loadedChainName, parseIpsetSave, parseIptablesSave, readIptables, type IptablesListing } from "./read";
export { compileIptables, controlPlaneIpset, joinIptablesConfig, renderIptables, splitIptablesConfig, type IptablesConfig } from "./render";

export const iptables: Platform<IptablesListing> = {
  name: "iptables",
  render: renderIptables,
  read: readIptables,
  expected: expectedIptables,
  createEnforcer: ({ tools = {}, run }) => {
    const bin = tools.iptables ?? "iptables";
    const bin6 = ip6tablesBeside(bin);
    return new IptablesEnforcer({
      iptables: bin,
      iptablesRestore: `${bin}-restore`,
      iptablesSave: `${bin}-save`,
      ip6tables: bin6,
      ip6tablesRestore: `${bin6}-restore`,
      ip6tablesSave: `${bin6}-save`,
      ipset: tools.ipset,
      nftElements: tools.nftElements,
      run,
    });
  },
};

/** The ip6tables of the same build as `iptables` ("/usr/sbin/iptables-legacy" gives "/usr/sbin/ip6tables-legacy"). */
export function ip6tablesBeside(iptables: string): string {
  const name = basename(iptables);
  const six = name.includes("iptables") ? name.replace("iptables", "ip6tables") : "ip6tables";
  return iptables.includes("/") ? join(dirname(iptables), six) : six;
}
