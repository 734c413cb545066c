/**
 * Random policy documents in API shape for differential and property tests:
 * prefix lists (with overlapping and adjacent entries, sometimes empty), port
 * lists, every protocol class, both directions, accept and drop, ICMP type and
 * code, logging, rules with and without ids; with `families: [4, 6]` mixed-family
 * documents (IPv6 CIDRs, ::/0, ICMPv6, prefix lists holding both families);
 * with `groupReferences` rules that name groups as peers, the groups given in
 * `referenced_groups` with 0..n member sites of both families (sometimes the
 * rule's own group: "self"); with
 * with `writeForms` the spellings only a write takes (address ranges in rules
 * and prefix lists, protocol names, ICMP type or code -1).
 */
import {
  canonicalCidrOrRange,
  formatCidr,
  formatCidr6,
  formatIPv4,
  formatIPv6,
  maskOf,
  parseIPv4,
  parseIPv6,
  type FilterRuleWrite,
  type IPv6Address,
} from "../../core/model";
import type { PolicyDocumentInput } from "../../core/policy";

const ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export interface RandomPolicyOptions {
  /** Where rule addresses come from (network, prefix length); default 10.0.0.0/8 and 198.51.100.0/24. */
  pools?: { network: number; prefixLength: number }[];
  /** Protocols to draw from; default 0, 1, 6, 17, 47, 89, 112. */
  protocols?: number[];
  /** ICMP types rules may name; default 8, 13, 0. */
  icmpTypes?: number[];
  maxGroups?: number;
  maxRules?: number;
  /** Address families rule CIDRs and prefix-list entries are drawn from; default [4] (IPv4 only). */
  families?: readonly (4 | 6)[];
  /** IPv6 pools (first two words of the network, prefix length <= 64); default fd00:a::/32 and 2001:db8:100::/48. */
  pools6?: { words: readonly [number, number]; prefixLength: number }[];
  /** ICMPv6 types rules may name; default 128, 129, 1, 135. */
  icmp6Types?: number[];
  /** Rules may name groups as peers (referenced_groups with 0..4 members each, host and network addresses of the families). */
  groupReferences?: boolean;
  /** Also draw address ranges (rule addresses, prefix entries), protocol names and ICMP -1; default false. */
  writeForms?: boolean;
}

const PROTOCOL_NAME: Record<number, string[]> = { 0: ["all"], 1: ["icmp"], 6: ["tcp"], 17: ["udp"], 58: ["ipv6-icmp", "icmpv6"] };

