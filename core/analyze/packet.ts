/** Packets of the IPv4 packet space the policy is defined over. */
import { cidrKey, cidrKeyFirst, cidrKeyLast, parseIPv4, type AddressRange } from "../model";
import type { Hook } from "../policy";

export type ConnectionState = "new" | "established" | "related" | "invalid";
export type Verdict = "accept" | "drop";

export interface Packet {
  /** input = inbound to the site, output = sent by it, forward = routed through it (router mode). */
  hook: Hook;
  protocol: number;
  /** Addresses as unsigned 32-bit numbers (see parseIPv4). */
  src: number;
  dst: number;
  /** TCP/UDP only. */
  srcPort?: number;
  dstPort?: number;
  /** ICMP only. */
  icmpType?: number;
  icmpCode?: number;
  /** Connection-tracking state; "new" when omitted. */
  state?: ConnectionState;
  /** Received on / sent to the loopback interface. */
  loopback?: boolean;
}

/** Whether `value` is in ascending disjoint `ranges` (binary search). */
export function inRanges(ranges: readonly AddressRange[], value: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const r = ranges[mid];
    if (value < r.first) hi = mid - 1;
    else if (value > r.last) lo = mid + 1;
    else return true;
  }
  return false;
}

/** "a.b.c.d" or "a.b.c.d/n" as the range of addresses it names. */
export function addressRangeOf(text: string): AddressRange {
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
