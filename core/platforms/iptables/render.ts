/**
 * iptables render: one text with four sections, split by splitIptablesConfig.
 *
 *   #== ipset      for `ipset restore`, both families. Each prefix list has a
 *                  hash:net set per family its rules apply to: `sg-<list id
 *                  suffix>` (family inet) and `s6-<suffix>` (family inet6).
 *                  Each is created if missing, a temporary copy (`sgt-...`,
 *                  `s6t-...`) is filled, swapped in and destroyed, so rules
 *                  never see a half-filled set. The IPv4 lines come first,
 *                  exactly as an IPv4-only render had them, then the IPv6 ones.
 *                  A referenced group has the same pair per family its rules
 *                  apply to (`g4-<group id suffix>`, `g6-...`; temporary
 *                  `g4t-`, `g6t-`), created even when the group is empty.
 *   #== iptables   for `iptables-restore --noflush`: declares (and so flushes)
 *                  only our chains secgroups-input/-output(/-forward) and fills
 *                  them with the rules of family 4, committed as one table
 *                  replacement; other chains stay.
 *   #== ip6tables  the same for `ip6tables-restore --noflush`: the same chain
 *                  names, the rules of family 6 (`::/0` without an address
 *                  match, prefix lists with their `s6-` set, ICMPv6 as
 *                  `-p ipv6-icmp -m icmp6 --icmpv6-type T[/C]`), and right after
 *                  the loopback accept, before connection state, the accepts of
 *                  ESSENTIAL_ICMPV6 (core/policy/icmpv6.ts). A config without
 *                  this section (rendered before IPv6) leaves ip6tables alone.
 *   #== jumps      rule specs the agent ensures once in both families:
 *                  `iptables -C <spec>` or else `iptables -I <chain> 1 <spec>`,
 *                  the same with ip6tables (restore cannot add a rule
 *                  idempotently). Before the first jump exists nothing is
 *                  filtered by us, so the order never opens a gap.
 *
 * A prefix-list rule is in both halves (a family whose part of the list is
 * empty gets an empty set), so the chains do not change when only a list's
 * members do. Apply in that order: sets exist before rules refer to them. The
 * control-plane sets `secgroups-cp` and `secgroups-cp6` (hash:ip,port) are
 * matched in our output chains; the agent appends controlPlaneIpset(...) to the
 * ipset section, which fills temporary copies and swaps them in. Every chain
 * ends in DROP in both families. Written for Debian's default iptables
 * (iptables-nft); the file is iptables-legacy compatible too.
 */
import {
  formatCidr,
  formatCidr6,
  formatIPv4,
  formatIPv6,
  formatPorts,
  protocolName,
  PROTOCOL,
  type AddressFamily,
  type PortRange,
} from "../../model";
import {
  ESSENTIAL_ICMPV6,
  hooksOf,
  parseControlPlaneEndpoint,
  rulesOnHook,
  type Hook,
  type NormalizedPolicy,
  type PolicyRule,
} from "../../policy";
import type { ControlPlaneAddress } from "../platform";
import { BUILTIN_CHAIN, IPTABLES_CHAIN, controlPlaneSet, groupIpsetName, groupIpsetNext, ipsetName, ipsetNext } from "./names";

/** iptables' LOG prefix limit. */
const LOG_PREFIX_MAX = 29;
/** multiport takes at most 15 ports, a range counting as two. */
const MULTIPORT_SLOTS = 15;

const SECTION = { ipset: "#== ipset", iptables: "#== iptables", ip6tables: "#== ip6tables", jumps: "#== jumps" } as const;

export interface IptablesConfig {
  /** Input of `ipset restore` (both families). */
  ipset: string;
  /** Input of `iptables-restore --noflush`. */
  iptables: string;
  /** Input of `ip6tables-restore --noflush`; undefined in a configuration rendered before IPv6 (ip6tables left alone). */
  ip6tables?: string;
  /** Jumps the agent ensures exist at the top of the built-in chains, in every family the configuration has. */
  jumps: { chain: string; rule: string[] }[];
}

