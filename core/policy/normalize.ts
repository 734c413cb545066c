/**
 * The normal form every platform and the analyzer start from: prefix
 * lists collapsed to exact disjoint ranges (per address family), port lists
 * merged, rule fields defaulted, and the rules of all groups of a site in
 * evaluation order.
 *
 * Families: a rule's CIDR or address range decides its family (`0.0.0.0/0` is all IPv4, `::/0`
 * all IPv6); a prefix-list rule matches the members of the packet's family, so
 * it applies to both; ICMP (1) exists only in IPv4 and ICMPv6 (58) only in
 * IPv6, which narrows a prefix-list rule to that family. `families` says which
 * families a rule applies to; `ranges` and `ranges6` are exactly the addresses
 * it matches in each (empty for a family it does not apply to).
 *
 * A group named as a rule's peer (`sec_grp_` id, group-references.ts) is
 * resolved like a prefix list: its member sites' effective addresses,
 * collapsed per family, in `groupReferences`; the rule applies to both
 * families (narrowed by ICMP/ICMPv6) and matches those addresses.
 */
import {
  ValidationError,
  checkReferences,
  cidr6Range,
  cidrRange,
  coversAllPorts,
  isId,
  isSelf,
  parseCidrOrRange,
  parseIPv4,
  parseIPv6,
  parsePorts,
  protocolFamily,
  protocolTakesPorts,
  referencedGroups,
  referencedPrefixLists,
  selfAsId,
  validatePrefixListAddresses,
  withSetEntries,
  validateSecurityGroupWrite,
  type Action,
  type AddressFamily,
  type AddressRange,
  type AddressRange6,
  type Cidr,
  type Cidr6,
  type IPv6Address,
  type Direction,
  type FilterRuleWrite,
  type PortRange,
  type SiteMode,
  type ValidationIssue,
} from "../model";
import {
  deriveReferencedGroups,
  normalizeGroupReferences,
  type NormalizedGroupReference,
  type PolicySiteInput,
  type ReferencedGroupInput,
} from "./group-references";

/** A policy file or API listing: prefix lists and security groups in API shape; extra fields are ignored. */
export interface PolicyDocumentInput {
  prefix_lists?: readonly {
    id: string;
    name: string;
    description?: string | null;
    prefixes: readonly { cidr: string; description?: string | null }[];
  }[];
  security_groups: readonly {
    id?: string;
    name: string;
    description?: string | null;
    sites?: readonly string[];
    rules: readonly (FilterRuleWrite & { id?: string })[];
  }[];
  /**
   * The groups rules name as peers, with their members' effective addresses
   * (the control plane fills it). Absent: derived from this document's groups
   * and `sites` (group-references.ts deriveReferencedGroups).
   */
  referenced_groups?: readonly ReferencedGroupInput[];
  /** Sites with their addresses (GET /vpc/sites); used only to derive `referenced_groups`. */
  sites?: readonly PolicySiteInput[];
}

/** An endpoint of the control plane the agent must always reach (tcp), IPv4 or IPv6. */
export type ControlPlaneEndpoint = { family: 4; address: number; port: number } | { family: 6; address: IPv6Address; port: number };

export interface NormalizeOptions {
  /** host (default): input and output hooks; router: forward as well. */
  mode?: SiteMode;
  /**
   * What the agent will put in the control-plane set. Renderers always emit
   * the set empty (the agent fills it); the oracle uses these entries.
   */
  controlPlane?: readonly { address: string; port: number }[];
  /** Normalized prefix lists of earlier calls, reused for the same frozen list objects (see PrefixListMemo). */
  memo?: PrefixListMemo;
}

/**
 * Normalized prefix lists by list object, for a caller that compiles the
 * same unchanged lists again and again (the deployer keeps one object per
 * list content). Only deep-frozen lists are remembered: an object that can
 * still change cannot be trusted to mean what it meant.
 */
export class PrefixListMemo {
  private readonly byList = new WeakMap<object, { normalized: NormalizedPrefixList; issues: readonly ValidationIssue[] }>();

  /** How many lists were normalized rather than reused (for tests and benchmarks). */
  misses = 0;

