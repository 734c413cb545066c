/**
 * IPv6 address ranges: order, +1, merging, splitting into CIDRs, and collapsing
 * CIDR texts, on the four-word addresses of cidr6.ts (the IPv6 side of the
 * range half of cidr.ts).
 *
 * Hot paths work on packed rows of words in a Uint32Array, sorted by
 * sortRowsByKey: an LSD radix sort on bytes of an index array, which skips
 * every byte that is the same in all rows (in a prefix list most bytes are:
 * one site's /48 or /64 networks share their first 4-6 bytes and their zero
 * host bits). Nothing is allocated per CIDR until the output ranges; no BigInt.
 */
import { CIDR6_ROW, formatCidr6, formatIPv6At, readCidr6Rows, type Cidr6, type IPv6Address } from "./cidr6";

/** An inclusive range of IPv6 addresses [first, last]. */
export interface AddressRange6 {
  readonly first: IPv6Address;
  readonly last: IPv6Address;
}

const MAX_WORD = 0xffffffff;

/** Negative, zero or positive as a is below, equal to or above b. */
export function compareIPv6(a: IPv6Address, b: IPv6Address): number {
  for (let w = 0; w < 4; w++) if (a[w] !== b[w]) return a[w] < b[w] ? -1 : 1;
  return 0;
}

/** a + 1, or undefined after ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff. */
export function nextIPv6(a: IPv6Address): IPv6Address | undefined {
  const w = [a[0], a[1], a[2], a[3]];
  for (let k = 3; k >= 0; k--) {
    if (w[k] !== MAX_WORD) {
      w[k]++;
      return w as unknown as IPv6Address;
    }
    w[k] = 0;
  }
  return undefined;
}

/** a - 1, or undefined before ::. */
export function previousIPv6(a: IPv6Address): IPv6Address | undefined {
  const w = [a[0], a[1], a[2], a[3]];
  for (let k = 3; k >= 0; k--) {
    if (w[k] !== 0) {
      w[k]--;
      return w as unknown as IPv6Address;
    }
    w[k] = MAX_WORD;
  }
  return undefined;
}

/** The bits of word w (0 = most significant) that a /prefixLength leaves to hosts. */
function hostMask(prefixLength: number, w: number): number {
  const bits = prefixLength - 32 * w;
  return bits >= 32 ? 0 : bits <= 0 ? MAX_WORD : MAX_WORD >>> bits;
}

export function cidr6Range(cidr: Cidr6): AddressRange6 {
  const n = cidr.network;
  const p = cidr.prefixLength;
  const last: IPv6Address = [
    (n[0] | hostMask(p, 0)) >>> 0,
    (n[1] | hostMask(p, 1)) >>> 0,
    (n[2] | hostMask(p, 2)) >>> 0,
    (n[3] | hostMask(p, 3)) >>> 0,
  ];
  return { first: n, last };
}

export function containsAddress6(cidr: Cidr6, address: IPv6Address): boolean {
  for (let w = 0; w < 4; w++) if ((address[w] & ~hostMask(cidr.prefixLength, w)) >>> 0 !== cidr.network[w]) return false;
  return true;
}

// ---------------------------------------------------------------- sorting rows

/** Byte counts of sortRowsByKey, kept between calls (a prefix list is collapsed per call). */
let counts = new Uint32Array(5 * 4 * 256);

/**
 * The order of rows 0..n-1 of `rows` (each `stride` words) ascending by their
 * first keyWords words read as one unsigned number, most significant word
 * first; rows with equal keys keep their input order. LSD radix sort on bytes.
 */
export function sortRowsByKey(rows: Uint32Array, stride: number, keyWords: number, n: number): Uint32Array {
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (n < 2) return order;
  const digits = keyWords * 4;
  if (counts.length < digits * 256) counts = new Uint32Array(digits * 256);
  counts.fill(0, 0, digits * 256);
  // Every byte's histogram in one pass; digit d = 0 is the least significant byte.
  for (let r = 0; r < n; r++) {
    for (let w = 0; w < keyWords; w++) {
      const v = rows[r * stride + w];
      const c = (keyWords - 1 - w) * 1024;
      counts[c + (v & 255)]++;
      counts[c + 256 + ((v >>> 8) & 255)]++;
      counts[c + 512 + ((v >>> 16) & 255)]++;
      counts[c + 768 + (v >>> 24)]++;
    }
  }
  let spare = new Uint32Array(n);
  for (let d = 0; d < digits; d++) {
    const c = d * 256;
    const word = keyWords - 1 - (d >> 2);
    const shift = (d & 3) * 8;
    // A byte that every row has alike changes no order.
    if (counts[c + ((rows[word] >>> shift) & 255)] === n) continue;
    let sum = 0;
    for (let b = 0; b < 256; b++) {
      const k = counts[c + b];
      counts[c + b] = sum;
      sum += k;
    }
    for (let k = 0; k < n; k++) {
      const r = order[k];
      spare[counts[c + ((rows[r * stride + word] >>> shift) & 255)]++] = r;
    }
    const t = order;
    order = spare;
    spare = t;
  }
  return order;
}

