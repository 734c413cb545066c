/**
 * CDKTF constructs for secgroups: the provider's resources (generated from its
 * schema, see scripts/generate-cdktf-bindings.sh) and the engine-neutral
 * patterns of constructs/patterns as Constructs.
 *
 * ```ts
 * import { SecgroupsProvider, PrefixList, WebServerGroup } from "secgroups/cdktf";
 * new SecgroupsProvider(this, "secgroups", {});
 * const web = new WebServerGroup(this, "web", { name: "web", adminSources: ["203.0.113.0/24"] });
 * web.allowFrom(Peer.anyIpv4(), Port.tcp(8443), "Alt HTTPS");
 * // From the members of the web group (whichever sites it is attached to), no subnet:
 * new DatabaseGroup(this, "db", { name: "db", engine: "postgres", applicationSources: [web] });
 * // Existing objects, looked up by name (or id) at plan time:
 * const office = PrefixList.fromLookup(this, "office", { name: "office" });
 * new WebServerGroup(this, "intranet", { name: "intranet", sources: [office], sites: [Site.fromLookup(this, "web-1", { name: "web-1" })] });
 * ```
 */
import { Lazy, Token, type TerraformMetaArguments } from "cdktf";
import { Construct } from "constructs";
import * as patterns from "../patterns";
import * as gen from "./generated/providers/secgroups";

export { SecgroupsProvider, type SecgroupsProviderConfig } from "./generated/providers/secgroups/provider";
export { DataSecgroupsProtocols } from "./generated/providers/secgroups/data-secgroups-protocols";
export { DataSecgroupsServices } from "./generated/providers/secgroups/data-secgroups-services";
export type { SecurityGroupConfig, SecurityGroupRules } from "./generated/providers/secgroups/security-group";
export type { PrefixListConfig, PrefixListPrefixes } from "./generated/providers/secgroups/prefix-list";
export type { SiteConfig } from "./generated/providers/secgroups/site";
export type { DataSecgroupsPrefixListConfig } from "./generated/providers/secgroups/data-secgroups-prefix-list";
export type { DataSecgroupsSecurityGroupConfig } from "./generated/providers/secgroups/data-secgroups-security-group";
export type { DataSecgroupsSiteConfig } from "./generated/providers/secgroups/data-secgroups-site";
export { PatternError, ANYWHERE, ANYWHERE_IPV6, echoRequest, Peer, Port } from "../patterns";
export type { RuleSpec, OutboundPolicy, CidrPeer, PrefixListLike, SecurityGroupLike } from "../patterns";
export { PROTOCOL } from "../../core/model";

/**
 * How a look-up finds one existing object of the organization: by `name`
 * (the plan fails when no object or several have it, naming their ids) or by `id`.
 */
export type LookupOptions = ({ name: string; id?: undefined } | { id: string; name?: undefined }) &
  Pick<TerraformMetaArguments, "provider" | "dependsOn">;

/** `data.secgroups_prefix_list`: an existing prefix list; usable wherever a pattern takes a source. */
export class DataSecgroupsPrefixList extends gen.dataSecgroupsPrefixList.DataSecgroupsPrefixList implements patterns.PrefixListLike {
  get prefixListId(): string {
    return this.id;
  }
}

/** `data.secgroups_security_group`: an existing security group (its `rules` can seed another group; usable as a peer). */
export class DataSecgroupsSecurityGroup
  extends gen.dataSecgroupsSecurityGroup.DataSecgroupsSecurityGroup
  implements patterns.SecurityGroupLike
{
  get securityGroupId(): string {
    return this.id;
  }
}

/** `data.secgroups_site`: an existing site; usable in a pattern's `sites`. */
export class DataSecgroupsSite extends gen.dataSecgroupsSite.DataSecgroupsSite implements patterns.SiteLike {
  get siteId(): string {
    return this.id;
  }
}

/** `secgroups_security_group`; usable as a peer (`Peer.group(sg)`, `allowFrom(sg, ...)`, `applicationSources`). */
export class SecurityGroup extends gen.securityGroup.SecurityGroup implements patterns.SecurityGroupLike {
  get securityGroupId(): string {
    return this.id;
  }

  /** An existing security group, looked up when Terraform plans. */
  static fromLookup(scope: Construct, id: string, options: LookupOptions): DataSecgroupsSecurityGroup {
    return new DataSecgroupsSecurityGroup(scope, id, options);
  }
}

