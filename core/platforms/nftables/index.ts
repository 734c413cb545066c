/** nftables: one table `inet secgroups`, replaced in one `nft -f` transaction. */
import type { Platform } from "../platform";
import { NftablesEnforcer } from "./enforce";
import { readNftables } from "./read";
import { expectedNftables } from "./read-file";
import { renderNftables } from "./render";

export { NftablesEnforcer, type NftablesOptions } from "./enforce";
export {
  NFT_CONTROL_PLANE_SET,
  NFT_CONTROL_PLANE_SET6,
  NFT_ESSENTIAL_ICMPV6_CHAIN,
  NFT_TABLE,
  NFT_TABLE_NAME,
  nftListSet,
  type NftTableName,
} from "./names";
export { chainPriority, parseNftJson, readNftables } from "./read";
export { expectedNftables, parseNftText } from "./read-file";
export { controlPlaneElements, nftablesFile, renderNftables } from "./render";

/** The kernel's listing, `nft -j list table inet secgroups`, is what nftables reads back. */
export const nftables: Platform<string> = {
  name: "nftables",
  render: renderNftables,
  read: readNftables,
  expected: expectedNftables,
  createEnforcer: (options) =>
    new NftablesEnforcer({
      stateDir: options.stateDir,
      nft: options.tools?.nft,
      elementsDump: options.tools?.nftElements,
      run: options.run,
      spawn: options.spawn,
    }),
};
