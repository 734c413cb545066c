/**
 * The packet space of one direction, cut into pieces on which every rule
 * either matches entirely or not at all: "cells" over protocol, port and ICMP
 * type/code (from the boundaries the rules name), and, per cell, an address
 * sweep over the rules' sorted range edges. Used by semanticDiff and lint;
 * n log n in the number of address ranges (one sort per direction), no
 * pairwise comparison of rules.
 */
import { PROTOCOL, protocolIsIcmp, protocolTakesPorts, type PortRange } from "../model";
import type { PolicyRule } from "../policy";

/** An inclusive range of values (ports, protocol numbers, ICMP types or codes). */
export type ValueRange = PortRange;

export interface Cell {
  /** The protocols of the cell: one number, or every protocol no rule names. */
  protocols: ValueRange[];
  /** TCP/UDP: the destination ports of the cell. */
  ports?: ValueRange;
  /** ICMP or ICMPv6: the types and codes of the cell. */
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
    } else if (protocolIsIcmp(protocol)) {
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
            protocols: [{ from: protocol, to: protocol }],
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

/** Sort key layout: address * 2^20 + (2^20 - 1 - edge), exact below 2^53. */
const EDGE_KEYS = 2 ** 20;

/**
 * The range edges of the rules with include[i] (all rules without it), sorted
 * by address; at one address, higher edge values first (closing before opening).
 */
export function addressEvents(rules: readonly PolicyRule[], include?: Uint8Array): AddressEvents {
  let n = 0;
  for (let i = 0; i < rules.length; i++) if (!include || include[i]) n += rules[i].ranges.length * 2;
  const address = new Float64Array(n);
  const edge = new Int32Array(n);
  if (rules.length * 2 < EDGE_KEYS && n >= RADIX_MIN) {
    // The same key split into 32-bit words, hi = address / 2^12 and lo = the rest, radix-sorted.
    let k = 0;
    const lo = new Uint32Array(n);
    const hi = new Uint32Array(n);
    const put = (at: number, e: number) => {
      const low = at % 4096;
      hi[k] = (at - low) / 4096;
      lo[k++] = low * EDGE_KEYS + (EDGE_KEYS - 1 - e);
    };
    for (let i = 0; i < rules.length; i++) {
      if (include && !include[i]) continue;
      for (const range of rules[i].ranges) {
        put(range.first, i * 2);
        put(range.last + 1, i * 2 + 1);
      }
    }
    const sorted = radixSort(lo, hi);
    for (let j = 0; j < n; j++) {
      address[j] = sorted.hi[j] * 4096 + (sorted.lo[j] >>> 20);
      edge[j] = EDGE_KEYS - 1 - (sorted.lo[j] & (EDGE_KEYS - 1));
    }
    return { address, edge };
  }
  if (rules.length * 2 < EDGE_KEYS) {
    // Sort plain numbers (several times faster than an index sort with a comparator).
    const keys = new Float64Array(n);
    let k = 0;
    for (let i = 0; i < rules.length; i++) {
      if (include && !include[i]) continue;
      for (const range of rules[i].ranges) {
        keys[k++] = range.first * EDGE_KEYS + (EDGE_KEYS - 1 - i * 2);
        keys[k++] = (range.last + 1) * EDGE_KEYS + (EDGE_KEYS - 2 - i * 2);
      }
    }
    keys.sort();
    for (let j = 0; j < n; j++) {
      const low = keys[j] % EDGE_KEYS;
      address[j] = (keys[j] - low) / EDGE_KEYS;
      edge[j] = EDGE_KEYS - 1 - low;
    }
    return { address, edge };
  }
  const unsorted: { address: number; edge: number }[] = [];
  rules.forEach((r, i) => {
    if (include && !include[i]) return;
    for (const range of r.ranges) unsorted.push({ address: range.first, edge: i * 2 }, { address: range.last + 1, edge: i * 2 + 1 });
  });
  unsorted.sort((a, b) => a.address - b.address || b.edge - a.edge);
  unsorted.forEach((e, j) => {
    address[j] = e.address;
    edge[j] = e.edge;
  });
  return { address, edge };
}

/**
 * Per rule i, the rules q < i of the same half (split) that occur in every
 * signature i occurs in, as bitsets of `words` words.
 */
function dominatorsOf(applies: readonly Uint8Array[], n: number, split: number, words: number): Uint32Array {
  const sigWords = Math.ceil(applies.length / 32);
  const sigsOfRule = new Uint32Array(n * sigWords);
  applies.forEach((a, s) => {
    for (let i = 0; i < n; i++) if (a[i]) sigsOfRule[i * sigWords + (s >>> 5)] |= 1 << (s & 31);
  });
  const dominators = new Uint32Array(n * words);
  for (let i = 0; i < n; i++) {
    const from = i < split ? 0 : split;
    for (let q = from; q < i; q++) {
      let covers = true;
      for (let w = 0; covers && w < sigWords; w++) covers = (sigsOfRule[i * sigWords + w] & ~sigsOfRule[q * sigWords + w]) === 0;
      if (covers) dominators[i * words + (q >>> 5)] |= 1 << (q & 31);
    }
  }
  return dominators;
}

/** From this many edges on, addressEvents radix-sorts (V8's typed-array sort takes about 100 ns per key at 200,000 keys). */
const RADIX_MIN = 4096;

/** Sorts pairs (hi[i], lo[i]) of 32-bit words ascending: LSD radix sort on 16-bit digits, lo first. */
function radixSort(lo: Uint32Array, hi: Uint32Array): { lo: Uint32Array; hi: Uint32Array } {
  const n = lo.length;
  let toLo: Uint32Array = new Uint32Array(n);
  let toHi: Uint32Array = new Uint32Array(n);
  const count = new Int32Array(65536);
  for (const [high, shift] of [
    [false, 0],
    [false, 16],
    [true, 0],
    [true, 16],
  ] as const) {
    const word = high ? hi : lo;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(word[i] >>> shift) & 0xffff]++;
    // A digit that every key shares moves nothing.
    if (count[(word[0] >>> shift) & 0xffff] === n) continue;
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = count[d];
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const j = count[(word[i] >>> shift) & 0xffff]++;
      toLo[j] = lo[i];
      toHi[j] = hi[i];
    }
    [lo, toLo] = [toLo, lo];
    [hi, toHi] = [toHi, hi];
  }
  return { lo, hi };
}

