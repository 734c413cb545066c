/**
 * IPv4 address and CIDR math: the one definition used by validation, the
 * compiler and the analyzer. Addresses are unsigned 32-bit numbers.
 */

export interface Cidr {
  /** Network address as an unsigned 32-bit integer. */
  readonly network: number;
  readonly prefixLength: number;
}

/** An inclusive range of addresses [first, last]. */
export interface AddressRange {
  readonly first: number;
  readonly last: number;
}

/** Parses a dotted quad; returns undefined unless it is exactly four decimal octets. */
export function parseIPv4(text: string): number | undefined {
  const end = parseIPv4Prefix(text, text.length);
  return end < 0 ? undefined : parsedAddress;
}

/** The address parseIPv4Prefix read last (a module variable, so the hot path allocates nothing). */
let parsedAddress = 0;

/**
 * Reads a dotted quad from text[0, end): four octets `0` or `[1-9][0-9]{0,2}`,
 * each <= 255, nothing else. Returns end and sets parsedAddress, or -1.
 * Char codes, not a regex: it runs once per CIDR of every prefix list.
 */
function parseIPv4Prefix(text: string, end: number): number {
  let value = 0;
  let i = 0;
  for (let octetIndex = 0; octetIndex < 4; octetIndex++) {
    if (octetIndex > 0) {
      if (i >= end || text.charCodeAt(i) !== 46 /* . */) return -1;
      i++;
    }
    const start = i;
    let octet = 0;
    while (i < end) {
      const digit = text.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) break;
      octet = octet * 10 + digit;
      i++;
    }
    const digits = i - start;
    // No leading zeros ("01"), at most three digits, at most 255.
    if (digits === 0 || digits > 3 || (digits > 1 && text.charCodeAt(start) === 48) || octet > 255) return -1;
    value = value * 256 + octet;
  }
  if (i !== end) return -1;
  parsedAddress = value;
  return end;
}

export function formatIPv4(value: number): string {
  return (value >>> 24) + "." + ((value >>> 16) & 255) + "." + ((value >>> 8) & 255) + "." + (value & 255);
}

export function maskOf(prefixLength: number): number {
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

export function cidrRange(cidr: Cidr): AddressRange {
  const size = 2 ** (32 - cidr.prefixLength);
  return { first: cidr.network, last: cidr.network + size - 1 };
}

export function formatCidr(cidr: Cidr): string {
  return formatIPv4(cidr.network) + "/" + cidr.prefixLength;
}

export type CidrParse = { ok: true; cidr: Cidr } | { ok: false; reason: "syntax" } | { ok: false; reason: "host_bits"; suggestion: string };

/** The prefix length readCidr read last (module variable, like parsedAddress). */
let parsedLength = 0;

/**
 * Reads `a.b.c.d/n` (length `0` or `[1-9][0-9]?`, at most 32): sets parsedAddress
 * and parsedLength and returns true, or returns false on a syntax error.
 */
function readCidr(text: string): boolean {
  const slash = text.indexOf("/");
  if (slash < 0 || parseIPv4Prefix(text, slash) < 0) return false;
  const digits = text.length - slash - 1;
  const d0 = text.charCodeAt(slash + 1) - 48;
  const d1 = digits === 2 ? text.charCodeAt(slash + 2) - 48 : 0;
  const prefixLength = digits === 2 ? d0 * 10 + d1 : d0;
  if (digits < 1 || digits > 2 || !(d0 >= 0 && d0 <= 9 && d1 >= 0 && d1 <= 9) || (digits === 2 && d0 === 0) || prefixLength > 32) {
    return false;
  }
  parsedLength = prefixLength;
  return true;
}

/** Parses `a.b.c.d/n`; a CIDR with host bits set is refused with the network that was probably meant. */
export function parseCidr(text: string): CidrParse {
  if (!readCidr(text)) return { ok: false, reason: "syntax" };
  const address = parsedAddress;
  const prefixLength = parsedLength;
  const network = (address & maskOf(prefixLength)) >>> 0;
  if (network !== address) {
    return { ok: false, reason: "host_bits", suggestion: formatCidr({ network, prefixLength }) };
  }
  return { ok: true, cidr: { network, prefixLength } };
}

/**
 * The same acceptance as parseCidr without allocating, for loops over every
 * CIDR of a policy: network * 64 + prefixLength (which sorts by network, then
 * length), or -1 for anything parseCidr refuses.
 */
export function cidrKey(text: string): number {
  if (!readCidr(text)) return -1;
  const network = (parsedAddress & maskOf(parsedLength)) >>> 0;
  return network === parsedAddress ? network * 64 + parsedLength : -1;
}

/** Parses a CIDR the validator has already accepted. */
export function mustParseCidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(`invalid CIDR ${JSON.stringify(text)}`);
  return parsed.cidr;
}

