/**
 * IPv6 address and CIDR text: the one parser and formatter used by validation,
 * the compiler and the analyzer (IPv4 is cidr.ts; address.ts picks the family).
 *
 * An address is four unsigned 32-bit words, most significant first: an
 * `IPv6Address` tuple where a value is handed around (parse results, ranges),
 * and four consecutive elements of a Uint32Array on hot paths (the functions
 * taking `out`/`words` and an offset), so that parsing or collapsing 100,000
 * CIDRs allocates nothing per address. Not BigInt: one heap object per value
 * and slow arithmetic. Not two 64-bit halves: a double holds 53 bits exactly,
 * so each half would be split again anyway. 32-bit words are what the bit
 * operators, Math.clz32 and Uint32Array work with; tuples compare word by
 * word (compareIPv6) and rows of words radix-sort by byte (cidr6-ranges.ts).
 *
 * Input: every RFC 4291 section 2.2 text form, case-insensitive (hex groups of
 * 1-4 digits, at most one `::` standing for one or more zero groups, a dotted
 * quad as the last 32 bits); zone ids (`fe80::1%eth0`) are refused. Output:
 * RFC 5952 text (section 4: lower case, no leading zeros, the longest run of
 * two or more zero groups as `::`, the first on ties). IPv4-mapped addresses
 * (::ffff:0:0/96), which a CIDR may not be, are formatted as RFC 5952 section
 * 5 recommends and as inet_ntop prints them: `::ffff:192.0.2.1`.
 */
import { formatCidr, maskOf, parseIPv4 } from "./cidr";

/** Four unsigned 32-bit words, most significant first. */
export type IPv6Address = readonly [number, number, number, number];

export interface Cidr6 {
  /** The network address (host bits zero). */
  readonly network: IPv6Address;
  /** 0-128. */
  readonly prefixLength: number;
}

export type Cidr6Parse =
  /** `canonical` is the RFC 5952 text of the CIDR: the input itself when it already is. */
  | { ok: true; cidr: Cidr6; canonical: string }
  | { ok: false; reason: "syntax" | "zone_id" }
  /** Inside ::ffff:0:0/96; `suggestion` is the IPv4 CIDR meant ("10.0.0.0/8" for ::ffff:10.0.0.0/104). */
  | { ok: false; reason: "ipv4_mapped"; suggestion: string }
  /** `suggestion` is the network probably meant, in RFC 5952 text ("2001:db8::/64" for 2001:db8::1/64). */
  | { ok: false; reason: "host_bits"; suggestion: string };

// ---------------------------------------------------------------- parsing

/** The eight 16-bit groups readIPv6 read last (module scratch: the hot path allocates nothing). */
const groups = new Uint16Array(8);
/**
 * Whether the text readIPv6 read last was RFC 5952 text. Not meaningful for
 * IPv4-mapped addresses (formatted with a dotted quad): no CIDR may be one.
 */
let parsedCanonical = false;

/** Hex digit values by char code: 0-15, upper-case letters + 16, anything else -1. */
const HEX = new Int8Array(128).fill(-1);
for (let c = 0; c < 10; c++) HEX[48 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[97 + c] = 10 + c;
  HEX[65 + c] = 26 + c;
}

/**
 * Reads an IPv6 address at the start of text into out[offset..offset+3] and sets
 * parsedCanonical. It stops at the first character that cannot continue an
 * address (`/`, `%`, anything else, or the end) and returns that index, or -1
 * (out unspecified) if what precedes it is not exactly one address. Char codes
 * and one pass, not a regex: it runs once per CIDR.
 */
