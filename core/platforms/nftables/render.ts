/**
 * nftables render: one `nft -f` file that replaces `table inet secgroups`
 * (and nothing else) in one transaction.
 *
 * Layout:
 *   table inet secgroups {}        create the table if missing, so that ...
 *   delete table inet secgroups    ... the delete never fails (nft 1.0.6 has no `destroy`)
 *   table inet secgroups { ... }   the full table: sets, then one base chain per hook
 *
 * Each base chain: loopback accept, ct established/related accept, ct invalid
 * drop, (output) the control-plane exception, the rules in order, policy drop.
 * The policy is IPv4: every rule carries an IPv4 match, so IPv6 falls to the
 * drop policy. The agent appends the control-plane endpoints (see
 * controlPlaneElements) to the same file, so they load in the same transaction.
 */
import { formatCidr, formatIPv4, formatPorts, protocolName, PROTOCOL, type PortRange } from "../../model";
import { hooksOf, parseControlPlaneEndpoint, referencedListIds, rulesOnHook, type NormalizedPolicy, type PolicyRule } from "../../policy";
import type { ControlPlaneAddress } from "../platform";
import { NFT_CONTROL_PLANE_SET, NFT_TABLE } from "./names";

export function renderNftables(policy: NormalizedPolicy): string {
  const out: string[] = [
    "#!/usr/sbin/nft -f",
    `# secgroups ruleset (${policy.mode} mode). Replaces table inet ${NFT_TABLE} only, in one transaction.`,
    `table inet ${NFT_TABLE} {}`,
    `delete table inet ${NFT_TABLE}`,
    `table inet ${NFT_TABLE} {`,
    `\tset ${NFT_CONTROL_PLANE_SET} {`,
    "\t\ttype ipv4_addr . inet_service",
    "\t}",
  ];
  const used = referencedListIds(policy);
  for (const list of policy.prefixLists) {
    if (!used.has(list.id)) continue;
    out.push(`\tset ${list.id} {`, "\t\ttype ipv4_addr", "\t\tflags interval");
    if (list.cidrs.length) out.push(`\t\telements = { ${list.cidrs.join(", ")} }`);
    out.push("\t}");
  }
  for (const hook of hooksOf(policy)) {
    out.push(`\tchain ${hook} {`, `\t\ttype filter hook ${hook} priority filter; policy drop;`);
    if (hook === "input") out.push('\t\tiif "lo" accept');
    if (hook === "output") out.push('\t\toif "lo" accept');
    out.push("\t\tct state established,related accept", "\t\tct state invalid drop");
    if (hook === "output") out.push(`\t\tip daddr . tcp dport @${NFT_CONTROL_PLANE_SET} accept`);
    for (const rule of rulesOnHook(policy, hook)) out.push(`\t\t${nftRule(rule)}`);
    out.push("\t}");
  }
  out.push("}");
  return out.join("\n") + "\n";
}

function nftRule(rule: PolicyRule): string {
  const m: string[] = [];
  if (rule.protocol !== PROTOCOL.ALL) m.push(`ip protocol ${nftProtocol(rule.protocol)}`);
  // Inbound rules name the peer as source, outbound rules as destination, on every hook.
  const field = rule.direction === "inbound" ? "saddr" : "daddr";
  if (rule.address.kind === "cidr" && rule.address.family === 6) throw new Error("TODO(#14): IPv6 rules on nftables");
  if (rule.address.kind === "cidr") m.push(`ip ${field} ${formatCidr(rule.address.cidr)}`);
  if (rule.address.kind === "prefixList") m.push(`ip ${field} @${rule.address.id}`);
  // Without a protocol or address match, restrict the rule to IPv4 explicitly.
  if (!m.length) m.push("meta nfproto ipv4");
  if (rule.ports) m.push(`${protocolName(rule.protocol)} dport ${nftPorts(rule.ports)}`);
  if (rule.icmpType !== null) m.push(`icmp type ${rule.icmpType}`);
  if (rule.icmpCode !== null) m.push(`icmp code ${rule.icmpCode}`);
  if (rule.log) m.push(`log prefix "secgroups ${rule.id} "`);
  m.push(rule.action, `comment "${rule.id}"`);
  return m.join(" ");
}

function nftProtocol(protocol: number): string {
  // Names nft knows for sure; numbers otherwise.
  return protocol === PROTOCOL.TCP || protocol === PROTOCOL.UDP || protocol === PROTOCOL.ICMP ? protocolName(protocol) : String(protocol);
}

function nftPorts(ports: PortRange[]): string {
  return ports.length === 1 ? formatPorts(ports) : `{ ${formatPorts(ports).split(",").join(", ")} }`;
}

/**
 * What the agent appends to the compiled file so the control-plane endpoints
 * load in the same transaction: a second block of our table that adds them to
 * the set the file declared. Not `add element` lines: that command makes nft
 * 1.0.6 fetch every element of the table's interval sets from the kernel before
 * loading (the whole current table, 100,000 elements in the benchmark, about
 * 0.15 s) although the file deletes that table anyway.
 */
export function controlPlaneElements(addrs: readonly { address: string; port: number }[]): string {
  const elements = [
    ...new Set(addrs.map(parseControlPlaneEndpoint).flatMap((e) => (e.family !== 4 ? [] : `${formatIPv4(e.address)} . ${e.port}`))),
  ];
  if (!elements.length) return "";
  return (
    `table inet ${NFT_TABLE} {\n\tset ${NFT_CONTROL_PLANE_SET} {\n\t\ttype ipv4_addr . inet_service\n` +
    `\t\telements = { ${elements.join(", ")} }\n\t}\n}\n`
  );
}

/** The file the agent loads: the compiled configuration and the control-plane endpoints, one transaction. */
export function nftablesFile(config: string, controlPlane: readonly ControlPlaneAddress[]): string {
  return (config.endsWith("\n") ? config : `${config}\n`) + controlPlaneElements(controlPlane);
}
