/**
 * The contract's limits, in one place: the shape declarations read them, and
 * through those the validator, the OpenAPI document and the Go provider's
 * generated limits file.
 */
export const LIMITS = {
  groupName: { min: 3, max: 255 },
  groupDescription: 1024,
  rules: 250,
  order: { min: 1, max: 250 },
  /** IP protocol numbers; 0 means all protocols. */
  protocol: { min: 0, max: 255 },
  /** ICMP type and code. */
  icmp: { min: 0, max: 255 },
  ruleDescription: { min: 1, max: 255 },
  prefixListName: { min: 1, max: 255 },
  prefixListDescription: 1000,
  prefixes: 500,
  /**
   * The longest CIDR text the parser accepts: IPv6 with six 4-digit groups and a
   * dotted quad, "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128" (IPv4 needs 18).
   */
  prefixCidr: 49,
  prefixDescription: 255,
  siteName: { min: 1, max: 255 },
  sitesPerResource: 1000,
  /** Declared addresses of a site, and addresses its agent may report. */
  siteAddresses: 64,
  /** Revisions are bigint in storage; JSON numbers stay exact up to here. */
  revision: { min: 0, max: Number.MAX_SAFE_INTEGER },
} as const;
