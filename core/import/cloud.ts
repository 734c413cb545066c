/**
 * Shared by the cloud formats (aws, cf-asg, genesis): their rules are allow
 * rules of stateful groups, like ours, so each becomes one accept rule. A
 * protocol is a name or number ("tcp", "-1"/"all" = every protocol), a port
 * range a pair of numbers, ICMP type and code -1 = any.
 */
import {
  mergeRanges,
  mergeRanges6,
  parseAddressCidr,
  parseIPv4,
  parseIPv6,
  cidrRange,
  cidr6Range,
  PROTOCOL,
  type AddressRange,
  type AddressRange6,
} from "../model";
import { protocolNumber } from "../platforms/protocol-names";

/** A protocol as the cloud APIs write it; undefined when unknown. */
export function cloudProtocol(value: unknown): number | undefined {
  if (value === undefined || value === null || value === "" || value === "-1" || value === -1 || value === "all" || value === "any")
    return 0;
  if (typeof value === "number" || /^\d+$/.test(String(value))) {
    const n = Number(value);
    return n >= 0 && n <= 255 ? n : undefined;
  }
  const name = String(value).toLowerCase();
  if (name === "icmpv6") return PROTOCOL.ICMPV6;
  try {
    return protocolNumber(name);
  } catch {
    return undefined;
  }
}

/** "10.0.0.0/24", "10.0.0.1", "10.0.0.1-10.0.0.9" or IPv6 forms as ranges; undefined when not an address. */
export function cloudAddress(text: string): { ranges: AddressRange[]; ranges6: AddressRange6[] } | undefined {
  const t = text.trim();
  const dash = t.indexOf("-");
  if (dash > 0) {
    const a = t.slice(0, dash).trim();
    const b = t.slice(dash + 1).trim();
    const a4 = parseIPv4(a);
    const b4 = parseIPv4(b);
    if (a4 !== undefined && b4 !== undefined && a4 <= b4) return { ranges: [{ first: a4, last: b4 }], ranges6: [] };
    const a6 = parseIPv6(a);
    const b6 = parseIPv6(b);
    if (a6 && b6) return { ranges: [], ranges6: mergeRanges6([{ first: a6, last: b6 }]) };
    return undefined;
  }
  const parsed = parseAddressCidr(t.includes("/") ? t : `${t}/${t.includes(":") ? 128 : 32}`);
  if (!parsed.ok) return undefined;
  return parsed.family === 6 ? { ranges: [], ranges6: [cidr6Range(parsed.cidr)] } : { ranges: [cidrRange(parsed.cidr)], ranges6: [] };
}

/** Several addresses (a comma list) merged. */
export function cloudAddresses(text: string): { ranges: AddressRange[]; ranges6: AddressRange6[] } | undefined {
  const ranges: AddressRange[] = [];
  const ranges6: AddressRange6[] = [];
  for (const item of text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const one = cloudAddress(item);
    if (!one) return undefined;
    ranges.push(...one.ranges);
    ranges6.push(...one.ranges6);
  }
  if (!ranges.length && !ranges6.length) return undefined;
  return { ranges: mergeRanges(ranges), ranges6: mergeRanges6(ranges6) };
}

/** ICMP type or code: -1 (or absent) = any. */
export function icmpField(value: unknown): number | null | undefined {
  if (value === undefined || value === null || value === -1 || value === "-1") return null;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 && n <= 255 ? n : undefined;
}