  normalize(list: DocumentPrefixList, normalize: () => { normalized: NormalizedPrefixList; issues: ValidationIssue[] }) {
    const frozen = Object.isFrozen(list) && Object.isFrozen(list.prefixes) && list.prefixes.every((p) => Object.isFrozen(p));
    const hit = frozen ? this.byList.get(list) : undefined;
    if (hit) return hit;
    this.misses++;
    const fresh = normalize();
    if (frozen) {
      deepFreeze(fresh.normalized);
      this.byList.set(list, fresh);
    }
    return fresh;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export interface NormalizedPrefixList {
  id: string;
  name: string;
  /** Exactly the IPv4 addresses of the list: disjoint, ascending, neighbours merged. */
  ranges: AddressRange[];
  /** The minimal CIDR list covering `ranges`, as canonical text. */
  cidrs: string[];
  /** Exactly the IPv6 addresses of the list, as `ranges` for IPv4. */
  ranges6: AddressRange6[];
  /** The minimal IPv6 CIDR list covering `ranges6`, RFC 5952 text. */
  cidrs6: string[];
  /** One text per range of `ranges` / `ranges6` (the CIDR, or first-last), known without building the range objects (not enumerable). */
  readonly entries?: readonly string[];
  readonly entries6?: readonly string[];
}

/**
 * What a rule's address refers to; `ranges`/`ranges6` on the rule hold the
 * resolved addresses. `any` is a /0 of one family: every address of it. A
 * `range` is never exactly one CIDR (validation stores those as the CIDR).
 */
export type RuleAddress =
  | { kind: "any"; family: AddressFamily }
  | { kind: "cidr"; family: 4; cidr: Cidr }
  | { kind: "cidr"; family: 6; cidr: Cidr6 }
  | { kind: "range"; family: 4; first: number; last: number }
  | { kind: "range"; family: 6; first: IPv6Address; last: IPv6Address }
  | { kind: "prefixList"; id: string }
  /** The member sites of a security group (NormalizedPolicy.groupReferences). */
  | { kind: "group"; id: string };

export interface PolicyRule {
  /** The rule id, or `<group id>:<order>` when the policy file has none. */
  id: string;
  groupId: string;
  groupName: string;
  /** Sites the rule's group is attached to (empty in most policy files). */
  sites: readonly string[];
  direction: Direction;
  order: number;
  protocol: number;
  /** Destination ports for TCP/UDP; null means any port (and always for other protocols). */
  ports: PortRange[] | null;
  icmpType: number | null;
  icmpCode: number | null;
  address: RuleAddress;
  /** The families the rule applies to, ascending: [4], [6] or [4, 6] (a prefix list or a group). */
  families: readonly AddressFamily[];
  /** The IPv4 addresses the rule matches (source when inbound, destination when outbound); [] when not IPv4. */
  ranges: readonly AddressRange[];
  /** The IPv6 addresses the rule matches; [] when the rule does not apply to IPv6. */
  ranges6: readonly AddressRange6[];
  action: Action;
  log: boolean;
  description: string;
}

export interface NormalizedPolicy {
  mode: SiteMode;
  /** Every prefix list of the document, sorted by id. */
  prefixLists: NormalizedPrefixList[];
  /** Every referenced group of the document (given or derived), sorted by id. */
  groupReferences: NormalizedGroupReference[];
  /** All rules in evaluation order: order, then group id, then rule id (or position). */
  rules: PolicyRule[];
  controlPlane: ControlPlaneEndpoint[];
}

export const ALL_ADDRESSES: readonly AddressRange[] = Object.freeze([{ first: 0, last: 0xffffffff }]);
export const ALL_ADDRESSES6: readonly AddressRange6[] = Object.freeze([
  { first: [0, 0, 0, 0] as const, last: [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff] as const },
]);
const NONE: readonly never[] = Object.freeze([]);

/** Validates (with the model's validators) and normalizes; throws ValidationError with document paths. */
export function normalizePolicy(doc: PolicyDocumentInput, options: NormalizeOptions = {}): NormalizedPolicy {
  const issues: ValidationIssue[] = [];
  const prefixLists = (doc.prefix_lists ?? []).map((list, i) => {
    const path = `prefix_lists[${i}]`;
    const one = () => normalizePrefixList(list);
    const { normalized, issues: found } = options.memo ? options.memo.normalize(list, one) : one();
    issues.push(...found.map((issue) => prefixIssue(issue, path)));
    return normalized;
  });
  const listsById = new Map(prefixLists.map((l) => [l.id, l]));
  const groupReferences = normalizeGroupReferences(doc.referenced_groups ?? deriveReferencedGroups(doc), issues);
  const referencesById = new Map(groupReferences.map((g) => [g.id, g]));

  const keyed: { rule: PolicyRule; group: number; position: number; hasId: boolean }[] = [];
  (doc.security_groups ?? []).forEach((group, gi) => {
    const path = `security_groups[${gi}]`;
    const rules = (group.rules ?? []) as readonly (FilterRuleWrite & { id?: string })[];
    const checked = validateSecurityGroupWrite(
      { name: group.name, description: group.description ?? null, rules, sites: [] },
      IGNORE_UNKNOWN_FIELDS,
    );
    if (!checked.ok) {
      issues.push(...checked.issues.map((issue) => prefixIssue(issue, path)));
      return;
    }
    // `self` is the group's own id: a peer like any other (its members are the group's sites).
    const selfAt = checked.value.rules.findIndex((r) => isSelf(r.address));
    if (selfAt >= 0 && !isId("securityGroup", group.id)) {
      const at = `rules[${selfAt}].address`;
      issues.push(prefixIssue({ path: at, code: "parameter_invalid", message: `${at}: ${SELF_NEEDS_ID}` }, path));
      return;
    }
    const value = selfAt >= 0 ? { ...checked.value, rules: [...selfAsId(checked.value.rules, group.id!)] } : checked.value;
    const refs = referencedPrefixLists(value);
    const missing = [
      ...checkReferences({ prefixLists: refs }, { prefixLists: new Set(listsById.keys()), sites: new Set() }),
      ...checkReferences(
        { groups: referencedGroups(value) },
        { prefixLists: new Set(), groups: new Set(referencesById.keys()), sites: new Set() },
      ).map((issue) => ({ ...issue, message: `${issue.message}${UNKNOWN_GROUP_HINT}` })),
    ];
    if (missing.length) {
      issues.push(...missing.map((issue) => prefixIssue(issue, path)));
      return;
    }
    const groupId = group.id ?? `group-${gi + 1}`;
    value.rules.forEach((r, ri) => {
      const given = rules[ri].id;
      const ports = protocolTakesPorts(r.protocol) ? portsOf(r.port) : null;
      const address = addressOf(r.address);
      const resolved = resolveAddress(address, r.protocol, listsById, referencesById);
      keyed.push({
        group: gi,
        position: ri,
        hasId: typeof given === "string",
        rule: {
          id: typeof given === "string" ? given : `${groupId}:${r.order}`,
          groupId,
          groupName: group.name,
          sites: [...(group.sites ?? [])],
          direction: r.direction,
          order: r.order,
          protocol: r.protocol,
          ports,
          icmpType: r.icmp_type,
          icmpCode: r.icmp_code,
          address,
          families: resolved.families,
          // Read when asked (the oracle, not the renderers): range objects of big lists cost more than the compile.
          get ranges() {
            return resolved.ranges;
          },
          get ranges6() {
            return resolved.ranges6;
          },
          action: r.action,
          log: r.log,
          description: r.description,
        },
      });
    });
  });
  if (issues.length) throw new ValidationError(issues);

  keyed.sort(
    (a, b) =>
      a.rule.order - b.rule.order ||
      compareText(a.rule.groupId, b.rule.groupId) ||
      a.group - b.group ||
      (a.hasId && b.hasId ? compareText(a.rule.id, b.rule.id) : 0) ||
      a.position - b.position,
  );

  return {
    mode: options.mode ?? "host",
    prefixLists: prefixLists.sort((a, b) => compareText(a.id, b.id)),
    groupReferences: groupReferences.sort((a, b) => compareText(a.id, b.id)),
    rules: keyed.map((k) => k.rule),
    controlPlane: (options.controlPlane ?? []).map(parseControlPlaneEndpoint),
  };
}

type DocumentPrefixList = NonNullable<PolicyDocumentInput["prefix_lists"]>[number];

/** One list, validated and collapsed; issue paths are relative to the list. */
function normalizePrefixList(list: DocumentPrefixList): { normalized: NormalizedPrefixList; issues: ValidationIssue[] } {
  const checked = validatePrefixListAddresses(
    { name: list.name, description: list.description ?? null, prefixes: list.prefixes ?? [] },
    IGNORE_UNKNOWN_FIELDS,
  );
  const issues = checked.ok ? [] : [...checked.issues];
  if (typeof list.id !== "string" || list.id === "") issues.push({ path: "id", code: "parameter_missing", message: "id: is required" });
  // Exact collapse per family, from the rows the validator read: one sort and one merging pass each (n log n).
  const v4 = checked.ok ? checked.value.v4 : { ranges: [], cidrs: [] };
  const v6 = checked.ok ? checked.value.v6 : { ranges: [], cidrs: [] };
  const normalized: NormalizedPrefixList = {
    id: list.id,
    name: list.name,
    get ranges() {
      return v4.ranges;
    },
    cidrs: v4.cidrs,
    get ranges6() {
      return v6.ranges;
    },
    cidrs6: v6.cidrs,
  };
  withSetEntries(normalized, "entries", v4.entries);
  withSetEntries(normalized, "entries6", v6.entries);
  return { normalized, issues };
}

const SELF_NEEDS_ID = "self names the rule's own group, which a policy document gives by its id (sec_grp_...): add the group's id";

/** Where a policy document's group references find their members. */
const UNKNOWN_GROUP_HINT = "; a policy document lists it in referenced_groups, or holds that group (with its sites) and a sites list";

// API responses and exports carry fields the write schema lacks (ids, timestamps).
const IGNORE_UNKNOWN_FIELDS = { ignoreUnknownFields: true } as const;

function prefixIssue(issue: ValidationIssue, path: string): ValidationIssue {
  const full = issue.path ? `${path}.${issue.path}` : path;
  const message = issue.message.startsWith(`${issue.path || "body"}: `)
    ? `${full}: ${issue.message.slice((issue.path || "body").length + 2)}`
    : `${path}: ${issue.message}`;
  return { ...issue, path: full, message };
}

function portsOf(port: string): PortRange[] | null {
  const parsed = parsePorts(port);
  if (!parsed.ok) throw new Error(`validated port ${JSON.stringify(port)} does not parse`);
  // "1-65535" means every port: no port match at all (so port 0 matches too).
  return coversAllPorts(parsed.ranges) ? null : parsed.ranges;
}

function addressOf(address: string): RuleAddress {
  if (address.startsWith("prfx_lst_")) return { kind: "prefixList", id: address };
  if (address.startsWith("sec_grp_")) return { kind: "group", id: address };
  const parsed = parseCidrOrRange(address);
  if (!parsed.ok) throw new Error(`validated address ${JSON.stringify(address)} does not parse`);
  if (parsed.kind === "range") {
    return parsed.family === 4
      ? { kind: "range", family: 4, first: parsed.first, last: parsed.last }
      : { kind: "range", family: 6, first: parsed.first, last: parsed.last };
  }
  if (parsed.cidr.prefixLength === 0) return { kind: "any", family: parsed.family };
  return parsed.family === 4 ? { kind: "cidr", family: 4, cidr: parsed.cidr } : { kind: "cidr", family: 6, cidr: parsed.cidr };
}

/** The families and addresses a rule matches (see the opening comment). */
function resolveAddress(
  address: RuleAddress,
  protocol: number,
  listsById: ReadonlyMap<string, NormalizedPrefixList>,
  referencesById: ReadonlyMap<string, NormalizedGroupReference>,
): Pick<PolicyRule, "families" | "ranges" | "ranges6"> {
  if (address.kind === "prefixList" || address.kind === "group") {
    const list = address.kind === "group" ? referencesById.get(address.id)! : listsById.get(address.id)!;
    const only = protocolFamily(protocol);
    return {
      families: only === undefined ? [4, 6] : [only],
      get ranges() {
        return only === 6 ? NONE : list.ranges;
      },
      get ranges6() {
        return only === 4 ? NONE : list.ranges6;
      },
    };
  }
  if (address.kind === "range") {
    const range = { first: address.first, last: address.last };
    return address.family === 4
      ? { families: [4], ranges: [range as AddressRange], ranges6: NONE }
      : { families: [6], ranges: NONE, ranges6: [range as AddressRange6] };
  }
  if (address.family === 4) {
    return { families: [4], ranges: address.kind === "any" ? ALL_ADDRESSES : [cidrRange(address.cidr)], ranges6: NONE };
  }
  return { families: [6], ranges: NONE, ranges6: address.kind === "any" ? ALL_ADDRESSES6 : [cidr6Range(address.cidr)] };
}

/** Validates one control-plane endpoint, IPv4 or IPv6 (used by the oracle and by the platforms' control-plane helpers). */
export function parseControlPlaneEndpoint(e: { address: string; port: number }): ControlPlaneEndpoint {
  const v4 = parseIPv4(e.address);
  const v6 = v4 === undefined ? parseIPv6(e.address) : undefined;
  if ((v4 === undefined && v6 === undefined) || !Number.isInteger(e.port) || e.port < 1 || e.port > 65535) {
    throw new Error(`invalid control-plane endpoint ${e.address}:${e.port}`);
  }
  return v4 !== undefined ? { family: 4, address: v4, port: e.port } : { family: 6, address: v6!, port: e.port };
}

/** Code-unit order, so the result does not depend on the locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