/** `secgroups_prefix_list`; usable wherever a pattern takes a source. */
export class PrefixList extends gen.prefixList.PrefixList implements patterns.PrefixListLike {
  /** An existing prefix list, looked up when Terraform plans; usable as a source like a PrefixList. */
  static fromLookup(scope: Construct, id: string, options: LookupOptions): DataSecgroupsPrefixList {
    return new DataSecgroupsPrefixList(scope, id, options);
  }

  get prefixListId(): string {
    return this.id;
  }
}

/** `secgroups_site`; usable in a pattern's `sites`. */
export class Site extends gen.site.Site implements patterns.SiteLike {
  /** An existing site, looked up when Terraform plans; usable in `sites` like a Site. */
  static fromLookup(scope: Construct, id: string, options: LookupOptions): DataSecgroupsSite {
    return new DataSecgroupsSite(scope, id, options);
  }

  get siteId(): string {
    return this.id;
  }
}

/**
 * A peer as CDKTF code writes it: a CIDR (or Peer.ipv4(...)), a prefix list or
 * security group id (literal or token), a PrefixList, a SecurityGroup or a
 * pattern construct (the sites its group is attached to).
 */
type PeerInput = patterns.Peer;

/** What every pattern construct takes besides the pattern's props. */
export type PatternConstructOptions = Pick<TerraformMetaArguments, "provider" | "dependsOn" | "lifecycle">;

type Props<P> = P & PatternConstructOptions;

/** Peers and sites given as unresolved tokens become references the pattern does not validate as literals. */
function peer(p: PeerInput): PeerInput {
  return typeof p === "string" && Token.isUnresolved(p) ? { prefixListId: p } : p;
}

const PEER_LISTS = ["sources", "adminSources", "applicationSources", "clientSources", "monitoringSources"] as const;

function adapt<P extends patterns.SecurityGroupPatternProps>(props: P): P {
  const out: Record<string, unknown> = { ...(props as object) };
  for (const key of PEER_LISTS) {
    const list = out[key];
    if (Array.isArray(list)) out[key] = list.map(peer);
  }
  if (props.sites) out.sites = props.sites.map((s) => (typeof s === "string" && Token.isUnresolved(s) ? { siteId: s } : s));
  if (props.rules) out.rules = props.rules.map((r) => ({ ...r, address: peer(r.address) }));
  if (Array.isArray(props.outbound)) out.outbound = props.outbound.map((r) => ({ ...r, address: peer(r.address) }));
  return out as P;
}

function adaptRule<R extends { address: PeerInput }>(rule: R): R {
  return { ...rule, address: peer(rule.address) };
}

/**
 * Base of the pattern constructs: one `secgroups_security_group` whose rules
 * are expanded from the pattern at synth time (so rules added later count), and
 * one `secgroups_prefix_list` per prefix list the pattern plans.
 */
export abstract class SecurityGroupPatternConstruct<P extends patterns.SecurityGroupPattern = patterns.SecurityGroupPattern>
  extends Construct
  implements patterns.SecurityGroupLike
{
  /** The engine-neutral pattern (add rules here or through the methods below). */
  readonly pattern: P;
  readonly securityGroup: SecurityGroup;
  /** Prefix lists the pattern created, by key (e.g. `admins`). */
  readonly prefixLists: Readonly<Record<string, PrefixList>>;

  protected constructor(scope: Construct, id: string, pattern: P, options: PatternConstructOptions) {
    super(scope, id);
    this.pattern = pattern;
    const meta = { provider: options.provider, dependsOn: options.dependsOn, lifecycle: options.lifecycle };
    const lists: Record<string, PrefixList> = {};
    // Planned lists are known once the pattern is constructed; expand once now to learn them.
    for (const planned of pattern.synthesize({ prefixListId: (key) => `planned:${key}` }).prefixLists) {
      lists[planned.key] = new PrefixList(this, `prefix-list-${planned.key}`, {
        ...meta,
        name: planned.write.name,
        description: planned.write.description ?? undefined,
        prefixes: planned.write.prefixes.map((p) => ({ cidr: p.cidr, description: p.description ?? undefined })),
      });
    }
    this.prefixLists = lists;
    const expand = () => pattern.synthesize({ prefixListId: (key) => lists[key].id }).securityGroup;
    const initial = expand();
    this.securityGroup = new SecurityGroup(this, "security-group", {
      ...meta,
      name: initial.name,
      description: initial.description ?? undefined,
      sites: initial.sites.length ? initial.sites : undefined,
      rules: Lazy.anyValue({ produce: () => expand().rules.map(toTerraformRule) }) as never,
    });
  }

  /** Adds a rule (after the pattern's own rules unless it has an explicit `order`). */
  addRule(rule: patterns.RuleSpec): this {
    this.pattern.addRule(adaptRule(rule));
    return this;
  }

  allowInbound(rule: Omit<patterns.RuleSpec, "direction">): this {
    return this.addRule({ ...rule, direction: "inbound" });
  }

  allowOutbound(rule: Omit<patterns.RuleSpec, "direction">): this {
    return this.addRule({ ...rule, direction: "outbound" });
  }

  /**
   * Allows inbound traffic from `peer` on `port`: `db.allowFrom(web, Port.tcp(5432), "app to db")`.
   * @param description @default "<port> from <peer>"
   */
  allowFrom(source: PeerInput, port: patterns.Port, description?: string): this {
    this.pattern.allowFrom(peer(source), port, description);
    return this;
  }

  /**
   * Allows outbound traffic to `peer` on `port`.
   * @param description @default "<port> to <peer>"
   */
  allowTo(destination: PeerInput, port: patterns.Port, description?: string): this {
    this.pattern.allowTo(peer(destination), port, description);
    return this;
  }

  /**
   * Allows the group's members to reach each other on `port` (inbound from
   * `Peer.self()`, and outbound unless outbound is "all"), as aws-cdk's
   * `connections.allowInternally`.
   * @param description @default "<port> from the group's members"
   */
  allowInternally(port: patterns.Port, description?: string): this {
    this.pattern.allowInternally(port, description);
    return this;
  }

  /** The security group's id (a token until apply). */
  get securityGroupId(): string {
    return this.securityGroup.id;
  }

  /** The group's name, for the descriptions of rules that name it as a peer. */
  get securityGroupName(): string {
    return this.pattern.name;
  }
}

