/** Plain words for traffic regions, rules and sites: "tcp/22 from 0.0.0.0/0 (all IPv4) to sites web-1, web-2", "tcp/22 from ::/0 (all IPv6) (inbound)". */
import {
  cidr6Range,
  cidrKey,
  cidrKeyFirst,
  cidrKeyLast,
  compareIPv6,
  formatCidr,
  formatCidr6,
  mergeRanges6,
  mustParseCidr,
  mustParseCidr6,
  nextIPv6,
  previousIPv6,
  protocolName,
  rangeToCidrs,
  rangeToCidrs6,
  type AddressFamily,
  type AddressRange6,
  type IPv6Address,
  type PortRange,
} from "../model";
import type { DiffRegion } from "../analyze";
import { addressRangesOf } from "../analyze/diff";
import { collapseAddressSet, type ReferencedGroupInput } from "../policy";
import type { PolicySnapshot, SnapshotRule } from "./snapshot";
import { referencedGroupsOf, UNKNOWN_UNTIL_APPLY } from "./snapshot";

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
 * "0.0.0.0/0 (all IPv4)", "10.0.0.0/8, 192.0.2.0/24", "0.0.0.0/0 except 198.51.100.0/24",
 * "10.0.0.0/24, ... and 99,995 more CIDRs", "::/0 (all IPv6)", "::/0 except 2001:db8::/32":
 * a set is named by its complement (within its family) when that is shorter.
 * The family is the CIDRs' own (IPv4 when there are none).
 */
export function describeAddresses(cidrs: readonly string[], family: AddressFamily = cidrs[0]?.includes(":") ? 6 : 4): string {
  if (family === 6) return describeAddresses6(cidrs);
  if (cidrs.length === 1 && cidrs[0] === "0.0.0.0/0") return "0.0.0.0/0 (all IPv4)";
  const complement = complementCidrs(cidrs, cidrs.length);
  if (complement) return `0.0.0.0/0 except ${listCidrs(complement.listed, complement.count)}`;
  return listCidrs(cidrs, cidrs.length);
}

function describeAddresses6(cidrs: readonly string[]): string {
  if (cidrs.length === 1 && cidrs[0] === "::/0") return "::/0 (all IPv6)";
  const complement = complementCidrs6(cidrs, cidrs.length);
  if (complement) return `::/0 except ${listCidrs(complement.listed, complement.count)}`;
  return listCidrs(cidrs, cidrs.length);
}

const LAST_IPV6: IPv6Address = [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff];

/** complementCidrs for IPv6 CIDRs (regions and lists hold few: ranges as objects). */
function complementCidrs6(cidrs: readonly string[], limit: number): { count: number; listed: string[] } | undefined {
  const gaps: AddressRange6[] = [];
  let next: IPv6Address | undefined = [0, 0, 0, 0];
  for (const r of mergeRanges6(cidrs.map((c) => cidr6Range(mustParseCidr6(c))))) {
    if (compareIPv6(r.first, next!) > 0) gaps.push({ first: next!, last: previousIPv6(r.first)! });
    next = nextIPv6(r.last);
    if (!next) break;
  }
  if (next) gaps.push({ first: next, last: LAST_IPV6 });
  let count = 0;
  const listed: string[] = [];
  for (const gap of gaps) {
    const split = rangeToCidrs6(gap);
    count += split.length;
    if (count >= limit) return undefined;
    for (const cidr of split) if (listed.length < MAX_LISTED_ADDRESSES) listed.push(formatCidr6(cidr));
  }
  return { count, listed };
}

/** The first MAX_LISTED_ADDRESSES of `count` CIDRs (`listed` holds at least those), and how many more. */
function listCidrs(listed: readonly string[], count: number): string {
  if (count <= MAX_LISTED_ADDRESSES) return listed.slice(0, count).join(", ");
  const rest = count - MAX_LISTED_ADDRESSES;
  return `${listed.slice(0, MAX_LISTED_ADDRESSES).join(", ")} and ${COUNT.format(rest)} more CIDRs`;
}

/** As toLocaleString("en-US"), which builds a formatter per call (about 10 µs, once per line of a long report). */
const COUNT = new Intl.NumberFormat("en-US");

/**
 * The minimal CIDRs of the addresses not in `cidrs`, or undefined when they are
 * `limit` or more. Linear for sorted input (diff regions are sorted): CIDRs are
 * read as numeric keys without allocating, gaps are counted before any is
 * written out.
 */
function complementCidrs(cidrs: readonly string[], limit: number): { count: number; listed: string[] } | undefined {
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
  // Only the CIDRs a sentence lists are written out.
  const listed: string[] = [];
  gaps((first, last) => {
    for (const cidr of rangeToCidrs({ first, last })) {
      if (listed.length === MAX_LISTED_ADDRESSES) return false;
      listed.push(formatCidr(cidr));
    }
    return true;
  });
  return { count, listed };
}

