/**
 * nftables render: one `nft -f` file that replaces `table inet secgroups`
 * (and nothing else) in one transaction.
 *
 * Layout:
 *   table inet secgroups {}        create the table if missing, so that ...
 *   delete table inet secgroups    ... the delete never fails (nft 1.0.6 has no `destroy`)
 *   table inet secgroups { ... }   the full table: sets, the essential ICMPv6 chain, one base chain per hook
 *
 * Each base chain: loopback accept, the jump to the essential ICMPv6 messages
 * (before connection state: neighbour discovery is untracked), ct
 * established/related accept, ct invalid drop, (output) the control-plane
 * exception of each family, the rules in order, policy drop. Every rule
 * carries a match of its family, so traffic no rule of its family allows
 * falls to the drop policy. A prefix-list rule renders once per family it
 * applies to, against the list's set of that family (names.ts nftListSet);
 * a group reference the same, against the group's set of that family
 * (nftGroupSet), declared for every family a rule uses even when empty.
 *
 * Rules are written the way `nft list` prints them back (no match nft would
 * hide as an implied dependency, such as `meta l4proto tcp` before `tcp
 * dport`), so the file and the kernel's listing read into the same model.
 * The agent appends the control-plane endpoints (see controlPlaneElements) to
 * the same file, so they load in the same transaction.
 */
import {
  formatCidr,
  formatCidr6,
  formatIPv4,
  formatIPv6,
  formatPorts,
  protocolName,
  PROTOCOL,
  rangeEntries,
  rangeEntries6,
  type AddressFamily,
  type PortRange,
} from "../../model";
import {
  ESSENTIAL_ICMPV6,
  hooksOf,
  parseControlPlaneEndpoint,
  referencedListIds,
  rulesOnHook,
  type NormalizedPolicy,
  type NormalizedPrefixList,
  type PolicyRule,
} from "../../policy";
import type { ControlPlaneAddress } from "../platform";
import { NFT_CONTROL_PLANE_SET, NFT_CONTROL_PLANE_SET6, NFT_ESSENTIAL_ICMPV6_CHAIN, NFT_TABLE, nftGroupSet, nftListSet } from "./names";

export function renderNftables(policy: NormalizedPolicy): string {
  const lists = new Map(policy.prefixLists.map((l) => [l.id, l]));
  // Set names the rendered rules refer to: only those sets are declared.
  const referenced = new Set<string>();
  const chains: string[] = [];
  for (const hook of hooksOf(policy)) {
    chains.push(`\tchain ${hook} {`, `\t\ttype filter hook ${hook} priority filter; policy drop;`);
    if (hook === "input") chains.push('\t\tiif "lo" accept');
    if (hook === "output") chains.push('\t\toif "lo" accept');
    chains.push(`\t\tmeta l4proto ipv6-icmp jump ${NFT_ESSENTIAL_ICMPV6_CHAIN}`);
    chains.push("\t\tct state established,related accept", "\t\tct state invalid drop");
    if (hook === "output") {
      chains.push(
        `\t\tip daddr . tcp dport @${NFT_CONTROL_PLANE_SET} accept`,
        `\t\tip6 daddr . tcp dport @${NFT_CONTROL_PLANE_SET6} accept`,
      );
    }
    for (const rule of rulesOnHook(policy, hook)) {
      for (const family of renderedFamilies(rule, lists)) {
        const set = addressSet(rule, family);
        if (set !== undefined) referenced.add(set);
        chains.push(`\t\t${family === 4 ? nftRule(rule) : nftRule6(rule)}`);
      }
    }
    chains.push("\t}");
  }
  const out: Line[] = [
    "#!/usr/sbin/nft -f",
    `# secgroups ruleset (${policy.mode} mode). Replaces table inet ${NFT_TABLE} only, in one transaction.`,
    `table inet ${NFT_TABLE} {}`,
    `delete table inet ${NFT_TABLE}`,
    `table inet ${NFT_TABLE} {`,
    `\tset ${NFT_CONTROL_PLANE_SET} {`,
    "\t\ttype ipv4_addr . inet_service",
    "\t}",
    `\tset ${NFT_CONTROL_PLANE_SET6} {`,
    "\t\ttype ipv6_addr . inet_service",
    "\t}",
  ];
  const used = referencedListIds(policy);
  for (const list of policy.prefixLists) {
    if (!used.has(list.id)) continue;
    // Interval sets take ranges: a merged range that is no single CIDR is one element.
    if (referenced.has(nftListSet(list.id, 4))) pushSet(out, nftListSet(list.id, 4), "ipv4_addr", rangeEntries(list));
    if (referenced.has(nftListSet(list.id, 6))) pushSet(out, nftListSet(list.id, 6), "ipv6_addr", rangeEntries6(list));
  }
  // A group's sets are declared even when empty: a group without members matches nothing.
  for (const group of policy.groupReferences) {
    if (referenced.has(nftGroupSet(group.id, 4))) pushSet(out, nftGroupSet(group.id, 4), "ipv4_addr", group.cidrs);
    if (referenced.has(nftGroupSet(group.id, 6))) pushSet(out, nftGroupSet(group.id, 6), "ipv6_addr", group.cidrs6);
  }
  out.push(`\tchain ${NFT_ESSENTIAL_ICMPV6_CHAIN} {`);
  for (const m of ESSENTIAL_ICMPV6) out.push(`\t\ticmpv6 type ${m.type}${m.codes ? ` icmpv6 code ${codeRange(m.codes)}` : ""} accept`);
  out.push("\t}", ...chains, "}");
  return joinLines(out);
}