export function renderIptables(policy: NormalizedPolicy): string {
  return joinIptablesConfig(compileIptables(policy));
}

export function compileIptables(policy: NormalizedPolicy): IptablesConfig {
  const hooks = hooksOf(policy);
  return {
    ipset: [...ipsetLines(policy, 4), ...ipsetLines(policy, 6)].join("\n") + "\n",
    iptables: filterTable(policy, 4, hooks),
    ip6tables: filterTable(policy, 6, hooks),
    jumps: hooks.map((h) => ({ chain: BUILTIN_CHAIN[h], rule: ["-j", IPTABLES_CHAIN[h]] })),
  };
}

/** The control-plane set of a family and a set per prefix list or group some rule of that family refers to. */
function ipsetLines(policy: NormalizedPolicy, family: AddressFamily): string[] {
  const type = family === 6 ? "family inet6" : "family inet";
  const cp = controlPlaneSet(family);
  const sets: string[] = [
    `create ${cp.name} hash:ip,port ${type} -exist`,
    `create ${cp.next} hash:ip,port ${type} -exist`,
    `flush ${cp.next}`,
  ];
  const used = new Set<string>();
  for (const r of policy.rules)
    if ((r.address.kind === "prefixList" || r.address.kind === "group") && r.families.includes(family)) used.add(r.address.id);
  for (const list of policy.prefixLists) {
    if (used.has(list.id))
      pushIpset(sets, ipsetName(list.id, family), ipsetNext(list.id, family), type, family === 6 ? list.cidrs6 : list.cidrs);
  }
  for (const group of policy.groupReferences) {
    if (!used.has(group.id)) continue;
    pushIpset(sets, groupIpsetName(group.id, family), groupIpsetNext(group.id, family), type, family === 6 ? group.cidrs6 : group.cidrs);
  }
  return sets;
}

/** A hash:net set filled through a temporary copy that is swapped in. */
function pushIpset(sets: string[], name: string, next: string, type: string, cidrs: readonly string[]): void {
  sets.push(`create ${name} hash:net ${type} -exist`, `create ${next} hash:net ${type} -exist`, `flush ${next}`);
  // One flat string per list: 100k template strings would each survive until the final join (GC).
  if (cidrs.length) sets.push(`add ${next} ` + cidrs.join(`\nadd ${next} `));
  sets.push(`swap ${next} ${name}`, `destroy ${next}`);
}

/** The restore text of one family's filter table: our chains, each ending in DROP. */
function filterTable(policy: NormalizedPolicy, family: AddressFamily, hooks: Hook[]): string {
  // Declaring a chain flushes it: declare all three, so leaving router mode empties the forward chain.
  const rules: string[] = ["*filter", ...(Object.values(IPTABLES_CHAIN) as string[]).map((c) => `:${c} - [0:0]`)];
  for (const hook of hooks) {
    const chain = IPTABLES_CHAIN[hook];
    if (hook === "input") rules.push(`-A ${chain} -i lo -j ACCEPT`);
    if (hook === "output") rules.push(`-A ${chain} -o lo -j ACCEPT`);
    if (family === 6) rules.push(...essentialIcmpv6(chain));
    rules.push(`-A ${chain} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`, `-A ${chain} -m conntrack --ctstate INVALID -j DROP`);
    if (hook === "output") rules.push(`-A ${chain} -p tcp -m set --match-set ${controlPlaneSet(family).name} dst,dst -j ACCEPT`);
    for (const rule of rulesOnHook(policy, hook)) if (rule.families.includes(family)) rules.push(...iptablesRule(chain, rule, family));
    rules.push(`-A ${chain} -j DROP`);
  }
  rules.push("COMMIT");
  return rules.join("\n") + "\n";
}