function readIPv6(text: string, out: Uint32Array, offset: number): number {
  const length = text.length;
  let i = 0;
  let n = 0; // groups read
  let gap = -1; // the group index where "::" stands
  let plain = true; // lower case, no leading zeros, no dotted quad (RFC 5952 as far as the text goes)
  // After "::" the address may end; after a single ":" a group must follow.
  let more = true;
  if (length >= 2 && text.charCodeAt(0) === 58 && text.charCodeAt(1) === 58) {
    gap = 0;
    i = 2;
    more = hexAt(text, i);
  }
  while (more) {
    const groupStart = i;
    let value = 0;
    let c = text.charCodeAt(i);
    let h = c < 128 ? HEX[c] : -1;
    while (h >= 0) {
      if (h >= 16) {
        plain = false;
        h -= 16;
      }
      value = value * 16 + h;
      if (++i === length) break;
      c = text.charCodeAt(i);
      h = c < 128 ? HEX[c] : -1;
    }
    const digits = i - groupStart;
    if (i < length && c === 46 /* . */) return readDottedTail(text, groupStart, n, gap, out, offset);
    // (A ninth group would fail in finishGroups too; this stops at it.)
    if (digits === 0 || digits > 4 || n === 8) return -1;
    if (digits > 1 && text.charCodeAt(groupStart) === 48) plain = false;
    groups[n++] = value;
    if (i === length || c !== 58 /* : */) break;
    i++;
    if (i < length && text.charCodeAt(i) === 58) {
      if (gap >= 0) return -1;
      gap = n;
      i++;
      more = hexAt(text, i);
    }
  }
  if (!finishGroups(n, gap, out, offset)) return -1;
  if (plain) {
    // RFC 5952 4.2: "::" exactly over the first longest run of two or more zero groups, else no "::".
    const run = longestZeroRun(groups);
    parsedCanonical = run.length < 2 ? gap < 0 : gap === run.start && 8 - n === run.length;
  } else {
    parsedCanonical = false;
  }
  return i;
}

/** Whether text[i] is a hex digit (false past the end: charCodeAt is NaN there). */
function hexAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c < 128 && HEX[c] >= 0;
}

/**
 * The rest of readIPv6 once a dotted quad starts at text[from]: the IPv4
 * parser reads it as the last two groups (a slice: no RFC 5952 text has one,
 * but IPv4-mapped addresses, so it is off the hot path).
 */
function readDottedTail(text: string, from: number, n: number, gap: number, out: Uint32Array, offset: number): number {
  let end = from;
  for (let c = text.charCodeAt(end); (c >= 48 && c <= 57) || c === 46; c = text.charCodeAt(++end));
  const v4 = n <= 6 ? parseIPv4(text.slice(from, end)) : undefined;
  if (v4 === undefined) return -1;
  groups[n] = v4 >>> 16;
  groups[n + 1] = v4 & 0xffff;
  if (!finishGroups(n + 2, gap, out, offset)) return -1;
  parsedCanonical = false;
  return end;
}

/** Expands the n groups read (with "::" at group index gap, or -1) into out's words; false if not eight. */
function finishGroups(n: number, gap: number, out: Uint32Array, offset: number): boolean {
  // "::" stands for at least one group (RFC 4291 2.2).
  if (gap < 0 ? n !== 8 : n > 7) return false;
  if (gap >= 0) {
    const tail = n - gap;
    for (let k = 1; k <= tail; k++) groups[8 - k] = groups[n - k];
    for (let k = gap; k < 8 - tail; k++) groups[k] = 0;
  }
  for (let w = 0; w < 4; w++) out[offset + w] = ((groups[2 * w] << 16) | groups[2 * w + 1]) >>> 0;
  return true;
}

/** Module scratch for longestZeroRun's answer. */
const run = { start: -1, length: 0 };

/** The first longest run of zero groups (RFC 5952 4.2.3), in `run`. */
function longestZeroRun(g: Uint16Array): { start: number; length: number } {
  run.start = -1;
  run.length = 0;
  for (let k = 0; k < 8; k++) {
    if (g[k] !== 0) continue;
    let e = k + 1;
    while (e < 8 && g[e] === 0) e++;
    if (e - k > run.length) {
      run.start = k;
      run.length = e - k;
    }
    k = e;
  }
  return run;
}

function isMapped(words: ArrayLike<number>, offset: number): boolean {
  return words[offset] === 0 && words[offset + 1] === 0 && words[offset + 2] === 0xffff;
}

/** Parses an IPv6 address (any RFC 4291 text form, no zone id); undefined unless it is exactly one. */
export function parseIPv6(text: string): IPv6Address | undefined {
  return readIPv6(text, scratch, 0) === text.length ? [scratch[0], scratch[1], scratch[2], scratch[3]] : undefined;
}

