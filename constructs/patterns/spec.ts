/**
 * What users hand a security-group pattern and what it gives back: peers,
 * sites, rule specs, props, the synthesis and its error. The pattern itself
 * is group.ts.
 */
import type { Action, Direction, NormalizedRuleWrite, PrefixListWrite, SecurityGroupWrite, ValidationIssue } from "../../core/model";
import type { Peer } from "./peer";

/** Something that names an existing site; `siteId` may be an engine token. */
export interface SiteLike {
  readonly siteId: string;
}

/** A site id ("site_...") or a site object. */
export type SiteRef = string | SiteLike;

/** All IPv4 (the AWS convention: `0.0.0.0/0` is not IPv6). */
export const ANYWHERE = "0.0.0.0/0";
/** All IPv6. */
export const ANYWHERE_IPV6 = "::/0";

/** A rule as users write it: `order` is optional (allocated when omitted); `port` defaults to "". */
export interface RuleSpec {
  readonly direction: Direction;
  readonly protocol: number;
  readonly port?: string;
  /** A Peer: CIDR, prefix list or security group (objects or ids). */
  readonly address: Peer;
  readonly description: string;
  /** Fixed evaluation order (1-250). Omit to let the pattern allocate one. */
  readonly order?: number;
  readonly action?: Action;
  readonly icmp_type?: number | null;
  readonly icmp_code?: number | null;
  readonly log?: boolean;
}

/** `"all"`: one rule allowing all outbound traffic (the default); `"none"`: no outbound rule; or explicit rules. */
export type OutboundPolicy = "all" | "none" | readonly Omit<RuleSpec, "direction">[];

export interface SecurityGroupPatternProps {
  /** Group name, 3-255 characters. */
  readonly name: string;
  readonly description?: string | null;
  /** Sites the group is attached to: ids or site objects. @default [] */
  readonly sites?: readonly SiteRef[];
  /** Outbound traffic the group allows. @default "all" */
  readonly outbound?: OutboundPolicy;
  /**
   * Whether the pattern's own "anywhere" covers both families: default sources
   * (WebServerGroup's web ports, DnsServerGroup's clients) and the `"all"`
   * outbound rule get a `::/0` rule beside each `0.0.0.0/0` one, and ICMP echo
   * from a prefix list allows ICMPv6 echo (58, type 128) beside ICMP echo (1,
   * type 8). `false` keeps them IPv4 only. Sources and rules you give are never
   * widened: `sources: ["0.0.0.0/0"]` is IPv4 only either way.
   * @default true
   */
  readonly dualStack?: boolean;
  /** Extra rules, added after the pattern's own rules. */
  readonly rules?: readonly RuleSpec[];
  /** Gap between allocated orders, leaving room to insert rules later. Shrinks when rules would not fit. @default 10 */
  readonly orderStep?: number;
}

/** A prefix list the pattern needs created (e.g. raw admin CIDRs); rules refer to it by `key`. */
export interface PlannedPrefixList {
  /** Stable key, unique within the pattern, e.g. "admins". */
  readonly key: string;
  readonly write: PrefixListWrite;
}

export interface SynthesizeOptions {
  /**
   * The id (or engine token) of a planned prefix list, once the engine has
   * declared it. Required when the pattern plans prefix lists.
   */
  readonly prefixListId?: (key: string) => string;
}

export interface PatternSynthesis {
  /** Validated and normalized (ports normalized, optional fields resolved), rules sorted by order. */
  readonly securityGroup: SecurityGroupWrite & { rules: NormalizedRuleWrite[] };
  /** Prefix lists to create before the group. */
  readonly prefixLists: readonly PlannedPrefixList[];
}

export class PatternError extends Error {
  constructor(
    message: string,
    readonly issues: readonly ValidationIssue[] = [],
  ) {
    super(message);
    this.name = "PatternError";
  }
}