/** Scratch words: a current range [first 0-3, last 4-7] and a candidate's last (8-11). */
const cur = new Uint32Array(12);

/** Whether words[first..] <= words[last..] + 1 (touching or overlapping a range ending at last). */
function reaches(words: Uint32Array, first: number, lastWords: Uint32Array, last: number): boolean {
  let l0 = lastWords[last];
  let l1 = lastWords[last + 1];
  let l2 = lastWords[last + 2];
  let l3 = lastWords[last + 3] + 1;
  if (l3 > MAX_WORD) {
    l3 = 0;
    if (++l2 > MAX_WORD) {
      l2 = 0;
      if (++l1 > MAX_WORD) {
        l1 = 0;
        if (++l0 > MAX_WORD) return true; // last is the top of the space
      }
    }
  }
  const f0 = words[first];
  const f1 = words[first + 1];
  const f2 = words[first + 2];
  return f0 !== l0 ? f0 < l0 : f1 !== l1 ? f1 < l1 : f2 !== l2 ? f2 < l2 : words[first + 3] <= l3;
}

/** Whether a[ai..ai+3] > b[bi..bi+3]. */
function above(a: Uint32Array, ai: number, b: Uint32Array, bi: number): boolean {
  for (let w = 0; w < 4; w++) if (a[ai + w] !== b[bi + w]) return a[ai + w] > b[bi + w];
  return false;
}

const tupleAt = (words: Uint32Array, at: number): IPv6Address => [words[at], words[at + 1], words[at + 2], words[at + 3]];

// ---------------------------------------------------------------- merging and splitting

/**
 * Merges ranges that overlap or touch into the smallest ascending list of
 * disjoint ranges covering exactly the same addresses. Reuses the input's
 * address tuples. O(n) passes over packed words after a radix sort.
 */
export function mergeRanges6(ranges: readonly AddressRange6[]): AddressRange6[] {
  const n = ranges.length;
  const rows = new Uint32Array(n * 8);
  for (let i = 0; i < n; i++) {
    const { first, last } = ranges[i];
    for (let w = 0; w < 4; w++) {
      rows[i * 8 + w] = first[w];
      rows[i * 8 + 4 + w] = last[w];
    }
  }
  // Ties on `first` need no order: the union is the same.
  const order = sortRowsByKey(rows, 8, 4, n);
  const merged: AddressRange6[] = [];
  let top = -1; // the range whose `first` opens the current run
  let reach = -1; // the range whose `last` ends it
  for (let k = 0; k < n; k++) {
    const r = order[k];
    if (top >= 0 && reaches(rows, r * 8, rows, reach * 8 + 4)) {
      if (above(rows, r * 8 + 4, rows, reach * 8 + 4)) reach = r;
      continue;
    }
    if (top >= 0) merged.push({ first: ranges[top].first, last: ranges[reach].last });
    top = reach = r;
  }
  if (top >= 0) merged.push({ first: ranges[top].first, last: ranges[reach].last });
  return merged;
}

/** Scratch of rangeToCidrs6: start (0-3), last - start (4-7), last (8-11). */
const split = new Uint32Array(12);

/** The minimal list of CIDRs covering exactly [first, last] (first <= last). */
export function rangeToCidrs6(range: AddressRange6): Cidr6[] {
  const out: Cidr6[] = [];
  const s = split;
  for (let w = 0; w < 4; w++) {
    s[w] = range.first[w];
    s[8 + w] = range.last[w];
  }
  for (;;) {
    // Largest block aligned at start that does not pass last: 2^bits, bits = min(trailing
    // zeros of start, floor(log2(last - start + 1))).
    let borrow = 0;
    for (let w = 3; w >= 0; w--) {
      let v = s[8 + w] - s[w] - borrow;
      borrow = v < 0 ? 1 : 0;
      if (v < 0) v += 2 ** 32;
      s[4 + w] = v;
    }
    const bits = Math.min(trailingZeros(s, 0), floorLog2OfSuccessor(s, 4));
    out.push({ network: tupleAt(s, 0), prefixLength: 128 - bits });
    if (bits === 128) break;
    // start += 2^bits; the range is done when that carries out of the space or passes last.
    let w = 3 - (bits >>> 5);
    let add = 2 ** (bits & 31);
    while (w >= 0 && add) {
      const v = s[w] + add;
      s[w] = v;
      add = v > MAX_WORD ? 1 : 0;
      w--;
    }
    if (add || above(s, 0, s, 8)) break;
  }
  return out;
}

