/**
 * Family-neutral CIDR entry points over cidr.ts (IPv4) and cidr6.ts (IPv6): what
 * the validator, normalization and the compiler call with an `address` or a
 * prefix-list entry. `0.0.0.0/0` is all IPv4 and `::/0` all IPv6; a CIDR's text
 * decides its family (an IPv6 CIDR has a colon, an IPv4 one never does).
 * An address may also be a range `first-last` of one family (parseCidrOrRange,
 * the one parser of address text with ranges; no address text has a dash).
 *
 * Messages quote the text as written ("\"10.0.0.5/24\" has host bits set; did
 * you mean 10.0.0.0/24?"), so that stray spaces or control characters show.
 */
import {
  collapseCidrKeys,
  collapseCidrTexts,
  withSetEntries,
  cidrKey,
  cidrKeyFirst,
  cidrKeyLast,
  formatCidr,
  formatIPv4,
  parseCidr,
  parseIPv4,
  rangeToCidrs,
  type AddressRange,
  type Cidr,
  type CollapsedCidrs,
} from "./cidr";
import {
  CIDR6_ROW,
  cidr6Words,
  formatCidr6,
  formatIPv6,
  formatIPv6At,
  parseCidr6,
  parseIPv6,
  readCidr6Row,
  type Cidr6,
  type IPv6Address,
} from "./cidr6";
import {
  cidr6Range,
  collapseCidr6Rows,
  collapseCidr6Texts,
  compareIPv6,
  rangeToCidrs6,
  unpackRanges6,
  type AddressRange6,
  type CollapsedCidrs6,
  type PackedCollapsedCidrs6,
} from "./cidr6-ranges";

export type AddressFamily = 4 | 6;

export type AddressCidrRefusal = "syntax" | "zone_id" | "ipv4_mapped" | "host_bits";

export type AddressCidrParse =
  /** `canonical`: the text to store (RFC 5952 for IPv6; IPv4 text is accepted only in its one form). */
  | { ok: true; family: 4; cidr: Cidr; canonical: string }
  | { ok: true; family: 6; cidr: Cidr6; canonical: string }
  | {
      ok: false;
      /** The family the text was read as (it has a colon: 6), undefined when it looks like neither. */
      family: AddressFamily | undefined;
      reason: AddressCidrRefusal;
      /** host_bits: the network probably meant; ipv4_mapped: the IPv4 CIDR to write instead. */
      suggestion?: string;
      /** A sentence for the API's 422, without the field path. */
      message: string;
    };

/** Parses an IPv4 or IPv6 CIDR; refusals carry a ready message. */
export function parseAddressCidr(text: string): AddressCidrParse {
  if (text.includes(":")) {
    const parsed = parseCidr6(text);
    if (parsed.ok) return { ok: true, family: 6, cidr: parsed.cidr, canonical: parsed.canonical };
    switch (parsed.reason) {
      case "host_bits":
        return refusal(6, "host_bits", `${quote(text)} has host bits set; did you mean ${parsed.suggestion}?`, parsed.suggestion);
      case "ipv4_mapped":
        return refusal(
          6,
          "ipv4_mapped",
          `${quote(text)} is an IPv4-mapped address; write the IPv4 CIDR ${parsed.suggestion}`,
          parsed.suggestion,
        );
      case "zone_id":
        return refusal(6, "zone_id", `${quote(text)}: zone ids are not allowed in a CIDR`);
      case "syntax":
        return refusal(6, "syntax", syntaxMessage(text, 6));
    }
  }
  const parsed = parseCidr(text);
  if (parsed.ok) return { ok: true, family: 4, cidr: parsed.cidr, canonical: text };
  if (parsed.reason === "host_bits") {
    return refusal(4, "host_bits", `${quote(text)} has host bits set; did you mean ${parsed.suggestion}?`, parsed.suggestion);
  }
  const looksIPv4 = /^[0-9./]+$/.test(text) && text.includes(".");
  return refusal(looksIPv4 ? 4 : undefined, "syntax", syntaxMessage(text, looksIPv4 ? 4 : undefined));
}

