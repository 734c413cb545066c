/**
 * The address axis of one family, as the number line the sweeps of space.ts
 * walk. IPv4 addresses are numbers already. IPv6 is coordinate-compressed:
 * every range edge of the rules (first and last + 1) is collected and sorted
 * once, and point k of the axis stands for the addresses from the k-th edge up
 * to the next one; on each of those pieces every rule matches all or none. The
 * rules are handed to the sweeps with `ranges` on the axis, and regions found
 * there are mapped back to IPv6 ranges. One radix sort of packed words, no
 * BigInt.
 */
import { nextIPv6, previousIPv6, sortRowsByKey, type AddressFamily, type AddressRange6, type IPv6Address } from "../model";
import type { PolicyRule } from "../policy";
import { ADDRESS_SPACE_END } from "./space";

export interface FamilyAxis {
  family: AddressFamily;
  /** The rules that apply to the family, in input order, with `ranges` as points of the axis. */
  rules: PolicyRule[];
  /** Per rule of `rules`, its index in the input list. */
  source: Int32Array;
  /** One past the last point of the axis (2^32 for IPv4). */
  end: number;
  /** IPv6: the sorted distinct range edges; point k is [edge k, edge k+1 - 1] (4 words per edge). */
  edges?: Uint32Array;
}

const MAX_WORD = 0xffffffff;

/**
 * The axes of the rules' families, IPv4 then IPv6, leaving out a family in
 * which no rule matches any address (nothing differs, decides or opens there:
 * an IPv4-only policy sweeps only IPv4). A rule of both families (a
 * prefix-list reference) is on both; a family's axis is built over every rule
 * given (a diff passes both policies, so they share the points).
 */
export function familyAxes(rules: readonly PolicyRule[]): FamilyAxis[] {
  const of = (family: AddressFamily) => {
    const source: number[] = [];
    let any = false;
    rules.forEach((r, i) => {
      if (!r.families.includes(family)) return;
      source.push(i);
      any ||= (family === 4 ? r.ranges : r.ranges6).length > 0;
    });
    return any ? Int32Array.from(source) : undefined;
  };
  const axes: FamilyAxis[] = [];
  const source4 = of(4);
  if (source4) axes.push({ family: 4, rules: Array.from(source4, (i) => rules[i]), source: source4, end: ADDRESS_SPACE_END });
  const source6 = of(6);
  if (source6)
    axes.push(
      ipv6Axis(
        Array.from(source6, (i) => rules[i]),
        source6,
      ),
    );
  return axes;
}

function ipv6Axis(rules: readonly PolicyRule[], source: Int32Array): FamilyAxis {
  let n = 1;
  for (const r of rules) n += r.ranges6.length * 2;
  const rows = new Uint32Array(n * 4); // row 0 is ::, the start of the axis
  let k = 1;
  const put = (a: IPv6Address) => {
    rows.set(a, k++ * 4);
  };
  for (const r of rules) {
    for (const range of r.ranges6) {
      put(range.first);
      const after = nextIPv6(range.last);
      if (after) put(after);
    }
  }
  const order = sortRowsByKey(rows, 4, 4, k);
  const edges = new Uint32Array(k * 4);
  let m = 0;
  for (let j = 0; j < k; j++) {
    const at = order[j] * 4;
    if (m > 0 && sameRow(rows, at, edges, (m - 1) * 4)) continue;
    edges.set(rows.subarray(at, at + 4), m++ * 4);
  }
  const axisEdges = edges.slice(0, m * 4);
  const point = (a: IPv6Address) => pointOf(axisEdges, m, a);
  const axisRules = rules.map((r) => ({
    ...r,
    ranges: r.ranges6.map(({ first, last }) => {
      const after = nextIPv6(last);
      return { first: point(first), last: (after ? point(after) : m) - 1 };
    }),
  }));
  return { family: 6, rules: axisRules, source, end: m, edges: axisEdges };
}

function sameRow(a: Uint32Array, at: number, b: Uint32Array, bt: number): boolean {
  return a[at] === b[bt] && a[at + 1] === b[bt + 1] && a[at + 2] === b[bt + 2] && a[at + 3] === b[bt + 3];
}

/** The point whose edge is exactly `a` (a is one of the edges). */
function pointOf(edges: Uint32Array, m: number, a: IPv6Address): number {
  let lo = 0;
  let hi = m - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareAt(edges, mid * 4, a);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  throw new Error("IPv6 address is not an edge of the axis");
}

function compareAt(edges: Uint32Array, at: number, a: IPv6Address): number {
  for (let w = 0; w < 4; w++) if (edges[at + w] !== a[w]) return edges[at + w] < a[w] ? -1 : 1;
  return 0;
}

/** The IPv6 addresses of axis points [first, last]. */
export function axisRange6(axis: FamilyAxis, first: number, last: number): AddressRange6 {
  const edges = axis.edges!;
  const start: IPv6Address = [edges[first * 4], edges[first * 4 + 1], edges[first * 4 + 2], edges[first * 4 + 3]];
  if (last + 1 >= axis.end) return { first: start, last: [MAX_WORD, MAX_WORD, MAX_WORD, MAX_WORD] };
  const at = (last + 1) * 4;
  const next: IPv6Address = [edges[at], edges[at + 1], edges[at + 2], edges[at + 3]];
  // Edges after the first are above ::, so they have a predecessor.
  return { first: start, last: previousIPv6(next)! };
}
