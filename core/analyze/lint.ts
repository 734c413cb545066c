/**
 * Lint of a policy document, as one site would enforce it (all groups).
 * Findings name the rules involved and carry a severity:
 *  - shadowed:               a rule that never decides a packet, because one earlier
 *                            rule or a union of earlier rules matches all of it first
 *                            (high when they do the opposite, low when the same);
 *  - redundant:              a rule that decides packets, but without it the later
 *                            rules (or the default drop) would decide them the same (low);
 *  - overlapping-prefixes:   entries of one prefix list that overlap (low; per family);
 *  - world-open-admin-port:  a sensitive service (SERVICES[].sensitive) accepted inbound
 *                            from every IPv4 address, or every IPv6 address (high; per family);
 *  - no-outbound-rules:      a group without outbound rules blocks outbound traffic (medium);
 *  - empty-prefix-list:      a rule refers to a prefix list with no entries (or, for an ICMP or
 *                            ICMPv6 rule, none of the rule's family): it never matches (medium);
 *  - empty-group-reference:  a rule names as its peer a group whose member sites have no
 *                            addresses (or none of an ICMP/ICMPv6 rule's family): it matches
 *                            nothing until a site with addresses joins (medium).
 * Shadowing and redundancy are judged over both families at once (see decisionFindings).
 */
import { parsePorts, PROTOCOL, protocolName, SERVICES, type AddressFamily, type Direction, type ServiceInfo } from "../model";
import { normalizePolicy, type NormalizedPolicy, type PolicyDocumentInput, type PolicyRule } from "../policy";
import { ruleRef, type RuleRef } from "./rules";
import { familyAxes, type FamilyAxis } from "./axis";
import { overlappingPrefixes } from "./prefix-overlaps";
import { cellsOf, ruleAppliesTo, SignatureSweep, type Cell } from "./space";

export { overlappingPrefixes };

export type Severity = "low" | "medium" | "high";
export type FindingKind =
  | "shadowed"
  | "redundant"
  | "overlapping-prefixes"
  | "world-open-admin-port"
  | "no-outbound-rules"
  | "empty-prefix-list"
  | "empty-group-reference";

export interface Finding {
  kind: FindingKind;
  severity: Severity;
  message: string;
  /** The rule the finding is about first, then the rules involved. */
  rules: RuleRef[];
  groupId?: string;
  prefixListId?: string;
  /** The group a rule names as its peer, for empty-group-reference. */
  referencedGroupId?: string;
  /** The address family, for findings about one family (world-open, overlapping prefixes, a list with none of a rule's family). */
  family?: AddressFamily;
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

  const lists = new Map(policy.prefixLists.map((l) => [l.id, l]));
  for (const rule of policy.rules) {
    if (rule.address.kind !== "prefixList" || rule.ranges.length > 0 || rule.ranges6.length > 0) continue;
    const list = lists.get(rule.address.id);
    const empty = !list || (list.ranges.length === 0 && list.ranges6.length === 0);
    // A rule of one family (ICMP, ICMPv6) on a list holding only the other family's entries.
    const family = rule.families.length === 1 ? rule.families[0] : undefined;
    findings.push({
      kind: "empty-prefix-list",
      severity: "medium",
      message:
        empty || family === undefined
          ? `rule ${rule.id} refers to prefix list ${rule.address.id}, which is empty: the rule never matches`
          : `rule ${rule.id} refers to prefix list ${rule.address.id}, which has no IPv${family} entries: the ${protocolName(rule.protocol)} rule never matches`,
      rules: [ruleRef(rule)],
      prefixListId: rule.address.id,
      ...(empty || family === undefined ? {} : { family }),
    });
  }

