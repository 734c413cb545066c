/**
 * Entries of one prefix list that overlap, per address family: the
 * overlapping-prefixes finding of lint, computed apart because the review
 * checks each list once for all scopes.
 */
import {
  cidr6Range,
  cidrKey,
  cidrKeyFirst,
  cidrKeyLast,
  compareIPv6,
  formatCidr6,
  formatCidrKey,
  listedAddressRange,
  listedAddressRange6,
  mustParseCidr,
  mustParseCidr6,
  type AddressRange6,
} from "../model";
import type { Finding } from "./lint";

type PrefixListEntries = { id: string; name: string; prefixes: readonly { cidr: string }[] };

/**
 * Entries of one prefix list that overlap an earlier (wider or equal) entry of
 * the same family, in address order, IPv4 first. IPv4: one typed sort of
 * allocation-free CIDR keys (network * 64 + length: by network, the wider entry
 * first); entries are validated CIDRs, so their text is the canonical one
 * formatCidr prints. IPv6 entries (lists hold few) are sorted as ranges.
 */
export function overlappingPrefixes(list: PrefixListEntries): Finding[] {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const p of list.prefixes) (p.cidr.includes(":") ? v6 : v4).push(p.cidr);
  return [...overlapping4(list, v4), ...overlapping6(list, v6)];
}

function finding(list: PrefixListEntries, cidr: string, widest: string, family: 4 | 6): Finding {
  return {
    kind: "overlapping-prefixes",
    severity: "low",
    message: `prefix list "${list.name}": ${cidr} overlaps ${widest}`,
    rules: [],
    prefixListId: list.id,
    family,
  };
}

function overlapping4(list: PrefixListEntries, cidrs: string[]): Finding[] {
  if (cidrs.some((c) => c.includes("-"))) return overlappingRanges4(list, cidrs);
  const n = cidrs.length;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const key = cidrKey(cidrs[i]);
    if (key < 0) mustParseCidr(cidrs[i]); // throws: not a valid CIDR
    keys[i] = key;
  }
  keys.sort();
  const findings: Finding[] = [];
  let widestKey = -1;
  let widestLast = -1;
  for (let i = 0; i < n; i++) {
    const key = keys[i];
    const first = cidrKeyFirst(key);
    const last = cidrKeyLast(key);
    if (widestKey >= 0 && first <= widestLast) findings.push(finding(list, formatCidrKey(key), formatCidrKey(widestKey), 4));
    if (last > widestLast) {
      widestKey = key;
      widestLast = last;
    }
  }
  return findings;
}

/** overlapping4 of a list that holds address ranges (validated text): entries sorted as ranges, the wider first. */
function overlappingRanges4(list: PrefixListEntries, texts: string[]): Finding[] {
  const entries = texts.map((text) => ({ text, ...listedAddressRange(text) })).sort((a, b) => a.first - b.first || b.last - a.last);
  const findings: Finding[] = [];
  let widest: (typeof entries)[number] | undefined;
  for (const e of entries) {
    if (widest && e.first <= widest.last) findings.push(finding(list, e.text, widest.text, 4));
    if (!widest || e.last > widest.last) widest = e;
  }
  return findings;
}

function overlapping6(list: PrefixListEntries, cidrs: string[]): Finding[] {
  const entries = cidrs
    .map((text) => {
      if (text.includes("-")) return { text, ...listedAddressRange6(text) };
      const cidr = mustParseCidr6(text);
      return { text: formatCidr6(cidr), ...cidr6Range(cidr) };
    })
    // By first address, the wider entry first.
    .sort((a, b) => compareIPv6(a.first, b.first) || compareIPv6(b.last, a.last));
  const findings: Finding[] = [];
  let widest: (AddressRange6 & { text: string }) | undefined;
  for (const e of entries) {
    if (widest && compareIPv6(e.first, widest.last) <= 0) findings.push(finding(list, e.text, widest.text, 6));
    if (!widest || compareIPv6(e.last, widest.last) > 0) widest = e;
  }
  return findings;
}