export const ADDRESS_SPACE_END = 2 ** 32;

/**
 * One walk along the address axis for many subsets of the rules at once (one
 * subset per "signature": the rules that apply in some cells). Each rule's
 * edges are visited once, not once per signature, and a signature is only
 * touched where one of its own rules starts or ends.
 *
 * run(visit) calls visit(s, address) whenever the set of active rules of
 * signature s changes at `address` (that set then holds up to the next call
 * for s, or to the end of the address space). Before the first call for s,
 * no rule of s is active. Inside visit, first(s, from, to) is the smallest
 * active rule of s in [from, to), or -1.
 *
 * Callers that only care about the first few active rules set horizons: a
 * change of rule r (r < split) only calls visit for s when r <= horizon[2s]
 * (rules >= split: horizon[2s + 1]), or when r starts and watch[r] is 1 (a
 * watched rule's end changes nothing beyond the horizon). Both start out
 * "everything". With `started`, a watched rule's start beyond the horizon
 * calls started(s, r) instead of visit, unless s is visited at that address
 * anyway: the rules up to the horizon are then the same as at the last visit.
 *
 * `depth` k > 0 promises that after each visit of s, each horizon of s is at
 * most the k-th active rule of s in its half (when s has k active there). A
 * rule with k active earlier rules of its half that occur in every signature
 * it occurs in (its dominators) is then beyond every horizon of its
 * signatures: its edges skip the signature loop (unless it is a watched start).
 */
export class SignatureSweep {
  /** 32-bit words per rule bitset. */
  readonly words: number;
  readonly signatures: number;
  /** Bitset of the rules of each signature, signature s at [s * words, (s + 1) * words). */
  readonly masks: Uint32Array;
  /** Rules whose range covers the current address (of every signature). */
  readonly active: Uint32Array;
  private readonly events: AddressEvents;
  /** Signatures of rule i: sigsOf[sigStart[i] .. sigStart[i + 1]). */
  private readonly sigStart: Int32Array;
  private readonly sigsOf: Int32Array;
  /** Earlier rules of the same half in every signature of rule i: bitset at [i * words, (i + 1) * words). */
  private readonly dominators?: Uint32Array;
  readonly horizon: Int32Array;
  readonly watch: Uint8Array;

