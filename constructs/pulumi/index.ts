/**
 * Pulumi ComponentResources over the engine-neutral patterns of
 * constructs/patterns: each component creates one SecurityGroup and the
 * PrefixLists its pattern plans (e.g. raw admin CIDRs), as its children.
 *
 * ```ts
 * import { PrefixList, Site, WebServerGroup } from "secgroups/pulumi";
 * const site = new Site("web-1", { name: "web-1", platform: "nftables" });
 * const web = new WebServerGroup("web", { name: "web", adminSources: ["203.0.113.0/24"], sites: [site] });
 * web.allowFrom(Peer.anyIpv4(), Port.tcp(8443), "Alt HTTPS");
 * // From the members of the web group, whichever sites it is attached to:
 * const db = new DatabaseGroup("db", { name: "db", engine: "postgres", applicationSources: [web] });
 * export const webGroupId = web.id;
 * ```
 *
 * Inputs and previews. The pattern decides the *shape* of the rules (how many,
 * which ports, which order) from the plain values you give it, at construction,
 * and validates them there: names, ports, CIDRs, orders. Only references stay
 * `pulumi.Input`s: prefix lists (a PrefixList, `{ prefixListId }`, or any
 * Output/Promise of an id) and sites (a Site, `{ siteId }`, an Output/Promise
 * of an id, or an Output of the whole list). They are carried through the
 * expansion as opaque tokens and put back as Inputs into each rule's
 * `address` (and into `sites`), so the rules are never wrapped in an `apply`:
 * `pulumi preview` shows every rule with its ports and orders, and only an
 * address whose prefix list is still being created shows as unknown.
 *
 * A CIDR must therefore be a plain string or a `Peer.ipv4(...)` (the pattern
 * gathers CIDRs into a prefix list and refuses bad ones at construction). An
 * Output in a source position is used as that rule's address as it is; it
 * should be a prefix list or security group id (the provider validates it once
 * it is known). A group (a component, a SecurityGroup, `Peer.group(...)`) is a
 * reference: the rule matches the sites attached to it, its rules are not copied.
 *
 * Peer values (`Peer`, and the Pulumi reference types) are in peer.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Action, Direction, SyncStatus } from "../../core/model";
import * as patterns from "../patterns";
import { PrefixList, SecurityGroup, type RuleArgs, type SyncOptions } from "../../provider/pulumi/resources";
import { toPatternPeer, type Peer } from "./peer";

export {
  PatternError,
  ANYWHERE,
  ANYWHERE_IPV6,
  DATABASE_ENGINES,
  echoRequest,
  Port,
  type DatabaseEngine,
  type CidrPeer,
} from "../patterns";
export { PROTOCOL } from "../../core/model";
export { Peer, type PrefixListReference, type SecurityGroupReference } from "./peer";

/** Pulumi type tokens of the components: `secgroups:patterns:WebServerGroup` and so on. */
const TYPE_PREFIX = "secgroups:patterns:";

/** A site named by its id, where the id may be an Output. */
export interface SiteReference {
  readonly siteId: pulumi.Input<string>;
}

/** A site: a `site_` id, a Site resource (anything with an `id` Output), a `{ siteId }`, or an Output/Promise of an id. */
export type SiteInput = pulumi.Input<string> | pulumi.CustomResource | SiteReference;

/** Sites as a list of SiteInputs, or one Output/Promise of the whole list of ids. */
export type SitesInput = readonly SiteInput[] | pulumi.Output<string[]> | Promise<string[]>;