  findings.push(...emptyGroupReferences(policy));

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

/** Rules that name a group as peer whose members have no address (of the rule's family): they match nothing. */
function emptyGroupReferences(policy: NormalizedPolicy): Finding[] {
  const groups = new Map(policy.groupReferences.map((g) => [g.id, g]));
  const out: Finding[] = [];
  for (const rule of policy.rules) {
    if (rule.address.kind !== "group" || rule.ranges.length > 0 || rule.ranges6.length > 0) continue;
    const group = groups.get(rule.address.id)!;
    // A rule of one family (ICMP, ICMPv6) on a group whose members have only the other family's addresses.
    const family = rule.families.length === 1 && (group.ranges.length || group.ranges6.length) ? rule.families[0] : undefined;
    const n = group.members.length;
    const why = !n
      ? "which has no member sites"
      : `whose ${n === 1 ? "1 site has" : `${n} sites have`} no ${family ? `IPv${family} ` : ""}addresses`;
    out.push({
      kind: "empty-group-reference",
      severity: "medium",
      message: `rule ${rule.id} names group "${group.name}" (${group.id}) as its peer, ${why}: the ${family ? `${protocolName(rule.protocol)} ` : ""}rule matches nothing until a site with addresses joins the group`,
      rules: [ruleRef(rule)],
      referencedGroupId: group.id,
      ...(family ? { family } : {}),
    });
  }
  return out;
}

/** What one family's sweep found about each of its rules (indices of the sweep's rules). */
interface Decisions {
  decides: Uint8Array;
  needed: Uint8Array;
  stoppedBy: number[][];
  replacedBy: number[][];
}

/**
 * Shadowed and redundant rules of one direction. A rule of both families (a
 * prefix-list reference) is shadowed when it decides no packet of either, and
 * redundant when it is needed in neither: each family's sweep is merged.
 */
function decisionFindings(all: PolicyRule[], about?: (rule: PolicyRule) => boolean): Finding[] {
  const wantedAll = about ? Uint8Array.from(all, (r) => (about(r) ? 1 : 0)) : undefined;
  if (!all.length || (wantedAll && !wantedAll.includes(1))) return [];
  const decides = new Uint8Array(all.length);
  const needed = new Uint8Array(all.length);
  const stoppedBy = all.map(() => new Set<number>());
  const replacedBy = all.map(() => new Set<number>());
  for (const axis of familyAxes(all)) {
    const found = familyDecisions(axis, wantedAll && Uint8Array.from(axis.source, (i) => wantedAll[i]));
    if (!found) continue;
    axis.source.forEach((i, k) => {
      decides[i] |= found.decides[k];
      needed[i] |= found.needed[k];
      for (const by of found.stoppedBy[k]) stoppedBy[i].add(axis.source[by]);
      for (const by of found.replacedBy[k]) replacedBy[i].add(axis.source[by]);
    });
  }
  const sorted = (set: Set<number>) => [...set].sort((a, b) => a - b);
  const findings: Finding[] = [];
  all.forEach((rule, i) => {
    if (rule.ranges.length === 0 && rule.ranges6.length === 0) return; // reported as empty-prefix-list
    if (wantedAll && !wantedAll[i]) return;
    if (!decides[i]) {
      const by = sorted(stoppedBy[i]).map((k) => all[k]);
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
      const by = sorted(replacedBy[i]).map((k) => all[k]);
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

/** One family's shared sweep over the distinct sets of applicable rules; undefined when no wanted rule is on the axis. */
function familyDecisions(axis: FamilyAxis, wanted: Uint8Array | undefined): Decisions | undefined {
  const rules = axis.rules;
  const n = rules.length;
  if (!n || (wanted && !wanted.includes(1))) return undefined;
  const decides = new Uint8Array(n);
  /** Rules that decide some packet whose verdict would change without them. */
  const needed = new Uint8Array(n);
  const signatures = new Map<string, Uint8Array>();
  for (const cell of cellsOf(rules)) {
    const applies = Uint8Array.from(rules, (r) => (ruleAppliesTo(r, cell) ? 1 : 0));
    signatures.set(applies.join(""), applies);
  }
  // Horizons are at most the next rule after the winner (depth 2).
  const walk = new SignatureSweep(rules, [...signatures.values()], rules.length, 2, axis.end);
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
  return { decides, needed, stoppedBy, replacedBy };
}

/** Sensitive services accepted inbound from every IPv4 address, or from every IPv6 address: one finding per family. */
function worldOpen(inbound: PolicyRule[], only?: (service: ServiceInfo) => boolean): Finding[] {
  if (!inbound.length) return [];
  const services = SERVICES.filter((s) => s.sensitive && (!only || only(s))).flatMap((service) => {
    const parsed = parsePorts(service.port);
    return parsed.ok ? [{ service, port: parsed.ranges[0].from }] : [];
  });
  return familyAxes(inbound).flatMap((axis) => worldOpenFamily(axis, services));
}

function worldOpenFamily(axis: FamilyAxis, services: { service: ServiceInfo; port: number }[]): Finding[] {
  const inbound = axis.rules;
  if (!inbound.length) return [];
  const applies = services.map(({ service, port }) => {
    const cell: Cell = {
      protocols: [{ from: service.protocol, to: service.protocol }],
      sample: { protocol: service.protocol, dstPort: port },
    };
    return Uint8Array.from(inbound, (r) => (ruleAppliesTo(r, cell) ? 1 : 0));
  });
  // Horizons are the winners (depth 1).
  const walk = new SignatureSweep(inbound, applies, inbound.length, 1, axis.end);
  // Per service: axis points accepted so far, and the winner of the interval that started at `start`.
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
  const world = axis.family === 4 ? "the world (0.0.0.0/0)" : "the world over IPv6 (::/0)";
  const findings: Finding[] = [];
  services.forEach(({ service }, s) => {
    close(s, axis.end);
    if (accepted[s] === axis.end) {
      const by = [...deciders[s]].sort((a, b) => a - b).map((k) => inbound[k]);
      findings.push({
        kind: "world-open-admin-port",
        severity: "high",
        message: `${service.description} (${service.protocol === PROTOCOL.TCP ? "tcp" : "udp"}/${service.port}) is open to ${world} by ${by.map((r) => r.id).join(", ")}`,
        rules: by.map(ruleRef),
        family: axis.family,
      });
    }
  });
  return findings;
}
