/**
 * Engine-neutral security-group patterns: a pattern collects rules, allocates
 * their `order` and expands into a SecurityGroupWrite (plus the prefix lists it
 * needs). Pure TypeScript: no I/O and no engine; the Pulumi and CDKTF layers
 * wrap `synthesize()`. Validation is core/model's `validateSecurityGroupWrite`.
 * The types it takes and gives are in spec.ts, peers in peer.ts, ports in port.ts.
 */
import {
  LIMITS,
  SELF,
  isId,
  parseAddressCidr,
  validatePrefixListWrite,
  validateSecurityGroupWrite,
  type PrefixListWrite,
  type SecurityGroupWrite,
  type ValidationIssue,
} from "../../core/model";
import { describePeer, isCidrPeer, isPrefixListLike, isSecurityGroupLike, type Peer } from "./peer";
import { Port } from "./port";
import {
  ANYWHERE,
  ANYWHERE_IPV6,
  PatternError,
  type OutboundPolicy,
  type PatternSynthesis,
  type PlannedPrefixList,
  type RuleSpec,
  type SecurityGroupPatternProps,
  type SynthesizeOptions,
} from "./spec";

/** Internal: a rule with its address still symbolic. */
interface PendingRule {
  readonly spec: Omit<RuleSpec, "address">;
  readonly address: Address;
  /** Where the rule came from, for error messages. */
  readonly origin: string;
  /** Allocation tier: 0 pattern rules, 1 user rules, 2 outbound defaults. */
  readonly tier: number;
}

/** `group`: a security group reference (a literal `sec_grp_` id or an engine token), resolved to `id` as it is. */
type Address =
  | { kind: "literal"; value: string }
  | { kind: "ref"; id: string }
  | { kind: "planned"; key: string }
  | { kind: "group"; id: string };

const PLACEHOLDER_BODY = "0".repeat(27);
/**
 * Validation stand-ins for references that are not ids yet (engine tokens,
 * planned lists): an id of the reference's kind, so the model checks the rule
 * as it will check the real one. Whether the referenced object exists is the API's check.
 */
function placeholderPrefix(address: Address): string {
  return address.kind === "group" ? "sec_grp_" : "prfx_lst_";
}

/**
 * The generic pattern and base class of WebServerGroup and friends.
 *
 * ```ts
 * const g = new SecurityGroupPattern({ name: "app" });
 * g.allowInbound({ protocol: 6, port: "8080", address: "10.0.0.0/8", description: "App port" });
 * g.synthesize();
 * ```
 */
export class SecurityGroupPattern {
  readonly name: string;
  readonly description: string | null;
  /** Site ids (or engine tokens) the group is attached to. */
  readonly sites: readonly string[];
  /** Sites as validated: engine tokens replaced by placeholder ids. */
  private readonly checkedSites: readonly string[];
  private readonly orderStep: number;
  private readonly rules: PendingRule[] = [];
  private readonly planned = new Map<string, PlannedPrefixList>();
  private readonly kind: string;
  /** Whether the pattern's own "anywhere" covers IPv6 too (props.dualStack). */
  protected readonly dualStack: boolean;
  /** Whether outbound is "all" (so the members already reach each other outbound). */
  private readonly outboundAll: boolean;

  constructor(props: SecurityGroupPatternProps, kind = "SecurityGroupPattern") {
    this.kind = kind;
    this.dualStack = props.dualStack ?? true;
    this.name = props.name;
    this.description = props.description ?? null;
    this.sites = (props.sites ?? []).map((s) => (typeof s === "string" ? s : s.siteId));
    this.checkedSites = (props.sites ?? []).map((s, i) =>
      typeof s !== "string" && !isId("site", s.siteId)
        ? "site_" + (PLACEHOLDER_BODY + i.toString(36)).slice(-27)
        : typeof s === "string"
          ? s
          : s.siteId,
    );
    this.outboundAll = (props.outbound ?? "all") === "all";
    this.orderStep = props.orderStep ?? 10;
    if (!Number.isInteger(this.orderStep) || this.orderStep < 1 || this.orderStep > 250) {
      throw this.error(`orderStep must be an integer from 1 to 250, got ${String(props.orderStep)}`);
    }
    // Name, description and sites: the model's checks, with no rules yet.
    this.check({ name: this.name, description: this.description, rules: [], sites: [...this.checkedSites] }, "");
    this.pendingOutbound(props.outbound ?? "all");
    for (const rule of props.rules ?? []) this.addRule(rule);
  }

  /** Adds a user rule (after the pattern's own rules unless it has an explicit `order`). */
  addRule(rule: RuleSpec): this {
    this.push(rule, 1, `rule "${rule.description}"`);
    return this;
  }