  constructor(
    rules: readonly PolicyRule[],
    applies: readonly Uint8Array[],
    private readonly split = rules.length,
    private readonly depth = 0,
    /** One past the last address of the axis (an IPv6 axis is shorter: see axis.ts). */
    private readonly end = ADDRESS_SPACE_END,
  ) {
    const n = rules.length;
    this.horizon = new Int32Array(applies.length * 2).fill(n);
    this.watch = new Uint8Array(n).fill(1);
    this.words = Math.ceil(n / 32) + 1;
    this.signatures = applies.length;
    this.masks = new Uint32Array(this.signatures * this.words);
    this.active = new Uint32Array(this.words);
    const count = new Int32Array(n + 1);
    applies.forEach((a, s) => {
      for (let i = 0; i < n; i++) {
        if (!a[i]) continue;
        this.masks[s * this.words + (i >>> 5)] |= 1 << (i & 31);
        count[i + 1]++;
      }
    });
    for (let i = 0; i < n; i++) count[i + 1] += count[i];
    this.sigStart = count;
    this.sigsOf = new Int32Array(count[n]);
    const fill = count.slice(0, n);
    applies.forEach((a, s) => {
      for (let i = 0; i < n; i++) if (a[i]) this.sigsOf[fill[i]++] = s;
    });
    // Rules of no signature change nothing: leave their edges out.
    const used = new Uint8Array(n);
    for (let i = 0; i < n; i++) used[i] = count[i + 1] > count[i] ? 1 : 0;
    this.events = addressEvents(rules, used);
    if (depth > 0) this.dominators = dominatorsOf(applies, n, split, this.words);
  }

  run(visit: (signature: number, address: number) => void, started?: (signature: number, rule: number) => void): void {
    const { address, edge } = this.events;
    const { active, sigStart, sigsOf, horizon, watch, split, depth, dominators, words, end } = this;
    const dirty = new Uint8Array(this.signatures);
    const touched = new Int32Array(this.signatures);
    // Starts of watched rules beyond the horizon at this address (signature, rule), for `started`.
    const startedSig: number[] = [];
    const startedRule: number[] = [];
    active.fill(0);
    for (let k = 0; k < address.length; ) {
      const here = address[k];
      let count = 0;
      let starts = 0;
      for (; k < address.length && address[k] === here; k++) {
        const e = edge[k];
        const rule = e >> 1;
        if (e & 1) active[rule >>> 5] &= ~(1 << (rule & 31));
        else active[rule >>> 5] |= 1 << (rule & 31);
        const watched = watch[rule] === 1 && (e & 1) === 0;
        if (dominators && !watched) {
          // Enough dominators active: the rule is beyond the horizon of each of its signatures.
          let found = 0;
          for (let w = 0, at = rule * words; w < words && found < depth; w++) {
            const bits = active[w] & dominators[at + w];
            if (bits !== 0) found += (bits & (bits - 1)) === 0 ? 1 : 2;
          }
          if (found >= depth) continue;
        }
        const half = rule < split ? 0 : 1;
        for (let j = sigStart[rule]; j < sigStart[rule + 1]; j++) {
          const s = sigsOf[j];
          if (dirty[s]) continue;
          if (rule <= horizon[2 * s + half] || (watched && !started)) {
            dirty[s] = 1;
            touched[count++] = s;
          } else if (watched) {
            startedSig[starts] = s;
            startedRule[starts++] = rule;
          }
        }
      }
      // Signatures that only saw watched rules start: nothing up to their horizon changed.
      for (let t = 0; t < starts; t++) if (!dirty[startedSig[t]]) started!(startedSig[t], startedRule[t]);
      // Nothing starts at the end of the address space: edges there only close ranges.
      for (let t = 0; t < count; t++) {
        const s = touched[t];
        dirty[s] = 0;
        if (here < end) visit(s, here);
      }
    }
  }

  /** Smallest active rule of signature s in [from, to), or -1. */
  first(s: number, from: number, to: number): number {
    const { active, masks, words } = this;
    const base = s * words;
    const last = (to - 1) >>> 5;
    for (let w = from >>> 5; w <= last && w < words; w++) {
      let bits = active[w] & masks[base + w];
      if (w === from >>> 5) bits &= ~0 << (from & 31);
      if (bits === 0) continue;
      const i = w * 32 + (31 - Math.clz32(bits & -bits));
      return i < to ? i : -1;
    }
    return -1;
  }
}