export function randomPolicy(random: () => number, opts: RandomPolicyOptions = {}): PolicyDocumentInput {
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const id = (prefix: string) => prefix + Array.from({ length: 27 }, () => pick([...ALNUM])).join("");
  const pools = opts.pools ?? [
    { network: 0x0a000000, prefixLength: 8 },
    { network: 0xc6336400, prefixLength: 24 },
  ];
  const families = opts.families ?? [4];
  const dual = families.includes(6);
  const protocols = opts.protocols ?? (dual ? [0, 1, 6, 17, 47, 58, 89, 112] : [0, 1, 6, 17, 47, 89, 112]);
  const icmpTypes = opts.icmpTypes ?? [8, 13, 0];
  const icmp6Types = opts.icmp6Types ?? [128, 129, 1, 135];
  const pools6 = opts.pools6 ?? [
    { words: [0xfd00000a, 0] as const, prefixLength: 32 },
    { words: [0x20010db8, 0x01000000] as const, prefixLength: 48 },
  ];

  const cidr6 = (hostOnly = false): string => {
    const pool = pick(pools6);
    // Mostly /48-/128 inside the pool: random bits below the pool's prefix, then the mask.
    const length = hostOnly ? 128 : random() < 0.2 ? pool.prefixLength + int(65 - pool.prefixLength) : 64 + int(65);
    const words = [pool.words[0], pool.words[1], int(2 ** 32), int(2 ** 32)];
    if (pool.prefixLength <= 32) words[1] = int(2 ** 32);
    else words[1] = (pool.words[1] | (int(2 ** 32) >>> (pool.prefixLength - 32))) >>> 0;
    for (let w = 0; w < 4; w++) {
      const keep = Math.max(0, Math.min(32, length - 32 * w));
      words[w] = keep === 0 ? 0 : keep === 32 ? words[w] : (words[w] & ((0xffffffff << (32 - keep)) >>> 0)) >>> 0;
    }
    return formatCidr6({ network: words as unknown as IPv6Address, prefixLength: length });
  };
  const writeForms = opts.writeForms ?? false;
  const cidrOf = (family: 4 | 6): string => (writeForms && random() < 0.3 ? range(family) : family === 6 ? cidr6() : cidr());
  /** A range from inside a CIDR of the family: often not one CIDR, sometimes exactly one (stored as that CIDR). */
  const range = (family: 4 | 6): string => {
    if (family === 4) {
      const [a, l] = cidr().split("/");
      const first = parseIPv4(a)! + (random() < 0.5 ? int(8) : 0);
      const last = Math.min(0xffffffff, first + (random() < 0.2 ? 2 ** (32 - Number(l)) - 1 : int(2 ** Math.min(12, 32 - Number(l)) + 1)));
      return `${formatIPv4(first)}-${formatIPv4(last)}`;
    }
    const [a] = cidr6().split("/");
    const first = parseIPv6(a)!;
    const low = Math.min(0xffffffff, first[3] + int(16));
    const high = Math.min(0xffffffff, low + int(5000));
    return `${formatIPv6([first[0], first[1], first[2], low >>> 0])}-${formatIPv6([first[0], first[1], first[2], high >>> 0])}`;
  };
  const cidr = (): string => {
    const pool = pick(pools);
    const length = pool.prefixLength + int(33 - pool.prefixLength);
    const host = int(2 ** (32 - pool.prefixLength));
    return formatCidr({ network: ((pool.network + host) & maskOf(length)) >>> 0, prefixLength: length });
  };
  const prefixLists = Array.from({ length: int(4) }, () => {
    const cidrs = new Set<string>();
    // By stored text: a range that is exactly one CIDR is that CIDR, which may be listed once only.
    const stored = new Set<string>();
    const count = random() < 0.15 ? 0 : 1 + int(6);
    while (cidrs.size < count) {
      const family = pick(families);
      const c = cidrOf(family);
      const key = writeForms ? canonicalCidrOrRange(c)! : c;
      if (writeForms && stored.has(key)) continue;
      stored.add(key);
      cidrs.add(c);
      if (family === 6) continue;
      // An adjacent or containing neighbour now and then, so collapsing has work to do.
      if (random() < 0.3) {
        const [a, l] = c.split("/");
        const length = Number(l);
        if (length > 8) {
          const network = parseIPv4(a)!;
          const neighbour = (network ^ (2 ** (32 - length))) >>> 0;
          const extra =
            random() < 0.5
              ? formatCidr({ network: neighbour, prefixLength: length })
              : formatCidr({ network: (network & maskOf(length - 1)) >>> 0, prefixLength: length - 1 });
          if (!writeForms || !stored.has(extra)) {
            stored.add(extra);
            cidrs.add(extra);
          }
        }
      }
    }
    return { id: id("prfx_lst_"), name: `list ${int(1000)}`, prefixes: [...cidrs].slice(0, 500).map((c) => ({ cidr: c })) };
  });

  // Group references: ids drawn now, some of them ids of the document's own groups (decided below).
  const groupIds = opts.groupReferences ? Array.from({ length: 1 + int(3) }, () => id("sec_grp_")) : [];
  const hostOf = (family: 4 | 6): string => {
    if (family === 6) return cidr6(true);
    const pool = pick(pools);
    return formatCidr({ network: (pool.network + int(2 ** (32 - pool.prefixLength))) >>> 0, prefixLength: 32 });
  };
  const referencedGroups = groupIds.map((gid, gi) => ({
    id: gid,
    name: `peer ${gi}`,
    members: Array.from({ length: random() < 0.2 ? 0 : 1 + int(4) }, (_, mi) => ({
      site: id("site_"),
      name: `site ${gi}.${mi}`,
      // Agents report hosts; a declared address may be a network. Sometimes a site with none yet.
      // Site addresses are CIDRs only: no write form (a range) applies to them.
      addresses: [
        ...new Set(
          Array.from({ length: int(4) }, () => {
            const family = pick(families);
            return random() < 0.8 ? hostOf(family) : family === 6 ? cidr6() : cidr();
          }),
        ),
      ],
    })),
  }));

  const ports = (): string => {
    const x = random();
    if (x < 0.15) return "1-65535";
    const item = () => {
      const from = 1 + int(65535);
      return random() < 0.5 ? `${from}` : `${from}-${Math.min(65535, from + int(2000))}`;
    };
    const count = x < 0.5 ? 1 : 2 + int(20);
    return Array.from({ length: count }, item).join(random() < 0.5 ? "," : ", ");
  };

  const groups = Array.from({ length: 1 + int(opts.maxGroups ?? 3) }, (_, gi) => {
    const orders = new Set<number>();
    const count = 1 + int(opts.maxRules ?? 8);
    while (orders.size < count) orders.add(1 + int(250));
    const rules = [...orders].map((order) => {
      const protocol = pick(protocols);
      // ICMP is IPv4 only and ICMPv6 IPv6 only: a CIDR of the protocol's family.
      const family = protocol === 1 ? 4 : protocol === 58 ? 6 : pick(families);
      const r: FilterRuleWrite & { id?: string } = {
        direction: random() < 0.5 ? "inbound" : "outbound",
        order,
        protocol,
        port: protocol === 6 || protocol === 17 ? ports() : "",
        address:
          groupIds.length && random() < 0.25
            ? pick(groupIds)
            : random() < 0.15
              ? family === 6
                ? "::/0"
                : "0.0.0.0/0"
              : prefixLists.length && random() < 0.4
                ? pick(prefixLists).id
                : cidrOf(family),
        description: `rule ${order}`,
      };
      if (random() < 0.3) r.action = "drop";
      else if (random() < 0.3) r.action = "accept";
      if ((protocol === 1 || protocol === 58) && random() < 0.5) {
        r.icmp_type = pick(protocol === 1 ? icmpTypes : icmp6Types);
        if (random() < 0.4) r.icmp_code = int(2);
      }
      if (writeForms) {
        if (PROTOCOL_NAME[protocol] && random() < 0.5) r.protocol = pick(PROTOCOL_NAME[protocol]) as FilterRuleWrite["protocol"];
        // -1 means any, as null (or leaving it out) does.
        if ((protocol === 1 || protocol === 58) && r.icmp_type === undefined && random() < 0.3) r.icmp_type = -1;
        if ((protocol === 1 || protocol === 58) && r.icmp_type !== undefined && r.icmp_code === undefined && random() < 0.3)
          r.icmp_code = -1;
      }
      if (random() < 0.2) r.log = true;
      if (random() < 0.7) r.id = id("fltr_");
      return r;
    });
    // "self": now and then a group is one its rules (or another group's) name as peer.
    const self = groupIds.length && random() < 0.3 ? groupIds[gi % groupIds.length] : undefined;
    return { id: self ?? (random() < 0.9 ? id("sec_grp_") : undefined), name: `group ${gi}`, rules };
  });
  const ids = new Set<string>();
  const distinct = groups.map((g) => (g.id === undefined || ids.has(g.id) ? { ...g, id: undefined } : (ids.add(g.id), g)));
  return {
    prefix_lists: prefixLists,
    security_groups: distinct,
    ...(opts.groupReferences ? { referenced_groups: referencedGroups } : {}),
  };
}