  allowInbound(rule: Omit<RuleSpec, "direction">): this {
    return this.addRule({ ...rule, direction: "inbound" });
  }

  allowOutbound(rule: Omit<RuleSpec, "direction">): this {
    return this.addRule({ ...rule, direction: "outbound" });
  }

  /**
   * Allows inbound traffic from `peer` (a Peer, a prefix list or a security
   * group, e.g. another pattern's group) on `port`:
   * `db.allowFrom(web, Port.tcp(5432), "app to db")`.
   * @param description @default "<port> from <peer>", e.g. "tcp/5432 from group web"
   */
  allowFrom(peer: Peer, port: Port, description?: string): this {
    return this.allow("inbound", "allowFrom", peer, port, description);
  }

  /**
   * Allows outbound traffic to `peer` on `port`: `web.allowTo(db, Port.tcp(5432))`.
   * @param description @default "<port> to <peer>"
   */
  allowTo(peer: Peer, port: Port, description?: string): this {
    return this.allow("outbound", "allowTo", peer, port, description);
  }

  /**
   * Allows the group's members (every site it is attached to) to reach each
   * other on `port`, as aws-cdk's `connections.allowInternally`: inbound from
   * Peer.self(), and outbound to it unless outbound is "all" (which allows it
   * already). For cluster tiers: `etcd.allowInternally(Port.tcpRange(2379, 2380))`.
   * @param description @default "<port> from the group's members" (and "... to ...")
   */
  allowInternally(port: Port, description?: string): this {
    this.allow("inbound", "allowInternally", SELF, port, description);
    if (!this.outboundAll) this.allow("outbound", "allowInternally", SELF, port, description);
    return this;
  }

  /** Number of rules the group will have. */
  get ruleCount(): number {
    return this.rules.length;
  }

  /** Expands into a validated SecurityGroupWrite and the prefix lists to create first. */
  synthesize(options: SynthesizeOptions = {}): PatternSynthesis {
    if (this.rules.length > LIMITS.rules) {
      throw this.error(
        `has ${this.rules.length} rules; a group holds at most ${LIMITS.rules}. Split the rules over several groups or merge rules with port lists ("80,443") and prefix lists`,
      );
    }
    const orders = this.allocate();
    // Validate with placeholder ids for references (tokens are not ids yet), then substitute.
    const placeholders = new Map<string, Address>();
    const rules = this.rules.map((r, i) => {
      const address = this.placeholderFor(r.address, i, placeholders);
      return { ...stripUndefined(r.spec), order: orders[i], address, port: r.spec.port ?? "" };
    });
    const body: SecurityGroupWrite = { name: this.name, description: this.description, rules, sites: [...this.checkedSites] };
    const normalized = this.check(body, "");
    const resolved = normalized.rules.map((rule) => {
      const ref = placeholders.get(rule.address);
      if (!ref) return rule;
      return { ...rule, address: this.resolve(ref, options) };
    });
    resolved.sort((a, b) => a.order - b.order);
    return {
      securityGroup: { name: normalized.name, description: normalized.description, rules: resolved, sites: [...this.sites] },
      prefixLists: [...this.planned.values()],
    };
  }

  // ---- for subclasses ------------------------------------------------------

  /** Adds one of the pattern's own rules (allocated before user rules). */
  protected addPatternRule(rule: RuleSpec): void {
    this.push(rule, 0, `rule "${rule.description}"`);
  }

  /**
   * Plans a prefix list holding `cidrs` and returns a peer referring to it.
   * Used when a pattern is given raw CIDRs for, e.g., admin sources.
   */
  protected planPrefixList(key: string, write: PrefixListWrite): Peer {
    const result = validatePrefixListWrite(write);
    if (!result.ok) throw this.error(`prefix list "${write.name}" is invalid: ${messages(result.issues)}`, result.issues);
    if (this.planned.has(key)) throw this.error(`prefix list key "${key}" is planned twice`);
    this.planned.set(key, { key, write: { ...write, prefixes: write.prefixes.map((p) => ({ ...p })) } });
    return { prefixListId: plannedMarker(key) };
  }

