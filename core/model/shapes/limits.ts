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
  /** What a write may give for an ICMP type or code to mean any (stored null). */
  icmpAny: -1,
  ruleDescription: { min: 1, max: 255 },
  prefixListName: { min: 1, max: 255 },
  prefixListDescription: 1000,
  prefixes: 500,
  /**
   * The longest CIDR or range text the parser accepts: an IPv6 range of two
   * addresses of six 4-digit groups and a dotted quad each,
   * "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.254-ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"
   * (45 + 1 + 45; the longest CIDR needs 49, an IPv4 range 31).
   */
  prefixCidr: 91,
  prefixDescription: 255,
  siteName: { min: 1, max: 255 },
  sitesPerResource: 1000,
  /** Revisions are bigint in storage; JSON numbers stay exact up to here. */
  revision: { min: 0, max: Number.MAX_SAFE_INTEGER },
} as const;
