/**
 * Lint of a policy document, as one site would enforce it (all groups).
 * Findings name the rules involved and carry a severity:
 *  - shadowed:               a rule that never decides a packet, because one earlier
 *                            rule or a union of earlier rules matches all of it first
 *                            (high when they do the opposite, low when the same);
 *  - redundant:              a rule that decides packets, but without it the later
 *                            rules (or the default drop) would decide them the same (low);
 *  - overlapping-prefixes:   entries of one prefix list that overlap (low);
 *  - world-open-admin-port:  a sensitive service (SERVICES[].sensitive) accepted inbound
 *                            from every address (high);
 *  - no-outbound-rules:      a group without outbound rules blocks outbound traffic (medium);
 *  - empty-prefix-list:      a rule refers to a prefix list with no entries: it never matches (medium).
 */
import {
  cidrKey,
  cidrKeyFirst,
  cidrKeyLast,
  formatCidrKey,
  mustParseCidr,
  parsePorts,
  PROTOCOL,
  SERVICES,
  type Direction,
  type ServiceInfo,
} from "../model";
import { normalizePolicy, type NormalizedPolicy, type PolicyDocumentInput, type PolicyRule } from "../policy";
import { ruleRef, type RuleRef } from "./rules";
import { ADDRESS_SPACE_END, cellsOf, ruleAppliesTo, SignatureSweep, type Cell } from "./space";

export type Severity = "low" | "medium" | "high";
export type FindingKind =
  | "shadowed"
  | "redundant"
  | "overlapping-prefixes"
  | "world-open-admin-port"
  | "no-outbound-rules"
  | "empty-prefix-list";

export interface Finding {
  kind: FindingKind;
  severity: Severity;
  message: string;
  /** The rule the finding is about first, then the rules involved. */
  rules: RuleRef[];
  groupId?: string;
  prefixListId?: string;
}

const SEVERITY_RANK: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

export interface LintOptions {
  /** normalizePolicy(doc), when the caller has it already (the review normalizes each side once). */
  policy?: NormalizedPolicy;
  /** Which checks to run; every one by default. A caller that needs only some findings skips the rest. */
  checks?: {
    /** shadowed and redundant rules */
    decisions?: boolean;
    /** world-open-admin-port; a function: only for the sensitive services it returns true for */
    worldOpen?: boolean | ((service: ServiceInfo) => boolean);
    /** overlapping-prefixes over doc.prefix_lists */
    overlaps?: boolean;
  };
  /**
   * Only shadowed and redundant findings about these rules are needed (the rule a
   * finding is about first); the sweep then follows no other rule's
   * shadowing. Findings about these rules are exactly those of a full lint.
   */
  about?: (rule: PolicyRule) => boolean;
}

export function lint(doc: PolicyDocumentInput, options: LintOptions = {}): Finding[] {
  const policy = options.policy ?? normalizePolicy(doc);
  const checks = { decisions: true, worldOpen: true, overlaps: true, ...options.checks };
  const findings: Finding[] = [];
  if (checks.decisions) {
    for (const direction of ["inbound", "outbound"] as Direction[]) {
      const rules = policy.rules.filter((r) => r.direction === direction);
      findings.push(...decisionFindings(rules, options.about));
    }
  }
  if (checks.worldOpen) {
    const inbound = policy.rules.filter((r) => r.direction === "inbound");
    findings.push(...worldOpen(inbound, typeof checks.worldOpen === "function" ? checks.worldOpen : undefined));
  }

  if (checks.overlaps) for (const list of doc.prefix_lists ?? []) findings.push(...overlappingPrefixes(list));

  for (const rule of policy.rules) {
    if (rule.address.kind === "prefixList" && rule.ranges.length === 0) {
      findings.push({
        kind: "empty-prefix-list",
        severity: "medium",
        message: `rule ${rule.id} refers to prefix list ${rule.address.id}, which is empty: the rule never matches`,
        rules: [ruleRef(rule)],
        prefixListId: rule.address.id,
      });
    }
  }

  doc.security_groups.forEach((group, gi) => {
    if (group.rules.some((r) => r.direction === "outbound")) return;
    const groupId = group.id ?? `group-${gi + 1}`;
    findings.push({
      kind: "no-outbound-rules",
      severity: "medium",
      message: `group "${group.name}" has no outbound rules: outbound connections are dropped unless another group allows them`,
      rules: [],
      groupId,
    });
  });
  return findings.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
}

