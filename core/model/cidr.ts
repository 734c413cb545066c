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

const OCTET = /^(0|[1-9][0-9]{0,2})$/;

/** Parses a dotted quad; returns undefined unless it is exactly four decimal octets. */
export function parseIPv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!OCTET.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIPv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

export function maskOf(prefixLength: number): number {
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

export function cidrRange(cidr: Cidr): AddressRange {
  const size = 2 ** (32 - cidr.prefixLength);
  return { first: cidr.network, last: cidr.network + size - 1 };
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIPv4(cidr.network)}/${cidr.prefixLength}`;
}

export type CidrParse =
  | { ok: true; cidr: Cidr }
  | { ok: false; reason: "syntax" }
  | { ok: false; reason: "host_bits"; suggestion: string };

/** Parses `a.b.c.d/n`; a CIDR with host bits set is refused with the network that was probably meant. */
export function parseCidr(text: string): CidrParse {
  const slash = text.indexOf("/");
  if (slash < 0) return { ok: false, reason: "syntax" };
  const address = parseIPv4(text.slice(0, slash));
  const lengthText = text.slice(slash + 1);
  if (address === undefined || !/^(0|[1-9][0-9]?)$/.test(lengthText)) return { ok: false, reason: "syntax" };
  const prefixLength = Number(lengthText);
  if (prefixLength > 32) return { ok: false, reason: "syntax" };
  const network = (address & maskOf(prefixLength)) >>> 0;
  if (network !== address) {
    return { ok: false, reason: "host_bits", suggestion: formatCidr({ network, prefixLength }) };
  }
  return { ok: true, cidr: { network, prefixLength } };
}

/** Parses a CIDR the validator has already accepted. */
export function mustParseCidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(`invalid CIDR ${JSON.stringify(text)}`);
  return parsed.cidr;
}

export function containsAddress(cidr: Cidr, address: number): boolean {
  return ((address & maskOf(cidr.prefixLength)) >>> 0) === cidr.network;
}

/**
 * Merges ranges that overlap or touch into the smallest sorted list of
 * disjoint ranges covering exactly the same addresses. O(n log n).
 */
export function mergeRanges(ranges: readonly AddressRange[]): AddressRange[] {
  const sorted = [...ranges].sort((a, b) => a.first - b.first || a.last - b.last);
  const merged: { first: number; last: number }[] = [];
  for (const r of sorted) {
    const top = merged[merged.length - 1];
    if (top && r.first <= top.last + 1) {
      if (r.last > top.last) top.last = r.last;
    } else {
      merged.push({ first: r.first, last: r.last });
    }
  }
  return merged;
}

/** The minimal list of CIDRs covering exactly [first, last]. */
export function rangeToCidrs(range: AddressRange): Cidr[] {
  const out: Cidr[] = [];
  let start = range.first;
  while (start <= range.last) {
    // Largest block aligned at `start` that does not pass `last`.
    let size = start === 0 ? 2 ** 32 : lowestSetBit(start);
    while (start + size - 1 > range.last) size /= 2;
    out.push({ network: start, prefixLength: 32 - Math.log2(size) });
    start += size;
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