/** Trailing zero bits of words[at..at+3] (128 for zero). */
function trailingZeros(words: Uint32Array, at: number): number {
  for (let w = 3; w >= 0; w--) {
    const v = words[at + w];
    if (v !== 0) return (3 - w) * 32 + 31 - Math.clz32(v & -v);
  }
  return 128;
}

/** floor(log2(words[at..at+3] + 1)): 128 when the words are all ones. */
function floorLog2OfSuccessor(words: Uint32Array, at: number): number {
  // d + 1 is a power of two exactly when d is all ones below its top bit; otherwise the top bit of d decides.
  for (let w = 0; w < 4; w++) {
    const v = words[at + w];
    if (v === 0) continue;
    const top = 31 - Math.clz32(v);
    const bit = (3 - w) * 32 + top;
    // All ones from bit down to 0?
    let ones = v === MAX_WORD >>> (31 - top);
    for (let k = w + 1; ones && k < 4; k++) ones = words[at + k] === MAX_WORD;
    return ones ? bit + 1 : bit;
  }
  return 0; // d = 0: one address
}

/** Collapses CIDRs into the minimal equivalent list (merging overlaps and neighbours). */
export function collapseCidrs6(cidrs: readonly Cidr6[]): Cidr6[] {
  return mergeRanges6(cidrs.map(cidr6Range)).flatMap(rangeToCidrs6);
}

// ---------------------------------------------------------------- collapsing texts

/** A collapsed IPv6 address set: exactly the addresses of the input CIDRs. */
export interface CollapsedCidrs6 {
  /** Disjoint, ascending, neighbours merged. */
  ranges: AddressRange6[];
  /** The minimal CIDR list covering `ranges`, as RFC 5952 text. */
  cidrs: string[];
}

/**
 * Collapses IPv6 CIDR texts the validator has accepted (throws on others), as
 * collapseCidrTexts does IPv4: one radix sort of packed rows, then one pass. A
 * merged range that is exactly one input CIDR (the usual case) is emitted as
 * that input's text when it is RFC 5952 text already, else formatted.
 */
export function collapseCidr6Texts(texts: readonly string[]): CollapsedCidrs6 {
  const n = texts.length;
  const rows = new Uint32Array(n * CIDR6_ROW);
  const canonical = new Uint8Array(n);
  readCidr6Rows(texts, rows, canonical);
  // By network, then prefix length: of CIDRs sharing a network the widest comes first.
  const order = sortRowsByKey(rows, CIDR6_ROW, CIDR6_ROW, n);
  const out: CollapsedCidrs6 = { ranges: [], cidrs: [] };
  // The input that spans the current range exactly, or -1.
  let spanning = -1;
  for (let k = 0; k < n; k++) {
    const at = order[k] * CIDR6_ROW;
    const prefixLength = rows[at + 4];
    for (let w = 0; w < 4; w++) cur[8 + w] = (rows[at + w] | hostMask(prefixLength, w)) >>> 0;
    if (k > 0 && reaches(rows, at, cur, 4)) {
      // Contained CIDRs change nothing; one that reaches further extends the range.
      if (above(cur, 8, cur, 4)) {
        for (let w = 0; w < 4; w++) cur[4 + w] = cur[8 + w];
        spanning = -1;
      }
      continue;
    }
    if (k > 0) emitRange(out, texts, rows, canonical, spanning);
    for (let w = 0; w < 4; w++) {
      cur[w] = rows[at + w];
      cur[4 + w] = cur[8 + w];
    }
    spanning = order[k];
  }
  if (n) emitRange(out, texts, rows, canonical, spanning);
  return out;
}

function emitRange(out: CollapsedCidrs6, texts: readonly string[], rows: Uint32Array, canonical: Uint8Array, spanning: number): void {
  const range = { first: tupleAt(cur, 0), last: tupleAt(cur, 4) };
  out.ranges.push(range);
  if (spanning >= 0) {
    out.cidrs.push(canonical[spanning] ? texts[spanning] : formatIPv6At(rows, spanning * CIDR6_ROW) + "/" + rows[spanning * CIDR6_ROW + 4]);
  } else {
    for (const cidr of rangeToCidrs6(range)) out.cidrs.push(formatCidr6(cidr));
  }
}
