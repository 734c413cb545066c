/* Test oracle, not product code: the one-sweep-per-signature analyzer that the shared sweep in core/analyze/lint.ts replaced. core/analyze/analyze-fast-path.test.ts (and core/review/review-fast-path.test.ts) hold the two equal. IPv4 only (IPv4-only documents): IPv6 lint is tested in core/analyze/ipv6-analysis.test.ts. */
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
import { cidrRange, mustParseCidr, parsePorts, PROTOCOL, SERVICES, type Direction } from "../../core/model";
import { normalizePolicy, type PolicyDocumentInput, type PolicyRule } from "../../core/policy";
import { ruleRef, type RuleRef } from "../../core/analyze/rules";
import { ADDRESS_SPACE_END, addressEvents, cellsOf, ruleAppliesTo, RuleSet, sweep, type Cell } from "./space";

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
  family?: 4;
}

const SEVERITY_RANK: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

export function lint(doc: PolicyDocumentInput): Finding[] {
  const policy = normalizePolicy(doc);
  const findings: Finding[] = [];
  for (const direction of ["inbound", "outbound"] as Direction[]) {
    findings.push(...decisionFindings(policy.rules.filter((r) => r.direction === direction)));
  }
  findings.push(...worldOpen(policy.rules.filter((r) => r.direction === "inbound")));

  (doc.prefix_lists ?? []).forEach((list) => {
    const ranges = list.prefixes
      .map((p) => ({ cidr: p.cidr, ...cidrRange(mustParseCidr(p.cidr)) }))
      .sort((a, b) => a.first - b.first || b.last - a.last);
    let widest = ranges[0];
    for (const r of ranges.slice(1)) {
      if (r.first <= widest.last) {
        findings.push({
          kind: "overlapping-prefixes",
          severity: "low",
          message: `prefix list "${list.name}": ${r.cidr} overlaps ${widest.cidr}`,
          rules: [],
          prefixListId: list.id,
          family: 4,
        });
      }
      if (r.last > widest.last) widest = r;
    }
  });

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

/** Shadowed and redundant rules of one direction, from one sweep per distinct set of applicable rules. */
function decisionFindings(rules: PolicyRule[]): Finding[] {
  const n = rules.length;
  if (!n) return [];
  const events = addressEvents(rules);
  const active = new RuleSet(n);
  const decides = new Uint8Array(n);
  const undecided = new RuleSet(n);
  for (let i = 0; i < n; i++) undecided.add(i);
  /** Rules that decide some packet whose verdict would change without them. */
  const needed = new Uint8Array(n);
  const stoppedBy = rules.map(() => new Set<number>());
  const replacedBy = rules.map(() => new Set<number>());
  const signatures = new Map<string, Uint8Array>();
  for (const cell of cellsOf(rules)) {
    const applies = Uint8Array.from(rules, (r) => (ruleAppliesTo(r, cell) ? 1 : 0));
    signatures.set(applies.join(""), applies);
  }
  for (const applies of signatures.values()) {
    sweep(events, applies, active, () => {
      const winner = active.first(0, n);
      if (winner < 0) return;
      decides[winner] = 1;
      undecided.delete(winner);
      const next = active.first(winner + 1, n);
      const fallback = next < 0 ? "drop" : rules[next].action;
      if (fallback !== rules[winner].action) needed[winner] = 1;
      else if (next >= 0) replacedBy[winner].add(next);
      // Who stops each later matching rule here; only rules that have decided nothing yet matter.
      for (let w = (winner + 1) >>> 5; w < active.words.length; w++) {
        let bits = active.words[w] & undecided.words[w];
        if (w === (winner + 1) >>> 5) bits &= ~0 << ((winner + 1) & 31);
        for (; bits !== 0; bits &= bits - 1) stoppedBy[w * 32 + (31 - Math.clz32(bits & -bits))].add(winner);
      }
    });
    active.words.fill(0);
  }
  const findings: Finding[] = [];
  rules.forEach((rule, i) => {
    if (rule.ranges.length === 0) return; // reported as empty-prefix-list
    if (!decides[i]) {
      const by = [...stoppedBy[i]].sort((a, b) => a - b).map((k) => rules[k]);
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
      const by = [...replacedBy[i]].sort((a, b) => a - b).map((k) => rules[k]);
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
function worldOpen(inbound: PolicyRule[]): Finding[] {
  if (!inbound.length) return [];
  const events = addressEvents(inbound);
  const active = new RuleSet(inbound.length);
  const findings: Finding[] = [];
  for (const service of SERVICES.filter((s) => s.sensitive)) {
    const parsed = parsePorts(service.port);
    if (!parsed.ok) continue;
    const port = parsed.ranges[0].from;
    const cell: Cell = {
      protocols: [{ from: service.protocol, to: service.protocol }],
      sample: { protocol: service.protocol, dstPort: port },
    };
    const applies = Uint8Array.from(inbound, (r) => (ruleAppliesTo(r, cell) ? 1 : 0));
    let accepted = 0;
    const deciders = new Set<number>();
    sweep(events, applies, active, (first, last) => {
      const w = active.first(0, inbound.length);
      if (w >= 0 && inbound[w].action === "accept") {
        accepted += last - first + 1;
        deciders.add(w);
      }
    });
    active.words.fill(0);
    if (accepted === ADDRESS_SPACE_END) {
      const by = [...deciders].sort((a, b) => a - b).map((k) => inbound[k]);
      findings.push({
        kind: "world-open-admin-port",
        severity: "high",
        message: `${service.description} (${service.protocol === PROTOCOL.TCP ? "tcp" : "udp"}/${service.port}) is open to the world (0.0.0.0/0) by ${by.map((r) => r.id).join(", ")}`,
        rules: by.map(ruleRef),
        family: 4,
      });
    }
  }
  return findings;
}