/** The ICMPv6 accepts every IPv6 chain starts with (core/policy/icmpv6.ts): one rule per type, or per code where only some are. */
function essentialIcmpv6(chain: string): string[] {
  const why = "# ICMPv6 that IPv6 needs (RFC 4890), accepted before connection state: core/policy/icmpv6.ts";
  return [
    why,
    ...ESSENTIAL_ICMPV6.flatMap((m) =>
      (m.codes ?? [undefined]).map(
        (code) => `-A ${chain} -p ipv6-icmp -m icmp6 --icmpv6-type ${m.type}${code === undefined ? "" : `/${code}`} -j ACCEPT`,
      ),
    ),
  ];
}

function iptablesRule(chain: string, rule: PolicyRule, family: AddressFamily): string[] {
  const m: string[] = [];
  if (rule.protocol !== PROTOCOL.ALL) m.push(`-p ${iptablesProtocol(rule.protocol)}`);
  const flag = rule.direction === "inbound" ? "-s" : "-d";
  // A /0 of the rule's family is no address match; the rule is only in its family's half.
  if (rule.address.kind === "cidr")
    m.push(`${flag} ${rule.address.family === 6 ? formatCidr6(rule.address.cidr) : formatCidr(rule.address.cidr)}`);
  // A range in one match (xt_iprange, both families) rather than a set or one rule per CIDR of its split.
  if (rule.address.kind === "range") {
    const a = rule.address;
    const text = a.family === 6 ? `${formatIPv6(a.first)}-${formatIPv6(a.last)}` : `${formatIPv4(a.first)}-${formatIPv4(a.last)}`;
    m.push(`-m iprange --${rule.direction === "inbound" ? "src" : "dst"}-range ${text}`);
  }
  if (rule.address.kind === "prefixList" || rule.address.kind === "group") {
    const set = rule.address.kind === "group" ? groupIpsetName(rule.address.id, family) : ipsetName(rule.address.id, family);
    m.push(`-m set --match-set ${set} ${rule.direction === "inbound" ? "src" : "dst"}`);
  }
  if (rule.icmpType !== null) {
    const code = rule.icmpCode !== null ? `/${rule.icmpCode}` : "";
    m.push(family === 6 ? `-m icmp6 --icmpv6-type ${rule.icmpType}${code}` : `-m icmp --icmp-type ${rule.icmpType}${code}`);
  }
  m.push(`-m comment --comment "${rule.id}"`);
  const target = rule.action === "accept" ? "ACCEPT" : "DROP";
  const out: string[] = [];
  // A long port list becomes consecutive rules with the same target: same first match.
  for (const ports of rule.ports ? portMatches(rule.protocol, rule.ports) : [""]) {
    const matches = [...m.slice(0, -1), ...(ports ? [ports] : []), m[m.length - 1]].join(" ");
    if (rule.log) out.push(`-A ${chain} ${matches} -j LOG --log-prefix "${logPrefix(rule.id)}"`);
    out.push(`-A ${chain} ${matches} -j ${target}`);
  }
  return out;
}

function iptablesProtocol(protocol: number): string {
  const named = protocol === PROTOCOL.TCP || protocol === PROTOCOL.UDP || protocol === PROTOCOL.ICMP || protocol === PROTOCOL.ICMPV6;
  return named ? protocolName(protocol) : String(protocol);
}

function portMatches(protocol: number, ports: PortRange[]): string[] {
  const name = protocolName(protocol);
  if (ports.length === 1) return [`-m ${name} --dport ${formatPorts(ports).replace("-", ":")}`];
  const chunks: PortRange[][] = [[]];
  let slots = 0;
  for (const r of ports) {
    const cost = r.from === r.to ? 1 : 2;
    if (slots + cost > MULTIPORT_SLOTS) {
      chunks.push([]);
      slots = 0;
    }
    chunks[chunks.length - 1].push(r);
    slots += cost;
  }
  return chunks.map((c) => `-m multiport --dports ${formatPorts(c).replace(/-/g, ":")}`);
}

/** "sg <end of rule id> " within iptables' 29 characters (the end is what differs); the comment carries the full id. */
function logPrefix(ruleId: string): string {
  return `sg ${ruleId.slice(-(LOG_PREFIX_MAX - 4))} `;
}