  /**
   * Turns sources into addresses: prefix lists and prefix list ids stay as they
   * are; raw CIDRs are gathered into one planned prefix list when `gather` is
   * given (so one rule covers them all), or kept as one rule each otherwise.
   */
  protected peers(sources: readonly Peer[], what: string, gather?: { key: string; name: string; description: string }): Peer[] {
    if (sources.length === 0) {
      throw this.error(
        `${what} must list at least one source (Peer.ipv4("10.0.0.0/8"), Peer.ipv6("2001:db8::/32"), a prefix list or a security group)`,
      );
    }
    const cidrs: string[] = [];
    const out: Peer[] = [];
    sources.forEach((source, i) => {
      const s = isCidrPeer(source) ? source.cidr : source;
      if (typeof s !== "string") {
        out.push(s);
        return;
      }
      if (isId("prefixList", s) || isId("securityGroup", s) || s === SELF) {
        out.push(s);
        return;
      }
      const parsed = parseAddressCidr(s);
      if (!parsed.ok) {
        const hint =
          parsed.reason === "syntax" ? "; a source is a CIDR, a prefix list, a security group or the id of one, or Peer.self()" : "";
        throw this.error(`${what}[${i}]: ${parsed.message}${hint}`);
      }
      // IPv6 in RFC 5952 text, as the API stores it (and so duplicates are found however spelled).
      if (cidrs.includes(parsed.canonical)) throw this.error(`${what}[${i}] ${parsed.canonical} is listed twice`);
      cidrs.push(parsed.canonical);
    });
    if (gather && cidrs.length > 0) {
      out.unshift(
        this.planPrefixList(gather.key, {
          name: gather.name,
          description: gather.description,
          prefixes: cidrs.map((cidr) => ({ cidr })),
          // Deployed wherever a group that refers to it is; no sites of its own.
          sites: [],
        }),
      );
    } else {
      out.unshift(...cidrs);
    }
    return out;
  }

  /** The pattern's own "anywhere": all IPv4, and all IPv6 unless dualStack is false. */
  protected anywhere(): Peer[] {
    return this.dualStack ? [ANYWHERE, ANYWHERE_IPV6] : [ANYWHERE];
  }

  /** SSH from administrators: CIDRs are gathered into one planned prefix list "<name>-admins". */
  protected addSshRules(adminSources: readonly Peer[], port = "22"): void {
    const admins = this.peers(adminSources, "adminSources", {
      key: "admins",
      name: `${this.name}-admins`,
      description: `Administrators allowed to SSH into ${this.name}`,
    });
    for (const admin of admins) {
      this.addPatternRule({
        direction: "inbound",
        protocol: 6,
        port,
        address: admin,
        description: `SSH from ${typeof admin === "string" ? admin : "admins"}`,
      });
    }
  }

  protected error(message: string, issues: readonly ValidationIssue[] = []): PatternError {
    return new PatternError(`${this.kind} "${this.name}": ${message}`, issues);
  }

  // ---- internals -------------------------------------------------------------

  private allow(direction: "inbound" | "outbound", call: string, peer: Peer, port: Port, description: string | undefined): this {
    if (!(port instanceof Port)) {
      throw this.error(
        `${call}: the second argument must be a Port such as Port.tcp(5432) or Port.allTraffic(), got ${JSON.stringify(port)}`,
      );
    }
    if (description !== undefined && typeof description !== "string") {
      throw this.error(`${call}: the description must be a string, got ${JSON.stringify(description)}`);
    }
    const text = description ?? `${port.toString()} ${direction === "inbound" ? "from" : "to"} ${describePeer(peer)}`;
    return this.addRule({ direction, address: peer, description: text, ...port.toRuleFields() });
  }

  private pendingOutbound(policy: OutboundPolicy): void {
    if (policy === "none") return;
    if (policy === "all") {
      for (const address of this.anywhere()) {
        const description = address === ANYWHERE ? "Allow all outbound traffic" : "Allow all outbound IPv6 traffic";
        this.push({ direction: "outbound", protocol: 0, port: "", address, description }, 2, "default outbound rule");
      }
      return;
    }
    if (!Array.isArray(policy)) {
      throw this.error(`outbound must be "all", "none" or a list of rules, got ${JSON.stringify(policy)}`);
    }
    for (const rule of policy) this.push({ ...rule, direction: "outbound" }, 2, `outbound rule "${rule.description}"`);
  }

  private push(rule: RuleSpec, tier: number, origin: string): void {
    if (rule.order !== undefined && (!Number.isInteger(rule.order) || rule.order < LIMITS.order.min || rule.order > LIMITS.order.max)) {
      throw this.error(`${origin}: order must be an integer from ${LIMITS.order.min} to ${LIMITS.order.max}, got ${String(rule.order)}`);
    }
    if (rule.order !== undefined) {
      const clash = this.rules.find((r) => r.spec.order === rule.order);
      if (clash) {
        throw this.error(
          `${origin}: order ${rule.order} is already used by ${clash.origin}; choose another order or omit it to have one allocated`,
        );
      }
    }
    const { address, ...spec } = rule;
    const pending: PendingRule = { spec, address: this.addressOf(address, origin), origin, tier };
    // Check the rule on its own now, so the error points at the call that added it.
    const probe = { ...stripUndefined(spec), order: rule.order ?? 1, port: spec.port ?? "", address: placeholderId(pending.address) };
    this.check({ name: "probe", rules: [probe], sites: [] }, origin);
    if (this.rules.length >= LIMITS.rules) {
      throw this.error(
        `${origin}: a group holds at most ${LIMITS.rules} rules and this would be rule ${this.rules.length + 1}; split the rules over several groups`,
      );
    }
    this.rules.push(pending);
  }