export function containsAddress(cidr: Cidr, address: number): boolean {
  return (address & maskOf(cidr.prefixLength)) >>> 0 === cidr.network;
}

/**
 * Merges ranges that overlap or touch into the smallest sorted list of
 * disjoint ranges covering exactly the same addresses. O(n log n).
 */
export function mergeRanges(ranges: readonly AddressRange[]): AddressRange[] {
  const n = ranges.length;
  const merged: { first: number; last: number }[] = [];
  // Sorting plain numbers is several times faster than objects with a comparator:
  // key = first * 2^21 + index, exact below 2^53 for 32-bit `first`. Ties on
  // `first` need no order (the union is the same). Otherwise the comparator sort.
  const keys = n < INDEX_KEYS ? new Float64Array(n) : undefined;
  for (let i = 0; keys && i < n; i++) {
    const first = ranges[i].first;
    if (first >= 0 && first <= 0xffffffff && Number.isInteger(first)) keys[i] = first * INDEX_KEYS + i;
    else return mergeSorted([...ranges].sort((a, b) => a.first - b.first || a.last - b.last));
  }
  if (!keys) return mergeSorted([...ranges].sort((a, b) => a.first - b.first || a.last - b.last));
  keys.sort();
  for (let k = 0; k < n; k++) {
    const r = ranges[keys[k] % INDEX_KEYS];
    mergeInto(merged, r.first, r.last);
  }
  return merged;
}

const INDEX_KEYS = 2 ** 21;

function mergeSorted(sorted: readonly AddressRange[]): AddressRange[] {
  const merged: { first: number; last: number }[] = [];
  for (const r of sorted) mergeInto(merged, r.first, r.last);
  return merged;
}

function mergeInto(merged: { first: number; last: number }[], first: number, last: number): void {
  const top = merged.length ? merged[merged.length - 1] : undefined;
  if (top && first <= top.last + 1) {
    if (last > top.last) top.last = last;
  } else {
    merged.push({ first, last });
  }
}

/** The minimal list of CIDRs covering exactly [first, last]. */
export function rangeToCidrs(range: AddressRange): Cidr[] {
  const out: Cidr[] = [];
  let start = range.first;
  while (start <= range.last) {
    // Largest block aligned at `start` that does not pass `last`: 2^bits, bits = min(log2 of
    // the alignment, floor(log2(remaining length))).
    const remaining = range.last - start + 1;
    let bits = remaining >= 2 ** 32 ? 32 : 31 - Math.clz32(remaining);
    if (start !== 0) bits = Math.min(bits, 31 - Math.clz32(lowestSetBit(start)));
    out.push({ network: start, prefixLength: 32 - bits });
    start += 2 ** bits;
  }
  return out;
}

function lowestSetBit(n: number): number {
  // n > 0 and < 2^32; `n & -n` works on 32-bit ints, so handle bit 31 separately.
  return n >= 0x80000000 && (n & 0x7fffffff) === 0 ? 0x80000000 : (n & -n) >>> 0;
}

/** Collapses CIDRs into the minimal equivalent list (merging overlaps and neighbours). */
export function collapseCidrs(cidrs: readonly Cidr[]): Cidr[] {
  return mergeRanges(cidrs.map(cidrRange)).flatMap(rangeToCidrs);
}

// Keys pass 2^31, so `%` on them is a floating-point remainder (a library call in a hot loop); dividing by a
// power of two and flooring is exact and cheap.

/** The network (first address) of a cidrKey. */
export function cidrKeyFirst(key: number): number {
  return Math.floor(key / 64);
}

/** The last address of a cidrKey. */
export function cidrKeyLast(key: number): number {
  const first = Math.floor(key / 64);
  return first + HOST_SPAN[key - first * 64];
}

/** 2^(32 - length) - 1 by prefix length: the addresses after a network's first (a table: `**` is slow in hot loops). */
const HOST_SPAN = Float64Array.from({ length: 33 }, (_, length) => 2 ** (32 - length) - 1);

/** "a.b.c.d/n" of a cidrKey. */
export function formatCidrKey(key: number): string {
  return formatIPv4(cidrKeyFirst(key)) + "/" + (key - cidrKeyFirst(key) * 64);
}

/** A collapsed address set: exactly the addresses of the input CIDRs. */
export interface CollapsedCidrs {
  /** Disjoint, ascending, neighbours merged. */
  ranges: AddressRange[];
  /** The minimal CIDR list covering `ranges`, as canonical text. */
  cidrs: string[];
  /** One text per range (the CIDR, or first-last), when the collapse knows it (see withSetEntries). */
  readonly entries?: readonly string[];
}

/**
 * Collapses CIDR texts the validator has accepted: one numeric sort, then one
 * pass. A merged range that is still exactly one input CIDR (the usual case)
 * is emitted as that input's text, without splitting or formatting it again.
 */
