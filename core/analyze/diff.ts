/**
 * Semantic diff: the regions of packet space whose verdict changes between two
 * policies, per direction, as (protocols, ports or ICMP type/code, addresses,
 * sites), with the verdict and deciding rule before and after. Only packets
 * that open a connection are compared: loopback, connection state, the
 * control-plane exception and the default drop are the same in every policy.
 * Router-mode forwarding is decided by the same rules (inbound by source,
 * outbound by destination), so the per-direction regions describe it too.
 * Each family is swept on its own axis (axis.ts): a region is IPv4 or IPv6.
 * The essential ICMPv6 messages (accepted before any rule) are not cut out of
 * ICMPv6 regions: "all protocols to ::/0" stays one region, though neighbour
 * discovery in it was accepted before as well.
 */
import { formatCidr6, formatIPv4, mergeRanges, rangeToCidrs6, type AddressFamily, type AddressRange, type Direction } from "../model";
import { normalizePolicy, type NormalizedPolicy, type PolicyDocumentInput, type PolicyRule } from "../policy";
import type { Verdict } from "./packet";
import { ruleRef, type RuleRef } from "./rules";
import { axisRange6, familyAxes, type FamilyAxis } from "./axis";
import { cellsOf, ruleAppliesTo, SignatureSweep, type Cell, type ValueRange } from "./space";

export interface DiffSide {
  verdict: Verdict;
  /** The deciding rule; absent when the default drop decides. */
  rule?: RuleRef;
}

export interface DiffRegion {
  direction: Direction;
  /** The address family of the region's packets: `addresses` are IPv4 or IPv6 CIDRs. */
  family: AddressFamily;
  /** IP protocol numbers (ascending ranges); [{from: 0, to: 255}] is every protocol. */
  protocols: ValueRange[];
  /** TCP/UDP destination ports; absent when the region spans all ports or has no ports. */
  ports?: ValueRange[];
  /** ICMP (IPv4) or ICMPv6 (IPv6) types and codes; absent when the region spans all of them. */
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
  // Merged regions in order of first appearance; found by their fields and a digest of their addresses.
  const regions: DiffRegion[] = [];
  const merged = new Map<string, DiffRegion[]>();
  // Sites that enforce the same rules (usually: the same groups) get the same regions: diff each rule set once.
  const computed = new Map<string, { key: string; region: Omit<DiffRegion, "sites"> }[]>();
  for (const site of scopes) {
    for (const direction of ["inbound", "outbound"] as Direction[]) {
      const bi = scopeRules(before.rules, direction, site);
      const ai = scopeRules(after.rules, direction, site);
      const scopeKey = `${direction}:${bi.join(",")}|${ai.join(",")}`;
      let scoped = computed.get(scopeKey);
      if (!scoped) {
        scoped = diffDirection(
          direction,
          bi.map((i) => before.rules[i]),
          ai.map((i) => after.rules[i]),
        ).map((region) => ({
          // Addresses are most of a region: a digest of them in the key, compared in full on a hit.
          key: JSON.stringify({ ...region, addresses: [], sites: [] }) + addressDigest(region.addresses),
          region,
        }));
        computed.set(scopeKey, scoped);
      }
      for (const { key, region } of scoped) {
        const bucket = merged.get(key);
        const seen = bucket?.find((r) => sameStrings(r.addresses, region.addresses));
        if (seen) seen.sites.push(...(site ? [site] : []));
        else {
          const added = { ...region, sites: site ? [site] : [] };
          regions.push(added);
          if (bucket) bucket.push(added);
          else merged.set(key, [added]);
        }
      }
    }
  }
  return {
    regions,
    opened: regions.filter((r) => r.after.verdict === "accept"),
    closed: regions.filter((r) => r.after.verdict === "drop"),
  };
}