  private addressOf(peer: Peer, origin: string): Address {
    if (typeof peer === "string") {
      if (peer.startsWith(PLANNED_PREFIX)) return { kind: "planned", key: peer.slice(PLANNED_PREFIX.length) };
      if (isId("securityGroup", peer)) return { kind: "group", id: peer };
      return { kind: "literal", value: peer };
    }
    if (isCidrPeer(peer)) return { kind: "literal", value: peer.cidr };
    if (isSecurityGroupLike(peer)) return { kind: "group", id: peer.securityGroupId };
    if (isPrefixListLike(peer)) {
      const id = peer.prefixListId;
      if (id.startsWith(PLANNED_PREFIX)) return { kind: "planned", key: id.slice(PLANNED_PREFIX.length) };
      if (isId("prefixList", id)) return { kind: "literal", value: id };
      return { kind: "ref", id };
    }
    throw this.error(
      `${origin}: address must be a Peer (Peer.ipv4("10.0.0.0/8"), Peer.prefixList(list), Peer.group(web)), a CIDR, or a prefix list or security group id, got ${JSON.stringify(peer)}`,
    );
  }

  private placeholderFor(address: Address, index: number, placeholders: Map<string, Address>): string {
    if (address.kind === "literal") return address.value;
    const id = placeholderPrefix(address) + (PLACEHOLDER_BODY + index.toString(36)).slice(-27);
    placeholders.set(id, address);
    return id;
  }

  private resolve(address: Address, options: SynthesizeOptions): string {
    if (address.kind === "ref" || address.kind === "group") return address.id;
    if (address.kind === "planned") {
      if (!options.prefixListId) {
        throw this.error(
          `plans prefix list "${address.key}" (from raw CIDRs); pass synthesize({ prefixListId: key => id }) once it is created, or give a prefix list instead of CIDRs`,
        );
      }
      return options.prefixListId(address.key);
    }
    return address.value;
  }

  /**
   * Orders: explicit orders stay; the rest are allocated in tier then insertion
   * order, `orderStep` apart, skipping explicit ones. The step shrinks (down to
   * 1) until everything fits in 1..250.
   */
  private allocate(): number[] {
    const taken = new Set(this.rules.flatMap((r) => (r.spec.order === undefined ? [] : [r.spec.order])));
    const auto = this.rules
      .map((r, i) => ({ r, i }))
      .filter(({ r }) => r.spec.order === undefined)
      .sort((a, b) => a.r.tier - b.r.tier || a.i - b.i);
    const out = this.rules.map((r) => r.spec.order ?? 0);
    for (let step = Math.min(this.orderStep, Math.max(1, Math.floor(LIMITS.order.max / Math.max(1, auto.length)))); step >= 1; step--) {
      const attempt: number[] = [];
      let next = step;
      for (let k = 0; k < auto.length; k++) {
        while (taken.has(next)) next++;
        attempt.push(next);
        next += step;
      }
      if (attempt.every((o) => o <= LIMITS.order.max)) {
        auto.forEach(({ i }, k) => (out[i] = attempt[k]));
        return out;
      }
    }
    throw this.error(
      `cannot allocate orders: ${auto.length} rules need an order but only ${LIMITS.order.max - taken.size} of 1-${LIMITS.order.max} are free`,
    );
  }

  private check(body: SecurityGroupWrite, origin: string) {
    const result = validateSecurityGroupWrite(body);
    if (result.ok) return result.value;
    const detail = result.issues.map((i) => (origin ? i.message.replace(/^rules\[0\]\./, "") : i.message)).join("; ");
    throw this.error(origin ? `${origin}: ${detail}` : detail, result.issues);
  }
}

const PLANNED_PREFIX = "planned-prefix-list:";

function plannedMarker(key: string): string {
  return PLANNED_PREFIX + key;
}

function placeholderId(address: Address): string {
  return address.kind === "literal" ? address.value : placeholderPrefix(address) + PLACEHOLDER_BODY;
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function messages(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => i.message).join("; ");
}