function refusal(
  family: AddressFamily | undefined,
  reason: AddressCidrRefusal,
  message: string,
  suggestion?: string,
): AddressCidrParse & { ok: false } {
  return suggestion === undefined ? { ok: false, family, reason, message } : { ok: false, family, reason, suggestion, message };
}

const EXAMPLE = { 4: "an IPv4 CIDR like 10.0.0.0/24", 6: "an IPv6 CIDR like 2001:db8::/32" } as const;
const MAX_LENGTH = { 4: 32, 6: 128 } as const;

/** "… is not a CIDR like …", with the likely fix when the address itself is valid. */
function syntaxMessage(text: string, family: AddressFamily | undefined): string {
  const quoted = quote(text);
  if (family === undefined) return `${quoted} is not a CIDR like 10.0.0.0/24 or 2001:db8::/32`;
  const slash = text.indexOf("/");
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const address = family === 4 ? parseIPv4(addressText) : parseIPv6(addressText);
  const base = `${quoted} is not ${EXAMPLE[family]}`;
  if (address === undefined) return base;
  const formatted = typeof address === "number" ? addressText : formatIPv6(address);
  if (slash < 0) return `${base}; did you mean ${formatted}/${MAX_LENGTH[family]}?`;
  return `${base}: the prefix length must be 0-${MAX_LENGTH[family]} without leading zeros`;
}

/** JSON-quoted, at most 40 characters of it (as the validator describes a value). */
function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? text.slice(0, 40) + "…" : text);
}

/** The text to store for a CIDR parseAddressCidr accepts (itself unless IPv6 in another form), else undefined. */
export function canonicalAddressCidr(text: string): string | undefined {
  const parsed = parseAddressCidr(text);
  return parsed.ok ? parsed.canonical : undefined;
}

const familyScratch = new Uint32Array(4);

/** The family of a CIDR parseAddressCidr accepts, else undefined. Allocates nothing. */
export function cidrFamily(text: string): AddressFamily | undefined {
  if (cidrKey(text) >= 0) return 4;
  return cidr6Words(text, familyScratch, 0) >= 0 ? 6 : undefined;
}

/** Both families of a collapsed address set. */
export interface CollapsedAddresses {
  v4: CollapsedCidrs;
  v6: CollapsedCidrs6;
}

/**
 * Collapses a list of accepted CIDRs of either family (a prefix list may hold
 * both), each family as collapseCidrTexts / collapseCidr6Texts do. Throws on
 * text parseAddressCidr refuses.
 */
export function collapseAddressTexts(texts: readonly string[]): CollapsedAddresses {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const text of texts) {
    const into = text.includes(":") ? v6 : v4;
    // A range (validated: it is no single CIDR) joins as the CIDRs that cover it exactly.
    if (text.includes("-")) into.push(...rangeCidrTexts(text));
    else into.push(text);
  }
  return { v4: collapseCidrTexts(v4), v6: collapseCidr6Texts(v6) };
}

/**
 * The CIDRs of one prefix list, each text read once: the validator adds every
 * entry's text as it checks it, and collapse() merges the rows read (finding
 * duplicates in the sort the merge needs anyway). Equal to validating each
 * text with parseCidrOrRange and then collapseAddressTexts of the stored
 * texts, without parsing a text twice or keeping a map of them.
 */
export class PrefixCidrs {
  // IPv4: cidrKey, entry index and text of each; IPv6: a row (readCidr6Row), entry index and stored text.
  // Texts sit in arrays made at their expected size (growing by push costs about as much again).
  private n4 = 0;
  private keys: Float64Array;
  private entries4: Int32Array;
  private texts4: string[];
  private n6 = 0;
  private rows: Uint32Array;
  private canonical: Uint8Array;
  private entries6: Int32Array;
  private texts6: string[];
  // Ranges that are no single CIDR (rare): by stored text, split into CIDRs only in collapse().
  private readonly ranges: (CidrOrRangeParse & { ok: true; kind: "range" })[] = [];
  private readonly rangeEntries = new Map<string, number>();
  private readonly rangeDuplicates: [entry: number, earlier: number, text: string][] = [];