/** parseIPv6 without allocating: writes the words to out[offset..offset+3]; false (out unspecified) if refused. */
export function parseIPv6Into(text: string, out: Uint32Array, offset = 0): boolean {
  return readIPv6(text, out, offset) === text.length;
}

const scratch = new Uint32Array(4);

// ---------------------------------------------------------------- formatting

/** RFC 5952 text of an address (IPv4-mapped ones as ::ffff:a.b.c.d, see above). */
export function formatIPv6(address: IPv6Address): string {
  return formatIPv6At(address, 0);
}

/** formatIPv6 of words[offset..offset+3]. */
export function formatIPv6At(words: ArrayLike<number>, offset = 0): string {
  if (isMapped(words, offset)) {
    const v4 = words[offset + 3];
    return "::ffff:" + (v4 >>> 24) + "." + ((v4 >>> 16) & 255) + "." + ((v4 >>> 8) & 255) + "." + (v4 & 255);
  }
  for (let w = 0; w < 4; w++) {
    groups[2 * w] = words[offset + w] >>> 16;
    groups[2 * w + 1] = words[offset + w] & 0xffff;
  }
  const { start, length } = longestZeroRun(groups);
  const skip = length >= 2 ? start : -1;
  let text = "";
  let colon = false;
  for (let k = 0; k < 8; k++) {
    if (k === skip) {
      text += "::";
      k += length - 1;
      colon = false;
      continue;
    }
    if (colon) text += ":";
    text += groups[k].toString(16);
    colon = true;
  }
  return text;
}

export function formatCidr6(cidr: Cidr6): string {
  return formatIPv6(cidr.network) + "/" + cidr.prefixLength;
}

// ---------------------------------------------------------------- CIDRs

/** scanCidr6 results below 0. */
const SYNTAX = -1;
const ZONE_ID = -2;
const IPV4_MAPPED = -3;
const HOST_BITS = -4;

/** The prefix length of the host-bits or IPv4-mapped CIDR scanCidr6 refused last. */
let refusedLength = 0;

/**
 * Reads `address/length` into out[offset..offset+3] (the network: host bits
 * cleared) and returns the length, or a code < 0. The length is `0` or
 * `[1-9][0-9]{0,2}`, at most 128. Sets parsedCanonical.
 */
function scanCidr6(text: string, out: Uint32Array, offset: number): number {
  const stop = readIPv6(text, out, offset);
  if (stop < 0 || stop === text.length) return SYNTAX;
  const c = text.charCodeAt(stop);
  if (c === 37 /* % */) return isZone(text, stop) ? ZONE_ID : SYNTAX;
  if (c !== 47 /* / */) return SYNTAX;
  const prefixLength = readPrefixLength(text, stop + 1, 128);
  if (prefixLength < 0) return SYNTAX;
  let hostBits = false;
  for (let w = 0; w < 4; w++) {
    const bits = prefixLength - 32 * w;
    const word = out[offset + w];
    const network = bits >= 32 ? word : bits <= 0 ? 0 : (word & maskOf(bits)) >>> 0;
    if (network !== word) {
      hostBits = true;
      out[offset + w] = network;
    }
  }
  if (prefixLength >= 96 && isMapped(out, offset)) {
    refusedLength = prefixLength;
    return IPV4_MAPPED;
  }
  if (hostBits) {
    refusedLength = prefixLength;
    return HOST_BITS;
  }
  return prefixLength;
}

/**
 * Whether text[percent..] (readIPv6 read a valid address before it) is `%zone`
 * or `%zone/nnn`, the zone 1-64 RFC 6874 unreserved characters and nnn 1-3
 * digits: text a message may show as it is.
 */