export function collapseCidrTexts(texts: readonly string[]): CollapsedCidrs {
  const keys = new Float64Array(texts.length);
  for (let i = 0; i < texts.length; i++) {
    const key = cidrKey(texts[i]);
    if (key < 0) throw new Error(`invalid CIDR ${JSON.stringify(texts[i])}`);
    keys[i] = key;
  }
  return collapseCidrKeys(keys, texts);
}

/**
 * collapseCidrTexts of CIDRs already read: keys[i] is cidrKey(texts[i]) (keys
 * is reordered). Each later input equal to an earlier one is reported to
 * onDuplicate with both indexes, in the inputs' order by CIDR.
 */
export function collapseCidrKeys(
  keys: Float64Array,
  texts: readonly string[],
  onDuplicate?: (index: number, earlier: number) => void,
): CollapsedCidrs {
  // Sort keys carry the input's index below the CIDR key while that stays exact
  // (cidrKey < 2^38, so up to 2^15 inputs: a prefix list holds at most 500).
  const slots = keys.length <= INDEX_SLOTS ? INDEX_SLOTS : 1;
  if (slots > 1) for (let i = 0; i < keys.length; i++) keys[i] = keys[i] * slots + i;
  else if (onDuplicate) reportDuplicates(keys, onDuplicate);
  keys.sort();
  // Ranges as pairs of numbers; the objects only when `ranges` is read (the compiler needs the texts alone).
  const bounds = new Float64Array(2 * keys.length);
  const cidrs: string[] = [];
  let count = 0;
  const emit = (first: number, last: number, text: string | undefined) => {
    bounds[2 * count] = first;
    bounds[2 * count + 1] = last;
    count++;
    if (text !== undefined) {
      cidrs.push(text);
      entries?.push(text);
      return;
    }
    const split = rangeToCidrs({ first, last });
    if (split.length > 1 && !entries) entries = cidrs.slice(); // one entry per range so far: the CIDRs
    for (const cidr of split) cidrs.push(formatCidr(cidr));
    entries?.push(split.length > 1 ? `${formatIPv4(first)}-${formatIPv4(last)}` : cidrs[cidrs.length - 1]);
  };
  // One text per range, as tools list a set (a CIDR, or first-last); the CIDRs themselves until a range splits.
  let entries: string[] | undefined;
  let first = 0;
  let last = -2;
  // The input that spans [first, last] exactly (its index, or -1 without indexes), or -2.
  let spanning = -2;
  let previousKey = -1;
  let previousIndex = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = Math.floor(keys[i] / slots); // (exact: see cidrKeyFirst)
    const index = keys[i] - key * slots;
    if (key === previousKey) {
      // Indexes ascend among equal keys: the first of them is the earliest input.
      if (onDuplicate && slots > 1) onDuplicate(index, previousIndex);
      continue;
    }
    previousKey = key;
    previousIndex = index;
    const network = cidrKeyFirst(key);
    const end = cidrKeyLast(key);
    if (i > 0 && network <= last + 1) {
      // Contained CIDRs change nothing; one that reaches further extends the range.
      if (end > last) {
        last = end;
        spanning = -2;
      }
      continue;
    }
    if (i > 0) emit(first, last, spanning >= 0 ? texts[spanning] : undefined);
    first = network;
    last = end;
    spanning = slots > 1 ? index : -1;
  }
  if (keys.length) emit(first, last, spanning >= 0 ? texts[spanning] : undefined);
  let ranges: AddressRange[] | undefined;
  const collapsed: CollapsedCidrs = {
    get ranges() {
      if (ranges) return ranges;
      ranges = new Array<AddressRange>(count);
      for (let r = 0; r < count; r++) ranges[r] = { first: bounds[2 * r], last: bounds[2 * r + 1] };
      return ranges;
    },
    cidrs,
  };
  return withSetEntries(collapsed, "entries", entries ?? cidrs);
}

/**
 * Sets a collapsed set's entries: one text per merged range, the CIDR or
 * `first-last` (how nftables and RouterOS list a set; known to the collapse
 * without building range objects). Not enumerable: no part of the set's value
 * for comparisons, copies and JSON.
 */
export function withSetEntries<T extends object>(set: T, key: "entries" | "entries6", entries: readonly string[] | undefined): T {
  if (entries !== undefined) Object.defineProperty(set, key, { value: entries, enumerable: false });
  return set;
}

const INDEX_SLOTS = 2 ** 15;

/** Duplicates among more inputs than sort keys can index (no prefix list has that many): by a map. */
function reportDuplicates(keys: Float64Array, onDuplicate: (index: number, earlier: number) => void): void {
  const seen = new Map<number, number>();
  for (let i = 0; i < keys.length; i++) {
    const earlier = seen.get(keys[i]);
    if (earlier === undefined) seen.set(keys[i], i);
    else onDuplicate(i, earlier);
  }
}