  /** Set by collapse(), which hands the buffers on to the next instance. */
  private collapsed = false;

  /** `expected`: how many CIDRs will probably be added (the buffers grow past it). */
  constructor(expected = 16) {
    const capacity = Math.max(1, Math.min(expected, 1 << 16));
    // The buffers of the last collapsed instance when large enough: a policy's lists are read one after another.
    const spare = spareBuffers;
    const reused = spare && Math.min(spare.keys.length, spare.canonical.length) >= capacity ? spare : undefined;
    if (reused) spareBuffers = undefined;
    this.keys = reused?.keys ?? new Float64Array(capacity);
    this.entries4 = reused?.entries4 ?? new Int32Array(capacity);
    this.rows = reused?.rows ?? new Uint32Array(capacity * CIDR6_ROW);
    this.canonical = reused?.canonical ?? new Uint8Array(capacity);
    this.entries6 = reused?.entries6 ?? new Int32Array(capacity);
    this.texts4 = new Array<string>(capacity);
    this.texts6 = new Array<string>(capacity);
  }

  /** Reads entry `entry`'s CIDR: the text to store (RFC 5952 for IPv6), or the refusal with its message. */
  add(text: string, entry: number): string | (CidrOrRangeParse & { ok: false }) {
    if (this.collapsed) throw new Error("PrefixCidrs: add() after collapse()");
    const key = cidrKey(text);
    if (key >= 0) {
      const n = this.n4++;
      if (n === this.keys.length) {
        this.keys = grown(this.keys, n * 2);
        this.entries4 = grown(this.entries4, n * 2);
      }
      this.keys[n] = key;
      this.entries4[n] = entry;
      this.texts4[n] = text;
      return text;
    }
    const n = this.n6;
    if (n === this.canonical.length) {
      this.rows = grown(this.rows, n * 2 * CIDR6_ROW);
      this.canonical = grown(this.canonical, n * 2);
      this.entries6 = grown(this.entries6, n * 2);
    }
    if (text.includes(":") && readCidr6Row(text, this.rows, this.canonical, n)) {
      const at = n * CIDR6_ROW;
      const stored = this.canonical[n] ? text : formatIPv6At(this.rows, at) + "/" + this.rows[at + 4];
      this.canonical[n] = 1;
      this.entries6[n] = entry;
      this.texts6[n] = stored;
      this.n6++;
      return stored;
    }
    const parsed = parseCidrOrRange(text);
    if (!parsed.ok) return parsed;
    if (parsed.kind === "cidr") {
      if (parsed.canonical === text) throw new Error(`fast paths refused the valid CIDR ${JSON.stringify(text)}`);
      return this.add(parsed.canonical, entry); // a range that is exactly one CIDR
    }
    const earlier = this.rangeEntries.get(parsed.canonical);
    if (earlier !== undefined) this.rangeDuplicates.push([entry, earlier, parsed.canonical]);
    else this.rangeEntries.set(parsed.canonical, entry);
    this.ranges.push(parsed);
    return parsed.canonical;
  }

  /**
   * The CIDRs covering each range, added after every entry (so an entry is the
   * first of equal rows) as entry -1. Ranges are rare: their pieces go through add().
   */
  private addRangePieces(): void {
    const ranges = this.ranges.splice(0);
    for (const r of ranges) {
      const pieces = r.family === 4 ? rangeToCidrs(r).map(formatCidr) : rangeToCidrs6(r).map(formatCidr6);
      for (const piece of pieces) this.add(piece, -1);
    }
  }