/**
 * The address ranges of CIDRs as [first, last, first, last, ...], ascending by
 * first: those the semantic diff made them from when it did, else read as
 * numeric keys without allocating per CIDR (sorted unless they already are).
 */
function rangesOf(cidrs: readonly string[]): Float64Array {
  const known = addressRangesOf(cidrs);
  if (known) {
    const ranges = new Float64Array(2 * known.length);
    for (let i = 0; i < known.length; i++) {
      ranges[2 * i] = known[i].first;
      ranges[2 * i + 1] = known[i].last;
    }
    return ranges;
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
    ranges[2 * i] = cidrKeyFirst(keys[i]);
    ranges[2 * i + 1] = cidrKeyLast(keys[i]);
  }
  return ranges;
}

/** How many CIDRs rangeToCidrs makes of [first, last]. */
function cidrCount(first: number, last: number): number {
  // [first, end) splits at m, the multiple of 2^h below end, h the highest bit where first and end
  // differ: rising blocks up to m (one per set bit of m - first), then falling ones (of end - m).
  const end = last + 1;
  if (end === 2 ** 32) return popcount(end - first);
  const h = 31 - Math.clz32(first ^ end);
  const m = end - (end % 2 ** h);
  return popcount(m - first) + popcount(end - m);
}

/** Set bits of 0 <= n <= 2^32. */
function popcount(n: number): number {
  if (n === 2 ** 32) return 1;
  let x = n >>> 0;
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
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
  const peer = describePeerGroup(region, snapshots) ?? describeAddresses(region.addresses, region.family);
  const sites = region.sites.length ? describeSites(region.sites, ...snapshots) : undefined;
  const service = describeService(region);
  if (region.direction === "inbound") return `${service} from ${peer}${sites ? ` to ${sites}` : " (inbound)"}`;
  return `${service} to ${peer}${sites ? ` from ${sites}` : " (outbound)"}`;
}

/**
 * "group web (2 sites: 10.0.1.5, 10.0.1.6)" when the region's addresses are
 * those of the group its accepting rule names as peer (in this family), as a
 * snapshot's members have them; "10.0.1.6/32 (part of group web)" when they are
 * some of them; undefined for any other region.
 */
function describePeerGroup(region: DiffRegion, snapshots: readonly PolicySnapshot[]): string | undefined {
  const id = (region.after.verdict === "accept" ? region.after.rule : region.before.rule)?.peerGroupId;
  if (!id) return undefined;
  let partOf: ReferencedGroupInput | undefined;
  for (const snapshot of snapshots) {
    const group = referencedGroupsOf(snapshot).get(id);
    if (!group) continue;
    partOf ??= group;
    const collapsed = collapseAddressSet(group.members.flatMap((m) => m.addresses));
    const cidrs = region.family === 6 ? collapsed.cidrs6 : collapsed.cidrs;
    if (cidrs.length !== region.addresses.length || cidrs.some((c, i) => c !== region.addresses[i])) continue;
    const sites = group.members.filter((m) => m.addresses.some((a) => a.includes(":") === (region.family === 6)));
    const addresses = [...new Set(sites.flatMap((m) => m.addresses.filter((a) => a.includes(":") === (region.family === 6))))].map(
      hostText,
    );
    const listed =
      addresses.length <= MAX_LISTED_ADDRESSES
        ? addresses.join(", ")
        : `${addresses.slice(0, MAX_LISTED_ADDRESSES).join(", ")} and ${COUNT.format(addresses.length - MAX_LISTED_ADDRESSES)} more`;
    return `group ${group.name} (${sites.length === 1 ? "1 site" : `${sites.length} sites`}: ${listed})`;
  }
  return partOf ? `${describeAddresses(region.addresses, region.family)} (part of group ${partOf.name})` : undefined;
}

/** A host CIDR as its address ("10.0.1.5/32" -> "10.0.1.5"); a network stays a CIDR. */
export function hostText(cidr: string): string {
  return cidr.endsWith("/32") && !cidr.includes(":") ? cidr.slice(0, -3) : cidr.endsWith("/128") ? cidr.slice(0, -4) : cidr;
}

/** A rule's address for a table: a CIDR, or the prefix list or group it names. */
export function describeRuleAddress(rule: SnapshotRule, snapshot: PolicySnapshot): string {
  if (rule.unknown?.includes("address")) return UNKNOWN_UNTIL_APPLY;
  const list = snapshot.prefixLists.find((l) => l.id === rule.address);
  if (list) return `prefix list ${list.name}${list.pendingId ? " (new)" : ""}`;
  const group = referencedGroupsOf(snapshot).get(rule.address);
  if (group) return `group ${group.name}`;
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