function addressDigest(addresses: readonly string[]): string {
  return `#${addresses.length}:${addresses[0] ?? ""}:${addresses[addresses.length - 1] ?? ""}`;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The address ranges of a region's `addresses` as semanticDiff computed them
 * (ascending, disjoint, not touching), so that readers need not parse the
 * CIDRs back; undefined for an array semanticDiff did not make, or one
 * changed since (by its length and ends).
 */
export function addressRangesOf(addresses: readonly string[]): readonly AddressRange[] | undefined {
  const known = rangesOfAddresses.get(addresses);
  const n = addresses.length;
  if (!known || known.length !== n || (n && (addresses[0] !== known.first || addresses[n - 1] !== known.last))) return undefined;
  return known.ranges;
}

interface KnownRanges {
  ranges: readonly AddressRange[];
  length: number;
  first?: string;
  last?: string;
}

const rangesOfAddresses = new WeakMap<readonly string[], KnownRanges>();

/** mergeRanges(ranges).flatMap(rangeToCidrs).map(formatCidr), without the intermediate objects. */
function cidrTexts(ranges: AddressRange[]): string[] {
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i].first <= ranges[i - 1].last + 1) return cidrTexts(mergeRanges(ranges));
  }
  const out: string[] = [];
  for (const { first, last } of ranges) {
    for (let start = first; start <= last; ) {
      // As rangeToCidrs: the largest aligned block from `start` that does not pass `last`.
      const remaining = last - start + 1;
      let bits = remaining >= 2 ** 32 ? 32 : 31 - Math.clz32(remaining);
      // start & -start: its lowest set bit (ToInt32 keeps bit 31 as the sign).
      if (start !== 0) bits = Math.min(bits, 31 - Math.clz32(start & -start));
      out.push(`${formatIPv4(start)}/${32 - bits}`);
      start += 2 ** bits;
    }
  }
  rangesOfAddresses.set(out, { ranges, length: out.length, first: out[0], last: out[out.length - 1] });
  return out;
}

/** Indices of the rules of one direction that a site enforces (every rule when site is undefined). */
function scopeRules(rules: readonly PolicyRule[], direction: Direction, site: string | undefined): number[] {
  const out: number[] = [];
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i];
    if (r.direction === direction && (site === undefined || r.sites.includes(site))) out.push(i);
  }
  return out;
}

/** IPv6 axis ranges as minimal RFC 5952 CIDR texts. */
function cidrTexts6(axis: FamilyAxis, ranges: AddressRange[]): string[] {
  const out: string[] = [];
  // Points that touch on the axis are addresses that touch.
  for (const r of mergeRanges(ranges)) {
    for (const cidr of rangeToCidrs6(axisRange6(axis, r.first, r.last))) out.push(formatCidr6(cidr));
  }
  return out;
}

/** Regions of one direction where the verdict of `before` and `after` rules differ: IPv4 ones, then IPv6 ones. */
function diffDirection(direction: Direction, before: PolicyRule[], after: PolicyRule[]): Omit<DiffRegion, "sites">[] {
  // Both policies on one axis per family, so that their rules' ranges compare point for point.
  return familyAxes([...before, ...after]).flatMap((axis) => diffFamily(direction, axis, before.length));
}