  /**
   * Both families collapsed. Each entry equal (in stored form) to an earlier
   * one goes to onDuplicate with the earliest such entry and the stored text.
   */
  collapse(onDuplicate?: (entry: number, earlier: number, text: string) => void): CollapsedAddresses {
    if (this.collapsed) throw new Error("PrefixCidrs: collapse() twice");
    this.addRangePieces();
    if (onDuplicate) for (const [entry, earlier, text] of this.rangeDuplicates) onDuplicate(entry, earlier, text);
    const { n4, n6, entries4, entries6 } = this;
    const texts4 = this.texts4;
    const texts6 = this.texts6;
    // A range's pieces are no entries: equal to an entry they are no duplicate of it.
    const report = (entries: Int32Array, texts: string[]) =>
      onDuplicate &&
      ((i: number, earlier: number) => {
        if (entries[i] >= 0 && entries[earlier] >= 0) onDuplicate(entries[i], entries[earlier], texts[i]);
      });
    texts4.length = n4;
    texts6.length = n6;
    const v4 = collapseCidrKeys(this.keys.subarray(0, n4), texts4, report(entries4, texts4));
    const v6 = collapseCidr6Rows(this.rows, this.canonical, texts6, n6, report(entries6, texts6));
    // The collapsed sets keep nothing of the buffers (and duplicates are reported by now).
    this.collapsed = true;
    spareBuffers = { keys: this.keys, entries4, rows: this.rows, canonical: this.canonical, entries6 };
    return { v4, v6: lazyRanges6(v6) };
  }
}

/** Typed buffers of a collapsed PrefixCidrs, for the next one (allocating them per list costs more than filling them). */
let spareBuffers: { keys: Float64Array; entries4: Int32Array; rows: Uint32Array; canonical: Uint8Array; entries6: Int32Array } | undefined;

/**
 * The range objects only when read: the compiler needs the texts alone, and for
 * a big list the objects (two address tuples each) cost more than the collapse.
 * (A function of its own, so that the getter keeps only the packed result alive.)
 */
function lazyRanges6(packed: PackedCollapsedCidrs6): CollapsedCidrs6 {
  let ranges: AddressRange6[] | undefined;
  const collapsed: CollapsedCidrs6 = {
    get ranges() {
      return (ranges ??= unpackRanges6(packed.words));
    },
    cidrs: packed.cidrs,
  };
  return withSetEntries(collapsed, "entries", packed.entries);
}

function grown<T extends Float64Array | Uint32Array | Int32Array | Uint8Array>(array: T, length: number): T {
  const next = new (array.constructor as new (n: number) => T)(length);
  next.set(array);
  return next;
}

// ---------------------------------------------------------------- ranges

export type AddressRefusal = AddressCidrRefusal | "range_order" | "range_family";

/** What parseCidrOrRange reads: a CIDR as parseAddressCidr does, or a range that is no single CIDR. */
export type CidrOrRangeParse =
  | { ok: true; kind: "cidr"; family: 4; cidr: Cidr; canonical: string }
  | { ok: true; kind: "cidr"; family: 6; cidr: Cidr6; canonical: string }
  | { ok: true; kind: "range"; family: 4; first: number; last: number; canonical: string }
  | { ok: true; kind: "range"; family: 6; first: IPv6Address; last: IPv6Address; canonical: string }
  | {
      ok: false;
      family: AddressFamily | undefined;
      reason: AddressRefusal;
      /** What was probably meant (host_bits, ipv4_mapped, range_order). */
      suggestion?: string;
      /** A sentence for the API's 422, without the field path. */
      message: string;
    };

const RANGE_EXAMPLE = { 4: "10.0.0.1-10.0.0.9", 6: "2001:db8::1-2001:db8::9" } as const;

/**
 * Parses a rule address or prefix-list entry that is not a list id: a CIDR
 * (parseAddressCidr) or a range `first-last` of two addresses of one family,
 * first <= last, no prefix lengths, no spaces, IPv6 in any RFC 4291 form. A
 * range that is exactly one CIDR (10.0.0.0-10.0.0.255, 10.0.0.7-10.0.0.7)
 * reads as that CIDR; `canonical` is the text to store: the CIDR, or both ends
 * formatted (IPv6 in RFC 5952 text).
 */