/** A line of the file, or a set's elements line (`\t\telements = { a, b, ... }`) to be written by joinLines. */
type Line = string | { readonly elements: readonly string[] };

function pushSet(out: Line[], name: string, type: string, cidrs: readonly string[]): void {
  out.push(`\tset ${name} {`, `\t\ttype ${type}`, "\t\tflags interval");
  if (cidrs.length) out.push({ elements: cidrs });
  out.push("\t}");
}

/**
 * The lines as one text, each ending in a newline. The elements go straight
 * into it: joined per set first, 200,000 CIDRs would be copied twice, and the
 * megabytes of set lines copied again by each young-generation collection
 * during the render.
 */
function joinLines(lines: readonly Line[]): string {
  // Pushed, not preallocated: `new Array(n)` of this size is a dictionary, slow to fill and to join.
  const parts: string[] = [];
  for (const line of lines) {
    if (typeof line === "string") {
      parts.push(line, "\n");
      continue;
    }
    const elements = line.elements;
    parts.push("\t\telements = { ", elements[0]);
    for (let i = 1; i < elements.length; i++) parts.push(", ", elements[i]);
    parts.push(" }\n");
  }
  return parts.join("");
}

/** A contiguous code list as nft writes it: `0` or `0-2`. */
function codeRange(codes: readonly number[]): string {
  const lo = Math.min(...codes);
  const hi = Math.max(...codes);
  if (hi - lo + 1 !== new Set(codes).size) throw new Error(`ICMPv6 codes ${codes.join(",")} are not one range`);
  return lo === hi ? `${lo}` : `${lo}-${hi}`;
}

/**
 * The families a rule is rendered for. A prefix list matches only its members
 * of the packet's family, so a family the list holds no member of would give a
 * rule that matches nothing: it is left out (an IPv4-only list renders as it
 * did before IPv6). A list with no members at all keeps its IPv4 rule, as before.
 */
function renderedFamilies(rule: PolicyRule, lists: ReadonlyMap<string, NormalizedPrefixList>): readonly AddressFamily[] {
  // A group's rules do not change with its members: every family the rule applies to, each against its set.
  if (rule.address.kind !== "prefixList") return rule.families;
  const list = lists.get(rule.address.id)!;
  const empty = !list.cidrs.length && !list.cidrs6.length;
  return rule.families.filter((f) => (f === 4 ? list.cidrs.length > 0 || empty : list.cidrs6.length > 0));
}

function nftRule(rule: PolicyRule): string {
  const m: string[] = [];
  if (rule.protocol !== PROTOCOL.ALL) m.push(`ip protocol ${nftProtocol(rule.protocol)}`);
  // Inbound rules name the peer as source, outbound rules as destination, on every hook.
  const field = rule.direction === "inbound" ? "saddr" : "daddr";
  if (rule.address.kind === "cidr" && rule.address.family === 4) m.push(`ip ${field} ${formatCidr(rule.address.cidr)}`);
  if (rule.address.kind === "range" && rule.address.family === 4)
    m.push(`ip ${field} ${formatIPv4(rule.address.first)}-${formatIPv4(rule.address.last)}`);
  const set = addressSet(rule, 4);
  if (set !== undefined) m.push(`ip ${field} @${set}`);
  // Without a protocol or address match, restrict the rule to IPv4 explicitly.
  if (!m.length) m.push("meta nfproto ipv4");
  if (rule.ports) m.push(`${protocolName(rule.protocol)} dport ${nftPorts(rule.ports)}`);
  if (rule.icmpType !== null) m.push(`icmp type ${rule.icmpType}`);
  if (rule.icmpCode !== null) m.push(`icmp code ${rule.icmpCode}`);
  return finish(rule, m);
}

