/* Test oracle, not product code: the one-sweep-per-signature analyzer that the shared sweep in core/analyze/diff.ts replaced. core/analyze/analyze-fast-path.test.ts (and core/review/review-fast-path.test.ts) hold the two equal. IPv4 only: the fast path's IPv6 regions are held against evaluate() itself (core/analyze/ipv6-analysis.test.ts). */
/**
 * Semantic diff: the regions of packet space whose verdict changes between two
 * policies, per direction, as (protocols, ports or ICMP type/code, addresses,
 * sites), with the verdict and deciding rule before and after. Only packets
 * that open a connection are compared: loopback, connection state, the
 * control-plane exception and the default drop are the same in every policy.
 * Router-mode forwarding is decided by the same rules (inbound by source,
 * outbound by destination), so the per-direction regions describe it too.
 */
import { formatCidr, rangeToCidrs, mergeRanges, type AddressRange, type Direction } from "../../core/model";
import { normalizePolicy, type NormalizedPolicy, type PolicyDocumentInput, type PolicyRule } from "../../core/policy";
import type { Verdict } from "../../core/analyze/packet";
import { ruleRef, type RuleRef } from "../../core/analyze/rules";
import { addressEvents, cellsOf, ruleAppliesTo, RuleSet, sweep, type Cell, type ValueRange } from "./space";

export interface DiffSide {
  verdict: Verdict;
  /** The deciding rule; absent when the default drop decides. */
  rule?: RuleRef;
}

export interface DiffRegion {
  direction: Direction;
  family: 4;
  /** IP protocol numbers (ascending ranges); [{from: 0, to: 255}] is every protocol. */
  protocols: ValueRange[];
  /** TCP/UDP destination ports; absent when the region spans all ports or has no ports. */
  ports?: ValueRange[];
  /** ICMP types and codes; absent when the region spans all of them. */
  icmp?: { types: ValueRange; codes: ValueRange }[];
  /** Peer addresses (source when inbound, destination when outbound) as minimal CIDRs. */
  addresses: string[];
  /** Sites where the change happens; empty when the policies name no sites (one site compiles them all). */
  sites: string[];
  before: DiffSide;
  after: DiffSide;
}

export interface SemanticDiff {
  regions: DiffRegion[];
  /** Regions that accept now and dropped before. */
  opened: DiffRegion[];
  /** Regions that drop now and accepted before. */
  closed: DiffRegion[];
}

export type PolicyInput = PolicyDocumentInput | NormalizedPolicy;

function asPolicy(input: PolicyInput): NormalizedPolicy {
  return "rules" in input ? input : normalizePolicy(input);
}

export function semanticDiff(beforeInput: PolicyInput, afterInput: PolicyInput): SemanticDiff {
  const before = asPolicy(beforeInput);
  const after = asPolicy(afterInput);
  const sites = [...new Set([...before.rules, ...after.rules].flatMap((r) => r.sites))].sort();
  const scopes: (string | undefined)[] = sites.length ? sites : [undefined];
  const merged = new Map<string, DiffRegion>();
  for (const site of scopes) {
    const inScope = (r: PolicyRule) => site === undefined || r.sites.includes(site);
    for (const direction of ["inbound", "outbound"] as Direction[]) {
      const b = before.rules.filter((r) => r.direction === direction && inScope(r) && r.families.includes(4));
      const a = after.rules.filter((r) => r.direction === direction && inScope(r) && r.families.includes(4));
      for (const region of diffDirection(direction, b, a)) {
        const key = JSON.stringify({ ...region, sites: [] });
        const seen = merged.get(key);
        if (seen) seen.sites.push(...(site ? [site] : []));
        else merged.set(key, { ...region, sites: site ? [site] : [] });
      }
    }
  }
  const regions = [...merged.values()];
  return {
    regions,
    opened: regions.filter((r) => r.after.verdict === "accept"),
    closed: regions.filter((r) => r.after.verdict === "drop"),
  };
}