/** A rule as programs write it; `address` may be any Peer. See patterns.RuleSpec. */
export interface RuleSpec {
  readonly direction: Direction;
  readonly protocol: number;
  readonly port?: string;
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

type PeerFields = "sources" | "adminSources" | "applicationSources" | "clientSources" | "monitoringSources";
type Replaced = "sites" | "rules" | "outbound" | PeerFields;

/** What every component takes: the pattern's props with Input references, plus the provider's sync options (applied to every child). */
export interface SecurityGroupPatternProps extends Omit<patterns.SecurityGroupPatternProps, Replaced>, SyncOptions {
  /** Sites the group is attached to. @default [] */
  readonly sites?: SitesInput;
  /** Outbound traffic the group allows. @default "all" */
  readonly outbound?: OutboundPolicy;
  /** Extra rules, added after the pattern's own rules. */
  readonly rules?: readonly RuleSpec[];
}

export interface WebServerGroupProps extends SecurityGroupPatternProps, Omit<patterns.WebServerGroupProps, Replaced> {
  /**
   * Who may reach HTTP and HTTPS: CIDRs of either family, prefix lists.
   * @default anywhere: ["0.0.0.0/0", "::/0"] (["0.0.0.0/0"] with dualStack: false)
   */
  readonly sources?: readonly Peer[];
  /** Who may use SSH: prefix lists, or CIDRs (gathered into a child PrefixList "<name>-admins"). @default no SSH */
  readonly adminSources?: readonly Peer[];
}

export interface BastionGroupProps extends SecurityGroupPatternProps, Omit<patterns.BastionGroupProps, Replaced> {
  /** Who may use SSH: prefix lists, or CIDRs (gathered into a child PrefixList "<name>-admins"). Required. */
  readonly adminSources: readonly Peer[];
}

export interface DatabaseGroupProps extends SecurityGroupPatternProps, Omit<patterns.DatabaseGroupProps, Replaced> {
  /** Application servers allowed to connect (CIDRs of either family or prefix lists). Required; "0.0.0.0/0" and "::/0" are refused. */
  readonly applicationSources: readonly Peer[];
}

export interface DnsServerGroupProps extends SecurityGroupPatternProps, Omit<patterns.DnsServerGroupProps, Replaced> {
  /**
   * Clients allowed to query: CIDRs of either family, prefix lists.
   * @default anywhere: ["0.0.0.0/0", "::/0"] (["0.0.0.0/0"] with dualStack: false)
   */
  readonly clientSources?: readonly Peer[];
}

export interface MonitoringGroupProps extends SecurityGroupPatternProps, Omit<patterns.MonitoringGroupProps, Replaced> {
  /** Monitoring servers (CIDRs or prefix lists). Required. */
  readonly monitoringSources: readonly Peer[];
}

const PEER_FIELDS: readonly PeerFields[] = ["sources", "adminSources", "applicationSources", "clientSources", "monitoringSources"];

/** Stands in for Inputs during the expansion: the pattern sees opaque tokens, the resources get the Inputs back. */
class InputTokens {
  private readonly inputs = new Map<string, pulumi.Input<string>>();

  token(input: pulumi.Input<string>): string {
    const token = `pulumi-input:${this.inputs.size}`;
    this.inputs.set(token, input);
    return token;
  }

  resolve(value: string): pulumi.Input<string> {
    return this.inputs.get(value) ?? value;
  }

  peer(peer: Peer): patterns.Peer {
    return toPatternPeer(peer, (input) => this.token(input));
  }

  site(site: SiteInput): patterns.SiteRef {
    if (typeof site === "string") return site;
    if (pulumi.CustomResource.isInstance(site)) return { siteId: this.token(site.id) };
    if (isReference(site, "siteId")) {
      const id = site.siteId;
      return typeof id === "string" ? id : { siteId: this.token(id) };
    }
    if (pulumi.Output.isInstance(site) || isPromise(site)) return { siteId: this.token(site) };
    return site as unknown as patterns.SiteRef;
  }