/**
 * The IPv6 rendering of a rule. `meta l4proto` (not `ip6 nexthdr`) finds the
 * transport header behind extension headers. A port or ICMPv6 match implies its
 * protocol, and an ICMPv6 match implies IPv6: nft would hide those as
 * dependencies, so they are not written.
 */
function nftRule6(rule: PolicyRule): string {
  const m: string[] = [];
  const icmp = rule.icmpType !== null || rule.icmpCode !== null;
  if (rule.protocol !== PROTOCOL.ALL && !rule.ports && !icmp) m.push(`meta l4proto ${nftProtocol(rule.protocol)}`);
  const field = rule.direction === "inbound" ? "saddr" : "daddr";
  if (rule.address.kind === "cidr" && rule.address.family === 6) m.push(`ip6 ${field} ${formatCidr6(rule.address.cidr)}`);
  else if (rule.address.kind === "range" && rule.address.family === 6)
    m.push(`ip6 ${field} ${formatIPv6(rule.address.first)}-${formatIPv6(rule.address.last)}`);
  else if (addressSet(rule, 6) !== undefined) m.push(`ip6 ${field} @${addressSet(rule, 6)}`);
  else if (!icmp) m.push("meta nfproto ipv6");
  if (rule.ports) m.push(`${protocolName(rule.protocol)} dport ${nftPorts(rule.ports)}`);
  if (rule.icmpType !== null) m.push(`icmpv6 type ${rule.icmpType}`);
  if (rule.icmpCode !== null) m.push(`icmpv6 code ${rule.icmpCode}`);
  return finish(rule, m);
}

/** The set a rule's address is matched against in a family: its prefix list's or its group's. */
function addressSet(rule: PolicyRule, family: AddressFamily): string | undefined {
  if (rule.address.kind === "prefixList") return nftListSet(rule.address.id, family);
  if (rule.address.kind === "group") return nftGroupSet(rule.address.id, family);
  return undefined;
}

function finish(rule: PolicyRule, m: string[]): string {
  if (rule.log) m.push(`log prefix "secgroups ${rule.id} "`);
  m.push(rule.action, `comment "${rule.id}"`);
  return m.join(" ");
}

function nftProtocol(protocol: number): string {
  // Names nft knows for sure; numbers otherwise.
  if (protocol === PROTOCOL.ICMPV6) return "ipv6-icmp";
  return protocol === PROTOCOL.TCP || protocol === PROTOCOL.UDP || protocol === PROTOCOL.ICMP ? protocolName(protocol) : String(protocol);
}

function nftPorts(ports: PortRange[]): string {
  return ports.length === 1 ? formatPorts(ports) : `{ ${formatPorts(ports).split(",").join(", ")} }`;
}

/**
 * What the agent appends to the compiled file so the control-plane endpoints
 * load in the same transaction: a second block of our table that adds them to
 * the sets the file declared (one per family). Not `add element` lines: that
 * command makes nft 1.0.6 fetch every element of the table's interval sets
 * from the kernel before loading (the whole current table, 100,000 elements in
 * the benchmark, about 0.15 s) although the file deletes that table anyway.
 */
export function controlPlaneElements(addrs: readonly { address: string; port: number }[]): string {
  const endpoints = addrs.map(parseControlPlaneEndpoint);
  const v4 = [...new Set(endpoints.flatMap((e) => (e.family === 4 ? `${formatIPv4(e.address)} . ${e.port}` : [])))];
  const v6 = [...new Set(endpoints.flatMap((e) => (e.family === 6 ? `${formatIPv6(e.address)} . ${e.port}` : [])))];
  if (!v4.length && !v6.length) return "";
  const set = (name: string, type: string, elements: string[]) =>
    elements.length ? `\tset ${name} {\n\t\ttype ${type} . inet_service\n\t\telements = { ${elements.join(", ")} }\n\t}\n` : "";
  return `table inet ${NFT_TABLE} {\n${set(NFT_CONTROL_PLANE_SET, "ipv4_addr", v4)}${set(NFT_CONTROL_PLANE_SET6, "ipv6_addr", v6)}}\n`;
}

/** The file the agent loads: the compiled configuration and the control-plane endpoints, one transaction. */
export function nftablesFile(config: string, controlPlane: readonly ControlPlaneAddress[]): string {
  return (config.endsWith("\n") ? config : `${config}\n`) + controlPlaneElements(controlPlane);
}