export function parseCidrOrRange(text: string): CidrOrRangeParse {
  const dash = text.indexOf("-");
  if (dash < 0 || text.includes("%")) {
    const cidr = parseAddressCidr(text);
    // A zone id may hold a dash ("fe80::1%br-lan/64"): the CIDR parser names that refusal best.
    if (cidr.ok) return { ...cidr, kind: "cidr" } as CidrOrRangeParse;
    if (dash < 0 || cidr.reason === "zone_id") return cidr;
    return refusal(6, "zone_id", `${quote(text)}: zone ids are not allowed in an address range`);
  }
  const firstText = text.slice(0, dash);
  const lastText = text.slice(dash + 1);
  const family6 = firstText.includes(":");
  const family: AddressFamily = family6 ? 6 : 4;
  if (family6 !== lastText.includes(":") && lastText !== "" && firstText !== "") {
    return rangeRefusal(undefined, "range_family", `${quote(text)} mixes IPv4 and IPv6; both ends of a range must be of one family`);
  }
  const bad = [firstText, lastText].find((end) => (family6 ? parseIPv6(end) : parseIPv4(end)) === undefined);
  if (bad !== undefined) return refusal(family, "syntax", rangeSyntaxMessage(text, bad, family));
  if (!family6) {
    const first = parseIPv4(firstText)!;
    const last = parseIPv4(lastText)!;
    if (first > last) return backwards(text, `${lastText}-${firstText}`, 4);
    const cidrs = rangeToCidrs({ first, last });
    if (cidrs.length === 1) return { ok: true, kind: "cidr", family: 4, cidr: cidrs[0], canonical: formatCidr(cidrs[0]) };
    return { ok: true, kind: "range", family: 4, first, last, canonical: `${formatIPv4(first)}-${formatIPv4(last)}` };
  }
  const first = parseIPv6(firstText)!;
  const last = parseIPv6(lastText)!;
  const canonical = `${formatIPv6(first)}-${formatIPv6(last)}`;
  if (compareIPv6(first, last) > 0) return backwards(text, `${formatIPv6(last)}-${formatIPv6(first)}`, 6);
  if (isMapped(first) && isMapped(last)) {
    const v4 = parseCidrOrRange(`${formatIPv4(first[3])}-${formatIPv4(last[3])}`);
    const suggestion = v4.ok ? v4.canonical : "";
    const what = v4.ok && v4.kind === "cidr" ? "CIDR" : "range";
    return refusal(
      6,
      "ipv4_mapped",
      `${quote(text)} is a range of IPv4-mapped addresses; write the IPv4 ${what} ${suggestion}`,
      suggestion,
    );
  }
  const cidrs = rangeToCidrs6({ first, last });
  if (cidrs.length === 1) return { ok: true, kind: "cidr", family: 6, cidr: cidrs[0], canonical: formatCidr6(cidrs[0]) };
  return { ok: true, kind: "range", family: 6, first, last, canonical };
}

function rangeRefusal(
  family: AddressFamily | undefined,
  reason: AddressRefusal,
  message: string,
  suggestion?: string,
): CidrOrRangeParse & { ok: false } {
  return suggestion === undefined ? { ok: false, family, reason, message } : { ok: false, family, reason, suggestion, message };
}

function isMapped(a: IPv6Address): boolean {
  return a[0] === 0 && a[1] === 0 && a[2] === 0xffff;
}

function backwards(text: string, suggestion: string, family: AddressFamily): CidrOrRangeParse & { ok: false } {
  return rangeRefusal(
    family,
    "range_order",
    `${quote(text)} runs backwards: its first address is above its last; did you mean ${suggestion}?`,
    suggestion,
  );
}

