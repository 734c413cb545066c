/* Test oracle, not product code: the one-sweep-per-signature analyzer that the shared sweep in core/analyze/space.ts replaced. core/analyze/analyze-fast-path.test.ts (and core/review/review-fast-path.test.ts) hold the two equal. */
/**
 * The packet space of one direction, cut into pieces on which every rule
 * either matches entirely or not at all: "cells" over protocol, port and ICMP
 * type/code (from the boundaries the rules name), and, per cell, an address
 * sweep over the rules' sorted range edges. Used by semanticDiff and lint;
 * n log n in the number of address ranges (one sort per direction), no
 * pairwise comparison of rules.
 */
import { PROTOCOL, protocolTakesPorts, type PortRange } from "../../core/model";
import type { PolicyRule } from "../../core/policy";

/** An inclusive range of values (ports, protocol numbers, ICMP types or codes). */
export type ValueRange = PortRange;

export interface Cell {
  /** The protocols of the cell: one number, or every protocol no rule names. */
  protocols: ValueRange[];
  /** TCP/UDP: the destination ports of the cell. */
  ports?: ValueRange;
  /** ICMP: the types and codes of the cell. */
  icmpTypes?: ValueRange;
  icmpCodes?: ValueRange;
  /** A packet inside the cell, to test which rules apply. */
  sample: { protocol: number; dstPort?: number; icmpType?: number; icmpCode?: number };
}

/** Splits [min, max] at the given cut points (a cut at c starts a new interval at c). */
function elementary(cuts: Iterable<number>, min: number, max: number): ValueRange[] {
  const points = [...new Set([min, ...cuts])].filter((c) => c >= min && c <= max).sort((a, b) => a - b);
  return points.map((from, i) => ({ from, to: i + 1 < points.length ? points[i + 1] - 1 : max }));
}

export function cellsOf(rules: readonly PolicyRule[]): Cell[] {
  const named = [...new Set(rules.map((r) => r.protocol).filter((p) => p !== PROTOCOL.ALL))].sort((a, b) => a - b);
  const cells: Cell[] = [];
  for (const protocol of named) {
    const own = rules.filter((r) => r.protocol === protocol);
    if (protocolTakesPorts(protocol)) {
      const cuts = own.flatMap((r) => (r.ports ?? []).flatMap((p) => [p.from, p.to + 1]));
      for (const ports of elementary(cuts, 0, 65535))
        cells.push({ protocols: [{ from: protocol, to: protocol }], ports, sample: { protocol, dstPort: ports.from } });
    } else if (protocol === PROTOCOL.ICMP) {
      const typed = own.filter((r) => r.icmpType !== null);
      for (const types of elementary(
        typed.flatMap((r) => [r.icmpType!, r.icmpType! + 1]),
        0,
        255,
      )) {
        const codeCuts = typed
          .filter((r) => r.icmpType === types.from && r.icmpCode !== null)
          .flatMap((r) => [r.icmpCode!, r.icmpCode! + 1]);
        for (const codes of elementary(codeCuts, 0, 255)) {
          cells.push({
            protocols: [{ from: 1, to: 1 }],
            icmpTypes: types,
            icmpCodes: codes,
            sample: { protocol, icmpType: types.from, icmpCode: codes.from },
          });
        }
      }
    } else {
      cells.push({ protocols: [{ from: protocol, to: protocol }], sample: { protocol } });
    }
  }
  // Every protocol no rule names behaves alike.
  const others = elementary(
    named.flatMap((p) => [p, p + 1]),
    0,
    255,
  ).filter((r) => !named.includes(r.from));
  if (others.length) cells.push({ protocols: others, sample: { protocol: others[0].from } });
  return cells;
}

/** Whether a rule matches the packets of a cell (it then matches all of them, for its addresses). */
export function ruleAppliesTo(rule: PolicyRule, cell: Cell): boolean {
  const s = cell.sample;
  if (rule.protocol !== PROTOCOL.ALL && rule.protocol !== s.protocol) return false;
  if (rule.ports && (s.dstPort === undefined || !rule.ports.some((p) => s.dstPort! >= p.from && s.dstPort! <= p.to))) return false;
  if (rule.icmpType !== null && s.icmpType !== rule.icmpType) return false;
  if (rule.icmpCode !== null && s.icmpCode !== rule.icmpCode) return false;
  return true;
}

/** Range edges of a list of rules, sorted once: rule i's ranges open at `first` and close after `last`. */
export interface AddressEvents {
  address: Float64Array;
  /** rule index * 2, plus 1 for a closing edge. */
  edge: Int32Array;
}

export function addressEvents(rules: readonly PolicyRule[]): AddressEvents {
  const n = rules.reduce((sum, r) => sum + r.ranges.length * 2, 0);
  const address = new Float64Array(n);
  const edge = new Int32Array(n);
  let k = 0;
  rules.forEach((r, i) => {
    for (const range of r.ranges) {
      address[k] = range.first;
      edge[k++] = i * 2;
      address[k] = range.last + 1;
      edge[k++] = i * 2 + 1;
    }
  });
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => address[a] - address[b] || edge[b] - edge[a]);
  return { address: Float64Array.from(order, (i) => address[i]), edge: Int32Array.from(order, (i) => edge[i]) };
}

/** A set of rule indices as a bitset, with "first member in [from, to)" queries. */
export class RuleSet {
  readonly words: Uint32Array;
  constructor(size: number) {
    this.words = new Uint32Array(Math.ceil(size / 32) + 1);
  }
  add(i: number): void {
    this.words[i >>> 5] |= 1 << (i & 31);
  }
  delete(i: number): void {
    this.words[i >>> 5] &= ~(1 << (i & 31));
  }
  has(i: number): boolean {
    return (this.words[i >>> 5] & (1 << (i & 31))) !== 0;
  }
  /** Smallest member in [from, to), or -1. */
  first(from: number, to: number): number {
    for (let w = from >>> 5; w <= (to - 1) >>> 5 && w < this.words.length; w++) {
      let bits = this.words[w];
      if (w === from >>> 5) bits &= ~0 << (from & 31);
      if (bits === 0) continue;
      const i = w * 32 + (31 - Math.clz32(bits & -bits));
      return i < to ? i : -1;
    }
    return -1;
  }
}

export const ADDRESS_SPACE_END = 2 ** 32;

/**
 * Walks the address axis for the rules marked in `applies`, calling `visit`
 * for each maximal interval [first, last] on which the set of matching rules
 * is constant (including intervals where none matches).
 */
export function sweep(events: AddressEvents, applies: Uint8Array, active: RuleSet, visit: (first: number, last: number) => void): void {
  let start = 0;
  const { address, edge } = events;
  for (let k = 0; k < address.length; ) {
    const here = address[k];
    let end = k;
    let relevant = false;
    for (; end < address.length && address[end] === here; end++) relevant ||= applies[edge[end] >> 1] === 1;
    // Edges of rules that do not apply change nothing: no new interval there.
    if (relevant) {
      if (here > start) visit(start, here - 1);
      start = here;
      for (; k < end; k++) {
        const rule = edge[k] >> 1;
        if (!applies[rule]) continue;
        if (edge[k] & 1) active.delete(rule);
        else active.add(rule);
      }
    }
    k = end;
  }
  if (start < ADDRESS_SPACE_END) visit(start, ADDRESS_SPACE_END - 1);
}
