/**
 * Family-neutral CIDR entry points over cidr.ts (IPv4) and cidr6.ts (IPv6): what
 * the validator, normalization and the compiler call with an `address` or a
 * prefix-list entry. `0.0.0.0/0` is all IPv4 and `::/0` all IPv6; a CIDR's text
 * decides its family (an IPv6 CIDR has a colon, an IPv4 one never does).
 *
 * Messages quote the text as written ("\"10.0.0.5/24\" has host bits set; did
 * you mean 10.0.0.0/24?"), so that stray spaces or control characters show.
 */
import { collapseCidrTexts, cidrKey, parseCidr, parseIPv4, type Cidr, type CollapsedCidrs } from "./cidr";
import { cidr6Words, formatIPv6, parseCidr6, parseIPv6, type Cidr6 } from "./cidr6";
import { collapseCidr6Texts, type CollapsedCidrs6 } from "./cidr6-ranges";

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