/**
 * Entries of one prefix list that overlap an earlier (wider or equal) entry, in
 * address order. One typed sort of allocation-free CIDR keys (network * 64 +
 * length: by network, the wider entry first); entries are validated CIDRs, so
 * their text is the canonical one formatCidr prints.
 */
export function overlappingPrefixes(list: { id: string; name: string; prefixes: readonly { cidr: string }[] }): Finding[] {
  const n = list.prefixes.length;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const key = cidrKey(list.prefixes[i].cidr);
    if (key < 0) mustParseCidr(list.prefixes[i].cidr); // throws: not a valid CIDR
    keys[i] = key;
  }
  keys.sort();
  const findings: Finding[] = [];
  let widestKey = -1;
  let widestLast = -1;
  for (let i = 0; i < n; i++) {
    const key = keys[i];
    const first = cidrKeyFirst(key);
    const last = cidrKeyLast(key);
    if (widestKey >= 0 && first <= widestLast) {
      findings.push({
        kind: "overlapping-prefixes",
        severity: "low",
        message: `prefix list "${list.name}": ${formatCidrKey(key)} overlaps ${formatCidrKey(widestKey)}`,
        rules: [],
        prefixListId: list.id,
      });
    }
    if (last > widestLast) {
      widestKey = key;
      widestLast = last;
    }
  }
  return findings;
}

/** Shadowed and redundant rules of one direction, from one shared sweep over the distinct sets of applicable rules. */
function decisionFindings(rules: PolicyRule[], about?: (rule: PolicyRule) => boolean): Finding[] {
  const n = rules.length;
  const wanted = about ? Uint8Array.from(rules, (r) => (about(r) ? 1 : 0)) : undefined;
  if (!n || (wanted && !wanted.includes(1))) return [];
  const decides = new Uint8Array(n);
  /** Rules that decide some packet whose verdict would change without them. */
  const needed = new Uint8Array(n);
  const signatures = new Map<string, Uint8Array>();
  for (const cell of cellsOf(rules)) {
    const applies = Uint8Array.from(rules, (r) => (ruleAppliesTo(r, cell) ? 1 : 0));
    signatures.set(applies.join(""), applies);
  }
  // Horizons are at most the next rule after the winner (depth 2).
  const walk = new SignatureSweep(rules, [...signatures.values()], rules.length, 2);
  // Who stops a rule is followed only for the wanted rules (winners and next rules are followed anyway).
  if (wanted) walk.watch.set(wanted);
  const { words, active, masks } = walk;
  // Bitsets per rule w: the rules w stopped somewhere (matching but later), and the rules that decide in w's place.
  const stopped = new Uint32Array(n * words);
  const replacing = new Uint32Array(n * words);
  const accepts = Uint8Array.from(rules, (r) => (r.action === "accept" ? 1 : 0));
  // The winner of each signature at its last visit (-1: none).
  const winners = new Int32Array(walk.signatures).fill(-1);
  // A watched rule starts behind the unchanged winner (there is one: without, the horizon is everything).
  const started = (s: number, rule: number) => {
    stopped[winners[s] * words + (rule >>> 5)] |= 1 << (rule & 31);
  };
  walk.run((s, _address) => {
    // One pass over the signature's active rules: the winner, the next one, and all after the winner.
    const base = s * words;
    let w = 0;
    let bits = 0;
    for (; w < words; w++) if ((bits = active[w] & masks[base + w]) !== 0) break;
    if (w === words) {
      walk.horizon[2 * s] = n;
      winners[s] = -1;
      return;
    }
    const winner = w * 32 + (31 - Math.clz32(bits & -bits));
    winners[s] = winner;
    decides[winner] = 1;
    // Who stops a rule matters only until it decides somewhere.
    walk.watch[winner] = 0;
    bits &= bits - 1;
    let next = -1;
    const row = winner * words;
    for (;;) {
      if (bits !== 0) {
        if (next < 0) next = w * 32 + (31 - Math.clz32(bits & -bits));
        // Every later matching rule is stopped by the winner here.
        stopped[row + w] |= bits;
      }
      if (++w === words) break;
      bits = active[w] & masks[base + w];
    }
    // Without the winner, the next rule (or the default drop) decides.
    if (next < 0) {
      if (accepts[winner]) needed[winner] = 1;
    } else if (accepts[next] !== accepts[winner]) needed[winner] = 1;
    else replacing[row + (next >>> 5)] |= 1 << (next & 31);
    // Rules after `next` change neither the winner nor the next (unless watched); once the
    // winner is known to be needed, its next rule no longer matters either.
    walk.horizon[2 * s] = needed[winner] ? winner : next < 0 ? n : next;
  }, started);
  const members = (bits: Uint32Array, row: number): number[] => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) if (bits[row * words + (i >>> 5)] & (1 << (i & 31))) out.push(i);
    return out;
  };
  const stoppedBy = rules.map((_, i) => {
    const by: number[] = [];
    for (let w = 0; w < n; w++) if (stopped[w * words + (i >>> 5)] & (1 << (i & 31))) by.push(w);
    return by;
  });
  const replacedBy = rules.map((_, i) => members(replacing, i));
  const findings: Finding[] = [];
  rules.forEach((rule, i) => {
    if (rule.ranges.length === 0) return; // reported as empty-prefix-list
    if (wanted && !wanted[i]) return;
    if (!decides[i]) {
      const by = stoppedBy[i].map((k) => rules[k]);
      const opposite = by.some((r) => r.action !== rule.action);
      const names = by.map((r) => r.id).join(", ");
      findings.push({
        kind: "shadowed",
        severity: opposite ? "high" : "low",
        message:
          by.length === 1
            ? `rule ${rule.id} never applies: earlier rule ${names} matches all its packets${opposite ? ` and ${by[0].action}s them` : ""}`
            : `rule ${rule.id} never applies: the earlier rules ${names} together match all its packets${opposite ? ", not all with the same action" : ""}`,
        rules: [ruleRef(rule), ...by.map(ruleRef)],
      });
    } else if (!needed[i]) {
      const by = replacedBy[i].map((k) => rules[k]);
      findings.push({
        kind: "redundant",
        severity: "low",
        message: `rule ${rule.id} is redundant: without it ${by.length ? `rules ${by.map((r) => r.id).join(", ")}` : "the default drop"} would ${rule.action} the same packets`,
        rules: [ruleRef(rule), ...by.map(ruleRef)],
      });
    }
  });
  return findings;
}