  rule<R extends { readonly address: Peer }>(rule: R): Omit<R, "address"> & { address: patterns.Peer } {
    return { ...rule, address: this.peer(rule.address) };
  }
}

function isReference<K extends string>(value: unknown, key: K): value is Record<K, pulumi.Input<string>> {
  return typeof value === "object" && value !== null && key in value && !pulumi.Output.isInstance(value);
}

function isPromise(value: unknown): value is Promise<string> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/** The pattern's props with every Input reference replaced by a token, and `sites` set aside when it is one Output. */
function adapt<P>(props: SecurityGroupPatternProps, tokens: InputTokens): { props: P; wholeSites?: pulumi.Input<string[]> } {
  if (typeof props !== "object" || props === null)
    throw new patterns.PatternError(`props must be an object with at least a name, got ${JSON.stringify(props)}`);
  const out: Record<string, unknown> = { ...props };
  for (const key of ["waitForSync", "syncTimeout"]) delete out[key];
  for (const key of PEER_FIELDS) {
    const list = (props as unknown as Record<string, unknown>)[key];
    if (Array.isArray(list)) out[key] = list.map((p: Peer) => tokens.peer(p));
  }
  let wholeSites: pulumi.Input<string[]> | undefined;
  if (Array.isArray(props.sites)) out.sites = props.sites.map((s: SiteInput) => tokens.site(s));
  else if (props.sites !== undefined) {
    wholeSites = props.sites as pulumi.Input<string[]>;
    out.sites = [];
  }
  if (props.rules) out.rules = props.rules.map((r) => tokens.rule(r));
  if (Array.isArray(props.outbound)) out.outbound = (props.outbound as readonly Omit<RuleSpec, "direction">[]).map((r) => tokens.rule(r));
  return { props: out as P, wholeSites };
}

/** Builds the engine-neutral pattern a component wraps from the adapted props. */
type PatternFactory<P> = (props: P) => patterns.SecurityGroupPattern;

/**
 * Base of the pattern components: one SecurityGroup child whose rules are the
 * pattern's expansion, and one PrefixList child per prefix list the pattern
 * plans. Rules may be added with `addRule` and friends right after
 * construction, in the same synchronous part of the program; the rules are
 * fixed once the program yields (awaits), and `addRule` refuses after that.
 */
export abstract class SecurityGroupPatternComponent<
  P extends patterns.SecurityGroupPattern = patterns.SecurityGroupPattern,
> extends pulumi.ComponentResource {
  /** The engine-neutral pattern, for reading (add rules through the component's methods, which check when they may). */
  readonly pattern: P;
  /** The security group (a child of this component). */
  readonly securityGroup: SecurityGroup;
  /** The security group's id. */
  readonly id: pulumi.Output<string>;
  /** `syncing`, `active` or `failed`, as of the last `up` or refresh. */
  readonly status: pulumi.Output<SyncStatus>;
  /** Prefix lists the pattern created, by key (e.g. `admins`); children of this component. */
  readonly prefixLists: Readonly<Record<string, PrefixList>>;

  private readonly tokens: InputTokens;
  private readonly kind: string;
  private sealed = false;

  protected constructor(
    kind: string,
    name: string,
    props: SecurityGroupPatternProps,
    factory: PatternFactory<never>,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    // Validation errors (PatternError) surface here, at `new`, before anything is registered.
    const tokens = new InputTokens();
    const adapted = adapt<never>(props, tokens);
    const pattern = factory(adapted.props) as P;
    super(TYPE_PREFIX + kind, name, {}, opts);
    this.kind = kind;
    this.tokens = tokens;
    this.pattern = pattern;
    const sync: SyncOptions = { waitForSync: props.waitForSync, syncTimeout: props.syncTimeout };

    const lists: Record<string, PrefixList> = {};
    for (const planned of this.pattern.synthesize({ prefixListId: (key) => `planned:${key}` }).prefixLists) {
      lists[planned.key] = new PrefixList(
        `${name}-${planned.key}`,
        {
          ...sync,
          name: planned.write.name,
          description: planned.write.description ?? null,
          prefixes: planned.write.prefixes.map((p) => ({ cidr: p.cidr, description: p.description ?? null })),
          sites: [...(planned.write.sites ?? [])],
        },
        { parent: this },
      );
    }
    this.prefixLists = lists;

    const initial = this.expand();
    // The rules are read when the program next yields, so rules added right after `new` count.
    const rules = new Promise<RuleArgs[]>((resolve, reject) =>
      setImmediate(() => {
        this.sealed = true;
        try {
          resolve(this.expand().rules);
        } catch (err) {
          reject(err);
        }
      }),
    );
    this.securityGroup = new SecurityGroup(
      name,
      { ...sync, name: initial.name, description: initial.description, rules, sites: adapted.wholeSites ?? initial.sites },
      { parent: this },
    );
    this.id = this.securityGroup.id;
    this.status = this.securityGroup.status;
    this.registerOutputs({
      id: this.id,
      status: this.status,
      prefixListIds: Object.fromEntries(Object.entries(lists).map(([key, list]) => [key, list.id])),
    });
  }

  /** Adds a rule (after the pattern's own rules unless it has an explicit `order`). */
  addRule(rule: RuleSpec): this {
    if (this.sealed) {
      throw new patterns.PatternError(
        `${this.kind} "${this.pattern.name}": rule "${rule.description}" was added after the group's rules were sent to the engine; add rules right after \`new\` (before the program awaits anything) or pass them in props.rules`,
      );
    }
    this.pattern.addRule(this.tokens.rule(rule));
    // Errors that depend on all rules (too many to allocate orders) point at this call.
    this.expand();
    return this;
  }

  allowInbound(rule: Omit<RuleSpec, "direction">): this {
    return this.addRule({ ...rule, direction: "inbound" });
  }

  allowOutbound(rule: Omit<RuleSpec, "direction">): this {
    return this.addRule({ ...rule, direction: "outbound" });
  }

  /**
   * Allows inbound traffic from `peer` on `port`: `db.allowFrom(web, Port.tcp(5432), "app to db")`.
   * `peer` may be another component or SecurityGroup (its member sites), a Peer, a PrefixList.
   * @param description @default "<port> from <peer>"
   */
  allowFrom(peer: Peer, port: patterns.Port, description?: string): this {
    return this.allow("allowFrom", peer, port, description);
  }

  /**
   * Allows outbound traffic to `peer` on `port`.
   * @param description @default "<port> to <peer>"
   */
  allowTo(peer: Peer, port: patterns.Port, description?: string): this {
    return this.allow("allowTo", peer, port, description);
  }

  /**
   * Allows the group's members to reach each other on `port` (inbound from
   * `Peer.self()`, and outbound unless outbound is "all"), as aws-cdk's
   * `connections.allowInternally`: `etcd.allowInternally(Port.tcpRange(2379, 2380), "etcd peers")`.
   * @param description @default "<port> from the group's members"
   */
  allowInternally(port: patterns.Port, description?: string): this {
    return this.change("allowInternally", port, () => this.pattern.allowInternally(port, description));
  }

  private allow(call: "allowFrom" | "allowTo", peer: Peer, port: patterns.Port, description: string | undefined): this {
    return this.change(call, port, () => this.pattern[call](this.tokens.peer(peer), port, description));
  }

  /** Adds rules to the pattern while the group's rules have not been sent to the engine yet. */
  private change(call: string, port: patterns.Port, add: () => void): this {
    if (this.sealed) {
      throw new patterns.PatternError(
        `${this.kind} "${this.pattern.name}": ${call}(…, ${String(port)}) was called after the group's rules were sent to the engine; call it right after \`new\` (before the program awaits anything)`,
      );
    }
    add();
    this.expand();
    return this;
  }

  /** The pattern's expansion with tokens replaced by the Inputs they stand for. */
  private expand(): { name: string; description: string | null; rules: RuleArgs[]; sites: pulumi.Input<string>[] } {
    const planned = new Map(Object.entries(this.prefixLists ?? {}).map(([key, list]) => [`planned:${key}`, list.id]));
    const out = this.pattern.synthesize({ prefixListId: (key) => `planned:${key}` }).securityGroup;
    return {
      name: out.name,
      description: out.description ?? null,
      sites: out.sites.map((s) => this.tokens.resolve(s)),
      rules: out.rules.map((r) => ({ ...r, address: planned.get(r.address) ?? this.tokens.resolve(r.address) })),
    };
  }
}

/** A group with only the rules you give (and an outbound rule by default). */
export class SecurityGroupPattern extends SecurityGroupPatternComponent {
  constructor(name: string, props: SecurityGroupPatternProps, opts?: pulumi.ComponentResourceOptions) {
    super("SecurityGroupPattern", name, props, (p: patterns.SecurityGroupPatternProps) => new patterns.SecurityGroupPattern(p), opts);
  }
}

/** HTTP and HTTPS from anywhere (or `sources`), SSH from `adminSources`. */
export class WebServerGroup extends SecurityGroupPatternComponent<patterns.WebServerGroup> {
  constructor(name: string, props: WebServerGroupProps, opts?: pulumi.ComponentResourceOptions) {
    super("WebServerGroup", name, props, (p: patterns.WebServerGroupProps) => new patterns.WebServerGroup(p), opts);
  }
}

/** The database engine's port from `applicationSources` only. */
export class DatabaseGroup extends SecurityGroupPatternComponent<patterns.DatabaseGroup> {
  constructor(name: string, props: DatabaseGroupProps, opts?: pulumi.ComponentResourceOptions) {
    super("DatabaseGroup", name, props, (p: patterns.DatabaseGroupProps) => new patterns.DatabaseGroup(p), opts);
  }
}

/** SSH from `adminSources` only. */
export class BastionGroup extends SecurityGroupPatternComponent<patterns.BastionGroup> {
  constructor(name: string, props: BastionGroupProps, opts?: pulumi.ComponentResourceOptions) {
    super("BastionGroup", name, props, (p: patterns.BastionGroupProps) => new patterns.BastionGroup(p), opts);
  }
}

/** DNS over UDP and TCP 53 from `clientSources` (default anywhere). */
export class DnsServerGroup extends SecurityGroupPatternComponent<patterns.DnsServerGroup> {
  constructor(name: string, props: DnsServerGroupProps, opts?: pulumi.ComponentResourceOptions) {
    super("DnsServerGroup", name, props, (p: patterns.DnsServerGroupProps) => new patterns.DnsServerGroup(p), opts);
  }
}

/** ICMP echo and exporter ports from `monitoringSources`. */
export class MonitoringGroup extends SecurityGroupPatternComponent<patterns.MonitoringGroup> {
  constructor(name: string, props: MonitoringGroupProps, opts?: pulumi.ComponentResourceOptions) {
    super("MonitoringGroup", name, props, (p: patterns.MonitoringGroupProps) => new patterns.MonitoringGroup(p), opts);
  }
}