/**
 * A random edit of a document that keeps its references valid: rules dropped,
 * actions flipped, ports changed, with `prefixLists` a list's first entry dropped,
 * and with `members` a referenced group's first member site.
 */
export function editPolicy(
  doc: PolicyDocumentInput,
  random: () => number,
  opts: { prefixLists?: boolean; members?: boolean } = {},
): PolicyDocumentInput {
  return {
    ...doc,
    ...(opts.members && doc.referenced_groups
      ? {
          referenced_groups: doc.referenced_groups.map((g) =>
            random() < 0.4 && g.members.length ? { ...g, members: g.members.slice(1) } : g,
          ),
        }
      : {}),
    ...(opts.prefixLists
      ? {
          prefix_lists: (doc.prefix_lists ?? []).map((l) =>
            random() < 0.3 && l.prefixes.length ? { ...l, prefixes: l.prefixes.slice(1) } : l,
          ),
        }
      : {}),
    security_groups: doc.security_groups.map((g) => ({
      ...g,
      rules: g.rules
        .filter(() => random() > 0.1)
        .map((r) => {
          const x = random();
          if (x < 0.15) return { ...r, action: r.action === "drop" ? ("accept" as const) : ("drop" as const) };
          if (x < 0.25 && r.port) return { ...r, port: "22" };
          return r;
        }),
    })),
  };
}
