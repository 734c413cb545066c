/** Packets of the IPv4 and IPv6 packet spaces the policy is defined over. */
import { compareIPv6, listedAddressRange, type AddressRange, type AddressRange6, type IPv6Address } from "../model";
import type { Hook } from "../policy";

export type ConnectionState = "new" | "established" | "related" | "invalid";
export type Verdict = "accept" | "drop";

interface PacketFields {
  /** input = inbound to the site, output = sent by it, forward = routed through it (router mode). */
  hook: Hook;
  /** The IP protocol (IPv6: the upper-layer next header). */
  protocol: number;
  /** TCP/UDP only. */
  srcPort?: number;
  dstPort?: number;
  /** ICMP (IPv4) or ICMPv6 (IPv6) only. */
  icmpType?: number;
  icmpCode?: number;
  /** Connection-tracking state; "new" when omitted. */
  state?: ConnectionState;
  /** Received on / sent to the loopback interface. */
  loopback?: boolean;
}

/** An IPv4 packet: addresses as unsigned 32-bit numbers (see parseIPv4). `family` may be left out. */
export interface Packet4 extends PacketFields {
  family?: 4;
  src: number;
  dst: number;
}

/** An IPv6 packet: addresses as four 32-bit words (see parseIPv6). */
export interface Packet6 extends PacketFields {
  family: 6;
  src: IPv6Address;
  dst: IPv6Address;
}

export type Packet = Packet4 | Packet6;

/** Whether `value` is in ascending disjoint IPv6 `ranges` (binary search, no allocation). */
export function inRanges6(ranges: readonly AddressRange6[], value: IPv6Address): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const r = ranges[mid];
    if (compareIPv6(value, r.first) < 0) hi = mid - 1;
    else if (compareIPv6(value, r.last) > 0) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Whether a rule's or set's addresses of the packet's family hold the packet's source or destination. */
export function packetAddressIn(
  packet: Packet,
  field: "src" | "dst",
  ranges: readonly AddressRange[],
  ranges6: readonly AddressRange6[],
): boolean {
  return packet.family === 6 ? inRanges6(ranges6, packet[field]) : inRanges(ranges, packet[field]);
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

/** "a.b.c.d", "a.b.c.d/n" or "a.b.c.d-e.f.g.h" as the range of addresses it names (core/model listedAddressRange). */
export function addressRangeOf(text: string): AddressRange {
  return listedAddressRange(text);
}