/** Why a range's end does not read, with the likely fix. */
function rangeSyntaxMessage(text: string, end: string, family: AddressFamily): string {
  const base = `${quote(text)} is not a range like ${RANGE_EXAMPLE[family]}`;
  if (end === "") return `${base}: it needs an address on both sides of the dash`;
  if (end.trim() !== end) return `${base}: write it without spaces`;
  if (end.includes("/")) return `${base}: the ends of a range are addresses, without a prefix length`;
  if (end.includes("-")) return `${base}: it has more than one dash`;
  return `${base}: ${quote(end)} is not an IPv${family} address`;
}

/** The range of addresses a CIDR or range parseCidrOrRange accepts, per family (`any`: undefined). */
export function cidrOrRangeSpan(
  parsed: CidrOrRangeParse & { ok: true },
): { family: 4; range: AddressRange } | { family: 6; range: AddressRange6 } {
  if (parsed.family === 4) {
    if (parsed.kind === "range") return { family: 4, range: { first: parsed.first, last: parsed.last } };
    return { family: 4, range: { first: parsed.cidr.network, last: parsed.cidr.network + 2 ** (32 - parsed.cidr.prefixLength) - 1 } };
  }
  return { family: 6, range: parsed.kind === "range" ? { first: parsed.first, last: parsed.last } : cidr6Range(parsed.cidr) };
}

/** The canonical text of a CIDR or range parseCidrOrRange accepts, else undefined. */
export function canonicalCidrOrRange(text: string): string | undefined {
  const parsed = parseCidrOrRange(text);
  return parsed.ok ? parsed.canonical : undefined;
}

/** The family of a CIDR or range parseCidrOrRange accepts, else undefined. */
export function cidrOrRangeFamily(text: string): AddressFamily | undefined {
  if (!text.includes("-")) return cidrFamily(text);
  const parsed = parseCidrOrRange(text);
  return parsed.ok ? parsed.family : undefined;
}

/** The minimal CIDR texts covering an accepted range (one shared splitter: ipset, IPv6 address lists, collapse). */
export function rangeCidrTexts(text: string): string[] {
  const parsed = parseCidrOrRange(text);
  if (!parsed.ok) throw new Error(`invalid address range ${JSON.stringify(text)}`);
  if (parsed.kind === "cidr") return [parsed.canonical];
  return parsed.family === 4
    ? rangeToCidrs({ first: parsed.first, last: parsed.last }).map(formatCidr)
    : rangeToCidrs6({ first: parsed.first, last: parsed.last }).map(formatCidr6);
}

/**
 * An IPv4 address, CIDR or range as a firewall tool lists it ("10.0.0.1",
 * "10.0.0.0/24", "10.0.0.1-10.0.0.9"), as the addresses it names: what the
 * platform readers read back. Throws on anything else.
 */
export function listedAddressRange(text: string): AddressRange {
  const dash = text.indexOf("-");
  if (dash >= 0) {
    const first = parseIPv4(text.slice(0, dash));
    const last = parseIPv4(text.slice(dash + 1));
    if (first === undefined || last === undefined || first > last) throw new Error(`not an IPv4 address range: "${text}"`);
    return { first, last };
  }
  if (text.includes("/")) {
    // Read-backs list every set element through here: cidrKey parses without allocating.
    const key = cidrKey(text);
    if (key < 0) throw new Error(`not an IPv4 network: "${text}"`);
    return { first: cidrKeyFirst(key), last: cidrKeyLast(key) };
  }
  const a = parseIPv4(text);
  if (a === undefined) throw new Error(`not an IPv4 address: "${text}"`);
  return { first: a, last: a };
}