function isZone(text: string, percent: number): boolean {
  let end = percent + 1;
  for (; end < text.length && end - percent <= 64; end++) {
    const c = text.charCodeAt(end);
    const unreserved =
      (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 46 || c === 95 || c === 126;
    if (!unreserved) break;
  }
  if (end === percent + 1) return false;
  if (end === text.length) return true;
  const digits = text.length - end - 1;
  if (text.charCodeAt(end) !== 47 || digits < 1 || digits > 3) return false;
  for (let i = end + 1; i < text.length; i++) if (text.charCodeAt(i) < 48 || text.charCodeAt(i) > 57) return false;
  return true;
}

/** A prefix length text[from..] (`0` or `[1-9][0-9]*`, at most max), or -1. */
function readPrefixLength(text: string, from: number, max: number): number {
  const digits = text.length - from;
  if (digits < 1 || digits > 3 || (digits > 1 && text.charCodeAt(from) === 48)) return -1;
  let value = 0;
  for (let i = from; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value <= max ? value : -1;
}

/**
 * Parses an IPv6 CIDR. Valid text in another form than RFC 5952 (upper case,
 * leading zeros, uncompressed, a dotted quad) is accepted; `canonical` is the
 * form to store. Host bits set, IPv4-mapped networks and zone ids are refused.
 */
export function parseCidr6(text: string): Cidr6Parse {
  const result = scanCidr6(text, scratch, 0);
  const network: IPv6Address = [scratch[0], scratch[1], scratch[2], scratch[3]];
  if (result >= 0) {
    const cidr = { network, prefixLength: result };
    return { ok: true, cidr, canonical: parsedCanonical ? text : formatCidr6(cidr) };
  }
  if (result === HOST_BITS) return { ok: false, reason: "host_bits", suggestion: formatCidr6({ network, prefixLength: refusedLength }) };
  if (result === IPV4_MAPPED) {
    return { ok: false, reason: "ipv4_mapped", suggestion: formatCidr({ network: network[3], prefixLength: refusedLength - 96 }) };
  }
  return { ok: false, reason: result === ZONE_ID ? "zone_id" : "syntax" };
}

/**
 * The same acceptance as parseCidr6 without allocating, for loops over every
 * CIDR of a policy: writes the network to out[offset..offset+3] and returns the
 * prefix length, or -1 (out unspecified) for anything parseCidr6 refuses.
 */
export function cidr6Words(text: string, out: Uint32Array, offset = 0): number {
  const result = scanCidr6(text, out, offset);
  return result >= 0 ? result : -1;
}

/** Whether parseCidr6 accepts text and text is its RFC 5952 form (nothing to rewrite on store). No allocation. */
export function isCanonicalCidr6(text: string): boolean {
  return scanCidr6(text, scratch, 0) >= 0 && parsedCanonical;
}

/** The RFC 5952 text of an IPv6 CIDR parseCidr6 accepts (text itself when already canonical), else undefined. */
export function canonicalCidr6(text: string): string | undefined {
  const parsed = parseCidr6(text);
  return parsed.ok ? parsed.canonical : undefined;
}

/** Parses an IPv6 CIDR the validator has already accepted. */
export function mustParseCidr6(text: string): Cidr6 {
  const parsed = parseCidr6(text);
  if (!parsed.ok) throw new Error(`invalid IPv6 CIDR ${JSON.stringify(text)}`);
  return parsed.cidr;
}

/** Words per row of readCidr6Rows: the four network words, then the prefix length. */
export const CIDR6_ROW = 5;

/**
 * Parses a list of IPv6 CIDR texts without allocating per CIDR: texts[i] into
 * rows[i * CIDR6_ROW ..] (network words, prefix length), canonical[i] = 1 when
 * it is RFC 5952 text. Throws on the first text parseCidr6 refuses.
 */
export function readCidr6Rows(texts: readonly string[], rows: Uint32Array, canonical: Uint8Array): void {
  for (let i = 0; i < texts.length; i++) {
    if (!readCidr6Row(texts[i], rows, canonical, i)) throw new Error(`invalid IPv6 CIDR ${JSON.stringify(texts[i])}`);
  }
}

/** One row of readCidr6Rows: text into row i; false (row unspecified) for anything parseCidr6 refuses. */
export function readCidr6Row(text: string, rows: Uint32Array, canonical: Uint8Array, i: number): boolean {
  const prefixLength = scanCidr6(text, rows, i * CIDR6_ROW);
  if (prefixLength < 0) return false;
  rows[i * CIDR6_ROW + 4] = prefixLength;
  canonical[i] = parsedCanonical ? 1 : 0;
  return true;
}
