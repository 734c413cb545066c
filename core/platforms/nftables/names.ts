/** The names of what secgroups owns in nftables: one table, and the control-plane set inside it. */
export const NFT_TABLE = "secgroups";
export const NFT_CONTROL_PLANE_SET = "control_plane";

export interface NftTableName {
  family: string;
  name: string;
}

/** `table inet secgroups`: IPv4 and IPv6 packets pass its chains (the policy drops what it does not allow). */
export const NFT_TABLE_NAME: NftTableName = { family: "inet", name: NFT_TABLE };