/** The IPv6 side of listedAddressRange: "2001:db8::1", "2001:db8::/32" or "2001:db8::1-2001:db8::9". */
export function listedAddressRange6(text: string): AddressRange6 {
  const dash = text.indexOf("-");
  if (dash >= 0) {
    const first = parseIPv6(text.slice(0, dash));
    const last = parseIPv6(text.slice(dash + 1));
    if (first === undefined || last === undefined || compareIPv6(first, last) > 0) throw new Error(`not an IPv6 address range: "${text}"`);
    return { first, last };
  }
  if (text.includes("/")) {
    const parsed = parseCidr6(text);
    if (!parsed.ok) throw new Error(`not an IPv6 network: "${text}"`);
    return cidr6Range(parsed.cidr);
  }
  const a = parseIPv6(text);
  if (a === undefined) throw new Error(`not an IPv6 address: "${text}"`);
  return { first: a, last: a };
}

/** An IPv4 range as a tool writes it: the CIDR when it is exactly one, else `first-last`. */
export function formatAddressRange(range: AddressRange): string {
  const size = range.last - range.first + 1;
  if (size === 2 ** 32) return "0.0.0.0/0";
  const bits = 31 - Math.clz32(size);
  // A power of two, and first aligned to it.
  if (2 ** bits === size && range.first % size === 0) return formatCidr({ network: range.first, prefixLength: 32 - bits });
  return `${formatIPv4(range.first)}-${formatIPv4(range.last)}`;
}

/** An IPv6 range as a tool writes it: the CIDR when it is exactly one, else `first-last` in RFC 5952 text. */
export function formatAddressRange6(range: AddressRange6): string {
  return isOneCidr6(range.first, range.last)
    ? formatCidr6(rangeToCidrs6(range)[0])
    : `${formatIPv6(range.first)}-${formatIPv6(range.last)}`;
}

/**
 * Whether [first, last] is exactly one CIDR, without allocating: first XOR last
 * must be all ones below some bit, first zero and last one in those bits.
 */
export function isOneCidr6(first: IPv6Address, last: IPv6Address): boolean {
  let ones = false; // inside the host part (every later word must be all ones in the XOR)
  for (let w = 0; w < 4; w++) {
    const x = (first[w] ^ last[w]) >>> 0;
    if (ones) {
      if (x !== 0xffffffff) return false;
    } else if (x !== 0) {
      // x must be 2^k - 1.
      if ((x & (x + 1)) !== 0) return false;
      ones = true;
    }
    if ((first[w] & x) !== 0 || (last[w] & x) >>> 0 !== x) return false;
  }
  return true;
}

/**
 * The entries of a collapsed IPv4 set for a tool that takes ranges (nft
 * interval sets, RouterOS address lists): each range as its CIDR text when it
 * is exactly one (the text collapseCidrTexts kept), else `first-last`.
 */
export function rangeEntries(set: {
  ranges: readonly AddressRange[];
  cidrs: readonly string[];
  entries?: readonly string[];
}): readonly string[] {
  if (set.entries) return set.entries;
  // Every range has at least one CIDR: as many CIDRs as ranges means each is one (the usual case, no work).
  if (set.ranges.length === set.cidrs.length) return set.cidrs;
  const out: string[] = [];
  let next = 0;
  for (const range of set.ranges) {
    const cidrs = rangeToCidrs(range).length;
    out.push(cidrs === 1 ? set.cidrs[next] : `${formatIPv4(range.first)}-${formatIPv4(range.last)}`);
    next += cidrs;
  }
  return out;
}

/** rangeEntries of a collapsed IPv6 set (RFC 5952 text). */
export function rangeEntries6(set: {
  ranges6: readonly AddressRange6[];
  cidrs6: readonly string[];
  entries6?: readonly string[];
}): readonly string[] {
  if (set.entries6) return set.entries6;
  if (set.ranges6.length === set.cidrs6.length) return set.cidrs6;
  const out: string[] = [];
  let next = 0;
  for (const range of set.ranges6) {
    const cidrs = isOneCidr6(range.first, range.last) ? 1 : rangeToCidrs6(range).length;
    out.push(cidrs === 1 ? set.cidrs6[next] : `${formatIPv6(range.first)}-${formatIPv6(range.last)}`);
    next += cidrs;
  }
  return out;
}
