/**
 * Family-neutral CIDR entry points over cidr.ts (IPv4) and cidr6.ts (IPv6): what
 * the validator, normalization and the compiler call with an `address` or a
 * prefix-list entry. `0.0.0.0/0` is all IPv4 and `::/0` all IPv6; a CIDR's text
 * decides its family (an IPv6 CIDR has a colon, an IPv4 one never does).
 *
 * Messages quote the text as written ("\"10.0.0.5/24\" has host bits set; did
 * you mean 10.0.0.0/24?"), so that stray spaces or control characters show.
 */
import { collapseCidrKeys, collapseCidrTexts, cidrKey, parseCidr, parseIPv4, type Cidr, type CollapsedCidrs } from "./cidr";
import { CIDR6_ROW, cidr6Words, formatIPv6, formatIPv6At, parseCidr6, parseIPv6, readCidr6Row, type Cidr6 } from "./cidr6";
import {
  collapseCidr6Rows,
  collapseCidr6Texts,
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
  for (const text of texts) (text.includes(":") ? v6 : v4).push(text);
  return { v4: collapseCidrTexts(v4), v6: collapseCidr6Texts(v6) };
}

/**
 * The CIDRs of one prefix list, each text read once: the validator adds every
 * entry's text as it checks it, and collapse() merges the rows read (finding
 * duplicates in the sort the merge needs anyway). Equal to validating each
 * text with parseAddressCidr and then collapseAddressTexts of the stored
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

  /** `expected`: how many CIDRs will probably be added (the buffers grow past it). */
  constructor(expected = 16) {
    const capacity = Math.max(1, Math.min(expected, 1 << 16));
    this.keys = new Float64Array(capacity);
    this.entries4 = new Int32Array(capacity);
    this.texts4 = new Array<string>(capacity);
    this.rows = new Uint32Array(capacity * CIDR6_ROW);
    this.canonical = new Uint8Array(capacity);
    this.entries6 = new Int32Array(capacity);
    this.texts6 = new Array<string>(capacity);
  }

  /** Reads entry `entry`'s CIDR: the text to store (RFC 5952 for IPv6), or the refusal with its message. */
  add(text: string, entry: number): string | (AddressCidrParse & { ok: false }) {
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
    const parsed = parseAddressCidr(text);
    if (parsed.ok) throw new Error(`fast paths refused the valid CIDR ${JSON.stringify(text)}`);
    return parsed;
  }

  /**
   * Both families collapsed. Each entry equal (in stored form) to an earlier
   * one goes to onDuplicate with the earliest such entry and the stored text.
   */
  collapse(onDuplicate?: (entry: number, earlier: number, text: string) => void): CollapsedAddresses {
    const { n4, n6, entries4, entries6 } = this;
    const texts4 = this.texts4;
    const texts6 = this.texts6;
    texts4.length = n4;
    texts6.length = n6;
    const v4 = collapseCidrKeys(
      this.keys.subarray(0, n4),
      texts4,
      onDuplicate && ((i, earlier) => onDuplicate(entries4[i], entries4[earlier], texts4[i])),
    );
    const v6 = collapseCidr6Rows(
      this.rows,
      this.canonical,
      texts6,
      n6,
      onDuplicate && ((i, earlier) => onDuplicate(entries6[i], entries6[earlier], texts6[i])),
    );
    return { v4, v6: lazyRanges6(v6) };
  }
}

/**
 * The range objects only when read: the compiler needs the texts alone, and for
 * a big list the objects (two address tuples each) cost more than the collapse.
 * (A function of its own, so that the getter keeps only the packed result alive.)
 */
function lazyRanges6(packed: PackedCollapsedCidrs6): CollapsedCidrs6 {
  let ranges: AddressRange6[] | undefined;
  return {
    get ranges() {
      return (ranges ??= unpackRanges6(packed.words));
    },
    cidrs: packed.cidrs,
  };
}

function grown<T extends Float64Array | Uint32Array | Int32Array | Uint8Array>(array: T, length: number): T {
  const next = new (array.constructor as new (n: number) => T)(length);
  next.set(array);
  return next;
}