/** Regions of one direction where the verdict of `before` and `after` rules differ. */
function diffDirection(direction: Direction, before: PolicyRule[], after: PolicyRule[]): Omit<DiffRegion, "sites">[] {
  const all = [...before, ...after];
  const nb = before.length;
  const events = addressEvents(all);
  const active = new RuleSet(all.length);
  // Cells where the same rules apply give the same address sweep: sweep once per distinct set.
  const bySignature = new Map<string, { applies: Uint8Array; cells: Cell[] }>();
  for (const cell of cellsOf(all)) {
    const applies = Uint8Array.from(all, (r) => (ruleAppliesTo(r, cell) ? 1 : 0));
    const key = applies.join("");
    const entry = bySignature.get(key) ?? { applies, cells: [] };
    entry.cells.push(cell);
    bySignature.set(key, entry);
  }
  const regions: Omit<DiffRegion, "sites">[] = [];
  for (const { applies, cells } of bySignature.values()) {
    // (before winner, after winner) -> addresses where the verdicts differ
    const changes = new Map<string, { b: number; a: number; ranges: AddressRange[] }>();
    sweep(events, applies, active, (first, last) => {
      const b = active.first(0, nb);
      const a = active.first(nb, all.length);
      const vb = b < 0 ? "drop" : all[b].action;
      const va = a < 0 ? "drop" : all[a].action;
      if (vb === va) return;
      const key = `${b},${a}`;
      const change = changes.get(key) ?? { b, a, ranges: [] };
      const top = change.ranges[change.ranges.length - 1];
      if (top && top.last + 1 === first) change.ranges[change.ranges.length - 1] = { first: top.first, last };
      else change.ranges.push({ first, last });
      changes.set(key, change);
    });
    active.words.fill(0);
    for (const { b, a, ranges } of changes.values()) {
      const side = (i: number): DiffSide => (i < 0 ? { verdict: "drop" } : { verdict: all[i].action, rule: ruleRef(all[i]) });
      const addresses = mergeRanges(ranges).flatMap(rangeToCidrs).map(formatCidr);
      for (const group of groupCells(cells)) regions.push({ direction, family: 4, ...group, addresses, before: side(b), after: side(a) });
    }
  }
  return regions;
}

/** Cells of one sweep grouped per protocol, with their ports or ICMP ranges merged. */
function groupCells(cells: Cell[]): Pick<DiffRegion, "protocols" | "ports" | "icmp">[] {
  const byProtocol = new Map<string, Cell[]>();
  for (const c of cells) {
    const key = JSON.stringify(c.protocols);
    byProtocol.set(key, [...(byProtocol.get(key) ?? []), c]);
  }
  const out: Pick<DiffRegion, "protocols" | "ports" | "icmp">[] = [];
  for (const group of byProtocol.values()) {
    const region: Pick<DiffRegion, "protocols" | "ports" | "icmp"> = { protocols: group[0].protocols };
    const ports = joinRanges(group.flatMap((c) => (c.ports ? [c.ports] : [])));
    if (ports.length && !isWhole(ports, 65535)) region.ports = ports;
    const icmp = group.flatMap((c) => (c.icmpTypes ? [{ types: c.icmpTypes, codes: c.icmpCodes! }] : []));
    if (
      icmp.length &&
      !(
        icmp.every((i) => i.codes.from === 0 && i.codes.to === 255) &&
        isWhole(
          icmp.map((i) => i.types),
          255,
        )
      )
    ) {
      region.icmp = icmp;
    }
    out.push(region);
  }
  // Protocols whose whole L4 space changes alike merge into one region.
  const whole = out.filter((r) => !r.ports && !r.icmp);
  if (whole.length > 1) {
    const rest = out.filter((r) => r.ports || r.icmp);
    return [...rest, { protocols: joinRanges(whole.flatMap((r) => r.protocols)) }];
  }
  return out;
}

/** Whether the ranges cover exactly 0..max. */
function isWhole(ranges: ValueRange[], max: number): boolean {
  const joined = joinRanges(ranges);
  return joined.length === 1 && joined[0].from === 0 && joined[0].to === max;
}

function joinRanges(ranges: ValueRange[]): ValueRange[] {
  const sorted = [...ranges].sort((a, b) => a.from - b.from);
  const out: { from: number; to: number }[] = [];
  for (const r of sorted) {
    const top = out[out.length - 1];
    if (top && r.from <= top.to + 1) top.to = Math.max(top.to, r.to);
    else out.push({ ...r });
  }
  return out;
}