/**
 * Lines the agent appends to the ipset section: fill the next control-plane
 * set of each family, swap it in. `ipv6: false` for a configuration without an
 * ip6tables section (it creates no IPv6 control-plane set).
 */
export function controlPlaneIpset(addrs: readonly ControlPlaneAddress[], { ipv6 = true }: { ipv6?: boolean } = {}): string {
  const endpoints = addrs.map(parseControlPlaneEndpoint);
  const lines: string[] = [];
  for (const family of ipv6 ? ([4, 6] as const) : ([4] as const)) {
    const cp = controlPlaneSet(family);
    for (const e of endpoints) {
      if (e.family === 4 && family === 4) lines.push(`add ${cp.next} ${formatIPv4(e.address)},tcp:${e.port}`);
      if (e.family === 6 && family === 6) lines.push(`add ${cp.next} ${formatIPv6(e.address)},tcp:${e.port}`);
    }
    lines.push(`swap ${cp.next} ${cp.name}`, `destroy ${cp.next}`);
  }
  return lines.join("\n") + "\n";
}

export function joinIptablesConfig(config: IptablesConfig): string {
  const ip6 = config.ip6tables !== undefined;
  return (
    [
      "# secgroups iptables configuration. Apply the sections in order:",
      `#   ipset restore < ipset; iptables-restore --noflush < iptables;${ip6 ? " ip6tables-restore --noflush < ip6tables;" : ""}`,
      `#   then ensure each jump (iptables -C CHAIN RULE || iptables -I CHAIN 1 RULE${ip6 ? "; the same with ip6tables" : ""}).`,
      SECTION.ipset,
      config.ipset.trimEnd(),
      SECTION.iptables,
      config.iptables.trimEnd(),
      ...(ip6 ? [SECTION.ip6tables, config.ip6tables!.trimEnd()] : []),
      SECTION.jumps,
      ...config.jumps.map((j) => `${j.chain} ${j.rule.join(" ")}`),
    ].join("\n") + "\n"
  );
}

/** The sections of a rendered iptables configuration (the ip6tables one is absent in a configuration rendered before IPv6). */
export function splitIptablesConfig(text: string): IptablesConfig {
  // Slices between the marker lines, not 100,000 lines split and joined again: the agent splits every revision.
  const markers: { name: keyof typeof SECTION; start: number; body: number }[] = [];
  for (let at = 0; at >= 0; ) {
    const eol = text.indexOf("\n", at);
    const end = eol < 0 ? text.length : eol;
    const line = text.slice(at, end);
    const name = (Object.keys(SECTION) as (keyof typeof SECTION)[]).find((k) => SECTION[k] === line);
    if (name) markers.push({ name, start: at, body: end + 1 });
    const next = eol < 0 ? -1 : text.indexOf("\n#== ", eol);
    at = next < 0 ? -1 : next + 1;
  }
  const sections: Partial<Record<keyof typeof SECTION, string>> = {};
  // A marker seen again starts its section anew; a section's text runs to the next marker.
  markers.forEach((m, i) => (sections[m.name] = sectionText(text.slice(m.body, markers[i + 1]?.start ?? text.length))));
  for (const name of ["ipset", "iptables", "jumps"] as const) {
    if (sections[name] === undefined) throw new Error(`iptables configuration has no "${SECTION[name]}" section`);
  }
  return {
    ipset: sections.ipset!,
    iptables: sections.iptables!,
    ...(sections.ip6tables !== undefined ? { ip6tables: sections.ip6tables } : {}),
    jumps: sections
      .jumps!.split("\n")
      .filter((line) => line !== "")
      .map((line) => {
        const [chain, ...rule] = line.split(" ");
        return { chain, rule };
      }),
  };
}

/** A section's lines without empty ones, each ending in a newline ("\n" for none). */
function sectionText(body: string): string {
  if (body !== "" && body.endsWith("\n") && !body.startsWith("\n") && !body.includes("\n\n")) return body;
  return (
    body
      .split("\n")
      .filter((line) => line !== "")
      .join("\n") + "\n"
  );
}