/** Rules in the provider's attribute names; unset optional fields are left out. */
function toTerraformRule(rule: patterns.PatternSynthesis["securityGroup"]["rules"][number]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    direction: rule.direction,
    order: rule.order,
    protocol: rule.protocol,
    port: rule.port,
    address: rule.address,
    description: rule.description,
    action: rule.action,
    log: rule.log,
  };
  if (rule.icmp_type !== null) out.icmp_type = rule.icmp_type;
  if (rule.icmp_code !== null) out.icmp_code = rule.icmp_code;
  return out;
}

/** A group with only the rules you add (and an outbound rule by default). */
export class SecurityGroupPattern extends SecurityGroupPatternConstruct {
  constructor(scope: Construct, id: string, props: Props<patterns.SecurityGroupPatternProps>) {
    super(scope, id, new patterns.SecurityGroupPattern(adapt(props)), props);
  }
}

/** HTTP and HTTPS from anywhere (or `sources`), SSH from `adminSources`. */
export class WebServerGroup extends SecurityGroupPatternConstruct<patterns.WebServerGroup> {
  constructor(scope: Construct, id: string, props: Props<patterns.WebServerGroupProps>) {
    super(scope, id, new patterns.WebServerGroup(adapt(props)), props);
  }
}

/** The database engine's port from `applicationSources` only. */
export class DatabaseGroup extends SecurityGroupPatternConstruct<patterns.DatabaseGroup> {
  constructor(scope: Construct, id: string, props: Props<patterns.DatabaseGroupProps>) {
    super(scope, id, new patterns.DatabaseGroup(adapt(props)), props);
  }
}

/** SSH from `adminSources` only. */
export class BastionGroup extends SecurityGroupPatternConstruct<patterns.BastionGroup> {
  constructor(scope: Construct, id: string, props: Props<patterns.BastionGroupProps>) {
    super(scope, id, new patterns.BastionGroup(adapt(props)), props);
  }
}

/** DNS over UDP and TCP 53. */
export class DnsServerGroup extends SecurityGroupPatternConstruct<patterns.DnsServerGroup> {
  constructor(scope: Construct, id: string, props: Props<patterns.DnsServerGroupProps>) {
    super(scope, id, new patterns.DnsServerGroup(adapt(props)), props);
  }
}

/** ICMP echo and exporter ports from `monitoringSources`. */
export class MonitoringGroup extends SecurityGroupPatternConstruct<patterns.MonitoringGroup> {
  constructor(scope: Construct, id: string, props: Props<patterns.MonitoringGroupProps>) {
    super(scope, id, new patterns.MonitoringGroup(adapt(props)), props);
  }
}

export type {
  WebServerGroupProps,
  DatabaseGroupProps,
  BastionGroupProps,
  DnsServerGroupProps,
  MonitoringGroupProps,
  SecurityGroupPatternProps,
  DatabaseEngine,
} from "../patterns";