/** Sensitive services accepted inbound from every IPv4 address. */
function worldOpen(inbound: PolicyRule[], only?: (service: ServiceInfo) => boolean): Finding[] {
  if (!inbound.length) return [];
  const services = SERVICES.filter((s) => s.sensitive && (!only || only(s))).flatMap((service) => {
    const parsed = parsePorts(service.port);
    return parsed.ok ? [{ service, port: parsed.ranges[0].from }] : [];
  });
  const applies = services.map(({ service, port }) => {
    const cell: Cell = {
      protocols: [{ from: service.protocol, to: service.protocol }],
      sample: { protocol: service.protocol, dstPort: port },
    };
    return Uint8Array.from(inbound, (r) => (ruleAppliesTo(r, cell) ? 1 : 0));
  });
  // Horizons are the winners (depth 1).
  const walk = new SignatureSweep(inbound, applies, inbound.length, 1);
  // Per service: addresses accepted so far, and the winner of the interval that started at `start`.
  const accepted = new Float64Array(services.length);
  const start = new Float64Array(services.length);
  const winner = new Int32Array(services.length).fill(-1);
  const deciders = services.map(() => new Set<number>());
  const close = (s: number, end: number) => {
    const w = winner[s];
    if (w >= 0 && inbound[w].action === "accept") {
      accepted[s] += end - start[s];
      deciders[s].add(w);
    }
  };
  // Only changes of the winner (or of rules before it) change what is accepted.
  walk.watch.fill(0);
  walk.run((s, address) => {
    close(s, address);
    winner[s] = walk.first(s, 0, inbound.length);
    walk.horizon[2 * s] = winner[s] < 0 ? inbound.length : winner[s];
    start[s] = address;
  });
  const findings: Finding[] = [];
  services.forEach(({ service }, s) => {
    close(s, ADDRESS_SPACE_END);
    if (accepted[s] === ADDRESS_SPACE_END) {
      const by = [...deciders[s]].sort((a, b) => a - b).map((k) => inbound[k]);
      findings.push({
        kind: "world-open-admin-port",
        severity: "high",
        message: `${service.description} (${service.protocol === PROTOCOL.TCP ? "tcp" : "udp"}/${service.port}) is open to the world (0.0.0.0/0) by ${by.map((r) => r.id).join(", ")}`,
        rules: by.map(ruleRef),
      });
    }
  });
  return findings;
}