function diffFamily(direction: Direction, axis: FamilyAxis, beforeCount: number): Omit<DiffRegion, "sites">[] {
  const all = axis.rules;
  let nb = 0;
  while (nb < all.length && axis.source[nb] < beforeCount) nb++;
  const before = all.slice(0, nb);
  const after = all.slice(nb);
  // Cells where the same rules apply give the same address sweep: sweep once per distinct set.
  const bySignature = new Map<string, { applies: Uint8Array; cells: Cell[] }>();
  for (const cell of cellsOf(all)) {
    const applies = Uint8Array.from(all, (r) => (ruleAppliesTo(r, cell) ? 1 : 0));
    const key = applies.join("");
    const entry = bySignature.get(key) ?? { applies, cells: [] };
    entry.cells.push(cell);
    bySignature.set(key, entry);
  }
  // Where before and after apply equal rules in the same order, every address gets the same verdict.
  const sameRules = equalRuleCache(before, after);
  const signatures = [...bySignature.values()].filter(({ applies }) => !sameSequence(applies, nb, all.length, sameRules));
  const changes = signatures.map(() => new Map<number, { b: number; a: number; ranges: AddressRange[] }>());
  if (signatures.length) {
    // Horizons are the winners of each half (depth 1).
    const applies = signatures.map((s) => s.applies);
    const walk = new SignatureSweep(all, applies, nb, 1, axis.end);
    // Only changes of the winners (or of rules before them) can change the verdicts.
    walk.watch.fill(0);
    // Per signature: where the current run of addresses started, and its winners (key -1: same verdict).
    const runStart = new Float64Array(signatures.length);
    const runKey = new Float64Array(signatures.length).fill(-1);
    const closeRun = (s: number, end: number) => {
      const key = runKey[s];
      if (key < 0) return;
      const a = (key % (all.length + 1)) - 1;
      const b = (key - a - 1) / (all.length + 1) - 1;
      const change = changes[s].get(key) ?? { b, a, ranges: [] };
      change.ranges.push({ first: runStart[s], last: end - 1 });
      changes[s].set(key, change);
    };
    const accepts = Uint8Array.from(all, (r) => (r.action === "accept" ? 1 : 0));
    walk.run((s, address) => {
      const b = walk.first(s, 0, nb);
      const a = walk.first(s, nb, all.length);
      walk.horizon[2 * s] = b < 0 ? all.length : b;
      walk.horizon[2 * s + 1] = a < 0 ? all.length : a;
      const key = (b < 0 ? 0 : accepts[b]) === (a < 0 ? 0 : accepts[a]) ? -1 : (b + 1) * (all.length + 1) + (a + 1);
      if (key === runKey[s]) return;
      closeRun(s, address);
      runKey[s] = key;
      runStart[s] = address;
    });
    for (let s = 0; s < signatures.length; s++) closeRun(s, axis.end);
  }
  const regions: Omit<DiffRegion, "sites">[] = [];
  signatures.forEach(({ cells }, s) => {
    for (const { b, a, ranges } of changes[s].values()) {
      const side = (i: number): DiffSide => (i < 0 ? { verdict: "drop" } : { verdict: all[i].action, rule: ruleRef(all[i]) });
      const addresses = axis.family === 4 ? cidrTexts(ranges) : cidrTexts6(axis, ranges);
      for (const group of groupCells(cells))
        regions.push({ direction, family: axis.family, ...group, addresses, before: side(b), after: side(a) });
    }
  });
  return regions;
}

/** Whether the before rules (indices < nb) and the after rules marked in `applies` are pairwise equal, in order. */
function sameSequence(applies: Uint8Array, nb: number, n: number, same: (b: number, a: number) => boolean): boolean {
  let b = 0;
  let a = nb;
  for (;;) {
    while (b < nb && !applies[b]) b++;
    while (a < n && !applies[a]) a++;
    if (b === nb || a === n) return b === nb && a === n;
    if (!same(b, a - nb)) return false;
    b++;
    a++;
  }
}

/** Whether before[b] and after[a] match the same addresses with the same action (memoized; lists are long). */
function equalRuleCache(before: PolicyRule[], after: PolicyRule[]): (b: number, a: number) => boolean {
  const memo = new Map<number, boolean>();
  return (b, a) => {
    const key = b * after.length + a;
    let equal = memo.get(key);
    if (equal === undefined) {
      const x = before[b].ranges;
      const y = after[a].ranges;
      equal = before[b].action === after[a].action && x.length === y.length;
      for (let i = 0; equal && x !== y && i < x.length; i++) equal = x[i].first === y[i].first && x[i].last === y[i].last;
      memo.set(key, equal);
    }
    return equal;
  };
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
