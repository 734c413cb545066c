/** Resource shapes of the API (Altostrat contract plus documented extensions). */

export type Direction = "inbound" | "outbound";
export type Action = "accept" | "drop";
export type SyncStatus = "active" | "syncing" | "failed";
export type Platform = "nftables" | "iptables" | "routeros";
export type SiteMode = "host" | "router";

export const DIRECTIONS: readonly Direction[] = ["inbound", "outbound"];
export const ACTIONS: readonly Action[] = ["accept", "drop"];
export const PLATFORMS: readonly Platform[] = ["nftables", "iptables", "routeros"];
export const SITE_MODES: readonly SiteMode[] = ["host", "router"];

export interface FilterRuleWrite {
  direction: Direction;
  order: number;
  protocol: number;
  port: string;
  address: string;
  description: string;
  /** Extension: what a match does; `accept` when omitted. */
  action?: Action;
  /** Extension (ICMP only): ICMP type to match; all types when omitted. */
  icmp_type?: number | null;
  /** Extension (ICMP only, needs `icmp_type`): ICMP code to match. */
  icmp_code?: number | null;
  /** Extension: log packets this rule matches. */
  log?: boolean;
}

/** A validated, normalized rule: every optional field resolved. */
export interface NormalizedRuleWrite extends FilterRuleWrite {
  action: Action;
  icmp_type: number | null;
  icmp_code: number | null;
  log: boolean;
}

export interface FilterRule extends NormalizedRuleWrite {
  id: string;
}

export interface SecurityGroupWrite {
  name: string;
  description?: string | null;
  rules: FilterRuleWrite[];
  sites: string[];
}

export interface NormalizedSecurityGroupWrite {
  name: string;
  description: string | null;
  /** In request order (so issue paths match the request); readers sort by `order`. */
  rules: NormalizedRuleWrite[];
  sites: string[];
}

export interface SyncError {
  site: string;
  message: string;
}

/**
 * Why an attached site has not applied a resource's latest change: `applying`
 * (its agent is online and within --sync-timeout: this holds the write lock),
 * `offline` (not heard from for 90 s) or `never_connected` (no agent yet): the
 * revision is queued for those, and they do not lock the resource.
 */
export type PendingReason = "applying" | "offline" | "never_connected";

export interface PendingSite {
  site: string;
  reason: PendingReason;
  /** The site revision that contains the change. */
  revision: number;
  applied_revision: number | null;
  last_seen: string | null;
}

export interface SecurityGroup {
  id: string;
  name: string;
  description: string | null;
  status: SyncStatus;
  sites: string[];
  rules: FilterRule[];
  /** Why the last deployment failed, per site; empty unless `failed`. */
  sync_errors: SyncError[];
  /** Attached sites that have not applied the latest change yet, and why; empty when `active`. */
  pending_sites: PendingSite[];
  created_at: string;
  updated_at: string;
}

export interface PrefixWrite {
  cidr: string;
  description?: string | null;
}

export interface Prefix {
  id: string;
  cidr: string;
  description: string | null;
}

export interface PrefixListWrite {
  name: string;
  description?: string | null;
  prefixes: PrefixWrite[];
  sites?: string[];
}

export interface NormalizedPrefixListWrite {
  name: string;
  description: string | null;
  prefixes: { cidr: string; description: string | null }[];
  sites: string[];
}

export interface PrefixList {
  id: string;
  name: string;
  description: string | null;
  status: SyncStatus;
  prefixes: Prefix[];
  sites: string[];
  sync_errors: SyncError[];
  pending_sites: PendingSite[];
  created_at: string;
  updated_at: string;
}

export interface SiteWrite {
  name: string;
  platform: Platform;
  mode?: SiteMode;
}

export interface Site {
  id: string;
  name: string;
  platform: Platform;
  mode: SiteMode;
  /** Revision of compiled configuration the control plane wants enforced. */
  desired_revision: number;
  /** Revision the agent last reported as enforced, or null. */
  applied_revision: number | null;
  last_seen: string | null;
  online: boolean;
  /** Whether the agent last found our ruleset altered by hand (and restored it). */
  drift: boolean;
  last_error: string | null;
  created_at: string;
}

/** A policy document: what `secgroups compile` and `secgroups review` read. */
export interface PolicyDocument {
  prefix_lists: PrefixList[] | (PrefixListWrite & { id: string })[];
  security_groups: (SecurityGroupWrite & { id?: string })[];
}
