/** Plain words for traffic regions, rules and sites: "tcp/22 from 0.0.0.0/0 (anywhere) to sites web-1, web-2". */
import { cidrKey, formatCidr, mustParseCidr, protocolName, rangeToCidrs, type PortRange } from "../model";
import type { DiffRegion } from "../analyze";
import { addressRangesOf } from "../analyze/diff";
import type { PolicySnapshot, SnapshotRule } from "./snapshot";
import { UNKNOWN_UNTIL_APPLY } from "./snapshot";

/** How many CIDRs a sentence lists before it counts the rest. */
export const MAX_LISTED_ADDRESSES = 5;

type ValueRange = PortRange;

function rangeText(r: ValueRange): string {
  return r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`;
}

function size(ranges: readonly ValueRange[]): number {
  return ranges.reduce((n, r) => n + r.to - r.from + 1, 0);
}

/** "tcp/22,80", "udp", "icmp type 8 code 0", "all protocols", "all protocols except tcp, udp". */
export function describeService(region: Pick<DiffRegion, "protocols" | "ports" | "icmp">): string {
  const { protocols, ports, icmp } = region;
  if (size(protocols) === 1) {
    const name = protocolName(protocols[0].from);
    if (ports) return `${name}/${ports.map(rangeText).join(",")}`;
    if (icmp)
      return icmp
        .map((i) => `${name} type ${rangeText(i.types)}${i.codes.from === 0 && i.codes.to === 255 ? "" : ` code ${rangeText(i.codes)}`}`)
        .join(", ");
    return name;
  }
  if (size(protocols) === 256) return "all protocols";
  if (size(protocols) > 128) {
    const missing: number[] = [];
    let next = 0;
    for (const r of protocols) {
      for (let p = next; p < r.from; p++) missing.push(p);
      next = r.to + 1;
    }
    for (let p = next; p <= 255; p++) missing.push(p);
    return `all protocols except ${missing.map(protocolName).join(", ")}`;
  }
  return `protocols ${protocols.map((r) => (r.from === r.to ? protocolName(r.from) : rangeText(r))).join(", ")}`;
}

/**
 * "0.0.0.0/0 (anywhere)", "10.0.0.0/8, 192.0.2.0/24", "0.0.0.0/0 except 198.51.100.0/24",
 * "10.0.0.0/24, ... and 99,995 more CIDRs": a set is named by its complement when that is shorter.
 */
export function describeAddresses(cidrs: readonly string[]): string {
  if (cidrs.length === 1 && cidrs[0] === "0.0.0.0/0") return "0.0.0.0/0 (anywhere)";
  const complement = complementCidrs(cidrs, cidrs.length);
  if (complement) return `0.0.0.0/0 except ${listCidrs(complement)}`;
  return listCidrs(cidrs);
}

function listCidrs(cidrs: readonly string[]): string {
  if (cidrs.length <= MAX_LISTED_ADDRESSES) return cidrs.join(", ");
  const rest = cidrs.length - MAX_LISTED_ADDRESSES;
  return `${cidrs.slice(0, MAX_LISTED_ADDRESSES).join(", ")} and ${rest.toLocaleString("en-US")} more CIDRs`;
}

/**
 * The minimal CIDRs of the addresses not in `cidrs`, or undefined when they are
 * `limit` or more. Linear for sorted input (diff regions are sorted): CIDRs are
 * read as numeric keys without allocating, gaps are counted before any is
 * written out.
 */
function complementCidrs(cidrs: readonly string[], limit: number): string[] | undefined {
  const ranges = rangesOf(cidrs);
  const gaps = (visit: (first: number, last: number) => boolean): void => {
    let next = 0;
    for (let i = 0; i < ranges.length; i += 2) {
      if (ranges[i] > next && !visit(next, ranges[i] - 1)) return;
      next = Math.max(next, ranges[i + 1] + 1);
    }
    if (next <= 0xffffffff) visit(next, 0xffffffff);
  };
  let count = 0;
  gaps((first, last) => (count += cidrCount(first, last)) < limit);
  if (count >= limit) return undefined;
  const out: string[] = [];
  gaps((first, last) => {
    for (const cidr of rangeToCidrs({ first, last })) out.push(formatCidr(cidr));
    return true;
  });
  return out;
}

/**
 * The address ranges of CIDRs as [first, last, first, last, ...], ascending by
 * first: those the semantic diff made them from when it did, else read as
 * numeric keys without allocating per CIDR (sorted unless they already are).
 */
function rangesOf(cidrs: readonly string[]): Float64Array {
  const known = addressRangesOf(cidrs);
  if (known && known.reduce((n, r) => n + cidrCount(r.first, r.last), 0) === cidrs.length) {
    return Float64Array.from(known.flatMap((r) => [r.first, r.last]));
  }
  const n = cidrs.length;
  const keys = new Float64Array(n);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const key = cidrKey(cidrs[i]);
    if (key < 0) mustParseCidr(cidrs[i]); // throws: not a valid CIDR
    keys[i] = key;
    if (i && key < keys[i - 1]) sorted = false;
  }
  if (!sorted) keys.sort();
  const ranges = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const length = keys[i] % 64;
    ranges[2 * i] = (keys[i] - length) / 64;
    ranges[2 * i + 1] = ranges[2 * i] + 2 ** (32 - length) - 1;
  }
  return ranges;
}

/** How many CIDRs rangeToCidrs makes of [first, last]. */
function cidrCount(first: number, last: number): number {
  let count = 0;
  for (let start = first; start <= last; count++) {
    const remaining = last - start + 1;
    let bits = remaining >= 2 ** 32 ? 32 : 31 - Math.clz32(remaining);
    if (start !== 0) bits = Math.min(bits, 31 - Math.clz32(lowestBit(start)));
    start += 2 ** bits;
  }
  return count;
}

/** The lowest set bit of 0 < n < 2^32, as a number. */
function lowestBit(n: number): number {
  const low = n % 2 ** 31;
  return low === 0 ? 2 ** 31 : (low & -low) >>> 0;
}

export function siteName(id: string, ...snapshots: PolicySnapshot[]): string {
  for (const s of snapshots) if (s.siteNames[id]) return s.siteNames[id];
  return id;
}

export function describeSites(ids: readonly string[], ...snapshots: PolicySnapshot[]): string {
  const names = ids.map((id) => siteName(id, ...snapshots)).sort();
  return names.length === 1 ? `site ${names[0]}` : `sites ${names.join(", ")}`;
}

/** The sentence of one region, without the leading "newly allowed:". */
export function describeRegion(region: DiffRegion, ...snapshots: PolicySnapshot[]): string {
  const peer = describeAddresses(region.addresses);
  const sites = region.sites.length ? describeSites(region.sites, ...snapshots) : undefined;
  const service = describeService(region);
  if (region.direction === "inbound") return `${service} from ${peer}${sites ? ` to ${sites}` : " (inbound)"}`;
  return `${service} to ${peer}${sites ? ` from ${sites}` : " (outbound)"}`;
}

/** A rule's address for a table: a CIDR, or the prefix list it names. */
export function describeRuleAddress(rule: SnapshotRule, snapshot: PolicySnapshot): string {
  if (rule.unknown?.includes("address")) return UNKNOWN_UNTIL_APPLY;
  const list = snapshot.prefixLists.find((l) => l.id === rule.address);
  if (list) return `prefix list ${list.name}${list.pendingId ? " (new)" : ""}`;
  return rule.address;
}

export function describeRuleService(rule: SnapshotRule): string {
  const name = protocolName(rule.protocol);
  if (rule.port) return `${name}/${rule.port.replace(/\s+/g, "")}`;
  if (rule.icmp_type !== null && rule.icmp_type !== undefined) {
    return `${name} type ${rule.icmp_type}${rule.icmp_code !== null && rule.icmp_code !== undefined ? ` code ${rule.icmp_code}` : ""}`;
  }
  return name;
}
